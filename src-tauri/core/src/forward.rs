//! The forwarder: drains the outbox to a remote Vital-compatible server with Vital's ingestion
//! contract (the mobile SDKs' push calls, `shared/reference/vital-api.md` §8).
//!
//! For each batch: the remote user is resolved by `client_user_id` (or created), the connection is
//! created (`POST /v2/link/provider/manual/{provider}`, 409 = exists), then the readings go to
//! `POST /v2/summary/{resource}/{user_id}` or `POST /v2/timeseries/{user_id}/{resource}` in the
//! tagged envelope, gzipped. A batch leaves the outbox only once the target answered 2xx; the
//! target deduplicates by reading identity, so a batch sent twice (a crash between the answer
//! and the delete) changes nothing there. While the target is down the worker backs off (with
//! jitter, at most a minute between tries) and the outbox simply grows; nothing is dropped.
//!
//! A batch the target fails (5xx, 408, a timeout) is retried on its own schedule while the
//! others flow ([`RetryPolicy`]); one it refuses for good (another 4xx), or after the last try,
//! is parked as a dead letter: kept, shown in `forward status`, logged as the event
//! `forward.batch_parked`, and sent again by `forward retry`. A 429 pauses the whole queue for
//! as long as the target asks (`Retry-After` or its rate-limit headers).
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::store::now_ms;
use crate::store::outbox::{
    Depth, OutboxRow, ParkedBatch, DELIVERED, KEY_SETTING, LAST_DELIVERY, LAST_ERROR,
    LAST_ERROR_AT, MODE_SETTING, TARGET_SETTING,
};

const KEY_AAD: &str = "settings/forward.api_key";
/// The longest wait between two tries while the target is unreachable.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// This many batches failing in a row, with none delivered in between, means the target as a
/// whole is failing: the round stops and the worker backs off instead of trying every batch.
const FAILING_TARGET: u32 = 3;
/// The longest `Retry-After` believed (a larger one is likely a misconfigured target).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// How many dead letters `forward status` lists (all are counted).
const PARKED_SHOWN: i64 = 100;

/// How a batch the target failed is tried again: after `first_wait`, doubling up to
/// `max_wait`, each wait jittered to between half and all of it; parked after `max_attempts`.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first_wait: Duration,
    pub max_wait: Duration,
    pub max_attempts: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_wait: Duration::from_secs(2),
            max_wait: Duration::from_secs(15 * 60),
            max_attempts: 10,
        }
    }
}

impl RetryPolicy {
    /// The wait after a batch's `attempts`-th failed try.
    fn wait(&self, attempts: i64) -> Duration {
        let full = self
            .first_wait
            .saturating_mul(1 << (attempts - 1).clamp(0, 20))
            .min(self.max_wait);
        let half = full.as_millis() as u64 / 2;
        Duration::from_millis(half + rand::Rng::gen_range(&mut rand::thread_rng(), 0..=half))
    }
}

/// Which provider slug the remote connection gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ProviderMode {
    /// The cloud provider's own slug (`oura`): for a self-hosted Vital-compatible server.
    Source,
    /// `manual`: what real Vital/Junction accepts for pushed readings; the original provider
    /// travels in each reading's metadata.
    Manual,
}

impl ProviderMode {
    fn as_str(self) -> &'static str {
        match self {
            ProviderMode::Source => "source",
            ProviderMode::Manual => "manual",
        }
    }

    fn parse(s: &str) -> ProviderMode {
        if s == "manual" {
            ProviderMode::Manual
        } else {
            ProviderMode::Source
        }
    }
}

#[derive(Debug, Clone)]
pub struct ForwardConfig {
    pub url: String,
    pub api_key: String,
    pub mode: ProviderMode,
}

/// What `forward status` shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ForwardStatus {
    pub enabled: bool,
    pub url: Option<String>,
    pub provider_mode: Option<ProviderMode>,
    /// Batches waiting to be sent.
    pub outbox: Depth,
    /// Dead letters: batches the target refused for good; `forward retry` sends them again.
    pub parked: Depth,
    /// The oldest dead letters (at most 100).
    pub dead_letters: Vec<ParkedBatch>,
    pub delivered_readings: i64,
    /// The last successful delivery.
    pub last_delivery_at: Option<String>,
    /// The last failure, cleared by the next success.
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
}

