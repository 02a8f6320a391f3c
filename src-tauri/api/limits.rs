//! A request-rate limit for the local API: a token bucket shared by all callers (the API only
//! listens on loopback, so "caller" is this machine). Bursts of a few hundred requests pass;
//! a runaway script gets 429 with `Retry-After` instead of starving the sync.
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

pub struct Bucket {
    capacity: f64,
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    pub fn new(capacity: f64, per_second: f64) -> Bucket {
        Bucket {
            capacity,
            per_second,
            state: Mutex::new((capacity, Instant::now())),
        }
    }

    /// Takes one token; false when the bucket is empty.
    pub fn take(&self) -> bool {
        let mut s = self.state.lock().unwrap();
        let now = Instant::now();
        let refill = now.duration_since(s.1).as_secs_f64() * self.per_second;
        s.0 = (s.0 + refill).min(self.capacity);
        s.1 = now;
        if s.0 >= 1.0 {
            s.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

pub async fn limit(
    State(bucket): State<std::sync::Arc<Bucket>>,
    req: Request,
    next: Next,
) -> Response {
    if bucket.take() {
        return next.run(req).await;
    }
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({"detail": {"error_type": "rate_limited", "error_message": "too many requests to the local API; slow down and retry after a second"}})),
    )
        .into_response();
    r.headers_mut()
        .insert("retry-after", HeaderValue::from_static("1"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_capacity_is_refused_then_refills() {
        let b = Bucket::new(5.0, 1000.0);
        assert!((0..5).all(|_| b.take()));
        assert!(!b.take());
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(b.take());
    }
}
