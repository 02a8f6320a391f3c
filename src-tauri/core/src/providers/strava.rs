//! Strava API v3: activities (workouts) with their heart-rate streams. Strava has no sleep, daily
//! activity or body data. Token quirks: `expires_at` and an `athlete` object in the first token
//! response, errors in Strava's own `{message, errors[]}` shape, the granted scope only in the
//! callback, a refresh that returns the same access token while it has more than an hour left.
use chrono::{Duration as Days, NaiveDateTime};
use serde_json::{json, Value};

use super::http::{header_numbers, send_json};
use super::norm::{self, id_field, num_in, str_field};
use super::{
    ClientAuth, Endpoints, FetchCtx, FetchError, FetchedPage, Provider, ProviderSpec, RedirectKind,
    SyncResource, Window,
};
use crate::clock::Clock;
use crate::config::Environment;
use crate::model::{self, Sample, SummaryDoc};

pub struct Strava;

pub const SLUG: &str = "strava";
/// Strava's documented default is 30 per page; 200 is the largest page clients use.
pub const PER_PAGE: usize = 200;

static SPEC: ProviderSpec = ProviderSpec {
    slug: SLUG,
    name: "Strava",
    description: "Runs, rides and other workouts with their heart-rate streams",
    resources: &["workouts", "heartrate"],
    scopes: &["read", "activity:read_all"],
    required_scopes: &["activity:read_all"],
    client_auth: ClientAuth::RequestBody,
    max_history_days: 3650,
    // `localhost` and `127.0.0.1` are white-listed with any port and path.
    redirect: RedirectKind::LoopbackAnyPort,
    source_type: "app",
    colour: "#fc4c02",
};

static RESOURCES: [SyncResource; 1] = [SyncResource {
    name: "workouts",
    window_days: 30,
}];

#[async_trait::async_trait]
impl Provider for Strava {
    fn spec(&self) -> &ProviderSpec {
        &SPEC
    }

    fn endpoints(&self, _env: Environment) -> Endpoints {
        Endpoints {
            authorize_url: "https://www.strava.com/oauth/authorize".into(),
            token_url: "https://www.strava.com/oauth/token".into(),
            revoke_url: Some("https://www.strava.com/oauth/deauthorize".into()),
            api_base: "https://www.strava.com/api/v3".into(),
        }
    }