/// What the forwarder learnt about the current target: remote user ids by local user id, and
/// the (remote user, provider) connections known to exist.
#[derive(Debug, Default)]
pub struct RemoteCache {
    target: String,
    users: HashMap<String, String>,
    connections: HashSet<(String, String)>,
    /// Until when (epoch ms) the target asked us to send nothing (a 429).
    paused_until: i64,
}

/// How one batch's requests ended.
enum Sent {
    Ok,
    /// This batch failed (5xx, 408, a timeout, 404 for a remote user that is gone): retry it on
    /// its own schedule, or after the wait the target asked for.
    Retry {
        status: Option<u16>,
        error: String,
        wait: Option<Duration>,
    },
    /// The target refused this batch for good (any other 4xx): park it.
    Permanent {
        status: u16,
        error: String,
    },
    /// The target asks us to slow down (429): pause the whole queue, for `wait` if it says.
    Slow {
        error: String,
        wait: Option<Duration>,
    },
    /// The target is unreachable or refuses our key (401/403): back off, no batch is to blame.
    Down(String),
}

impl Sent {
    /// A request that got no answer: a timeout may be this batch's size, a refused connection
    /// is the target being down.
    fn unanswered(path: &str, e: &reqwest::Error) -> Sent {
        let error = format!("{path}: {}", describe(e));
        if e.is_timeout() {
            Sent::Retry {
                status: None,
                error,
                wait: None,
            }
        } else {
            Sent::Down(error)
        }
    }

    /// A non-2xx answer, judged by its status; the wait the target asks for is read by the
    /// core's one parser of `Retry-After` and rate-limit headers.
    async fn refused(path: &str, r: reqwest::Response) -> Sent {
        let status = r.status().as_u16();
        let wait = crate::ratelimit::retry_after(r.headers(), now_ms() / 1000)
            .map(|w| w.min(MAX_RETRY_AFTER));
        let error = format!("{path}: the target answered {status}");
        match status {
            429 => Sent::Slow { error, wait },
            401 | 403 => Sent::Down(error),
            404 | 408 | 500..=599 => Sent::Retry {
                status: Some(status),
                error,
                wait,
            },
            _ => {
                let text: String = r
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                Sent::Permanent {
                    status,
                    error: format!("{error}: {text}"),
                }
            }
        }
    }

    /// Our own failure to build the batch (the store): not the target's fault, try again.
    fn local(error: String) -> Sent {
        Sent::Retry {
            status: None,
            error,
            wait: None,
        }
    }
}

fn validate_url(url: &str) -> AppResult<String> {
    let u = url::Url::parse(url)
        .map_err(|e| AppError::bad_request("invalid_url", format!("{url:?} is not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(AppError::bad_request(
            "invalid_url",
            "the forward target must be an http or https URL",
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// Vital's push name of a timeseries (its read name where they are the same).
pub fn push_name(metric: &str) -> &str {
    crate::resources::get(metric).map_or(metric, |r| r.push_name)
}

/// ISO-8601 UTC with milliseconds only when there are some.
pub fn iso_ms(ms: i64) -> String {
    let base = crate::model::iso_utc_ms(ms);
    match ms.rem_euclid(1000) {
        0 => base,
        f => format!("{}.{f:03}+00:00", &base[..19]),
    }
}

fn gzip(body: &[u8]) -> AppResult<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 8),
        flate2::Compression::fast(),
    );
    enc.write_all(body)
        .and_then(|_| enc.finish())
        .map_err(|e| AppError::internal(format!("gzip: {e}")))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection refused or unreachable".into()
    } else {
        "the connection failed".into()
    }
}

impl App {
    /// Sets the forward target. A new target (or provider mode) gets every stored reading
    /// queued; the same target keeps its queue.
    pub fn forward_set(
        &self,
        url: &str,
        api_key: &str,
        mode: ProviderMode,
    ) -> AppResult<ForwardStatus> {
        let url = validate_url(url)?;
        if api_key.trim().is_empty() {
            return Err(AppError::bad_request(
                "invalid_api_key",
                "the target's API key is empty",
            ));
        }
        let sealed = base64::engine::general_purpose::STANDARD
            .encode(self.vault.seal_str(KEY_AAD, api_key.trim()));
        self.store
            .set_forward_target(&url, &sealed, mode.as_str())?;
        self.forward_wake.notify_one();
        self.forward_status()
    }

