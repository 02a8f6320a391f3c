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
    let retry_after = crate::ratelimit::retry_after(resp.headers(), chrono::Utc::now().timestamp());
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
