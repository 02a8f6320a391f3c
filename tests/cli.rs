//! The CLI as a user runs it: a child process per command, `$BROWSER` set to the sandbox
//! browser, a real data directory.
use std::process::{Command, Output};

const APP: &str = env!("CARGO_BIN_EXE_vital-link");

fn vl(dir: &std::path::Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

fn command(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(APP);
    c.args(args)
        .env("VITAL_LINK_DATA_DIR", dir)
        .env("VITAL_LINK_SANDBOX_NOW", "2026-11-20T15:00:00Z")
        .env("VITAL_LINK_HISTORY_DAYS", "7")
        .env("BROWSER", format!("{APP} sandbox-browser"))
        .env_remove("VITAL_LINK_ENV");
    c
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

    let o = vl(d, &["doctor", "--json"]);
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
    assert_eq!(o.status.code(), Some(3), "not found (docs/errors.md)");
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
    assert_eq!(o.status.code(), Some(6), "storage (docs/errors.md)");
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
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("nobody"), "{}", stderr(&o));
}

/// Moves a connection to `status` as a refused refresh (or a failed sync) leaves it.
fn set_connection_status(dir: &std::path::Path, status: &str, code: &str, message: &str) {
    let c = rusqlite::Connection::open(dir.join("vital-link.sqlite3")).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    let n = c
        .execute(
            "UPDATE connections SET status = ?1, error_type = ?2, error_message = ?3",
            [status, code, message],
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn status_and_sync_exit_non_zero_while_a_connection_needs_attention() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(vl(d, &["users", "add", "P-001"]).status.success());
    let o = vl(d, &["connect", "P-001", "oura"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(vl(d, &["status"]).status.code(), Some(0));

    set_connection_status(
        d,
        "reauth_required",
        "reauth_required",
        "oura no longer accepts this connection's refresh token",
    );
    // status: exit 4 (needs reconnect), the row on stdout, what to do on stderr.
    let o = vl(d, &["status"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stdout(&o).contains("P-001\toura"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("oura needs P-001 to sign in again (`vital-link connect P-001 oura`)"),
        "{}",
        stderr(&o)
    );
    // --json: the same exit code, JSON on stdout.
    let o = vl(d, &["status", "--json"]);
    assert_eq!(o.status.code(), Some(4));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v[0]["status"], "reauth_required");
    // sync: not silent, and not 0.
    let o = vl(d, &["sync", "P-001"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not synced") && stderr(&o).contains("vital-link connect P-001 oura"),
        "{}",
        stderr(&o)
    );
    let o = vl(d, &["sync"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));

    // A failed sync: exit 1, and it says it is retried.
    set_connection_status(d, "error", "provider_unavailable", "oura answered 500");
    let o = vl(d, &["status"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("oura answered 500"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("the last sync of oura of P-001 failed"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn doctor_and_providers_list_speak_to_people_and_json_to_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Whether the machine running the test has a display must not decide its result: the
    // display is set (or not) here, and each case says what it should.
    let o = command(d, &["doctor"])
        .env("DISPLAY", ":0")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "{text}"
    );
    assert!(text.contains("sandbox environment"), "{text}");
    assert!(text.contains("Verdict: all is well."), "{text}");
    let o = command(d, &["doctor"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(stdout(&o).contains("Verdict: 1 to fix"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("no display ($DISPLAY is not set)"),
        "{}",
        stdout(&o)
    );
    let o = vl(d, &["doctor", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["environment"], "sandbox");

    let o = vl(d, &["providers", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("slug\tname\tcan connect\tcredentials\n"),
        "{text}"
    );
    assert!(text.contains("oura\tOura\tyes (sandbox fake)"), "{text}");
    assert!(
        text.contains("providers can be connected here (sandbox environment)."),
        "{text}"
    );
    let o = vl(d, &["providers", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v.as_array().unwrap().iter().any(|p| p["slug"] == "oura"));

    // Production: providers without credentials say what to do.
    let o = vl(d, &["--env", "production", "providers", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("needs credentials"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("vital-link providers set"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn users_list_has_a_header_and_is_ordered_by_client_user_id() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for id in ["b-2", "a-1", "c-3"] {
        assert!(vl(d, &["users", "add", id]).status.success());
    }
    let o = vl(d, &["users", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(String::from).collect();
    assert_eq!(lines[0], "client_user_id\tuser_id\tconnections");
    let ids: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(ids, ["a-1", "b-2", "c-3"]);
    assert!(lines[1].ends_with("\t-"), "{}", lines[1]);
    let o = vl(d, &["users", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["client_user_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a-1", "b-2", "c-3"]);
}

#[cfg(unix)]
#[test]
fn connect_without_a_browser_prints_the_url_says_what_it_waits_for_and_stops_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(vl(d, &["users", "add", "P-9"]).status.success());
    let mut child = Command::new(APP)
        .args(["connect", "P-9", "oura", "--no-browser", "--timeout", "120"])
        .env("VITAL_LINK_DATA_DIR", d)
        .env("VITAL_LINK_SANDBOX_NOW", "2026-11-20T15:00:00Z")
        .env_remove("VITAL_LINK_ENV")
        .env_remove("BROWSER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(
        first.contains("Open this URL in a browser to connect oura for P-9"),
        "{first}"
    );
    let mut url = String::new();
    out.read_line(&mut url).unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    // Give it a moment to be waiting, then Ctrl-C.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "Ctrl-C did not end `connect`"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("Waiting for the sign-in"), "{err}");
    assert!(err.contains("up to 2 minutes"), "{err}");
    assert!(err.contains("Ctrl-C stops"), "{err}");
    assert!(
        err.contains("stopped with Ctrl-C: oura was not connected"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = vl(dir.path(), &["settings", "set", "history_days", "soon"]);
    assert_eq!(o.status.code(), Some(2));
    let o = vl(dir.path(), &["no-such-command"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_export_never_overwrites_an_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(vl(d, &["users", "add", "exp-1"]).status.success());
    let out = d.join("study-export");
    let out_s = out.to_str().unwrap();
    let o = vl(d, &["export", "--format", "csv", "--out", out_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!before.is_empty());
    let marker = out.join("participants.csv");
    let kept = std::fs::read(&marker).ok();
    std::fs::write(out.join("my-notes.txt"), "the researcher's own file").unwrap();

    let o = vl(d, &["export", "--format", "json", "--out", out_s]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("already holds files"), "{err}");
    assert!(err.contains("choose a new or empty folder"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("my-notes.txt")).unwrap(),
        "the researcher's own file"
    );
    assert_eq!(std::fs::read(&marker).ok(), kept);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), before.len() + 1);

    // An empty folder is fine.
    let empty = d.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = vl(
        d,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            empty.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_participants_csv_is_previewed_then_imported_and_an_open_quote_refuses_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(vl(d, &["users", "add", "P-100"]).status.success());
    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        "participant_id,notes,cohort\nP-101,ok,A\nP-102,\"unterminated quote,B\nP-103,,A\nP-104,,B\n",
    )
    .unwrap();
    let o = vl(d, &["users", "import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("line 3 opens a quote"),
        "{}",
        stderr(&o)
    );
    let list = stdout(&vl(d, &["users", "list"]));
    assert!(
        !list.contains("P-101"),
        "nothing of a refused file is imported:\n{list}"
    );

    let good = d.join("good.csv");
    std::fs::write(
        &good,
        "participant_id,notes,cohort\nP-100,,A\nP-105,\"quoted, comma\",B\nP-106,x,A,extra\nP-105,,B\n",
    )
    .unwrap();
    let o = vl(d, &["users", "import", good.to_str().unwrap(), "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = stdout(&o);
    assert!(plan.contains("line    2  already present P-100"), "{plan}");
    assert!(plan.contains("line    3  add             P-105"), "{plan}");
    assert!(
        plan.contains("line    4  skip            P-106: 4 fields where the header has 3"),
        "{plan}"
    );
    assert!(
        plan.contains("line    5  skip            P-105: participant P-105 is already on line 3"),
        "{plan}"
    );
    assert!(
        plan.contains("1 to add, 1 already present, 2 skipped; nothing was changed"),
        "{plan}"
    );
    assert!(
        !stdout(&vl(d, &["users", "list"])).contains("P-105"),
        "a dry run changes nothing"
    );

    let o = vl(
        d,
        &[
            "users",
            "import",
            good.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["to_add"], 1);
    assert_eq!(v["rows"][2]["action"], "skip");

    let o = vl(d, &["users", "import", good.to_str().unwrap()]);
    assert_ne!(
        o.status.code(),
        Some(0),
        "skipped lines make the import incomplete"
    );
    assert!(stderr(&o).contains("line 4: 4 fields"), "{}", stderr(&o));
    let list = stdout(&vl(d, &["users", "list"]));
    assert!(list.contains("P-105") && !list.contains("P-106"), "{list}");
}
