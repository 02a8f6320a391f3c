//! Calling a provider's data API: bearer auth, bounded bodies, and errors that say what happened.
use std::time::Duration;

use serde_json::Value;

use crate::clock::Clock;

/// A provider response larger than this is refused rather than buffered.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

#[derive(Clone)]
pub struct FetchCtx {
    pub http: reqwest::Client,
    pub api_base: String,
    pub access_token: String,
    pub user_id: String,
    pub clock: Clock,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// 401: the access token is expired or revoked.
    Unauthorized,
    /// 403: a scope is missing or the provider account lost access.
    Forbidden(String),
    /// 429, with the provider's `Retry-After` when given.
    RateLimited { retry_after: Option<Duration> },
    /// 5xx.
    Server { status: u16 },
    /// Another 4xx, with the provider's message.
    Rejected { status: u16, message: String },
    /// The body is not what the provider documents.
    Malformed(String),
    /// No answer: connection refused, reset, timed out.
    Network(String),
}

impl FetchError {
    /// Vital-style error code for the connection's status.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::Unauthorized => "token_expired",
            FetchError::Forbidden(_) => "required_scopes_not_granted",
            FetchError::RateLimited { .. } => "rate_limited",
            FetchError::Server { .. } => "provider_unavailable",
            FetchError::Rejected { .. } => "provider_api_error",
            FetchError::Malformed(_) => "provider_malformed_response",
            FetchError::Network(_) => "network_error",
        }
    }

    pub fn message(&self) -> String {
        match self {
            FetchError::Unauthorized => "the provider refused the access token (401); it will be refreshed".into(),
            FetchError::Forbidden(m) => format!("the provider refused access (403: {m}); reconnect and grant the requested permissions"),
            FetchError::RateLimited { retry_after } => format!(
                "the provider is rate limiting requests (429); retrying after {}s",
                retry_after.map(|d| d.as_secs()).unwrap_or(60)
            ),
            FetchError::Server { status } => format!("the provider answered {status}; it will be retried"),
            FetchError::Rejected { status, message } => format!("the provider rejected the request ({status}: {message})"),
            FetchError::Malformed(m) => format!("the provider sent a response that is not valid ({m}); the pages before it were kept and the sync will retry"),
            FetchError::Network(m) => format!("the provider could not be reached ({m})"),
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            FetchError::RateLimited { .. } | FetchError::Server { .. } | FetchError::Network(_)
        )
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

fn detail_of(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("detail").map(|d| d.to_string()))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

/// GETs `path` with `query` and returns the parsed JSON and its raw text.
pub async fn get_json(
    ctx: &FetchCtx,
    path: &str,
    query: &[(&str, String)],
) -> Result<(Value, String), FetchError> {
    let url = format!("{}{}", ctx.api_base.trim_end_matches('/'), path);
    let resp = ctx
        .http
        .get(&url)
        .bearer_auth(&ctx.access_token)
        .query(query)
        .send()
        .await
        .map_err(|e| FetchError::Network(without_url(&e)))?;
    let status = resp.status().as_u16();
    let retry_after = retry_after(resp.headers(), chrono::Utc::now().timestamp());
    if resp
        .content_length()
        .is_some_and(|n| n as usize > MAX_BODY_BYTES)
    {
        return Err(FetchError::Malformed(format!(
            "response larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| FetchError::Network(without_url(&e)))?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(FetchError::Malformed(format!(
            "response larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match status {
        200..=299 => {}
        401 => return Err(FetchError::Unauthorized),
        403 => return Err(FetchError::Forbidden(detail_of(&text))),
        429 => return Err(FetchError::RateLimited { retry_after }),
        500..=599 => return Err(FetchError::Server { status }),
        _ => {
            return Err(FetchError::Rejected {
                status,
                message: detail_of(&text),
            })
        }
    }
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| FetchError::Malformed(format!("invalid JSON from {path}: {e}")))?;
    Ok((value, text))
}

/// How long a rate-limited provider asks us to wait: `Retry-After` (seconds or an HTTP date),
/// `retry-after-ms`, or the reset of the providers' own rate-limit headers (`X-RateLimit-Reset`,
/// `RateLimit-Reset`, `X-Rate-Limit-Reset`: seconds from now, or an epoch time).
pub fn retry_after(h: &reqwest::header::HeaderMap, now_secs: i64) -> Option<Duration> {
    let text = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(v) = text("retry-after") {
        if let Ok(s) = v.parse::<u64>() {
            return Some(Duration::from_secs(s));
        }
        if let Ok(d) = chrono::DateTime::parse_from_rfc2822(v) {
            return Some(Duration::from_secs((d.timestamp() - now_secs).max(0) as u64));
        }
    }
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_millis(ms));
    }
    ["x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset"]
        .iter()
        .find_map(|k| text(k).and_then(|v| v.parse::<f64>().ok()))
        .map(|n| {
            let secs = if n > 1_000_000_000.0 {
                n - now_secs as f64
            } else {
                n
            };
            Duration::from_secs_f64(secs.max(0.0))
        })
}

/// reqwest errors name the URL, which can carry tokens for some providers; keep only the kind.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "response body interrupted"
    } else {
        "request failed"
    };
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut cause = String::new();
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    if cause.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {cause}")
    }
}

pub fn build_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("VitalLinkDesktop/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client configuration is static and valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn h(k: &'static str, v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(k, HeaderValue::from_str(v).unwrap());
        m
    }

    #[test]
    fn rate_limit_waits_are_read_from_every_common_header() {
        let now = 1_445_412_400; // Wed, 21 Oct 2015 07:26:40 GMT
        let s = Duration::from_secs;
        assert_eq!(retry_after(&h("retry-after", "120"), now), Some(s(120)));
        assert_eq!(
            retry_after(&h("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"), now),
            Some(s(80))
        );
        assert_eq!(
            retry_after(&h("retry-after-ms", "1500"), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(retry_after(&h("x-ratelimit-reset", "30"), now), Some(s(30)));
        assert_eq!(
            retry_after(&h("ratelimit-reset", &(now + 900).to_string()), now),
            Some(s(900))
        );
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
