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
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use rusqlite::params;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::store::now_ms;
use crate::store::outbox::{self, Depth, OutboxRow, TARGET_SETTING};

const KEY_SETTING: &str = "forward.api_key";
const MODE_SETTING: &str = "forward.provider_mode";
const LAST_DELIVERY: &str = "forward.last_delivery_at";
const LAST_ERROR: &str = "forward.last_error";
const LAST_ERROR_AT: &str = "forward.last_error_at";
const DELIVERED: &str = "forward.delivered";
const KEY_AAD: &str = "settings/forward.api_key";
/// The longest wait between two tries while the target is unreachable.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Which provider slug the remote connection gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
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
pub struct ForwardStatus {
    pub enabled: bool,
    pub url: Option<String>,
    pub provider_mode: Option<ProviderMode>,
    pub outbox: Depth,
    pub delivered_readings: i64,
    pub last_delivery_at: Option<String>,
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
}

/// How one request ended.
enum Sent {
    Ok,
    /// The target refused this batch (4xx): keep it, retry it later, go on with the others.
    Refused(String),
    /// The target is unreachable, failing or refusing us altogether: back off.
    Down(String),
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

/// Vital's push names for timeseries whose read names differ.
pub fn push_name(metric: &str) -> &str {
    match metric {
        "hrv" => "heartrate_variability",
        "body_temperature" => "temperature",
        m => m,
    }
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
        self.store.write(move |tx| {
            let get = |k: &str| -> AppResult<Option<String>> {
                use rusqlite::OptionalExtension;
                Ok(tx
                    .query_row("SELECT value FROM settings WHERE key = ?1", [k], |r| {
                        r.get(0)
                    })
                    .optional()?)
            };
            let same = get(TARGET_SETTING)?.as_deref() == Some(url.as_str())
                && get(MODE_SETTING)?.as_deref() == Some(mode.as_str());
            let put = |k: &str, v: &str| -> AppResult<()> {
                tx.execute(
                    "INSERT INTO settings(key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    params![k, v],
                )?;
                Ok(())
            };
            put(TARGET_SETTING, &url)?;
            put(KEY_SETTING, &sealed)?;
            put(MODE_SETTING, mode.as_str())?;
            if !same {
                tx.execute("DELETE FROM outbox", [])?;
                tx.execute(
                    "DELETE FROM settings WHERE key IN (?1, ?2, ?3, ?4)",
                    params![LAST_DELIVERY, LAST_ERROR, LAST_ERROR_AT, DELIVERED],
                )?;
                outbox::enqueue_all(tx)?;
            }
            Ok(())
        })?;
        self.forward_wake.notify_one();
        self.forward_status()
    }

