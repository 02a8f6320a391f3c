//! A custom OpenID Connect provider against a real third-party authorization server on
//! loopback (panva's oidc-provider, from npm; `npm ci --prefix tests/oidc`), driven through the
//! CLI with `$BROWSER` completing its login and consent pages: connect with PKCE, `state` and
//! `iss`, a verified ID token, refresh with rotation, revoke and disconnect.
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

const APP: &str = env!("CARGO_BIN_EXE_vital-link");

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn oidc_server() -> (Server, String) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    assert!(
        dir.join("node_modules/oidc-provider").exists(),
        "the test authorization server is not installed: run `npm ci --prefix tests/oidc` (scripts/setup.sh does)"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("node")
        .arg(dir.join("server.mjs"))
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node is needed for the test authorization server");
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("ready "), "{line}");
    // Keep reading: the server logs notices later, and a closed pipe would kill it.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (
        Server(child),
        line.trim_start_matches("ready ").trim().to_string(),
    )
}

fn vl(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(APP)
        .args(args)
        .env("VITAL_LINK_DATA_DIR", dir)
        .env("BROWSER", format!("{APP} sandbox-browser"))
        .output()
        .unwrap()
}

fn ok(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
}

#[test]
fn connect_refresh_and_disconnect_a_custom_oidc_provider() {
    let (_server, issuer) = oidc_server();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let added = ok(&vl(
        d,
        &[
            "providers",
            "add-custom",
            "qa_idp",
            "--issuer",
            &issuer,
            "--client-id",
            "qa-client",
            "--client-secret",
            "qa-client-secret-0123456789",
            "--scope",
            "openid offline_access profile",
        ],
    ));
    assert_eq!(added["issuer"], issuer.as_str());
    assert!(added["revocation_url"]
        .as_str()
        .unwrap()
        .starts_with(&issuer));
    // The secret is stored sealed and only ever shown redacted.
    let list = ok(&vl(d, &["providers", "list", "--json"]));
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "qa_idp")
        .unwrap()
        .clone();
    assert!(!mine.to_string().contains("qa-client-secret-0123456789"));
    ok(&vl(d, &["users", "add", "qa-person"]));
    let connected = ok(&vl(d, &["connect", "qa-person", "qa_idp"]));
    assert_eq!(connected["state"], "success");
    assert_eq!(connected["status"], "connected");

    let shown = ok(&vl(d, &["connection", "show", "qa-person", "qa_idp"]));
    let claims = &shown["id_token_claims"];
    assert_eq!(
        claims["iss"],
        issuer.as_str(),
        "the ID token was verified against the issuer"
    );
    assert_eq!(claims["aud"], "qa-client");
    assert_eq!(
        claims["sub"], "qa-person",
        "the login hint names the account"
    );
    let det = &shown["details"];
    assert_eq!(det["has_refresh_token"], true);
    assert!(
        det["access_token"].as_str().unwrap().contains("chars)"),
        "redacted: {}",
        det["access_token"]
    );
    let granted: Vec<&str> = det["scopes_granted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        granted.contains(&"openid") && granted.contains(&"offline_access"),
        "{granted:?}"
    );
    assert_eq!(
        det["connection"]["external_user_id"], "qa-person",
        "from the userinfo endpoint"
    );

    // Refresh twice: the server rotates refresh tokens, so the second works only if the first
    // rotated token was stored.
    for _ in 0..2 {
        let r = ok(&vl(d, &["connection", "refresh", "qa-person", "qa_idp"]));
        assert!(r["details"]["last_refresh"].as_i64().is_some());
    }

    let o = vl(d, &["connection", "disconnect", "qa-person", "qa_idp"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = vl(d, &["status"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("qa_idp\tderegistered"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = vl(d, &["connection", "refresh", "qa-person", "qa_idp"]);
    assert!(
        !o.status.success(),
        "a disconnected connection has no token to refresh"
    );
}

#[test]
fn an_unreachable_issuer_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = vl(
        dir.path(),
        &[
            "providers",
            "add-custom",
            "nowhere",
            "--issuer",
            &format!("http://127.0.0.1:{port}"),
            "--client-id",
            "x",
        ],
    );
    assert_eq!(o.status.code(), Some(5), "a provider or network failure");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot read") && err.contains("--authorize-url"),
        "{err}"
    );
    let o = vl(
        dir.path(),
        &[
            "providers",
            "add-custom",
            "oura",
            "--authorize-url",
            "http://127.0.0.1:1/a",
            "--token-url",
            "http://127.0.0.1:1/t",
            "--client-id",
            "x",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("already a provider"));
}
