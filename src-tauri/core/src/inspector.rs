//! The QA inspector: every HTTP exchange with a provider (data, token, revoke) or a forward
//! target, with secrets redacted before anything is kept. A bounded ring in memory: the
//! newest exchanges of this session, filterable by connection.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;

use crate::vault::redact;

const KEEP: usize = 2000;
/// The ring's memory budget: a year of backfill is thousands of 64 KiB pages, and the QA user
/// needs the recent ones, not a footprint that grows with the history depth.
const KEEP_BYTES: usize = 4 * 1024 * 1024;
const MAX_BODY: usize = 64 * 1024;

/// Names whose values are secrets wherever they appear: query, form, JSON, headers.
const SECRET_NAMES: [&str; 14] = [
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code",
    "code_verifier",
    "token",
    "password",
    "api_key",
    "secret",
    "authorization",
    "x-vital-api-key",
    "cookie",
    "set-cookie",
];

fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SECRET_NAMES.contains(&n.as_str()) || n.ends_with("_token") || n.ends_with("secret")
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Exchange {
    pub id: u64,
    pub at: i64,
    pub connection_id: Option<i64>,
    pub provider: String,
    /// data | token | revoke | forward
    pub kind: &'static str,
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub latency_ms: u64,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<String>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub error: Option<String>,
}

impl Exchange {
    /// Roughly what it holds on the heap.
    fn weight(&self) -> usize {
        let headers =
            |h: &[(String, String)]| -> usize { h.iter().map(|(k, v)| k.len() + v.len()).sum() };
        self.url.len()
            + headers(&self.request_headers)
            + headers(&self.response_headers)
            + self.request_body.as_ref().map_or(0, String::len)
            + self.response_body.as_ref().map_or(0, String::len)
            + self.error.as_ref().map_or(0, String::len)
            + std::mem::size_of::<Self>()
    }
}

#[derive(Default)]
struct Ring {
    items: VecDeque<Exchange>,
    bytes: usize,
}

#[derive(Default)]
pub struct Inspector {
    ring: Mutex<Ring>,
    next: AtomicU64,
}

/// Who an exchange belongs to; carried by the contexts that make provider calls.
#[derive(Clone)]
pub struct Trace {
    pub inspector: Arc<Inspector>,
    pub provider: String,
    pub connection_id: Option<i64>,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Trace({}, {:?})", self.provider, self.connection_id)
    }
}

pub struct Raw<'a> {
    pub kind: &'static str,
    pub method: &'a str,
    pub url: &'a str,
    pub request_headers: &'a reqwest::header::HeaderMap,
    pub request_body: Option<&'a [u8]>,
    pub status: Option<u16>,
    pub response_headers: Option<&'a reqwest::header::HeaderMap>,
    pub response_body: Option<&'a [u8]>,
    pub latency_ms: u64,
    pub error: Option<String>,
}

impl Trace {
    pub fn record(&self, r: Raw) {
        let ex = Exchange {
            id: self.inspector.next.fetch_add(1, Ordering::Relaxed) + 1,
            at: crate::store::now_ms(),
            connection_id: self.connection_id,
            provider: self.provider.clone(),
            kind: r.kind,
            method: r.method.to_string(),
            url: redact_url(r.url),
            status: r.status,
            latency_ms: r.latency_ms,
            request_headers: redact_headers(r.request_headers),
            request_body: r.request_body.map(redact_body),
            response_headers: r.response_headers.map(redact_headers).unwrap_or_default(),
            response_body: r.response_body.map(redact_body),
            error: r.error,
        };
        let mut ring = self.inspector.ring.lock().unwrap();
        ring.bytes += ex.weight();
        ring.items.push_back(ex);
        while ring.items.len() > KEEP || (ring.bytes > KEEP_BYTES && ring.items.len() > 1) {
            let old = ring.items.pop_front().expect("not empty");
            ring.bytes -= old.weight();
        }
    }
}

impl Inspector {
    /// Newest first.
    pub fn list(
        &self,
        connection_id: Option<i64>,
        provider: Option<&str>,
        limit: usize,
    ) -> Vec<Exchange> {
        self.ring
            .lock()
            .unwrap()
            .items
            .iter()
            .rev()
            .filter(|e| connection_id.is_none_or(|c| e.connection_id == Some(c)))
            .filter(|e| provider.is_none_or(|p| e.provider == p))
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        *self.ring.lock().unwrap() = Ring::default();
    }
}

