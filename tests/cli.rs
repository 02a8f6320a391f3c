//! The CLI as a user runs it: a child process per command, `$BROWSER` set to the sandbox
//! browser, a real data directory.
use std::process::{Command, Output};

const APP: &str = env!("CARGO_BIN_EXE_vital-link");

fn vl(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(APP)
        .args(args)
        .env("VITAL_LINK_DATA_DIR", dir)
        .env("VITAL_LINK_SANDBOX_NOW", "2026-11-20T15:00:00Z")
        .env("VITAL_LINK_HISTORY_DAYS", "7")
        .env("BROWSER", format!("{APP} sandbox-browser"))
        .env_remove("VITAL_LINK_ENV")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn add_connect_sync_and_read_data_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = vl(d, &["users", "add", "cli-user"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let created: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let user_id = created["user_id"].as_str().unwrap().to_string();

    let o = vl(d, &["connect", "cli-user", "oura"]);
    assert!(o.status.success(), "connect failed: {}", stderr(&o));
    let result: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(result["state"], "success");
    assert_eq!(result["status"], "connected");
    assert!(result["stored"]["sleep"].as_i64().unwrap() >= 7);

    // Both the client_user_id and the Vital user_id name the user.
    for who in ["cli-user", user_id.as_str()] {
        let o = vl(
            d,
            &[
                "data",
                "sleep",
                who,
                "--from",
                "2026-11-14",
                "--to",
                "2026-11-20",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let nights = v["sleep"].as_array().unwrap();
        assert!(nights.len() >= 7 && nights.len() <= 9, "{}", nights.len());
        assert!(nights.iter().all(|n| n["user_id"] == user_id.as_str()));
    }
    let o = vl(
        d,
        &[
            "data",
            "heartrate",
            "cli-user",
            "--from",
            "2026-11-19",
            "--to",
            "2026-11-19",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let samples = v["groups"]["oura"][0]["data"].as_array().unwrap();
    assert!(
        samples.len() > 250 && samples.len() <= 288,
        "a day of 5-minute heart rate: {}",
        samples.len()
    );
    assert_eq!(samples[0]["unit"], "bpm");

    let o = vl(d, &["sync", "cli-user"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("0 summaries and 0 samples new or changed"),
        "{}",
        stderr(&o)
    );

    let o = vl(d, &["status"]);
    assert!(
        stdout(&o).contains("cli-user\toura\tconnected"),
        "{}",
        stdout(&o)
    );
    let o = vl(d, &["users", "list"]);
    assert!(stdout(&o).contains("oura (connected)"));

    let o = vl(d, &["doctor"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        doc["database"]["schema_version"],
        vital_link::store::LATEST_SCHEMA
    );
    assert!(doc["sandbox"]["oura"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));

    // No token or secret ever reaches the log file or the terminal.
    let mut logs = String::new();
    for e in std::fs::read_dir(d.join("logs")).unwrap() {
        logs.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    assert!(!logs.contains("sandbox-oura-secret"));
    assert!(
        !logs.contains("code="),
        "authorization codes must not be logged"
    );
}

#[test]
fn unknown_user_and_bad_dates_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let o = vl(
        dir.path(),
        &["data", "sleep", "nobody", "--from", "2026-01-01"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no user with id or client_user_id \"nobody\""),
        "{}",
        stderr(&o)
    );
    vl(dir.path(), &["users", "add", "someone"]);
    let o = vl(
        dir.path(),
        &["data", "sleep", "someone", "--from", "last tuesday"],
    );
    assert!(stderr(&o).contains("is not a date"), "{}", stderr(&o));
    let o = vl(dir.path(), &["users", "add", "someone"]);
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
}

#[test]
fn a_corrupt_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vital-link.sqlite3");
    std::fs::write(&db, vec![7u8; 4096]).unwrap();
    let o = vl(dir.path(), &["users", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not a readable Vital Link database"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&db).unwrap(), vec![7u8; 4096]);
}

#[test]
fn denied_consent_from_the_command_line_exits_non_zero_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    vl(dir.path(), &["users", "add", "no-thanks"]);
    let o = Command::new(APP)
        .args(["connect", "no-thanks", "oura"])
        .env("VITAL_LINK_DATA_DIR", dir.path())
        .env("BROWSER", format!("{APP} sandbox-browser --deny"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("access was declined"), "{}", stderr(&o));
}

#[test]
fn provider_redirect_settings_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = vl(
        d,
        &[
            "providers",
            "forward-page",
            "whoop_v2",
            "https://pages.example/vital-link/",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("https://pages.example/vital-link/"));
    let o = vl(
        d,
        &[
            "providers",
            "forward-page",
            "whoop_v2",
            "http://pages.example/",
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("must be served over https"),
        "{}",
        stderr(&o)
    );

    let o = vl(d, &["providers", "redirect-port", "withings", "9123"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("http://127.0.0.1:9123/callback"),
        "{}",
        stderr(&o)
    );
    let o = vl(d, &["providers", "redirect-port", "strava", "9123"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("any loopback port"), "{}", stderr(&o));
    let o = vl(d, &["providers", "redirect-port", "withings"]);
    assert!(
        stderr(&o).contains("http://127.0.0.1:8752/callback"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn participant_notes_and_cohort_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = vl(
        d,
        &[
            "users",
            "add",
            "P-7",
            "--notes",
            "left-handed",
            "--cohort",
            "A",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = vl(d, &["users", "set", "P-7", "--cohort", "B"]);
    let u: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (u["notes"].as_str(), u["cohort"].as_str()),
        (Some("left-handed"), Some("B"))
    );
    let o = vl(d, &["users", "set", "P-7", "--notes", ""]);
    let u: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (u["notes"].as_str(), u["cohort"].as_str()),
        (None, Some("B"))
    );
    let o = vl(d, &["users", "set", "nobody", "--cohort", "B"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nobody"), "{}", stderr(&o));
}
