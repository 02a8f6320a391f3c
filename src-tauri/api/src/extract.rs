//! Request extractors that read input as tolerantly as Vital (FastAPI/pydantic) does, and answer
//! bad input the way it does: 422 with a `detail` list naming the field, instead of axum's
//! plain-text rejections. Every route reads its query and its dates through here.
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::ErrorResponse;

pub struct Unprocessable {
    loc: &'static str,
    msg: String,
}

impl IntoResponse for Unprocessable {
    fn into_response(self) -> Response {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"detail": [{"loc": [self.loc], "msg": self.msg, "type": "value_error"}]})),
        )
            .into_response()
    }
}

/// A JSON body. Gzip bodies are already inflated by the decompression layer.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                let status = e.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    vital_link_core::error::AppError::new(
                        "payload_too_large",
                        "the request body is too large",
                    )
                    .into_response()
                } else {
                    Unprocessable {
                        loc: "body",
                        msg: e.body_text(),
                    }
                    .into_response()
                }
            })?;
        let raw: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
        serde_json::from_slice(raw).map(Body).map_err(|e| {
            Unprocessable {
                loc: "body",
                msg: format!("invalid JSON body: {e}"),
            }
            .into_response()
        })
    }
}

/// Query parameters. An empty value (`provider=`, which the 1.x SDKs always send) means the
/// parameter was not given, as in FastAPI, rather than a filter that matches nothing.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let unprocessable = |e: &dyn std::fmt::Display| {
            Unprocessable {
                loc: "query",
                msg: e.to_string(),
            }
            .into_response()
        };
        let q = parts.uri.query().unwrap_or("");
        let given = without_empty(q).map_err(|e| unprocessable(&e))?;
        serde_urlencoded::from_str(&given)
            .map(Q)
            .map_err(|e| unprocessable(&e))
    }
}

/// The query string without its empty parameters.
fn without_empty(q: &str) -> Result<String, serde_urlencoded::ser::Error> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap_or_default();
    let given: Vec<_> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    serde_urlencoded::to_string(given)
}

pub use vital_link_core::when::{parse_when, When};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_query_values_are_dropped() {
        assert_eq!(
            without_empty("provider=&start_date=2026-11-25+05%3A00&end_date=").unwrap(),
            "start_date=2026-11-25+05%3A00"
        );
    }
}
