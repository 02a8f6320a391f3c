//! Sync and forwarding from the command line, a child process per command: the history-depth
//! setting, `status` (status, last success, next run), `forward set/status/push/off`.
use std::process::{Command, Output};

const APP: &str = env!("CARGO_BIN_EXE_vital-link");

fn vl(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(APP)
        .args(args)
        .env("VITAL_LINK_DATA_DIR", dir)
        .env("VITAL_LINK_SANDBOX_NOW", "2026-11-20T15:00:00Z")
        .env_remove("VITAL_LINK_HISTORY_DAYS")
        .env("BROWSER", format!("{APP} sandbox-browser"))
        .env_remove("VITAL_LINK_ENV")
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn history_setting_status_and_forwarding_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = vl(d, &["settings", "set", "history_days", "soon"]);
    assert!(!o.status.success());
    assert!(err(&o).contains("whole number"), "{}", err(&o));
    assert!(vl(d, &["settings", "set", "history_days", "3"])
        .status
        .success());
    assert_eq!(
        out(&vl(d, &["settings", "get", "history_days"])).trim(),
        "3"
    );
    assert!(vl(d, &["users", "add", "cli-sync"]).status.success());
    let o = vl(d, &["connect", "cli-sync", "oura"]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    // Three days of history (the setting), not the 90-day default.
    let nights = v["stored"]["sleep"].as_i64().unwrap();
    assert!((3..=5).contains(&nights), "{nights}");
    assert!(err(&o).contains("last 3 days"), "{}", err(&o));

    let o = vl(d, &["status"]);
    assert!(o.status.success(), "{}", err(&o));
    let line = out(&o);
    assert!(
        line.contains("cli-sync\toura\tconnected\tlast success 20"),
        "{line}"
    );
    assert!(line.contains("next run 20"), "{line}");

    // A flag wins over the setting.
    let o = vl(d, &["--history-days", "6", "sync"]);
    assert!(o.status.success(), "{}", err(&o));
    let o = vl(d, &["data", "sleep", "cli-sync", "--from", "2026-11-10"]);
    let nights = serde_json::from_str::<serde_json::Value>(&out(&o)).unwrap()["sleep"]
        .as_array()
        .unwrap()
        .len();
    assert!((6..=8).contains(&nights), "{nights}");

    // Forwarding: off by default; a target queues what is stored; a dead target keeps it.
    let st: serde_json::Value = serde_json::from_str(&out(&vl(d, &["forward", "status"]))).unwrap();
    assert_eq!(st["enabled"], false);
    let o = vl(
        d,
        &[
            "forward",
            "set",
            "--url",
            "http://127.0.0.1:9",
            "--api-key",
            "sk_test",
            "--provider-mode",
            "manual",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let st: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(st["provider_mode"], "manual");
    let queued = st["outbox"]["readings"].as_i64().unwrap();
    assert!(queued > 1000, "{st}");
    let o = vl(d, &["forward", "push"]);
    assert!(!o.status.success());
    assert!(err(&o).contains("connection refused"), "{}", err(&o));
    let st: serde_json::Value = serde_json::from_str(&out(&vl(d, &["forward", "status"]))).unwrap();
    assert_eq!(st["outbox"]["readings"], queued, "nothing dropped");
    assert!(st["last_error"]
        .as_str()
        .unwrap()
        .contains("connection refused"));
    let o = vl(d, &["status"]);
    assert!(
        out(&o).contains(&format!(
            "forwarding to http://127.0.0.1:9: {queued} readings queued"
        )),
        "{}",
        out(&o)
    );
    assert!(vl(d, &["forward", "off"]).status.success());
    let st: serde_json::Value = serde_json::from_str(&out(&vl(d, &["forward", "status"]))).unwrap();
    assert_eq!(st["enabled"], false);
    assert_eq!(st["outbox"]["readings"], 0);
}
