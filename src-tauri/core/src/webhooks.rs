//! Webhooks: Vital's event envelope, signed the way Svix signs (`svix-id`, `svix-timestamp`,
//! `svix-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with the endpoint's
//! `whsec_` secret), so existing verifiers accept them; retried on Svix's schedule, or after
//! the wait the endpoint asks for (`Retry-After`, rate-limit headers); recorded.
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::store::now_ms;
pub use crate::store::webhooks::Endpoint;
use crate::store::webhooks::{Attempt, DueDelivery};

/// Delays before each attempt after the first, as Svix retries: 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h, 10 h. The first attempt is immediate.
pub const RETRY_SCHEDULE_SECS: [i64; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];
/// A non-2xx answer, or none within this, is a failed attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest wait an endpoint's `Retry-After` can ask for (Svix's own longest step).
const MAX_RETRY_AFTER_SECS: i64 = 36000;

/// A new endpoint: its id and its signing secret, in full (shown once).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewWebhook {
    pub id: i64,
    pub secret: String,
}

fn aad(id: i64) -> String {
    format!("webhook_endpoints/secret/{id}")
}

/// The Svix signature of one message.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &str) -> AppResult<String> {
    let key = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = base64::engine::general_purpose::STANDARD
        .decode(key)
        .map_err(|_| AppError::internal("a webhook secret is damaged"))?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&key).map_err(|e| AppError::internal(e.to_string()))?;
    mac.update(format!("{msg_id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

fn validate_url(url: &str) -> AppResult<()> {
    let u = url::Url::parse(url)
        .map_err(|e| AppError::bad_request("invalid_url", format!("{url:?} is not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(AppError::bad_request(
            "invalid_url",
            "webhook URLs must be http or https",
        ));
    }
    Ok(())
}

impl App {
    /// Adds an endpoint; returns its id and its signing secret (shown this once).
    pub fn add_webhook(
        &self,
        url: &str,
        event_types: Option<Vec<String>>,
    ) -> AppResult<(i64, String)> {
        validate_url(url)?;
        let mut b = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut b);
        let secret = format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(b)
        );
        let (vault, s) = (self.vault.clone(), secret.clone());
        let filter = event_types.map(|e| serde_json::to_string(&e)).transpose()?;
        let id = self
            .store
            .add_webhook_endpoint(url, filter, move |id| vault.seal_str(&aad(id), &s))?;
        Ok((id, secret))
    }

    pub fn remove_webhook(&self, id: i64) -> AppResult<()> {
        self.store.remove_webhook_endpoint(id)
    }

    pub fn webhooks(&self) -> AppResult<Vec<Endpoint>> {
        self.store.webhook_endpoints()
    }

    /// Queues `event_type` for every endpoint that wants it. Never fails the caller's work: a
    /// problem queueing is logged.
    pub fn emit_webhook(&self, event_type: &str, user_id: &str, data: Value) {
        if let Err(e) = self.queue_webhook(event_type, user_id, data) {
            tracing::warn!(event_type, "could not queue a webhook: {}", e.message);
        } else {
            self.webhook_wake.notify_one();
        }
    }

    fn queue_webhook(&self, event_type: &str, user_id: &str, data: Value) -> AppResult<()> {
        let client_user_id = self.store.user(user_id).map(|u| u.client_user_id).ok();
        let envelope = json!({
            "event_type": event_type,
            "user_id": user_id,
            "client_user_id": client_user_id,
            "team_id": self.team_id,
            "data": data,
        })
        .to_string();
        let msg_id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        self.store
            .queue_webhook_deliveries(&msg_id, event_type, &envelope)
    }

    /// Sends every delivery that is due; returns how many were attempted.
    pub async fn deliver_due_webhooks(&self) -> AppResult<usize> {
        let due = self.store.due_webhook_deliveries(now_ms(), 100)?;
        let n = due.len();
        for DueDelivery {
            id,
            endpoint,
            url,
            msg_id,
            payload,
            attempts,
            sealed_secret: sealed,
        } in due
        {
            let secret = self.vault.open_str(&aad(endpoint), &sealed)?;
            let ts = now_ms() / 1000;
            let sig = sign(&secret, &msg_id, ts, &payload)?;
            let result = self
                .http
                .post(&url)
                .timeout(ATTEMPT_TIMEOUT)
                .header("content-type", "application/json")
                .header("svix-id", &msg_id)
                .header("svix-timestamp", ts.to_string())
                .header("svix-signature", sig)
                .body(payload)
                .send()
                .await;
            let (ok, status, error, asked) = match result {
                Ok(r) if r.status().is_success() => {
                    (true, Some(r.status().as_u16() as i64), None, None)
                }
                Ok(r) => (
                    false,
                    Some(r.status().as_u16() as i64),
                    Some(format!("HTTP {}", r.status().as_u16())),
                    crate::ratelimit::retry_after(r.headers(), now_ms() / 1000),
                ),
                Err(e) => (
                    false,
                    None,
                    Some(if e.is_timeout() {
                        "timed out".to_string()
                    } else {
                        "connection failed".to_string()
                    }),
                    None,
                ),
            };
            let attempts = attempts + 1;
            let outcome = if ok {
                Attempt::Delivered { status }
            } else {
                // The endpoint's own wait, when it says, replaces the schedule's step.
                let step = RETRY_SCHEDULE_SECS
                    .get(attempts as usize - 1)
                    .map(|s| s * 1000);
                let asked = asked.map(|w| (w.as_millis() as i64).min(MAX_RETRY_AFTER_SECS * 1000));
                Attempt::Failed {
                    status,
                    error,
                    retry_at: step.map(|ms| now_ms() + asked.unwrap_or(ms)),
                }
            };
            self.store
                .record_webhook_attempt(id, attempts, outcome, now_ms())?;
        }
        Ok(n)
    }

    /// When the next pending delivery is due, if any.
    fn next_webhook_attempt(&self) -> AppResult<Option<i64>> {
        self.store.next_webhook_attempt()
    }

    /// A delivery's record, for the QA inspector and tests.
    pub fn webhook_delivery(&self, msg_id: &str) -> AppResult<Option<Value>> {
        self.store.webhook_delivery(msg_id)
    }
}

/// Delivers queued webhooks in the background while the app runs.
pub fn start_worker(app: Arc<App>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = app.deliver_due_webhooks().await {
                tracing::warn!("webhook delivery: {}", e.message);
            }
            // Until the next delivery is due (so a retry keeps its time), at most a second.
            let next = app.next_webhook_attempt().ok().flatten();
            let wait = next.map_or(1000, |t| (t - now_ms()).clamp(50, 1000));
            tokio::select! {
                _ = app.webhook_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Svix's published example: secret, id, timestamp and body give this signature.
    #[test]
    fn signature_matches_svix() {
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