    /// Stops forwarding and empties the queue (a later `forward set` queues everything again).
    pub fn forward_off(&self) -> AppResult<()> {
        self.store.clear_forward_target()
    }

    pub fn forward_config(&self) -> AppResult<Option<ForwardConfig>> {
        let Some(url) = self.store.setting(TARGET_SETTING)? else {
            return Ok(None);
        };
        let sealed = self.store.setting(KEY_SETTING)?.unwrap_or_default();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|_| AppError::internal("the forward API key setting is damaged"))?;
        Ok(Some(ForwardConfig {
            url,
            api_key: self.vault.open_str(KEY_AAD, &raw)?,
            mode: ProviderMode::parse(&self.store.setting(MODE_SETTING)?.unwrap_or_default()),
        }))
    }

    /// Outbox depth, last delivery and last error (for `forward status` and the console).
    pub fn forward_status(&self) -> AppResult<ForwardStatus> {
        status(&self.store)
    }

    fn forward_error(&self, message: &str) {
        let _ = self.store.forward_error(message, now_ms());
    }

    async fn post(&self, cfg: &ForwardConfig, path: &str, body: &Value, gz: bool) -> Sent {
        let raw = body.to_string();
        let mut req = self
            .http
            .post(format!("{}{path}", cfg.url))
            .timeout(REQUEST_TIMEOUT)
            .header("x-vital-api-key", &cfg.api_key)
            .header("content-type", "application/json");
        if gz {
            let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(raw.as_bytes()));
            match gzip(raw.as_bytes()) {
                Ok(b) => {
                    req = req
                        .header("content-encoding", "gzip")
                        .header("idempotency-key", digest)
                        .body(b)
                }
                Err(e) => return Sent::local(e.message),
            }
        } else {
            req = req.body(raw);
        }
        match req.send().await {
            Err(e) => Sent::unanswered(path, &e),
            Ok(r) if r.status().is_success() => Sent::Ok,
            Ok(r) => Sent::refused(path, r).await,
        }
    }

    /// The remote user of a local user: resolved by `client_user_id`, else created.
    async fn remote_user(&self, cfg: &ForwardConfig, user_id: &str) -> Result<String, Sent> {
        {
            let mut cache = self.forward_state.lock().await;
            if cache.target != cfg.url {
                *cache = RemoteCache {
                    target: cfg.url.clone(),
                    ..Default::default()
                };
            }
            if let Some(r) = cache.users.get(user_id) {
                return Ok(r.clone());
            }
        }
        let local = self
            .store
            .user(user_id)
            .map_err(|e| Sent::local(e.message))?;
        let cuid = local.client_user_id.clone();
        let path = format!(
            "/v2/user/resolve/{}",
            url::form_urlencoded::byte_serialize(cuid.as_bytes()).collect::<String>()
        );
        let get = self
            .http
            .get(format!("{}{path}", cfg.url))
            .timeout(REQUEST_TIMEOUT)
            .header("x-vital-api-key", &cfg.api_key)
            .send()
            .await
            .map_err(|e| Sent::unanswered(&path, &e))?;
        let remote = match get.status().as_u16() {
            200 => get
                .json::<Value>()
                .await
                .ok()
                .and_then(|v| v["user_id"].as_str().map(str::to_string)),
            404 => {
                let r = self
                    .http
                    .post(format!("{}/v2/user", cfg.url))
                    .timeout(REQUEST_TIMEOUT)
                    .header("x-vital-api-key", &cfg.api_key)
                    .json(&json!({"client_user_id": cuid}))
                    .send()
                    .await
                    .map_err(|e| Sent::unanswered("/v2/user", &e))?;
                match r.status().as_u16() {
                    200..=299 => r.json::<Value>().await.unwrap_or_default()["user_id"]
                        .as_str()
                        .map(str::to_string),
                    // Created meanwhile by someone else: Vital names the existing user.
                    400 => r.json::<Value>().await.unwrap_or_default()["detail"]["user_id"]
                        .as_str()
                        .map(str::to_string),
                    _ => return Err(Sent::refused("/v2/user", r).await),
                }
            }
            _ => return Err(Sent::refused(&path, get).await),
        };
        let remote = remote.ok_or_else(|| Sent::Retry {
            status: None,
            error: format!("{path}: the answer has no user_id"),
            wait: None,
        })?;
        self.forward_state
            .lock()
            .await
            .users
            .insert(user_id.to_string(), remote.clone());
        Ok(remote)
    }

    async fn remote_connection(
        &self,
        cfg: &ForwardConfig,
        remote_user: &str,
        provider: &str,
    ) -> Result<(), Sent> {
        let key = (remote_user.to_string(), provider.to_string());
        if self.forward_state.lock().await.connections.contains(&key) {
            return Ok(());
        }
        let r = self
            .http
            .post(format!("{}/v2/link/provider/manual/{provider}", cfg.url))
            .timeout(REQUEST_TIMEOUT)
            .header("x-vital-api-key", &cfg.api_key)
            .json(&json!({"user_id": remote_user, "provider_id": Value::Null}))
            .send()
            .await
            .map_err(|e| Sent::unanswered("/v2/link/provider/manual", &e))?;
        match r.status().as_u16() {
            200..=299 | 409 => {
                self.forward_state.lock().await.connections.insert(key);
                Ok(())
            }
            _ => Err(Sent::refused(&format!("/v2/link/provider/manual/{provider}"), r).await),
        }
    }

    /// The envelope of one batch and where it goes; `None` when its readings are gone.
    fn batch_requests(
        &self,
        cfg: &ForwardConfig,
        row: &OutboxRow,
        remote_user: &str,
        provider: &str,
    ) -> AppResult<Vec<(String, Value)>> {
        let tz = self
            .store
            .user(&row.user_id)
            .ok()
            .and_then(|u| u.fallback_time_zone)
            .unwrap_or_else(|| "UTC".into());
        let historical = row.stage == "historical";
        let envelope = |data: Value| {
            json!({
                "stage": row.stage,
                "start_date": row.start_day.as_ref().filter(|_| historical).map(|d| format!("{d}T00:00:00+00:00")),
                "end_date": row.end_day.as_ref().filter(|_| historical).map(|d| format!("{d}T23:59:59+00:00")),
                "time_zone": tz,
                "provider": provider,
                "is_final_chunk": true,
                "data": data,
            })
        };
        let keys = row.keys.as_array().cloned().unwrap_or_default();
        let mut out = vec![];
        if row.kind == "summary" {
            let ids: Vec<String> = keys
                .iter()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect();
            let docs: Vec<Value> = self
                .store
                .summary_rows(ids)?
                .into_iter()
                .map(|s| {
                    let mut d = s.data;
                    if let Some(m) = d.as_object_mut() {
                        if let Some(st) = s.stream {
                            let k = if s.resource == "workouts" {
                                "workout_stream"
                            } else {
                                "sleep_stream"
                            };
                            m.insert(k.into(), st);
                        }
                        m.insert(
                            "_vital_link".into(),
                            json!({"provider": s.provider, "provider_record_id": s.provider_record_id,
                                   "calendar_date": s.calendar_date, "start_at": s.start_at, "end_at": s.end_at}),
                        );
                    }
                    d
                })
                .collect();
            let path = format!("/v2/summary/{}/{remote_user}", row.resource);
            if row.resource == "profile" {
                for d in docs {
                    out.push((path.clone(), envelope(d)));
                }
            } else if !docs.is_empty() {
                out.push((path, envelope(Value::Array(docs))));
            }
        } else {
            let ts: Vec<i64> = keys.iter().filter_map(Value::as_i64).collect();
            let samples = self
                .store
                .samples_at(&row.user_id, &row.resource, &row.provider, ts)?;
            let data: Vec<Value> = samples
                .iter()
                .map(|s| {
                    let mut meta = Map::new();
                    meta.insert("provider".into(), json!(row.provider));
                    if let Some(o) = s.tz_offset {
                        meta.insert("timezone_offset".into(), json!(o));
                    }
                    json!({
                        "value": s.value,
                        "unit": s.unit,
                        "start_date": iso_ms(s.ts),
                        "end_date": iso_ms(s.end_ts.unwrap_or(s.ts)),
                        "type": s.source_type,
                        "metadata": meta,
                    })
                })
                .collect();
            if !data.is_empty() {
                out.push((
                    format!("/v2/timeseries/{remote_user}/{}", push_name(&row.resource)),
                    envelope(Value::Array(data)),
                ));
            }
        }
        let _ = cfg;
        Ok(out)
    }

    async fn deliver(&self, cfg: &ForwardConfig, row: &OutboxRow) -> Sent {
        let provider = match cfg.mode {
            ProviderMode::Source => row.provider.clone(),
            ProviderMode::Manual => "manual".to_string(),
        };
        let remote = match self.remote_user(cfg, &row.user_id).await {
            Ok(r) => r,
            Err(s) => return s,
        };
        if let Err(s) = self.remote_connection(cfg, &remote, &provider).await {
            return s;
        }
        let requests = match self.batch_requests(cfg, row, &remote, &provider) {
            Ok(r) => r,
            Err(e) => return Sent::local(e.message),
        };
        for (path, body) in requests {
            match self.post(cfg, &path, &body, true).await {
                Sent::Ok => {}
                gone @ Sent::Retry {
                    status: Some(404), ..
                } => {
                    // The remote user may be gone (the target was reset): resolve it again.
                    let mut cache = self.forward_state.lock().await;
                    cache.users.remove(&row.user_id);
                    cache.connections.clear();
                    return gone;
                }
                other => return other,
            }
        }
        Sent::Ok
    }

    /// Sends the batches that are due, fresh ones first. Returns how many were delivered; an
    /// error means the target is unreachable, failing as a whole or pausing us, and the caller
    /// should back off ([`App::forward_pause`] says how long when the target said).
    pub async fn forward_once(&self) -> AppResult<usize> {
        let Some(cfg) = self.forward_config()? else {
            return Ok(0);
        };
        if let Some(wait) = self.forward_pause().await {
            return Err(rate_limited(wait));
        }
        let rows = self.store.outbox_due(now_ms(), 50)?;
        let (mut delivered, mut failing) = (0, 0);
        for row in rows {
            match self.deliver(&cfg, &row).await {
                Sent::Ok => {
                    self.batch_delivered(&row)?;
                    delivered += 1;
                    failing = 0;
                }
                Sent::Retry {
                    status,
                    error,
                    wait,
                } => {
                    self.batch_failed(&row, status, &error, wait)?;
                    failing += 1;
                    if failing >= FAILING_TARGET && delivered == 0 {
                        return Err(unavailable(error));
                    }
                }
                Sent::Permanent { status, error } => {
                    self.forward_error(&error);
                    self.park(&row, Some(status), &error, row.attempts + 1)?;
                }
                Sent::Slow { error, wait } => {
                    self.forward_error(&error);
                    let Some(wait) = wait else {
                        return Err(unavailable(error));
                    };
                    self.forward_state.lock().await.paused_until =
                        now_ms() + wait.as_millis() as i64;
                    return Err(rate_limited(wait));
                }
                Sent::Down(m) => {
                    self.forward_error(&m);
                    return Err(unavailable(m));
                }
            }
        }
        Ok(delivered)
    }

    /// How much longer the current target asked us to send nothing (after a 429 with a wait),
    /// if at all. A pause asked by a previous target does not hold back a new one.
    pub async fn forward_pause(&self) -> Option<Duration> {
        let url = self.store.setting(TARGET_SETTING).ok().flatten()?;
        let cache = self.forward_state.lock().await;
        let left = cache.paused_until - now_ms();
        (cache.target == url && left > 0).then(|| Duration::from_millis(left as u64))
    }

    /// Puts every dead letter back in the queue, due now; returns how many.
    pub fn forward_retry(&self) -> AppResult<usize> {
        let n = self.store.outbox_unpark()?;
        if n > 0 {
            self.store
                .log_event("forward.retry", None, None, json!({"batches": n}))?;
            self.forward_wake.notify_one();
        }
        Ok(n)
    }

    /// The target took the batch: it leaves the outbox, and the last error is over.
    fn batch_delivered(&self, row: &OutboxRow) -> AppResult<()> {
        let n = row.keys.as_array().map_or(0, Vec::len) as i64;
        self.store.outbox_delivered(row.id, n, now_ms())
    }

    /// One more failed try of this batch: it waits its own time (or what the target asked),
    /// or is parked after the last try.
    fn batch_failed(
        &self,
        row: &OutboxRow,
        status: Option<u16>,
        error: &str,
        wait: Option<Duration>,
    ) -> AppResult<()> {
        tracing::warn!(batch = row.id, "forward: {error}");
        self.forward_error(error);
        let policy = self.config.forward_retry;
        let attempts = row.attempts + 1;
        if attempts >= policy.max_attempts {
            return self.park(row, status, error, attempts);
        }
        let next = now_ms() + wait.unwrap_or_else(|| policy.wait(attempts)).as_millis() as i64;
        self.store
            .outbox_retry_later(row.id, attempts, next, error, status)
    }

    /// Makes the batch a dead letter: kept, shown and logged, sent again only on `forward retry`.
    fn park(
        &self,
        row: &OutboxRow,
        status: Option<u16>,
        error: &str,
        attempts: i64,
    ) -> AppResult<()> {
        tracing::warn!(batch = row.id, attempts, "forward: parked: {error}");
        self.store
            .outbox_park(row.id, attempts, now_ms(), error, status)?;
        self.store.log_event(
            "forward.batch_parked",
            Some(&row.user_id),
            Some(&row.provider),
            json!({
                "batch": row.id,
                "resource": row.resource,
                "readings": row.keys.as_array().map_or(0, Vec::len),
                "attempts": attempts,
                "status": status,
                "error": error,
            }),
        )
    }
}

