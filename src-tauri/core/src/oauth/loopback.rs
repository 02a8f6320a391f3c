//! The one-shot loopback listener that catches the provider's redirect (RFC 8252 §7.3, §8.3).
//!
//! Bound to `127.0.0.1` only, on an ephemeral port (or a provider's registered fixed port). It
//! waits for `GET /callback`, checks `state` (constant time) and `iss` when sent (RFC 9207),
//! answers the browser with a small page and closes. Anything else gets a 404 and does not end
//! the flow; a callback whose `state` does not match is refused and the flow keeps waiting for
//! the real one. The callback URL is never logged: it carries the authorization code.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use subtle::ConstantTimeEq;

use crate::error::{AppError, AppResult};

pub const CALLBACK_PATH: &str = "/callback";

/// What came back from the provider.
#[derive(Clone, PartialEq)]
pub enum CallbackOutcome {
    Code {
        code: String,
        scope: Option<String>,
        extra: HashMap<String, String>,
    },
    /// The provider (or the user) said no: `error=access_denied` and friends.
    Denied {
        error: String,
        description: Option<String>,
    },
    TimedOut,
    Cancelled,
}

impl std::fmt::Debug for CallbackOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallbackOutcome::Code { scope, .. } => {
                write!(f, "Code {{ code: [redacted], scope: {scope:?} }}")
            }
            CallbackOutcome::Denied { error, description } => {
                write!(f, "Denied({error}, {description:?})")
            }
            CallbackOutcome::TimedOut => f.write_str("TimedOut"),
            CallbackOutcome::Cancelled => f.write_str("Cancelled"),
        }
    }
}

/// Cancels a waiting listener from another thread (the UI's Cancel button).
#[derive(Clone)]
pub struct CancelHandle {
    server: Arc<tiny_http::Server>,
    cancelled: Arc<AtomicBool>,
}

impl CancelHandle {
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.server.unblock();
    }
}

pub struct Listener {
    server: Arc<tiny_http::Server>,
    cancelled: Arc<AtomicBool>,
    pub port: u16,
}

impl Listener {
    /// Binds `127.0.0.1:port` (0 = ephemeral). Never `localhost`, never all interfaces.
    pub fn bind(port: u16) -> AppResult<Listener> {
        let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| {
            AppError::new(
                "loopback_unavailable", if port == 0 {
                    format!("cannot open a loopback port for the sign-in redirect: {e}")
                } else {
                    format!("port {port} on 127.0.0.1 is busy ({e}); this provider needs exactly that port (it is the registered redirect URI): close the program using it and retry")
                },
            )
        })?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| AppError::internal("loopback listener has no IP address"))?;
        Ok(Listener {
            server: Arc::new(server),
            cancelled: Arc::new(AtomicBool::new(false)),
            port,
        })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle {
            server: self.server.clone(),
            cancelled: self.cancelled.clone(),
        }
    }

    /// Blocks until the callback that matches `state` arrives, the deadline passes or the flow
    /// is cancelled. The listener is closed when this returns, whatever the outcome.
    pub fn wait(
        self,
        state: &str,
        expected_iss: Option<&str>,
        timeout: Duration,
    ) -> CallbackOutcome {
        let deadline = Instant::now() + timeout;
        let outcome = loop {
            if self.cancelled.load(Ordering::SeqCst) {
                break CallbackOutcome::Cancelled;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break CallbackOutcome::TimedOut;
            }
            let req = match self
                .server
                .recv_timeout(left.min(Duration::from_millis(500)))
            {
                Ok(Some(r)) => r,
                Ok(None) => continue,
                Err(_) => continue,
            };
            if let Some(done) = handle(req, state, expected_iss) {
                break done;
            }
        };
        drop(self.server);
        outcome
    }
}

