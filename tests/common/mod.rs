//! Shared harness: a real App on a temp data dir, the sandbox on loopback, a fixed clock.
#![allow(dead_code)]
pub mod child;
pub mod postgres;
pub mod sdk;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use vital_link::clock::Clock;
use vital_link::config::Config;
use vital_link::fake::synth::{self, Account};
use vital_link::store::links::NewLinkToken;
use vital_link::App;

pub const NOW: &str = "2026-11-20T15:00:00Z";

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

pub struct Harness {
    pub app: Arc<App>,
    pub dir: tempfile::TempDir,
}

pub async fn start(history_days: u32) -> Harness {
    start_with(history_days, |_| {}).await
}

pub async fn start_with(history_days: u32, f: impl FnOnce(&mut Config)) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("data"));
    config.history_days = history_days;
    config.api_port = 0;
    f(&mut config);
    let app = vital_link::start(config, Clock::fixed(now()))
        .await
        .unwrap();
    vital_link::api::serve(app.clone(), 0).await.unwrap();
    Harness { app, dir }
}

/// Another App on an existing data directory with the clock at `at` (the same user later).
pub async fn reopen(dir: &std::path::Path, at: DateTime<Utc>, history_days: u32) -> Arc<App> {
    let mut config = Config::new(dir.join("data"));
    config.history_days = history_days;
    config.api_port = 0;
    vital_link::start(config, Clock::fixed(at)).await.unwrap()
}

/// Starts a link flow for `client_user_id` and returns (link token, authorize URL).
pub async fn begin_link(app: &Arc<App>, client_user_id: &str) -> (String, String) {
    begin_link_for(app, client_user_id, "oura").await
}

/// Providers whose redirect URI is registered with a fixed port run one link flow at a time in
/// a test process (the port is the one the sandbox registered, as in production).
pub async fn port_lock(provider: &str) -> tokio::sync::MutexGuard<'static, ()> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static LOCKS: OnceLock<Mutex<HashMap<String, &'static tokio::sync::Mutex<()>>>> =
        OnceLock::new();
    let m: &'static tokio::sync::Mutex<()> = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(provider.to_string())
        .or_insert_with(|| Box::leak(Box::new(tokio::sync::Mutex::new(()))));
    m.lock().await
}

/// As `begin_link`, for any provider.
pub async fn begin_link_for(
    app: &Arc<App>,
    client_user_id: &str,
    provider: &str,
) -> (String, String) {
    let user = match app.store.user_by_client_id(client_user_id) {
        Ok(u) => u,
        Err(_) => app.store.create_user(client_user_id).unwrap(),
    };
    let link = app
        .create_link_token(NewLinkToken {
            user_id: user.user_id,
            ..Default::default()
        })
        .unwrap();
    let started = app
        .link_start(&link.link_token, provider, false)
        .await
        .unwrap();
    (link.link_token, started.oauth_url)
}

/// Waits until the link session leaves `pending`.
pub async fn settle(app: &Arc<App>, token: &str) -> vital_link::link::LinkState {
    for _ in 0..200 {
        let s = app.link_state(token).unwrap();
        if s.state.as_str() != "pending" {
            return s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("link flow did not settle");
}

pub fn redirect_uri_of(oauth_url: &str) -> String {
    url::Url::parse(oauth_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned()
}

/// What the sandbox serves for `login` between `first` and the fixed now: the expected counts
/// of a full backfill, computed from the generator, not from the app.
pub struct Expected {
    pub sleep_docs: usize,
    pub activity_days: usize,
    pub workouts: usize,
    pub heartrate: usize,
    pub hrv: usize,
}

pub fn expected(login: &str, first: NaiveDate) -> Expected {
    let acct = Account::new(login);
    let now_s = now().timestamp();
    let local_today = now().with_timezone(&acct.tz()).date_naive();
    let last = (now().date_naive() + Duration::days(1)).min(local_today);
    let mut e = Expected {
        sleep_docs: 0,
        activity_days: 0,
        workouts: 0,
        heartrate: 0,
        hrv: 0,
    };
    let mut day = first;
    while day <= last {
        for n in synth::sleeps(&acct, day)
            .iter()
            .filter(|n| n.end() <= now_s)
        {
            e.sleep_docs += 1;
            e.hrv += n
                .hrv
                .iter()
                .flatten()
                .filter(|v| **v >= 1.0 && **v <= 300.0)
                .count();
        }
        if acct.day_start(day) + 4 * 3600 <= now_s {
            e.activity_days += 1;
        }
        e.workouts += synth::workouts(&acct, day)
            .iter()
            .filter(|w| w.end <= now_s)
            .count();
        day += Duration::days(1);
    }
    // Heart rate is requested by UTC instants from `first` 00:00Z up to now.
    let from = first.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let mut day = first - Duration::days(1);
    while day <= now().date_naive() + Duration::days(1) {
        e.heartrate += synth::heart_rate(&acct, day)
            .iter()
            .filter(|(t, _, _)| *t >= from && *t <= now_s)
            .count();
        day += Duration::days(1);
    }
    e
}

/// What a user's readings are, independent of ids that differ between machines and runs (user
/// uuids, summary uuids, created/updated times): counts of summaries and samples and a SHA-256
/// over every summary (resource, provider record id, dates, document, stream) and every sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub summaries: usize,
    pub samples: usize,
    pub hash: String,
}

pub fn fingerprint(
    store: &vital_link::store::Store,
    user_id: &str,
    with_provider: bool,
) -> Fingerprint {
    use sha2::Digest;
    let u = user_id.to_string();
    store
        .read(move |c| {
            let mut h = sha2::Sha256::new();
            let mut summaries = 0;
            let mut st = c.prepare(
                "SELECT resource, provider_record_id, calendar_date, start_at, end_at, vl_unpack(data), vl_unpack(stream), provider
                 FROM summaries WHERE user_id = ?1 ORDER BY resource, provider_record_id",
            )?;
            let mut rows = st.query([&u])?;
            while let Some(r) = rows.next()? {
                let mut data: serde_json::Value = serde_json::from_str(&r.get::<_, String>(5)?).unwrap();
                let m = data.as_object_mut().unwrap();
                m.remove("id");
                m.remove("user_id");
                let line = format!(
                    "{}|{}|{}|{:?}|{:?}|{}|{}|{}\n",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    data,
                    r.get::<_, Option<String>>(6)?.map(|s| serde_json::from_str::<serde_json::Value>(&s).unwrap().to_string()).unwrap_or_default(),
                    if with_provider { r.get::<_, String>(7)? } else { String::new() },
                );
                h.update(line.as_bytes());
                summaries += 1;
            }
            let mut samples = 0;
            let mut st = c.prepare(
                "SELECT metric, provider, ts, end_ts, value, unit, tz_offset, source_type FROM samples
                 WHERE user_id = ?1 ORDER BY metric, ts, provider",
            )?;
            let mut rows = st.query([&u])?;
            while let Some(r) = rows.next()? {
                let line = format!(
                    "{}|{}|{}|{:?}|{}|{}|{:?}|{:?}\n",
                    r.get::<_, String>(0)?,
                    if with_provider { r.get::<_, String>(1)? } else { String::new() },
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, f64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                );
                h.update(line.as_bytes());
                samples += 1;
            }
            Ok(Fingerprint {
                summaries,
                samples,
                hash: hex::encode(h.finalize()),
            })
        })
        .unwrap()
}
