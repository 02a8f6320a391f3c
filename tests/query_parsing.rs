//! Query parameters read as tolerantly as Vital's FastAPI/pydantic reads them, over real loopback
//! HTTP: what the 1.x SDKs send (`provider=` always, `str(datetime)` for dates) must answer with
//! the same data as the canonical form, never silently with nothing and never with a 422.
mod common;

use common::*;
use serde_json::{json, Value};

struct Api {
    base: String,
    key: String,
    user: String,
    http: reqwest::Client,
}

impl Api {
    /// A sandbox user with Oura connected and its 30-day backfill done.
    async fn connected(h: &Harness) -> Api {
        let http = reqwest::Client::new();
        let base = h.app.api_base_url();
        let key = h.app.api_key().unwrap();
        let user: Value = http
            .post(format!("{base}/v2/user"))
            .header("x-vital-api-key", &key)
            .json(&json!({"client_user_id": "query-parsing"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let user = user["user_id"].as_str().unwrap().to_string();
        let demo = http
            .post(format!("{base}/v2/link/connect/demo"))
            .header("x-vital-api-key", &key)
            .json(&json!({"user_id": user, "provider": "oura"}))
            .send()
            .await
            .unwrap();
        assert_eq!(demo.status(), 200);
        h.app.wait_background().await;
        Api {
            base,
            key,
            user,
            http,
        }
    }

    /// `GET path?query` with the query exactly as written (as an SDK puts it on the wire).
    async fn get(&self, path: &str, query: &str) -> (u16, Value) {
        let path = path.replace("{user}", &self.user);
        let resp = self
            .http
            .get(format!("{}{path}?{query}", self.base))
            .header("x-vital-api-key", &self.key)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// The sleeps, or the heart-rate samples, a query answers; panics unless it answered 200.
    async fn list(&self, path: &str, query: &str) -> Vec<Value> {
        let (status, body) = self.get(path, query).await;
        assert_eq!(status, 200, "{path}?{query}: {body}");
        let list = body.get("sleep").unwrap_or(&body);
        list.as_array().expect("a list").clone()
    }
}

const SLEEP: &str = "/v2/summary/sleep/{user}";
const HEARTRATE: &str = "/v2/timeseries/{user}/heartrate";

/// Heart-rate samples from 05:00 to 07:00 UTC on 2026-11-12, asked for the canonical way.
async fn morning(api: &Api) -> Vec<Value> {
    let hr = api
        .list(
            HEARTRATE,
            "start_date=2026-11-12T05:00:00%2B00:00&end_date=2026-11-12T07:00:00%2B00:00",
        )
        .await;
    assert!(!hr.is_empty(), "the fake serves heart rate that morning");
    hr
}

#[tokio::test]
async fn an_empty_provider_means_every_provider() {
    let h = start(30).await;
    let api = Api::connected(&h).await;
    let q = "start_date=2026-11-01&end_date=2026-11-19";
    let all = api.list(SLEEP, q).await;
    assert!(!all.is_empty());
    assert_eq!(api.list(SLEEP, &format!("{q}&provider=")).await, all);
    let hr = api.list(HEARTRATE, "start_date=2026-11-12").await;
    assert_eq!(
        api.list(HEARTRATE, "start_date=2026-11-12&end_date=&provider=")
            .await,
        hr
    );
    // A named provider still filters.
    assert!(api
        .list(SLEEP, &format!("{q}&provider=fitbit"))
        .await
        .is_empty());
}

#[tokio::test]
async fn a_space_separated_datetime_is_read_like_python_str_datetime() {
    let h = start(30).await;
    let api = Api::connected(&h).await;
    // What `requests` sends for `str(datetime(2026, 11, 12, 5))`: a `+` for the space.
    let spaced = "start_date=2026-11-12+05:00:00&end_date=2026-11-12+07:00:00";
    assert_eq!(api.list(HEARTRATE, spaced).await, morning(&api).await);
    let days = "start_date=2026-11-01&end_date=2026-11-19";
    let by_time = "start_date=2026-11-01%2000:00:00&end_date=2026-11-19%2023:59:59.999";
    assert_eq!(api.list(SLEEP, by_time).await, api.list(SLEEP, days).await);
}

#[tokio::test]
async fn a_naive_datetime_is_utc() {
    let h = start(30).await;
    let api = Api::connected(&h).await;
    let naive = "start_date=2026-11-12T05:00:00&end_date=2026-11-12T07:00:00";
    assert_eq!(api.list(HEARTRATE, naive).await, morning(&api).await);
}

#[tokio::test]
async fn fractional_seconds_are_read() {
    let h = start(30).await;
    let api = Api::connected(&h).await;
    // Python's `str(datetime)` with microseconds, and JavaScript's `toISOString()` milliseconds.
    let micro = "start_date=2026-11-12+05:00:00.000000&end_date=2026-11-12+06:59:59.999999";
    let milli = "start_date=2026-11-12T05:00:00.000Z&end_date=2026-11-12T06:59:59.999Z";
    let want: Vec<Value> = morning(&api)
        .await
        .into_iter()
        .filter(|s| !s["timestamp"].as_str().unwrap().contains("T07:00:00"))
        .collect();
    assert_eq!(api.list(HEARTRATE, micro).await, want);
    assert_eq!(api.list(HEARTRATE, milli).await, want);
}

#[tokio::test]
async fn z_means_utc_with_or_without_seconds() {
    let h = start(30).await;
    let api = Api::connected(&h).await;
    let want = morning(&api).await;
    let z = "start_date=2026-11-12T05:00Z&end_date=2026-11-12T07:00Z";
    assert_eq!(api.list(HEARTRATE, z).await, want);
    let lower = "start_date=2026-11-12t05:00:00z&end_date=2026-11-12t07:00:00z";
    assert_eq!(api.list(HEARTRATE, lower).await, want);
}

#[tokio::test]
async fn an_offset_moves_the_instant() {
    let h = start(30).await;
    let api = Api::connected(&h).await;
    let want = morning(&api).await;
    // 06:00 at +01 is 05:00 UTC, in every offset spelling pydantic reads.
    for (from, to) in [
        ("06:00:00%2B01:00", "08:00:00%2B01:00"),
        ("06:00:00%2B0100", "08:00:00%2B0100"),
        ("06:00:00%2B01", "08:00:00%2B01"),
        ("00:00:00-05:00", "02:00:00-05:00"),
    ] {
        let q = format!("start_date=2026-11-12+{from}&end_date=2026-11-12+{to}");
        assert_eq!(api.list(HEARTRATE, &q).await, want, "{q}");
    }
}

#[tokio::test]
async fn what_pydantic_refuses_is_still_a_422_naming_the_field() {
    let h = start(30).await;
    let api = Api::connected(&h).await;
    for bad in [
        "2026-13-01",
        "yesterday",
        "2026-11-12T25:00:00",
        "2026-11-12T05",
    ] {
        let (status, body) = api.get(SLEEP, &format!("start_date={bad}")).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body.to_string().contains("start_date"), "{body}");
    }
    let (status, _) = api.get(SLEEP, "start_date=").await;
    assert_eq!(status, 422, "an empty start_date is a missing one");
}