fn page(status: u16, title: &str, body: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title><meta name=\"referrer\" content=\"no-referrer\">\
<style>body{{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2433;display:flex;align-items:center;justify-content:center;min-height:100vh;margin:0}}\
.c{{background:#fff;padding:32px 40px;border-radius:16px;box-shadow:0 8px 30px rgba(0,0,0,.08);max-width:440px}}h1{{font-size:20px}}p{{color:#4a5468;line-height:1.5}}</style></head>\
<body><div class=\"c\"><h1 id=\"title\">{title}</h1><p id=\"message\">{body}</p></div></body></html>"
    );
    let mut r = tiny_http::Response::from_data(html.into_bytes()).with_status_code(status);
    for (k, v) in [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        (
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ),
    ] {
        r.add_header(tiny_http::Header::from_bytes(k, v).expect("static header"));
    }
    r
}

/// Answers one request; `Some` when it ended the flow.
/// What the listener does with one request: answer it (status, title, message) and, when the
/// request decides the flow, the outcome. Pure, so it can be fuzzed.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub status: u16,
    pub title: &'static str,
    pub message: &'static str,
    pub outcome: Option<CallbackOutcome>,
}

fn answer(
    status: u16,
    title: &'static str,
    message: &'static str,
    outcome: Option<CallbackOutcome>,
) -> Decision {
    Decision {
        status,
        title,
        message,
        outcome,
    }
}

/// Classifies a request to the loopback listener (`url` is the request target, path and query).
pub fn decide(is_get: bool, url: &str, state: &str, expected_iss: Option<&str>) -> Decision {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if !is_get || path != CALLBACK_PATH {
        return answer(404, "Not found", "Nothing here.", None);
    }
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let state_ok = params
        .get("state")
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(state.as_bytes())));
    if !state_ok {
        return answer(
            400,
            "This sign-in response is not for Vital Link",
            "Its state does not match the sign-in Vital Link started, so it was refused. Return to Vital Link and start again if needed.",
            None,
        );
    }
    if let (Some(expected), Some(iss)) = (expected_iss, params.get("iss")) {
        if iss != expected {
            return answer(
                400,
                "Sign-in refused",
                "The response came from an unexpected issuer, so it was refused. Return to Vital Link.",
                Some(CallbackOutcome::Denied {
                    error: "invalid_issuer".into(),
                    description: Some(format!("the authorization response came from issuer {iss:?}, expected {expected:?}")),
                }),
            );
        }
    }
    if let Some(error) = params.get("error") {
        return answer(
            200,
            "Connection not completed",
            "The provider did not grant access. You can close this tab and return to Vital Link.",
            Some(CallbackOutcome::Denied {
                error: error.clone(),
                description: params.get("error_description").cloned(),
            }),
        );
    }
    let Some(code) = params.get("code").filter(|c| !c.is_empty()).cloned() else {
        return answer(
            400,
            "Sign-in response incomplete",
            "The provider sent no authorization code. Return to Vital Link and try again.",
            Some(CallbackOutcome::Denied {
                error: "invalid_request".into(),
                description: Some("the redirect carried neither a code nor an error".into()),
            }),
        );
    };
    let extra = params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "code" | "state" | "scope" | "iss"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    answer(
        200,
        "You can return to Vital Link",
        "The sign-in is complete. Close this tab and go back to the app.",
        Some(CallbackOutcome::Code {
            code,
            scope: params.get("scope").cloned(),
            extra,
        }),
    )
}

