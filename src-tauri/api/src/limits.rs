//! Request-rate limits for the local API: a token bucket per API key, and one small bucket for
//! every request without a valid key. A local script flooding the API without the key (or with
//! a wrong one) then only exhausts its own bucket, never the budget of clients that have the key.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{presented_api_key, AppState};

pub struct Bucket {
    capacity: f64,
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    pub fn new((capacity, per_second): (f64, f64)) -> Bucket {
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

pub struct Limits {
    keyed: (f64, f64),
    /// Keyed by a digest, so the key itself is not kept a second time in memory.
    per_key: Mutex<HashMap<[u8; 32], Arc<Bucket>>>,
    anonymous: Bucket,
}

impl Limits {
    /// `keyed` applies to each valid API key, `anonymous` to all other requests together.
    pub fn new(keyed: (f64, f64), anonymous: (f64, f64)) -> Limits {
        Limits {
            keyed,
            per_key: Mutex::new(HashMap::new()),
            anonymous: Bucket::new(anonymous),
        }
    }

    /// Only a key the app accepts gets a bucket: invented keys cannot mint fresh budgets, and
    /// the map holds at most the current key (a rotated-out key's bucket is dropped).
    fn take_keyed(&self, key: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let bucket = {
            let mut map = self.per_key.lock().unwrap();
            if !map.contains_key(&digest) {
                map.clear();
            }
            map.entry(digest)
                .or_insert_with(|| Arc::new(Bucket::new(self.keyed)))
                .clone()
        };
        bucket.take()
    }
}

pub async fn limit(
    State((app, limits)): State<(AppState, Arc<Limits>)>,
    req: Request,
    next: Next,
) -> Response {
    let valid_key = presented_api_key(req.headers())
        .filter(|k| app.check_api_key(k).unwrap_or(false))
        .map(str::to_string);
    let allowed = match &valid_key {
        Some(k) => limits.take_keyed(k),
        None => limits.anonymous.take(),
    };
    if allowed {
        return next.run(req).await;
    }
    let message = if valid_key.is_some() {
        "too many requests with this API key; slow down and retry after a second"
    } else {
        "too many requests without a valid API key; send x-vital-api-key, or slow down and retry after a second"
    };
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({"detail": {"error_type": "rate_limited", "error_message": message}})),
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
        let b = Bucket::new((5.0, 1000.0));
        assert!((0..5).all(|_| b.take()));
        assert!(!b.take());
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(b.take());
    }

    #[test]
    fn an_empty_anonymous_bucket_leaves_the_key_its_budget() {
        let l = Limits::new((3.0, 0.0), (1.0, 0.0));
        assert!(l.anonymous.take());
        assert!(!l.anonymous.take());
        assert!((0..3).all(|_| l.take_keyed("vlk_current")));
        assert!(!l.take_keyed("vlk_current"));
        assert!(
            l.take_keyed("vlk_rotated"),
            "a new key starts with a full bucket"
        );
    }
}