    /// Stops forwarding and empties the queue (a later `forward set` queues everything again).
    pub fn forward_off(&self) -> AppResult<()> {
        self.store.write(|tx| {
            tx.execute(
                "DELETE FROM settings WHERE key IN (?1, ?2, ?3)",
                params![TARGET_SETTING, KEY_SETTING, MODE_SETTING],
            )?;
            tx.execute("DELETE FROM outbox", [])?;
            Ok(())
        })
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
        let m = message.to_string();
        let _ = self.store.write(move |tx| {
            for (k, v) in [(LAST_ERROR, m), (LAST_ERROR_AT, now_ms().to_string())] {
                tx.execute(
                    "INSERT INTO settings(key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    params![k, v],
                )?;
            }
            Ok(())
        });
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
                Err(e) => return Sent::Refused(e.message),
            }
        } else {
            req = req.body(raw);
        }
        match req.send().await {
            Err(e) => Sent::Down(format!("{path}: {}", describe(&e))),
            Ok(r) => {
                let status = r.status().as_u16();
                match status {
                    200..=299 => Sent::Ok,
                    408 | 429 | 500..=599 | 401 | 403 => {
                        Sent::Down(format!("{path}: the target answered {status}"))
                    }
                    _ => {
                        let text: String = r
                            .text()
                            .await
                            .unwrap_or_default()
                            .chars()
                            .take(300)
                            .collect();
                        Sent::Refused(format!("{path}: the target answered {status}: {text}"))
                    }
                }
            }
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
            .map_err(|e| Sent::Refused(e.message))?;
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
            .map_err(|e| Sent::Down(format!("{path}: {}", describe(&e))))?;
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
                    .map_err(|e| Sent::Down(format!("/v2/user: {}", describe(&e))))?;
                let status = r.status().as_u16();
                let v: Value = r.json().await.unwrap_or_default();
                match status {
                    200..=299 => v["user_id"].as_str().map(str::to_string),
                    // Created meanwhile by someone else: Vital names the existing user.
                    400 => v["detail"]["user_id"].as_str().map(str::to_string),
                    s if s >= 500 || s == 429 || s == 401 || s == 403 => {
                        return Err(Sent::Down(format!("/v2/user: the target answered {s}")))
                    }
                    s => return Err(Sent::Refused(format!("/v2/user: the target answered {s}"))),
                }
            }
            s => return Err(Sent::Down(format!("{path}: the target answered {s}"))),
        };
        let remote =
            remote.ok_or_else(|| Sent::Down(format!("{path}: the answer has no user_id")))?;
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
            .map_err(|e| Sent::Down(format!("/v2/link/provider/manual: {}", describe(&e))))?;
        match r.status().as_u16() {
            200..=299 | 409 => {
                self.forward_state.lock().await.connections.insert(key);
                Ok(())
            }
            s if s >= 500 || s == 429 || s == 401 || s == 403 || s == 408 => Err(Sent::Down(
                format!("/v2/link/provider/manual/{provider}: the target answered {s}"),
            )),
            s => Err(Sent::Refused(format!(
                "/v2/link/provider/manual/{provider}: the target answered {s}"
            ))),
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
            Err(e) => return Sent::Refused(e.message),
        };
        for (path, body) in requests {
            match self.post(cfg, &path, &body, true).await {
                Sent::Ok => {}
                Sent::Refused(m) if m.contains(" 404") => {
                    // The remote user may be gone (the target was reset): resolve it again.
                    let mut cache = self.forward_state.lock().await;
                    cache.users.remove(&row.user_id);
                    cache.connections.clear();
                    return Sent::Refused(m);
                }
                other => return other,
            }
        }
        Sent::Ok
    }

    /// Sends the batches that are due, oldest first. Returns how many were delivered; an error
    /// means the target is unreachable or failing and the caller should back off.
    pub async fn forward_once(&self) -> AppResult<usize> {
        let Some(cfg) = self.forward_config()? else {
            return Ok(0);
        };
        let rows = self.store.outbox_due(now_ms(), 50)?;
        let mut delivered = 0;
        for row in rows {
            match self.deliver(&cfg, &row).await {
                Sent::Ok => {
                    let (id, n) = (row.id, row.keys.as_array().map_or(0, Vec::len) as i64);
                    self.store.write(move |tx| {
                        tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
                        tx.execute(
                            "INSERT INTO settings(key, value) VALUES (?1, ?2)
                             ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(settings.value AS INTEGER) + ?3 AS TEXT)",
                            params![DELIVERED, n.to_string(), n],
                        )?;
                        tx.execute(
                            "INSERT INTO settings(key, value) VALUES (?1, ?2)
                             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            params![LAST_DELIVERY, now_ms().to_string()],
                        )?;
                        Ok(())
                    })?;
                    delivered += 1;
                }
                Sent::Refused(m) => {
                    tracing::warn!(batch = row.id, "forward: {m}");
                    self.forward_error(&m);
                    let attempts = row.attempts + 1;
                    let wait = (1000i64 << attempts.min(12)).min(3_600_000);
                    let id = row.id;
                    self.store.write(move |tx| {
                        tx.execute(
                            "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 WHERE id = ?1",
                            params![id, attempts, now_ms() + wait, m],
                        )?;
                        Ok(())
                    })?;
                }
                Sent::Down(m) => {
                    self.forward_error(&m);
                    return Err(AppError::new("forward_target_unavailable", 502, m));
                }
            }
        }
        Ok(delivered)
    }
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
                    let base = (500u64 << failures.min(8)).min(MAX_BACKOFF.as_millis() as u64);
                    Duration::from_millis(
                        base / 2 + rand::Rng::gen_range(&mut rand::thread_rng(), 0..=base / 2),
                    )
                }
            };
            tokio::select! {
                _ = app.forward_wake.notified(), if failures == 0 => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    })
}
