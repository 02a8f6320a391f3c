//! Request extractors that answer bad input the way Vital (FastAPI) does: 422 with a `detail`
//! list naming the field, instead of axum's plain-text rejections.
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::json;

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
                    crate::error::AppError::new(
                        "payload_too_large",
                        413,
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

/// Query parameters.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(q).map(Q).map_err(|e| {
            Unprocessable {
                loc: "query",
                msg: e.to_string(),
            }
            .into_response()
        })
    }
}
