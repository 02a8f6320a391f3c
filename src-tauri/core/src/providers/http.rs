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
    /// The provider's id of the user, when known (Polar's paths and deregistration need it).
    pub external_user_id: Option<String>,
    pub clock: Clock,
    /// Where the exchanges are recorded for the QA inspector (None: not recorded).
    pub trace: Option<crate::inspector::Trace>,
    /// The scopes the user granted (as the provider reported them, space- or comma-separated);
    /// None when unknown. A 403 is read against them: a refusal of a granted scope is not a
    /// missing permission (Oura's lapsed membership).
    pub granted_scopes: Option<String>,
}

impl FetchCtx {
    /// Whether `scope` was granted; None when the connection's scopes are unknown.
    pub fn granted(&self, scope: &str) -> Option<bool> {
        self.granted_scopes
            .as_deref()
            .map(|g| g.split([' ', ',']).any(|s| s == scope))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// 401: the access token is expired or revoked.
    Unauthorized,
    /// 403: a scope is missing or the provider account lost access.
    Forbidden(String),
    /// 403 for a permission that was granted: the provider's account (its paid membership)
    /// no longer gives API access. Reconnecting does not help; renewing does.
    MembershipRequired(String),
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
            FetchError::MembershipRequired(_) => "provider_membership_required",
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
            FetchError::MembershipRequired(m) => format!("the provider refused access although the permission was granted ({m}): the account's membership or subscription has lapsed; renew it with the provider, then sync again"),
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

/// The provider's own words from an error body: FastAPI `detail`, Strava/Wahoo `message`,
/// Google `error.message`, OAuth-style `error`, else the start of the body.
pub fn detail_of(body: &str) -> String {
    let v = serde_json::from_str::<Value>(body).ok();
    let pick = |v: &Value| -> Option<String> {
        for k in ["detail", "message", "errorType", "error"] {
            match v.get(k) {
                Some(Value::String(s)) => return Some(s.clone()),
                Some(Value::Object(o)) => {
                    if let Some(Value::String(m)) = o.get("message") {
                        return Some(m.clone());
                    }
                }
                Some(other) if k == "detail" => return Some(other.to_string()),
                _ => {}
            }
        }
        None
    };
    v.as_ref()
        .and_then(pick)
        .unwrap_or_else(|| body.chars().take(200).collect())
}

/// How long a 429 asks to wait, read from the provider's own headers.
pub type RetryAfter = fn(&reqwest::header::HeaderMap, &Clock) -> Option<Duration>;

/// The standard headers (`Retry-After` in seconds or as an HTTP date, and the common reset
/// headers), read by the same function as the forwarder's and the webhooks'.
pub fn retry_after_header(h: &reqwest::header::HeaderMap, clock: &Clock) -> Option<Duration> {
    crate::ratelimit::retry_after(h, clock.now().timestamp())
}

/// A header of comma-separated integers (`X-RateLimit-Reset: 0, 300`), as numbers.
pub fn header_numbers(h: &reqwest::header::HeaderMap, name: &str) -> Vec<u64> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .filter_map(|x| x.split(';').next()?.trim().parse::<u64>().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// GETs `path` with `query` and returns the parsed JSON and its raw text.
pub async fn get_json(
    ctx: &FetchCtx,
    path: &str,
    query: &[(&str, String)],
) -> Result<(Value, String), FetchError> {
    let url = format!("{}{}", ctx.api_base.trim_end_matches('/'), path);
    let rb = ctx
        .http
        .get(&url)
        .bearer_auth(&ctx.access_token)
        .query(query);
    let (v, text, _) = send_json(ctx, rb, path, retry_after_header).await?;
    Ok((v, text))
}

/// Sends a prepared request and maps the answer: 2xx parsed as JSON (an empty body is `null`),
/// 401/403/429/5xx/other 4xx to `FetchError`s; `retry` reads the provider's rate-limit headers.
pub async fn send_json(
    ctx: &FetchCtx,
    rb: reqwest::RequestBuilder,
    what: &str,
    retry: RetryAfter,
) -> Result<(Value, String, reqwest::header::HeaderMap), FetchError> {
    let req = rb
        .build()
        .map_err(|e| FetchError::Network(without_url(&e)))?;
    let (method, url) = (req.method().to_string(), req.url().to_string());
    let req_headers = req.headers().clone();
    let req_body = req.body().and_then(|b| b.as_bytes()).map(<[u8]>::to_vec);
    let started = std::time::Instant::now();
    let record = |status: Option<u16>,
                  resp_headers: Option<&reqwest::header::HeaderMap>,
                  body: Option<&[u8]>,
                  error: Option<String>| {
        if let Some(t) = &ctx.trace {
            t.record(crate::inspector::Raw {
                kind: "api",
                method: &method,
                url: &url,
                request_headers: &req_headers,
                request_body: req_body.as_deref(),
                status,
                response_headers: resp_headers,
                response_body: body,
                latency_ms: started.elapsed().as_millis() as u64,
                error,
            });
        }
    };
    let resp = match ctx.http.execute(req).await {
        Ok(r) => r,
        Err(e) => {
            let msg = without_url(&e);
            record(None, None, None, Some(msg.clone()));
            return Err(FetchError::Network(msg));
        }
    };
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    if resp
        .content_length()
        .is_some_and(|n| n as usize > MAX_BODY_BYTES)
    {
        record(
            Some(status),
            Some(&headers),
            None,
            Some("response too large".into()),
        );
        return Err(FetchError::Malformed(format!(
            "response larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    let bytes = match resp.bytes().await {
        Ok(b) => b,
        Err(e) => {
            let msg = without_url(&e);
            record(Some(status), Some(&headers), None, Some(msg.clone()));
            return Err(FetchError::Network(msg));
        }
    };
    record(Some(status), Some(&headers), Some(&bytes), None);
    if bytes.len() > MAX_BODY_BYTES {
        return Err(FetchError::Malformed(format!(
            "response larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match status {
        200..=299 => {}
        401 => {
            return Err(match missing_permission(&text) {
                Some(m) => FetchError::Forbidden(m),
                None => FetchError::Unauthorized,
            })
        }
        403 => return Err(FetchError::Forbidden(detail_of(&text))),
        429 => {
            return Err(FetchError::RateLimited {
                retry_after: retry(&headers, &ctx.clock),
            })
        }
        500..=599 => return Err(FetchError::Server { status }),
        _ => {
            return Err(FetchError::Rejected {
                status,
                message: detail_of(&text),
            })
        }
    }
    if text.trim().is_empty() {
        return Ok((Value::Null, text, headers));
    }
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| FetchError::Malformed(format!("invalid JSON from {what}: {e}")))?;
    Ok((value, text, headers))
}

/// A 401 that names a permission the token lacks is a missing scope, not an expired token:
/// refreshing cannot add a scope, so it must not be retried as one. Strava answers so
/// (`{"message": "Authorization Error", "errors": [{"resource": "AccessToken", "field":
/// "activity:read_permission", "code": "missing"}]}`, as its users report it, e.g.
/// markhneedham.com/blog/2020/12/15/strava-authorization-error-missing-read-permission/).
fn missing_permission(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let missing = v["errors"].as_array()?.iter().find_map(|e| {
        let field = e["field"].as_str()?;
        (e["code"] == "missing").then_some(
            field
                .strip_suffix("_permission")
                .unwrap_or(field)
                .to_string(),
        )
    })?;
    Some(format!(
        "the provider refused the data: the connection was not granted the {missing:?} permission; reconnect and allow it on the consent page"
    ))
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
    use super::missing_permission;

    #[test]
    fn a_401_naming_a_missing_permission_is_a_scope_and_an_invalid_token_is_not() {
        let missing = r#"{"message":"Authorization Error","errors":[{"resource":"AccessToken","field":"activity:read_permission","code":"missing"}]}"#;
        let m = missing_permission(missing).expect("a missing permission");
        assert!(
            m.contains("\"activity:read\"") && m.contains("reconnect"),
            "{m}"
        );
        let expired = r#"{"message":"Authorization Error","errors":[{"resource":"Athlete","field":"access_token","code":"invalid"}]}"#;
        assert_eq!(missing_permission(expired), None);
        assert_eq!(missing_permission("not json"), None);
    }
}