pub fn redact_url(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return "[unparseable URL]".into();
    };
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret(&k) {
                    redact(&v)
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let _ = u.set_password(None);
    u.to_string()
}

fn redact_headers(h: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            let v = v.to_str().unwrap_or("[binary]");
            let shown = if is_secret(k.as_str()) {
                match v.split_once(' ') {
                    Some((scheme, cred)) => format!("{scheme} {}", redact(cred)),
                    None => redact(v),
                }
            } else {
                v.to_string()
            };
            (k.to_string(), shown)
        })
        .collect()
}

fn redact_json(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if is_secret(k) {
                    if let Some(s) = val.as_str() {
                        *val = Value::String(redact(s));
                    } else if !val.is_null() {
                        *val = Value::String("[redacted]".into());
                    }
                } else {
                    redact_json(val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// A body as it can be shown: JSON and form bodies with secret fields redacted, anything else
/// only if it holds no `=`-pairs or JSON, truncated.
pub fn redact_body(b: &[u8]) -> String {
    let text = String::from_utf8_lossy(&b[..b.len().min(MAX_BODY)]).into_owned();
    let suffix = if b.len() > MAX_BODY {
        format!("… ({} bytes in all)", b.len())
    } else {
        String::new()
    };
    if let Ok(mut v) = serde_json::from_slice::<Value>(b) {
        redact_json(&mut v);
        let s = v.to_string();
        return format!("{}{suffix}", &s[..s.len().min(MAX_BODY)]);
    }
    if text.contains('=') && !text.contains(' ') && !text.contains('<') {
        let pairs: Vec<String> = url::form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    if is_secret(&k) {
                        redact(&v)
                    } else {
                        v.into_owned()
                    }
                )
            })
            .collect();
        return pairs.join("&") + &suffix;
    }
    text + &suffix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_newest_exchanges_within_its_memory_budget() {
        let trace = Trace {
            inspector: Arc::new(Inspector::default()),
            provider: "oura".into(),
            connection_id: Some(1),
        };
        let page = format!("{{\"data\":[{}]}}", vec!["{\"bpm\":60}"; 7_000].join(","));
        let headers = reqwest::header::HeaderMap::new();
        for _ in 0..400 {
            trace.record(Raw {
                kind: "data",
                method: "GET",
                url: "https://api.ouraring.com/v2/usercollection/heartrate",
                request_headers: &headers,
                request_body: None,
                status: Some(200),
                response_headers: Some(&headers),
                response_body: Some(page.as_bytes()),
                latency_ms: 1,
                error: None,
            });
        }
        let ring = trace.inspector.ring.lock().unwrap();
        assert!(ring.bytes <= KEEP_BYTES, "{} bytes kept", ring.bytes);
        assert_eq!(
            ring.bytes,
            ring.items.iter().map(Exchange::weight).sum::<usize>()
        );
        // 400 pages of 64 KiB do not fit: only the newest stay, and the newest is last.
        assert!(ring.items.len() < 400 && ring.items.len() > 40);
        assert_eq!(ring.items.back().unwrap().id, 400);
    }

    #[test]
    fn secrets_are_redacted_everywhere() {
        let tok = "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456";
        assert!(
            !redact_url(&format!("https://p.example/revoke?access_token={tok}&x=1")).contains(tok)
        );
        let body = format!("grant_type=authorization_code&code={tok}&client_secret={tok}&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback");
        let shown = redact_body(body.as_bytes());
        assert!(!shown.contains(tok), "{shown}");
        assert!(shown.contains("grant_type=authorization_code"));
        let json = format!(
            r#"{{"token_type":"bearer","access_token":"{tok}","nested":{{"refresh_token":"{tok}"}},"expires_in":86400}}"#
        );
        let shown = redact_body(json.as_bytes());
        assert!(!shown.contains(tok) && shown.contains("86400"), "{shown}");
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("authorization", format!("Bearer {tok}").parse().unwrap());
        let shown = redact_headers(&h);
        assert!(shown[0].1.starts_with("Bearer ") && !shown[0].1.contains(tok));
    }
}