    fn sync_resources(&self) -> &'static [SyncResource] {
        &RESOURCES
    }

    fn scope_separator(&self) -> &'static str {
        ","
    }

    fn authorize_params(&self) -> Vec<(&'static str, &'static str)> {
        vec![("approval_prompt", "auto")]
    }

    fn token_adapter(&self) -> crate::oauth::client::TokenAdapter {
        token_adapter
    }

    async fn fetch_page(
        &self,
        ctx: &FetchCtx,
        resource: &str,
        window: Window,
        page: Option<String>,
    ) -> Result<FetchedPage, FetchError> {
        match resource {
            "workouts" => fetch_activities(ctx, window, page).await,
            other => Err(FetchError::Rejected {
                status: 400,
                message: format!("strava has no resource {other}"),
            }),
        }
    }

    /// `POST /oauth/deauthorize`: revokes every token of the app for this athlete.
    async fn revoke(
        &self,
        ctx: &FetchCtx,
        client: &crate::oauth::ClientConfig,
        _refresh: Option<&str>,
    ) -> Result<(), FetchError> {
        let Some(url) = &client.endpoints.revoke_url else {
            return Ok(());
        };
        let rb = ctx
            .http
            .post(url)
            .form(&[("access_token", ctx.access_token.as_str())]);
        match send_json(ctx, rb, "deauthorize", retry_after).await {
            Ok(_) | Err(FetchError::Unauthorized) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Strava's token answers in RFC 6749 shape: its `{message, errors[]}` faults become
/// `{error, error_description}`, and `athlete.id` becomes the provider user id.
pub fn token_adapter(status: u16, mut v: Value) -> Value {
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        let first = errors.first().cloned().unwrap_or(Value::Null);
        let resource = first["resource"].as_str().unwrap_or("");
        let field = first["field"].as_str().unwrap_or("");
        let error = match (resource, field) {
            (_, "client_id" | "client_secret") | ("Application", _) => "invalid_client",
            ("RequestToken" | "RefreshToken" | "AuthorizationCode", _)
            | (_, "code" | "refresh_token") => "invalid_grant",
            _ if status == 401 => "invalid_client",
            _ => "invalid_request",
        };
        let msg = v["message"].as_str().unwrap_or("error");
        return json!({"error": error, "error_description": format!("{msg}: {resource} {field} {}", first["code"].as_str().unwrap_or(""))});
    }
    if let Some(id) = v.pointer("/athlete/id").cloned() {
        let id = match id {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s,
            _ => String::new(),
        };
        if !id.is_empty() {
            v["provider_user_id"] = json!(id);
        }
    }
    v
}

/// Strava sends no reset header: the 15-minute windows reset at :00/:15/:30/:45 and the daily
/// one at midnight UTC, so the wait is computed from the usage headers and the clock.
pub fn retry_after(h: &reqwest::header::HeaderMap, clock: &Clock) -> Option<std::time::Duration> {
    let limit = header_numbers(h, "x-ratelimit-limit");
    let usage = header_numbers(h, "x-ratelimit-usage");
    let read_limit = header_numbers(h, "x-readratelimit-limit");
    let read_usage = header_numbers(h, "x-readratelimit-usage");
    let now = clock.now();
    let over = |l: &Vec<u64>, u: &Vec<u64>, i: usize| match (l.get(i), u.get(i)) {
        (Some(l), Some(u)) => u >= l,
        _ => false,
    };
    let secs = if over(&limit, &usage, 1) || over(&read_limit, &read_usage, 1) {
        let midnight = (now.date_naive() + Days::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        (midnight - now).num_seconds()
    } else {
        let into = now.timestamp().rem_euclid(900);
        900 - into
    };
    Some(std::time::Duration::from_secs(secs.max(1) as u64))
}

async fn get(ctx: &FetchCtx, path: &str, q: &[(&str, String)]) -> Result<Value, FetchError> {
    let url = format!("{}{}", ctx.api_base.trim_end_matches('/'), path);
    let rb = ctx.http.get(&url).bearer_auth(&ctx.access_token).query(q);
    Ok(send_json(ctx, rb, path, retry_after).await?.0)
}

async fn fetch_activities(
    ctx: &FetchCtx,
    window: Window,
    page: Option<String>,
) -> Result<FetchedPage, FetchError> {
    let (after, before) = norm::window_utc(window);
    let page_no: usize = page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1);
    let v = get(
        ctx,
        "/athlete/activities",
        &[
            ("after", (after - 1).to_string()),
            ("before", before.to_string()),
            ("page", page_no.to_string()),
            ("per_page", PER_PAGE.to_string()),
        ],
    )
    .await?;
    let list = v
        .as_array()
        .ok_or_else(|| norm::malformed("activities: not a list"))?;
    let mut out = FetchedPage {
        next: (list.len() >= PER_PAGE).then(|| (page_no + 1).to_string()),
        ..Default::default()
    };
    for a in list {
        let mut s = normalize_activity(&ctx.user_id, a)?;
        // No `kilojoules` (not a ride): the calories are on the detailed activity only, one call
        // per such activity (as many as the heart-rate streams below; 429s are retried).
        if s.data["calories"].is_null() {
            let id = s.provider_record_id.clone();
            match get(ctx, &format!("/activities/{id}"), &[]).await {
                Ok(detail) => s.data["calories"] = num_in(detail.get("calories"), 0.0, 20_000.0),
                Err(FetchError::Rejected { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        out.raw.push(norm::raw(
            "activities",
            s.provider_record_id.clone(),
            Some(s.calendar_date.clone()),
            a,
        ));
        if a.get("has_heartrate").and_then(Value::as_bool) == Some(true) {
            let id = &s.provider_record_id;
            match get(
                ctx,
                &format!("/activities/{id}/streams"),
                &[
                    ("keys", "time,heartrate".to_string()),
                    ("key_by_type", "true".to_string()),
                ],
            )
            .await
            {
                Ok(streams) => {
                    let start = s.start_at.unwrap_or(0);
                    let tz = s.data["timezone_offset"].as_i64();
                    out.samples.extend(heart_rate_stream(&streams, start, tz)?);
                }
                // The activity was deleted between the list and the stream call.
                Err(FetchError::Rejected { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        out.summaries.push(s);
    }
    Ok(out)
}

fn sport(t: &str) -> (i64, &'static str, &'static str) {
    match t {
        "WeightTraining" | "Crossfit" => model::sport("strength_training"),
        "Hike" | "Walk" => model::sport("walking"),
        "VirtualRide" | "EBikeRide" | "MountainBikeRide" | "GravelRide" => model::sport("cycling"),
        "VirtualRun" | "TrailRun" => model::sport("running"),
        "HighIntensityIntervalTraining" => model::sport("hiit"),
        other => model::sport(other),
    }
}

pub fn normalize_activity(user_id: &str, a: &Value) -> Result<SummaryDoc, FetchError> {
    let id = id_field(a, "id")?;
    let start = norm::time_field(a, "start_date")?;
    // `start_date_local` is local wall time wrongly suffixed `Z`: the difference is the offset.
    let local = str_field(a, "start_date_local")?;
    let local = NaiveDateTime::parse_from_str(local.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| norm::malformed(format!("start_date_local is not a date-time: {local:?}")))?;
    let offset = (local - start.naive_utc()).num_seconds();
    let elapsed = norm::number(a.get("elapsed_time")).unwrap_or(0.0).max(0.0) as i64;
    let end = start + Days::seconds(elapsed);
    let kind = a
        .get("sport_type")
        .or_else(|| a.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("Workout");
    let (sport_id, sport_name, sport_slug) = sport(kind);
    let day = local.date().to_string();
    let sid = model::summary_id(user_id, SLUG, "workouts", &id);
    Ok(SummaryDoc {
        id: sid.clone(),
        resource: "workouts",
        provider_record_id: id.clone(),
        calendar_date: day.clone(),
        start_at: Some(start.timestamp_millis()),
        end_at: Some(end.timestamp_millis()),
        data: json!({
            "id": sid,
            "user_id": user_id,
            "title": a.get("name").cloned().unwrap_or(Value::Null),
            "timezone_offset": offset,
            "average_hr": norm::int_in(a.get("average_heartrate"), 20.0, 260.0),
            "max_hr": norm::int_in(a.get("max_heartrate"), 20.0, 260.0),
            "distance": num_in(a.get("distance"), 0.0, 2_000_000.0),
            "calendar_date": day,
            "time_start": model::iso_utc(start),
            "time_end": model::iso_utc(end),
            "calories": calories(a),
            "sport": {"id": sport_id, "name": sport_name, "slug": sport_slug},
            "hr_zones": Value::Null,
            "moving_time": norm::int_in(a.get("moving_time"), 0.0, 864_000.0),
            "total_elevation_gain": num_in(a.get("total_elevation_gain"), 0.0, 50_000.0),
            "average_speed": num_in(a.get("average_speed"), 0.0, 200.0),
            "max_speed": num_in(a.get("max_speed"), 0.0, 200.0),
            "average_watts": num_in(a.get("average_watts"), 0.0, 3000.0),
            "map": a.pointer("/map/summary_polyline").map(|p| json!({"summary_polyline": p, "polyline": Value::Null})).unwrap_or(Value::Null),
            "provider_id": id,
            "source": norm::source(SLUG, "Strava", "app"),
        }),
    })
}

/// Energy burned (kcal): the detailed activity's `calories`, else from a ride's `kilojoules`.
///
/// `kilojoules` is the mechanical work done on the pedals ("Rides only"); Strava computes a
/// ride's calories from that work and a coefficient of human efficiency
/// (support.strava.com/hc/en-us/articles/216917097-Calorie-Calculation). At the usual 20–25%
/// efficiency 1 kJ of work costs 1/0.239 ≈ 4.18 kJ = ~1 kcal, so kcal = kJ, the convention
/// power-meter users and Strava's own figures follow (docs/providers/strava.md).
fn calories(a: &Value) -> Value {
    match num_in(a.get("calories"), 0.0, 20_000.0) {
        Value::Null => num_in(a.get("kilojoules"), 0.0, 20_000.0),
        c => c,
    }
}

/// `time` (seconds from the start) and `heartrate` streams → heart-rate samples.
pub fn heart_rate_stream(
    streams: &Value,
    start_ms: i64,
    tz: Option<i64>,
) -> Result<Vec<Sample>, FetchError> {
    let (Some(time), Some(hr)) = (
        streams.pointer("/time/data").and_then(Value::as_array),
        streams.pointer("/heartrate/data").and_then(Value::as_array),
    ) else {
        return Ok(vec![]);
    };
    if time.len() != hr.len() {
        return Err(norm::malformed(
            "time and heartrate streams differ in length",
        ));
    }
    Ok(time
        .iter()
        .zip(hr)
        .filter_map(|(t, b)| {
            let t = t.as_f64()?;
            let b = b.as_f64().filter(|b| norm::plausible("heartrate", *b))?;
            Some(norm::point(
                "heartrate",
                "bpm",
                start_ms + (t * 1000.0) as i64,
                b,
                tz,
                "app",
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Strava's published shapes (shared/reference/providers.md §3).
    #[test]
    fn summary_activity_example() {
        let a: Value = serde_json::from_str(r#"{"resource_state": 2, "id": 154504250376, "name": "Morning Run", "type": "Run", "sport_type": "Run",
          "start_date": "2024-06-10T06:12:00Z", "start_date_local": "2024-06-10T07:12:00Z",
          "timezone": "(GMT+00:00) Europe/Lisbon", "distance": 10012.4, "moving_time": 3010,
          "elapsed_time": 3125, "total_elevation_gain": 54.0, "average_speed": 3.326, "max_speed": 4.9,
          "has_heartrate": true, "average_heartrate": 151.3, "max_heartrate": 174.0, "manual": false,
          "trainer": false, "commute": false, "private": false,
          "map": {"id": "a154504250376", "summary_polyline": "ki{eF~yzdP"}}"#).unwrap();
        let s = normalize_activity("u", &a).unwrap();
        assert_eq!(s.provider_record_id, "154504250376");
        assert_eq!(s.data["timezone_offset"], 3600);
        assert_eq!(s.data["time_start"], "2024-06-10T06:12:00+00:00");
        assert_eq!(s.data["time_end"], "2024-06-10T07:04:05+00:00");
        assert_eq!(s.data["sport"]["slug"], "running");
        assert_eq!(s.data["average_hr"], 151);
        assert_eq!(s.data["moving_time"], 3010);
        assert_eq!(s.data["map"]["summary_polyline"], "ki{eF~yzdP");
        assert_eq!(s.calendar_date, "2024-06-10");
        assert_eq!(s.id, normalize_activity("u", &a).unwrap().id);
    }

    /// A ride of the list has `kilojoules`, no `calories`: kcal = kJ (Strava's efficiency rule);
    /// a run has neither (its calories come from the detailed activity); `calories` wins.
    #[test]
    fn calories_from_kilojoules_or_the_detail() {
        let ride = json!({"type": "Ride", "kilojoules": 788.7});
        assert_eq!(calories(&ride), json!(788.7));
        assert_eq!(calories(&json!({"type": "Run"})), Value::Null);
        assert_eq!(
            calories(&json!({"kilojoules": 788.7, "calories": 870.2})),
            json!(870.2)
        );
    }

    #[test]
    fn streams_example_and_token_quirks() {
        let st: Value = serde_json::from_str(r#"{"time": {"data": [0, 1, 2, 5], "series_type": "distance", "original_size": 4, "resolution": "high"},
         "heartrate": {"data": [98, 101, 104, 110], "series_type": "distance", "original_size": 4, "resolution": "high"},
         "distance": {"data": [0.0, 2.9, 6.1, 15.8], "series_type": "distance", "original_size": 4, "resolution": "high"}}"#).unwrap();
        let s = heart_rate_stream(&st, 1_000_000, Some(3600)).unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(s[3].ts, 1_005_000);
        assert_eq!(s[3].value, 110.0);
        let t = token_adapter(
            200,
            json!({"token_type": "Bearer", "expires_at": 1568775134, "expires_in": 21600,
            "refresh_token": "e5n567567abc", "access_token": "a4b945687gdef",
            "athlete": {"id": 134815, "firstname": "Ana"}}),
        );
        assert_eq!(t["provider_user_id"], "134815");
        let e = token_adapter(
            400,
            json!({"message": "Bad Request", "errors": [{"resource": "RequestToken", "field": "code", "code": "invalid"}]}),
        );
        assert_eq!(e["error"], "invalid_grant");
        let e = token_adapter(
            401,
            json!({"message": "Bad Request", "errors": [{"resource": "Application", "field": "client_secret", "code": "invalid"}]}),
        );
        assert_eq!(e["error"], "invalid_client");
    }

    #[test]
    fn rate_limit_waits_for_the_next_window() {
        let clock = Clock::fixed(
            chrono::DateTime::parse_from_rfc3339("2026-11-20T15:07:30Z")
                .unwrap()
                .to_utc(),
        );
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-ratelimit-limit", "200,2000".parse().unwrap());
        h.insert("x-ratelimit-usage", "200,350".parse().unwrap());
        assert_eq!(retry_after(&h, &clock).unwrap().as_secs(), 450);
        h.insert("x-ratelimit-usage", "20,2000".parse().unwrap());
        assert_eq!(
            retry_after(&h, &clock).unwrap().as_secs(),
            8 * 3600 + 52 * 60 + 30
        );
    }
}
