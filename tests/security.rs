//! Security controls, each with a test that fails if the control is removed.
mod common;

use common::*;
use serde_json::{json, Value};
use vital_link::sandbox_browser::{complete, Choice};

fn contains(haystack: &[u8], needle: &str) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
}

fn all_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The provider's side of the tokens it issued (the fake keeps them, as a provider would).
fn issued_tokens(data: &std::path::Path) -> Vec<String> {
    let v: Value =
        serde_json::from_slice(&std::fs::read(data.join("sandbox/oura-tokens.json")).unwrap())
            .unwrap();
    v["access"]
        .as_object()
        .unwrap()
        .keys()
        .chain(v["refresh"].as_object().unwrap().keys())
        .cloned()
        .collect()
}

#[tokio::test]
async fn no_secret_reaches_the_database_logs_or_exports_in_plaintext() {
    let h = start(7).await;
    let data = h.app.config.data_dir.clone();
    vital_link::logging::init(Some(&data.join("logs")), "warn");
    // Drive the consent by hand to learn the authorization code, as a browser would see it.
    let (token, url) = begin_link(&h.app, "secret-search").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http.get(&url).send().await.unwrap().text().await.unwrap();
    let rid = page
        .split("name=\"request_id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let base = url.split("/oauth/").next().unwrap().to_string();
    let r = http
        .post(format!("{base}/oauth/authorize/decision"))
        .form(&[
            ("request_id", rid.as_str()),
            ("action", "allow"),
            ("scope", "daily"),
            ("scope", "heartrate"),
            ("scope", "personal"),
            ("scope", "workout"),
        ])
        .send()
        .await
        .unwrap();
    let callback = r.headers()["location"].to_str().unwrap().to_string();
    let code = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    http.get(&callback).send().await.unwrap();
    assert_eq!(settle(&h.app, &token).await.state.as_str(), "success");
    h.app.wait_background().await;
    let api_key = h.app.api_key().unwrap();
    let out = h.dir.path().join("export");
    for (fmt, sub) in [
        (vital_link::export::Format::Csv, "csv"),
        (vital_link::export::Format::Json, "json"),
        (vital_link::export::Format::Parquet, "parquet"),
    ] {
        h.app
            .export(
                &vital_link::export::ExportOptions {
                    format: fmt,
                    out: out.join(sub),
                    participants: vec![],
                    from: None,
                    to: None,
                    raw: true,
                },
                &|_, _, _| {},
            )
            .unwrap();
    }
    let mut secrets = issued_tokens(&data);
    assert!(secrets.len() >= 2);
    secrets.extend([
        code,
        api_key,
        token,
        vital_link::fake::oura::CLIENT_SECRET.to_string(),
    ]);
    let mut files = all_files(&data);
    files.extend(all_files(&out));
    files.retain(|f| !f.starts_with(data.join("sandbox")));
    assert!(files
        .iter()
        .any(|f| f.extension().is_some_and(|e| e == "sqlite3-wal")));
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for s in &secrets {
            assert!(
                !contains(&bytes, s),
                "{} contains a secret ({}…)",
                f.display(),
                &s[..4]
            );
        }
    }
}

#[tokio::test]
async fn data_directory_database_and_key_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let h = start(2).await;
    let (token, url) = begin_link(&h.app, "modes").await;
    complete(&url, &Choice::default()).await.unwrap();
    settle(&h.app, &token).await;
    h.app.wait_background().await;
    let d = &h.app.config.data_dir;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(d), 0o700);
    for f in [
        "vital-link.sqlite3",
        "vital-link.sqlite3-wal",
        "vital-link.sqlite3-shm",
    ] {
        assert_eq!(mode(&d.join(f)), 0o600, "{f}");
    }
    if d.join("vault.key").exists() {
        assert_eq!(mode(&d.join("vault.key")), 0o600);
    }
}