fn unavailable(message: String) -> AppError {
    AppError::new("forward_target_unavailable", message)
}

fn rate_limited(wait: Duration) -> AppError {
    AppError::new(
        "forward_rate_limited",
        format!(
            "the target asked us to wait; sending again in {:.1} s",
            wait.as_secs_f64()
        ),
    )
}

/// Outbox depth, last delivery and last error of the store's forward target.
pub fn status(store: &crate::store::Store) -> AppResult<ForwardStatus> {
    let url = store.setting(TARGET_SETTING)?;
    let ms = |k: &str| -> AppResult<Option<String>> {
        Ok(store
            .setting(k)?
            .and_then(|v| v.parse::<i64>().ok())
            .map(crate::model::iso_utc_ms))
    };
    let mode = store.setting(MODE_SETTING)?;
    Ok(ForwardStatus {
        enabled: url.is_some(),
        provider_mode: url
            .as_ref()
            .map(|_| ProviderMode::parse(mode.as_deref().unwrap_or_default())),
        url,
        outbox: store.outbox_depth()?,
        parked: store.outbox_depth_of(true)?,
        dead_letters: store.outbox_parked(PARKED_SHOWN)?,
        delivered_readings: store
            .setting(DELIVERED)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        last_delivery_at: ms(LAST_DELIVERY)?,
        last_error: store.setting(LAST_ERROR)?,
        last_error_at: ms(LAST_ERROR_AT)?,
    })
}

/// Drains the outbox in the background while the app runs.
pub fn start_worker(app: Arc<App>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut failures: u32 = 0;
        loop {
            let wait = match app.forward_once().await {
                Ok(n) if n > 0 => {
                    failures = 0;
                    continue;
                }
                Ok(_) => {
                    failures = 0;
                    // Until the next batch is due, or new work is queued (a page woke us).
                    let next = app.store.outbox_next_attempt().ok().flatten();
                    let until = next.map_or(2000, |t| (t - now_ms()).clamp(50, 2000));
                    Duration::from_millis(until as u64)
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!("forward: {} (attempt {failures})", e.message);
                    match app.forward_pause().await {
                        // The target said how long: exactly that, not our own guess.
                        Some(wait) => wait,
                        None => {
                            let base =
                                (500u64 << failures.min(8)).min(MAX_BACKOFF.as_millis() as u64);
                            Duration::from_millis(
                                base / 2
                                    + rand::Rng::gen_range(&mut rand::thread_rng(), 0..=base / 2),
                            )
                        }
                    }
                }
            };
            tokio::select! {
                _ = app.forward_wake.notified(), if failures == 0 => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    })
}