/// Answers one request; `Some` when it ended the flow.
fn handle(
    req: tiny_http::Request,
    state: &str,
    expected_iss: Option<&str>,
) -> Option<CallbackOutcome> {
    let d = decide(
        req.method() == &tiny_http::Method::Get,
        req.url(),
        state,
        expected_iss,
    );
    if d.status == 400 && d.outcome.is_none() {
        tracing::warn!("loopback: refused a callback whose state does not match this sign-in");
    }
    let _ = req.respond(page(d.status, d.title, d.message));
    d.outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str) -> Result<(u16, String), String> {
        let resp = reqwest::blocking_get(url)?;
        Ok(resp)
    }

    mod reqwest {
        // A tiny blocking GET over std, so this module's tests need no runtime.
        pub fn blocking_get(url: &str) -> Result<(u16, String), String> {
            use std::io::{Read, Write};
            let u = url::Url::parse(url).map_err(|e| e.to_string())?;
            let mut s = std::net::TcpStream::connect((u.host_str().unwrap(), u.port().unwrap()))
                .map_err(|e| e.to_string())?;
            let pq = match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            };
            write!(
                s,
                "GET {pq} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            .map_err(|e| e.to_string())?;
            let mut out = String::new();
            s.read_to_string(&mut out).map_err(|e| e.to_string())?;
            let status = out
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            Ok((status, out))
        }
    }

    fn run(
        state: &'static str,
        requests: Vec<String>,
    ) -> (CallbackOutcome, Vec<(u16, String)>, String) {
        let l = Listener::bind(0).unwrap();
        let base = format!("http://127.0.0.1:{}", l.port);
        let redirect = l.redirect_uri();
        let h = std::thread::spawn(move || {
            l.wait(
                state,
                Some("https://issuer.example"),
                Duration::from_secs(5),
            )
        });
        let answers = requests
            .iter()
            .map(|r| get(&format!("{base}{r}")).unwrap())
            .collect();
        (h.join().unwrap(), answers, redirect)
    }

    #[test]
    fn redirect_uri_is_the_ip_literal() {
        let l = Listener::bind(0).unwrap();
        assert!(l.redirect_uri().starts_with("http://127.0.0.1:"));
        assert!(l.redirect_uri().ends_with("/callback"));
    }

    #[test]
    fn code_with_matching_state_completes_and_closes() {
        let (out, answers, redirect) = run(
            "s1",
            vec!["/callback?code=abc&state=s1&scope=daily%20heartrate".into()],
        );
        assert!(
            matches!(&out, CallbackOutcome::Code { code, scope, .. } if code == "abc" && scope.as_deref() == Some("daily heartrate"))
        );
        assert_eq!(answers[0].0, 200);
        assert!(answers[0].1.contains("You can return to Vital Link"));
        assert!(answers[0]
            .1
            .to_ascii_lowercase()
            .contains("referrer-policy: no-referrer"));
        // The listener is closed: a second request cannot even connect.
        assert!(get(&redirect.replace("/callback", "/callback?code=x&state=s1")).is_err());
    }

    #[test]
    fn stray_requests_and_forged_state_do_not_end_the_flow() {
        let (out, answers, _) = run(
            "right",
            vec![
                "/favicon.ico".into(),
                "/callback?code=evil&state=wrong".into(),
                "/callback?code=good&state=right".into(),
            ],
        );
        assert_eq!(answers[0].0, 404);
        assert_eq!(answers[1].0, 400);
        assert!(answers[1].1.contains("not for Vital Link"));
        assert!(matches!(out, CallbackOutcome::Code { code, .. } if code == "good"));
    }

    #[test]
    fn denial_and_wrong_issuer_end_the_flow_with_a_reason() {
        let (out, _, _) = run("s", vec!["/callback?error=access_denied&state=s".into()]);
        assert!(matches!(out, CallbackOutcome::Denied { error, .. } if error == "access_denied"));
        let (out, _, _) = run(
            "s",
            vec!["/callback?code=c&state=s&iss=https%3A%2F%2Fevil.example".into()],
        );
        assert!(matches!(out, CallbackOutcome::Denied { error, .. } if error == "invalid_issuer"));
    }

    #[test]
    fn times_out_and_can_be_cancelled() {
        let l = Listener::bind(0).unwrap();
        assert_eq!(
            l.wait("s", None, Duration::from_millis(200)),
            CallbackOutcome::TimedOut
        );
        let l = Listener::bind(0).unwrap();
        let h = l.cancel_handle();
        let t = std::thread::spawn(move || l.wait("s", None, Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(100));
        h.cancel();
        assert_eq!(t.join().unwrap(), CallbackOutcome::Cancelled);
    }
}