#[tokio::test]
async fn wipe_leaves_no_reading_or_token_in_the_file_or_the_wal() {
    let h = start(7).await;
    let (token, url) = begin_link(&h.app, "wiped").await;
    complete(&url, &Choice::default()).await.unwrap();
    settle(&h.app, &token).await;
    h.app.wait_background().await;
    let marker: String = h
        .app
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT provider_record_id FROM summaries LIMIT 1",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let sealed: Vec<u8> = h
        .app
        .store
        .read(|c| {
            Ok(
                c.query_row("SELECT access_token FROM connection_tokens", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    let d = h.app.config.data_dir.clone();
    let db_bytes = || {
        let mut b = std::fs::read(d.join("vital-link.sqlite3")).unwrap();
        b.extend(std::fs::read(d.join("vital-link.sqlite3-wal")).unwrap_or_default());
        b
    };
    assert!(
        contains(&db_bytes(), &marker),
        "the reading is there before the wipe"
    );
    h.app.wipe().await.unwrap();
    let after = db_bytes();
    assert!(
        !contains(&after, &marker),
        "a provider record id survived the wipe"
    );
    assert!(
        !after
            .windows(sealed.len().min(40))
            .any(|w| w == &sealed[..sealed.len().min(40)]),
        "a sealed token survived"
    );
    assert!(h.app.store.list_users(0, 10).unwrap().0.is_empty());
    // The audit log is gone too, but for the record of the wipe itself.
    let events = h.app.store.events(50).unwrap();
    assert_eq!(
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["data.wiped"]
    );
}

#[tokio::test]
async fn deleting_a_user_revokes_the_token_at_the_provider() {
    let h = start(2).await;
    let (token, url) = begin_link(&h.app, "revoked").await;
    complete(&url, &Choice::default()).await.unwrap();
    settle(&h.app, &token).await;
    h.app.wait_background().await;
    let before = issued_tokens(&h.app.config.data_dir);
    let user = h.app.store.user_by_client_id("revoked").unwrap();
    let conn = h
        .app
        .store
        .connection_for(&user.user_id, "oura")
        .unwrap()
        .unwrap();
    let tokens = h.app.store.tokens(&h.app.vault, conn.id).unwrap();
    h.app.delete_user("revoked").await.unwrap();
    let after = issued_tokens(&h.app.config.data_dir);
    assert!(before.contains(&tokens.access_token));
    assert!(
        !after.contains(&tokens.access_token),
        "the provider no longer knows the access token"
    );
    let r = reqwest::Client::new()
        .get(format!(
            "{}/v2/usercollection/daily_sleep",
            vital_link::sandbox(&h.app).base_url("oura").unwrap()
        ))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(h.app.store.connections(None).unwrap().is_empty());
}

#[tokio::test]
async fn the_api_refuses_foreign_hosts_and_floods() {
    let h = start_with(2, |c| c.api_anonymous_rate_limit = (30.0, 2.0)).await;
    let base = h.app.api_base_url();
    let key = h.app.api_key().unwrap();
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{base}/v2/user"))
        .header("host", "attacker.example:8750")
        .header("x-vital-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "DNS rebinding: a foreign Host is refused even with the key"
    );
    // Same length, wrong key (its last character changed, whatever it was); and a prefix.
    let last = if key.ends_with('x') { "y" } else { "x" };
    let wrong = format!("{}{last}", &key[..key.len() - 1]);
    assert_ne!(wrong, key);
    for k in [wrong, key[..10].to_string()] {
        assert_eq!(
            http.get(format!("{base}/v2/user"))
                .header("x-vital-api-key", k)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
    }
    let mut limited = None;
    for i in 0..60 {
        let r = http.get(format!("{base}/health")).send().await.unwrap();
        if r.status() == 429 {
            assert_eq!(r.headers()["retry-after"], "1");
            limited = Some(i);
            break;
        }
    }
    assert!(
        limited.is_some_and(|i| i <= 32),
        "a flood meets the rate limit: {limited:?}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let body: Value = http
        .post(format!("{base}/v2/user"))
        .header("x-vital-api-key", &key)
        .json(&json!({"client_user_id": "x".repeat(2_000_000)}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or(json!({}));
    assert_eq!(body["detail"]["error_type"], "payload_too_large");
}

/// Sends `GET /health` without a key as fast as `workers` connections allow until `until`;
/// returns (answered, refused with 429).
async fn flood_health(base: String, workers: usize, until: std::time::Instant) -> (u64, u64) {
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (http, url) = (http.clone(), format!("{base}/health"));
            tokio::spawn(async move {
                let (mut n, mut refused) = (0, 0);
                while std::time::Instant::now() < until {
                    let r = http.get(&url).send().await.unwrap();
                    n += 1;
                    refused += u64::from(r.status() == 429);
                }
                (n, refused)
            })
        })
        .collect();
    let mut total = (0, 0);
    for t in tasks {
        let (n, r) = t.await.unwrap();
        total = (total.0 + n, total.1 + r);
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_without_the_key_does_not_deny_the_api_to_keyed_clients() {
    let h = start_with(2, |c| {
        c.api_rate_limit = (200.0, 100.0);
        c.api_anonymous_rate_limit = (20.0, 10.0);
    })
    .await;
    let base = h.app.api_base_url();
    let key = h.app.api_key().unwrap();
    let started = std::time::Instant::now();
    let flood = tokio::spawn(flood_health(
        base.clone(),
        8,
        started + std::time::Duration::from_millis(2000),
    ));
    // The keyed client starts once the flood has emptied any bucket it could reach, and asks
    // 50 times at 40 req/s: well inside its own budget.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let http = reqwest::Client::new();
    let mut statuses = vec![];
    for _ in 0..50 {
        let r = http
            .get(format!("{base}/v2/user"))
            .header("x-vital-api-key", &key)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let (flooded, refused) = flood.await.unwrap();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    println!(
        "no-key flood: {:.0} req/s, {:.0} % refused with 429; keyed /v2/user beside it: {ok} of 50 answered 200",
        flooded as f64 / 2.0,
        100.0 * refused as f64 / flooded.max(1) as f64
    );
    assert!(
        refused > flooded / 2,
        "the flood itself is rate-limited: {refused} of {flooded} refused"
    );
    assert_eq!(
        ok, 50,
        "every keyed request succeeds beside the flood: {statuses:?}"
    );
}

#[tokio::test]
async fn cors_allows_exactly_the_apps_own_origins() {
    let h = start(1).await;
    let base = h.app.api_base_url();
    let port = h.app.api_addr().unwrap().port();
    let other = if port == 1 { 2 } else { 1 };
    let http = reqwest::Client::new();
    let allowed = |origin: String| {
        let req = http
            .request(reqwest::Method::OPTIONS, format!("{base}/v2/user"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "x-vital-api-key");
        async move {
            let r = req.send().await.unwrap();
            r.headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap().to_string())
        }
    };
    for foreign in [
        format!("http://127.0.0.1:{other}"),
        "http://127.0.0.1:".to_string(),
        "http://127.0.0.1".to_string(),
        format!("http://localhost:{other}"),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}.evil.example"),
        "https://tauri.localhost".to_string(),
        "https://evil.example".to_string(),
        "null".to_string(),
    ] {
        assert_eq!(allowed(foreign.clone()).await, None, "{foreign}");
    }
    for own in [
        "tauri://localhost".to_string(),
        "http://tauri.localhost".to_string(),
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ] {
        assert_eq!(allowed(own.clone()).await.as_deref(), Some(own.as_str()));
    }
    // A simple (not preflighted) request from another port gets no allow header either.
    let r = http
        .get(format!("{base}/health"))
        .header("origin", format!("http://127.0.0.1:{other}"))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_inspector_records_exchanges_with_secrets_redacted() {
    let h = start(3).await;
    let (token, url) = begin_link(&h.app, "inspected").await;
    complete(&url, &Choice::default()).await.unwrap();
    settle(&h.app, &token).await;
    h.app.wait_background().await;
    let user = h.app.store.user_by_client_id("inspected").unwrap();
    let conn = h
        .app
        .store
        .connection_for(&user.user_id, "oura")
        .unwrap()
        .unwrap();
    let tokens = h.app.store.tokens(&h.app.vault, conn.id).unwrap();
    let all = h.app.inspector.list(None, Some("oura"), 1000);
    let token_ex = all
        .iter()
        .find(|e| e.kind == "token")
        .expect("the code exchange is recorded");
    assert_eq!(token_ex.status, Some(200));
    let body = token_ex.request_body.as_deref().unwrap();
    assert!(
        body.contains("grant_type=authorization_code")
            && body.contains("code=")
            && body.contains("chars)"),
        "{body}"
    );
    let data = h.app.inspector.list(Some(conn.id), None, 1000);
    assert!(data
        .iter()
        .any(|e| e.url.contains("/v2/usercollection/heartrate")
            && e.status == Some(200)
            && e.response_body
                .as_deref()
                .is_some_and(|b| b.contains("bpm"))));
    let dump = serde_json::to_string(&all).unwrap();
    for s in [
        tokens.access_token.as_str(),
        tokens.refresh_token.as_deref().unwrap(),
        vital_link::fake::oura::CLIENT_SECRET,
    ] {
        assert!(!dump.contains(s), "the inspector shows a secret");
    }
}

#[test]
fn a_passphrase_protects_the_vault_key() {
    use std::process::Command;
    let app = env!("CARGO_BIN_EXE_vital-link");
    let dir = tempfile::tempdir().unwrap();
    let vl = |args: &[&str], pass: Option<&str>| {
        let mut c = Command::new(app);
        c.args(args)
            .env("VITAL_LINK_DATA_DIR", dir.path())
            .env("BROWSER", format!("{app} sandbox-browser"))
            .env("VITAL_LINK_HISTORY_DAYS", "2");
        c.env_remove("VITAL_LINK_PASSPHRASE");
        if let Some(p) = pass {
            c.env("VITAL_LINK_PASSPHRASE", p);
        }
        c.output().unwrap()
    };
    vl(&["users", "add", "locked"], None);
    assert!(vl(&["connect", "locked", "oura"], None).status.success());
    let mut set = Command::new(app);
    let o = set
        .args(["passphrase", "set"])
        .env("VITAL_LINK_DATA_DIR", dir.path())
        .env("VITAL_LINK_NEW_PASSPHRASE", "correct horse battery")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        !dir.path().join("vault.key").exists(),
        "no plain key file is left"
    );
    // Without the passphrase, or with a wrong one, nothing opens; with it, the tokens do.
    let o = vl(&["sync"], None);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("VITAL_LINK_PASSPHRASE"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = vl(&["sync"], Some("wrong passphrase"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not open this vault"));
    let o = vl(&["sync"], Some("correct horse battery"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[tokio::test]
async fn wrong_enrol_pins_lock_for_a_growing_time_that_a_restart_does_not_reset() {
    let h = start(1).await;
    h.app.set_enrol_pin(Some("2468")).unwrap();
    for _ in 1..vital_link::console::PIN_FREE_TRIES {
        assert!(!h.app.check_enrol_pin("0000").unwrap());
    }
    let locked = h.app.check_enrol_pin("1111").unwrap_err();
    assert_eq!(locked.code, "pin_locked");
    assert!(locked.message.contains("30 s"), "{}", locked.message);
    // While locked even the right PIN is refused, so guessing gains nothing.
    assert_eq!(
        h.app.check_enrol_pin("2468").unwrap_err().code,
        "pin_locked"
    );
    drop(h.app);

    // Restarted 31 s later: the count survives, and the next wrong PIN locks for twice as long.
    let app = reopen(h.dir.path(), now() + chrono::Duration::seconds(31), 1).await;
    let again = app.check_enrol_pin("0000").unwrap_err();
    assert!(again.message.contains("60 s"), "{}", again.message);
    assert!(app
        .events(50)
        .unwrap()
        .iter()
        .any(|e| e.kind == "enrol_pin_locked"));
    drop(app);
    let app = reopen(h.dir.path(), now() + chrono::Duration::seconds(92), 1).await;
    assert!(
        app.check_enrol_pin("2468").unwrap(),
        "the right PIN after the wait"
    );
    // The right PIN cleared the count: four wrong tries do not lock again.
    for _ in 1..vital_link::console::PIN_FREE_TRIES {
        assert!(!app.check_enrol_pin("0000").unwrap());
    }
}
