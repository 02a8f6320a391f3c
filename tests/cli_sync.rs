//! Sync and forwarding from the command line, a child process per command: the history-depth
//! setting, `status` (status, last success, next run), `forward set/status/push/retry/off`.
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

/// A forward target on a thread (tiny_http, loopback) that refuses the profile summary with a
/// 422 while `refuse` is set and accepts everything else; counts the profile requests.
fn target(
    refuse: std::sync::Arc<std::sync::atomic::AtomicBool>,
    profile_requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> String {
    use std::sync::atomic::Ordering;
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let mut body = vec![];
            let _ = req.as_reader().read_to_end(&mut body);
            let path = req.url().to_string();
            let status = if path.starts_with("/v2/summary/profile/") {
                profile_requests.fetch_add(1, Ordering::SeqCst);
                if refuse.load(Ordering::SeqCst) {
                    422
                } else {
                    200
                }
            } else {
                200
            };
            let answer = tiny_http::Response::from_string(r#"{"user_id":"remote-user"}"#)
                .with_status_code(status);
            let _ = req.respond(answer);
        }
    });
    url
}

#[test]
fn forward_status_lists_dead_letters_and_forward_retry_resends_them() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let refuse = std::sync::Arc::new(AtomicBool::new(true));
    let profile = std::sync::Arc::new(AtomicUsize::new(0));
    let url = target(refuse.clone(), profile.clone());
    assert!(vl(d, &["settings", "set", "history_days", "2"])
        .status
        .success());
    assert!(vl(d, &["users", "add", "cli-dead"]).status.success());
    assert!(vl(d, &["connect", "cli-dead", "oura"]).status.success());
    let o = vl(
        d,
        &[
            "forward",
            "set",
            "--url",
            &url,
            "--api-key",
            "sk_cli_secret",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));

    // The refused profile is parked; everything else is delivered.
    let o = vl(d, &["forward", "push"]);
    assert!(o.status.success(), "{}", err(&o));
    let st: serde_json::Value = serde_json::from_str(&out(&vl(d, &["forward", "status"]))).unwrap();
    assert_eq!(st["outbox"]["batches"], 0, "{st}");
    assert_eq!(st["parked"]["batches"], 1, "{st}");
    let dead = &st["dead_letters"][0];
    assert_eq!(dead["resource"], "profile");
    assert_eq!(dead["client_user_id"], "cli-dead");
    assert_eq!(dead["last_status"], 422);
    assert!(
        dead["last_error"].as_str().unwrap().contains("422"),
        "{dead}"
    );
    assert!(!st.to_string().contains("sk_cli_secret"));
    let line = out(&vl(d, &["status"]));
    assert!(line.contains("1 batches parked"), "{line}");
    assert_eq!(profile.load(Ordering::SeqCst), 1);

    // Fixed target: `forward retry` queues it again, the next push delivers it.
    refuse.store(false, Ordering::SeqCst);
    let o = vl(d, &["forward", "retry"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains("1 parked batches queued again"),
        "{}",
        err(&o)
    );
    let st: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(
        (
            st["parked"]["batches"].as_i64(),
            st["outbox"]["batches"].as_i64()
        ),
        (Some(0), Some(1))
    );
    let st: serde_json::Value = serde_json::from_str(&out(&vl(d, &["forward", "push"]))).unwrap();
    assert_eq!(
        (
            st["parked"]["batches"].as_i64(),
            st["outbox"]["batches"].as_i64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(profile.load(Ordering::SeqCst), 2);
}
