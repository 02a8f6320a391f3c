//! WHOOP API v2: sleep (joined with its recovery: HRV, resting heart rate, SpO2, skin
//! temperature), cycles (daily strain and energy), workouts and body measurements. Pages carry
//! `next_token` out and take `nextToken` in, at most 25 records, newest first. A refresh token
//! comes only with the `offline` scope, and the refresh asks for `scope=offline` again.
use std::collections::HashMap;

use chrono::{DateTime, Duration as Days, FixedOffset};
use serde_json::{json, Value};

use super::http::{header_numbers, send_json};
use super::norm::{self, int_in, num_in, str_field};
use super::{
    ClientAuth, Endpoints, FetchCtx, FetchError, FetchedPage, Provider, ProviderSpec, RedirectKind,
    SyncResource, Window,
};
use crate::clock::Clock;
use crate::config::Environment;
use crate::model::{self, Sample, SummaryDoc};

pub struct WhoopV2;

pub const SLUG: &str = "whoop_v2";
pub const PAGE_LIMIT: usize = 25;

static SPEC: ProviderSpec = ProviderSpec {
    slug: SLUG,
    name: "WHOOP",
    description: "Strap: sleep, recovery (HRV, resting heart rate), strain and workouts",
    resources: &[
        "sleep",
        "activity",
        "workouts",
        "body",
        "hrv",
        "blood_oxygen",
    ],
    scopes: &[
        "offline",
        "read:recovery",
        "read:cycles",
        "read:workout",
        "read:sleep",
        "read:profile",
        "read:body_measurement",
    ],
    required_scopes: &["read:sleep", "offline"],
    client_auth: ClientAuth::RequestBody,
    max_history_days: 3650,
    // WHOOP documents only https and custom-scheme redirect URIs.
    redirect: RedirectKind::HttpsForward,
    source_type: "watch",
    colour: "#101518",
};

static RESOURCES: [SyncResource; 4] = [
    SyncResource {
        name: "sleep",
        window_days: 30,
    },
    SyncResource {
        name: "activity",
        window_days: 30,
    },
    SyncResource {
        name: "workouts",
        window_days: 30,
    },
    SyncResource {
        name: "body",
        window_days: 3650,
    },
];

#[async_trait::async_trait]
impl Provider for WhoopV2 {
    fn spec(&self) -> &ProviderSpec {
        &SPEC
    }

    fn endpoints(&self, _env: Environment) -> Endpoints {
        Endpoints {
            authorize_url: "https://api.prod.whoop.com/oauth/oauth2/auth".into(),
            token_url: "https://api.prod.whoop.com/oauth/oauth2/token".into(),
            revoke_url: Some("https://api.prod.whoop.com/developer/v2/user/access".into()),
            api_base: "https://api.prod.whoop.com/developer".into(),
        }
    }

    fn sync_resources(&self) -> &'static [SyncResource] {
        &RESOURCES
    }

    /// WHOOP's refresh request carries `scope=offline` (its documented refresh body).
    fn token_params(&self) -> Vec<(&'static str, &'static str)> {
        vec![("scope", "offline")]
    }

    async fn external_user_id(&self, ctx: &FetchCtx) -> Result<Option<String>, FetchError> {
        let v = get(ctx, "/v2/user/profile/basic", &[]).await?;
        Ok(v.get("user_id")
            .map(|x| x.to_string().trim_matches('"').to_string()))
    }

    async fn fetch_page(
        &self,
        ctx: &FetchCtx,
        resource: &str,
        window: Window,
        page: Option<String>,
    ) -> Result<FetchedPage, FetchError> {
        match resource {
            "sleep" => fetch_sleep(ctx, window, page).await,
            "activity" => {
                let (list, next) = collection(ctx, "/v2/cycle", window, page).await?;
                let mut out = FetchedPage {
                    next,
                    ..Default::default()
                };
                for c in list.iter().filter(|c| is_scored(c)) {
                    let s = normalize_cycle(&ctx.user_id, c, ctx.clock.now().timestamp())?;
                    out.raw.push(norm::raw(
                        "cycle",
                        s.provider_record_id.clone(),
                        Some(s.calendar_date.clone()),
                        c,
                    ));
                    out.summaries.push(s);
                }
                Ok(out)
            }
            "workouts" => {
                let (list, next) = collection(ctx, "/v2/activity/workout", window, page).await?;
                let mut out = FetchedPage {
                    next,
                    ..Default::default()
                };
                for w in list.iter().filter(|w| is_scored(w)) {
                    let s = normalize_workout(&ctx.user_id, w)?;
                    out.raw.push(norm::raw(
                        "workout",
                        s.provider_record_id.clone(),
                        Some(s.calendar_date.clone()),
                        w,
                    ));
                    out.summaries.push(s);
                }
                Ok(out)
            }
            "body" => {
                let v = get(ctx, "/v2/user/measurement/body", &[]).await?;
                let today = ctx.clock.now().date_naive();
                let s = normalize_body(&ctx.user_id, &v, today)?;
                Ok(FetchedPage {
                    raw: vec![norm::raw(
                        "body_measurement",
                        "current",
                        Some(today.to_string()),
                        &v,
                    )],
                    summaries: vec![s],
                    ..Default::default()
                })
            }
            other => Err(FetchError::Rejected {
                status: 400,
                message: format!("whoop has no resource {other}"),
            }),
        }
    }

    /// `DELETE /v2/user/access` (204): revokes the app's access for this user.
    async fn revoke(
        &self,
        ctx: &FetchCtx,
        client: &crate::oauth::ClientConfig,
        _refresh: Option<&str>,
    ) -> Result<(), FetchError> {
        let Some(url) = &client.endpoints.revoke_url else {
            return Ok(());
        };
        let rb = ctx.http.delete(url).bearer_auth(&ctx.access_token);
        match send_json(ctx, rb, "/v2/user/access", retry_after).await {
            Ok(_) | Err(FetchError::Unauthorized) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// `X-RateLimit-Reset`: seconds until the nearest window resets.
pub fn retry_after(h: &reqwest::header::HeaderMap, _clock: &Clock) -> Option<std::time::Duration> {
    header_numbers(h, "x-ratelimit-reset")
        .first()
        .map(|s| std::time::Duration::from_secs((*s).max(1)))
}

/// Only `SCORED` records carry their measurements; `PENDING_SCORE` ones ("WHOOP is currently
/// evaluating") and `UNSCORABLE` ones have no `score` object (OpenAPI
/// `components.schemas.Cycle/Sleep/Recovery/WorkoutV2.score_state`). They are skipped rather than
/// stored as empty readings; a pending one is fetched again by a later sync, whose recent window
/// covers it, once scored.
fn is_scored(r: &Value) -> bool {
    r.get("score_state").and_then(Value::as_str) == Some("SCORED")
}

async fn get(ctx: &FetchCtx, path: &str, q: &[(&str, String)]) -> Result<Value, FetchError> {
    let url = format!("{}{}", ctx.api_base.trim_end_matches('/'), path);
    let rb = ctx.http.get(&url).bearer_auth(&ctx.access_token).query(q);
    send_json(ctx, rb, path, retry_after)
        .await
        .map(|(v, _, _)| v)
        .map_err(forbidden_reason)
}

/// `403 {"error": "deactivated_user"}` is WHOOP's inactive membership (OpenAPI, the sleep stream
/// route's 403: "Forbidden. Inactive membership"): not a missing permission.
pub fn forbidden_reason(e: FetchError) -> FetchError {
    match e {
        FetchError::Forbidden(m) if m == "deactivated_user" => FetchError::MembershipRequired(
            "WHOOP answered 403 deactivated_user: the WHOOP membership is inactive".into(),
        ),
        other => other,
    }
}

/// One page of a collection within the window: `start` inclusive, `end` exclusive.
async fn collection(
    ctx: &FetchCtx,
    path: &str,
    w: Window,
    page: Option<String>,
) -> Result<(Vec<Value>, Option<String>), FetchError> {
    let (from, to) = norm::window_utc(w);
    let mut q = vec![
        ("limit", PAGE_LIMIT.to_string()),
        ("start", model::iso_utc_ms(from * 1000)),
        ("end", model::iso_utc_ms(to * 1000)),
    ];
    // Out as `next_token`, in as `nextToken`.
    if let Some(t) = page {
        q.push(("nextToken", t));
    }
    let v = get(ctx, path, &q).await?;
    let records = v
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| norm::malformed(format!("{path}: no `records` list")))?
        .clone();
    let next = v
        .get("next_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    Ok((records, next))
}

fn source() -> Value {
    norm::source(SLUG, "WHOOP", "watch")
}

/// `start` as UTC and the record's `timezone_offset`.
fn local(d: &Value, k: &str) -> Result<DateTime<FixedOffset>, FetchError> {
    let t = norm::time_field(d, k)?;
    let off = d
        .get("timezone_offset")
        .and_then(Value::as_str)
        .and_then(norm::parse_offset)
        .unwrap_or(0);
    Ok(t.with_timezone(&norm::offset(off)))
}

async fn fetch_sleep(
    ctx: &FetchCtx,
    w: Window,
    page: Option<String>,
) -> Result<FetchedPage, FetchError> {
    let (list, next) = collection(ctx, "/v2/activity/sleep", w, page).await?;
    // Recovery belongs to the main sleep; fetch the window's recoveries (a day either side).
    let mut recoveries: HashMap<String, Value> = HashMap::new();
    if !list.is_empty() {
        let wider = Window {
            start: w.start - Days::days(1),
            end: w.end + Days::days(1),
        };
        let mut token = None;
        loop {
            let (recs, next) = collection(ctx, "/v2/recovery", wider, token).await?;
            for r in recs {
                if let Some(id) = r.get("sleep_id").and_then(Value::as_str) {
                    recoveries.insert(id.to_string(), r);
                }
            }
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
    }
    let mut out = FetchedPage {
        next,
        ..Default::default()
    };
    for s in &list {
        let id = str_field(s, "id")?;
        let rec = recoveries.get(id);
        if let Some(r) = rec {
            out.raw.push(norm::raw("recovery", id, None, r));
        }
        if let Some((doc, samples)) = normalize_sleep(&ctx.user_id, s, rec)? {
            out.raw
                .push(norm::raw("sleep", id, Some(doc.calendar_date.clone()), s));
            out.summaries.push(doc);
            out.samples.extend(samples);
        }
    }
    Ok(out)
}

/// A sleep joined with its recovery. Unscored sleeps (PENDING_SCORE, UNSCORABLE) are skipped
/// until WHOOP scores them.
pub fn normalize_sleep(
    user_id: &str,
    s: &Value,
    recovery: Option<&Value>,
) -> Result<Option<(SummaryDoc, Vec<Sample>)>, FetchError> {
    if s.get("score_state").and_then(Value::as_str) != Some("SCORED") {
        return Ok(None);
    }
    let id = str_field(s, "id")?;
    let start = local(s, "start")?;
    let end = local(s, "end")?;
    let tz = start.offset().local_minus_utc();
    let st = s
        .pointer("/score/stage_summary")
        .cloned()
        .unwrap_or(json!({}));
    let ms = |k: &str| {
        norm::number(st.get(k))
            .map(|x| (x / 1000.0).round() as i64)
            .unwrap_or(0)
    };
    let (light, deep, rem) = (
        ms("total_light_sleep_time_milli"),
        ms("total_slow_wave_sleep_time_milli"),
        ms("total_rem_sleep_time_milli"),
    );
    let day = end.date_naive();
    let nap = s.get("nap").and_then(Value::as_bool) == Some(true);
    let rs = recovery
        .filter(|r| r.get("score_state").and_then(Value::as_str) == Some("SCORED"))
        .and_then(|r| r.get("score"));
    let mut samples = vec![];
    if let Some(r) = rs {
        if let Some(h) =
            norm::number(r.get("hrv_rmssd_milli")).filter(|h| norm::plausible("hrv", *h))
        {
            samples.push(norm::point(
                "hrv",
                "rmssd",
                end.timestamp_millis(),
                h,
                Some(tz as i64),
                "watch",
            ));
        }
        if let Some(o) =
            norm::number(r.get("spo2_percentage")).filter(|o| norm::plausible("blood_oxygen", *o))
        {
            samples.push(norm::point(
                "blood_oxygen",
                "%",
                end.timestamp_millis(),
                o,
                Some(tz as i64),
                "watch",
            ));
        }
    }
    let sid = model::summary_id(user_id, SLUG, "sleep", id);
    let doc = json!({
        "id": sid,
        "user_id": user_id,
        "date": model::date_midnight_utc(day),
        "calendar_date": day.to_string(),
        "bedtime_start": model::iso_utc(start),
        "bedtime_stop": model::iso_utc(end),
        "type": if nap { "acknowledged_nap" } else if (end - start).num_seconds() >= 3 * 3600 { "long_sleep" } else { "short_sleep" },
        "timezone_offset": tz,
        "duration": (end - start).num_seconds(),
        "total": light + deep + rem,
        "awake": ms("total_awake_time_milli"),
        "light": light,
        "rem": rem,
        "deep": deep,
        "score": int_in(s.pointer("/score/sleep_performance_percentage"), 0.0, 100.0),
        "recovery_readiness_score": int_in(rs.and_then(|r| r.get("recovery_score")), 0.0, 100.0),
        "hr_resting": int_in(rs.and_then(|r| r.get("resting_heart_rate")), 20.0, 200.0),
        "average_hrv": num_in(rs.and_then(|r| r.get("hrv_rmssd_milli")), 0.0, 500.0),
        "skin_temperature": num_in(rs.and_then(|r| r.get("skin_temp_celsius")), 20.0, 45.0),
        "efficiency": num_in(s.pointer("/score/sleep_efficiency_percentage"), 0.0, 100.0),
        "respiratory_rate": num_in(s.pointer("/score/respiratory_rate"), 0.0, 80.0),
        "source": source(),
        "provider_id": id,
    });
    Ok(Some((
        SummaryDoc {
            id: sid,
            resource: "sleep",
            provider_record_id: id.to_string(),
            calendar_date: day.to_string(),
            start_at: Some(start.timestamp_millis()),
            end_at: Some(end.timestamp_millis()),
            data: doc,
        },
        samples,
    )))
}

/// A physiological cycle as the day's activity. Its day is the local date the cycle ends on
/// (the current cycle has no end yet: today).
pub fn normalize_cycle(user_id: &str, c: &Value, now: i64) -> Result<SummaryDoc, FetchError> {
    let id = norm::id_field(c, "id")?;
    let start = local(c, "start")?;
    let end = match c.get("end").and_then(Value::as_str) {
        Some(_) => local(c, "end")?,
        None => norm::at(now, start.offset().local_minus_utc()),
    };
    let day = end.date_naive().to_string();
    let kj = norm::number(c.pointer("/score/kilojoule"));
    let sid = model::summary_id(user_id, SLUG, "activity", &id);
    Ok(SummaryDoc {
        id: sid.clone(),
        resource: "activity",
        provider_record_id: id,
        calendar_date: day.clone(),
        start_at: Some(start.timestamp_millis()),
        end_at: Some(end.timestamp_millis()),
        data: json!({
            "id": sid,
            "user_id": user_id,
            "date": model::date_midnight_utc(end.date_naive()),
            "calendar_date": day,
            // kilojoules → kilocalories.
            "calories_total": kj.filter(|k| (0.0..=100_000.0).contains(k)).map(|k| json!((k / 4.184 * 10.0).round() / 10.0)).unwrap_or(Value::Null),
            "calories_active": Value::Null,
            "steps": Value::Null,
            "distance": Value::Null,
            "low": Value::Null, "medium": Value::Null, "high": Value::Null,
            "floors_climbed": Value::Null,
            "time_zone": Value::Null,
            "timezone_offset": start.offset().local_minus_utc(),
            "heart_rate": {
                "avg_bpm": int_in(c.pointer("/score/average_heart_rate"), 20.0, 250.0),
                "max_bpm": int_in(c.pointer("/score/max_heart_rate"), 20.0, 250.0),
                "min_bpm": Value::Null, "resting_bpm": Value::Null, "avg_walking_bpm": Value::Null,
            },
            "wheelchair_use": Value::Null,
            "wheelchair_push": Value::Null,
            "source": source(),
        }),
    })
}

pub fn normalize_workout(user_id: &str, w: &Value) -> Result<SummaryDoc, FetchError> {
    let id = str_field(w, "id")?;
    let start = local(w, "start")?;
    let end = local(w, "end")?;
    let sc = w.get("score").cloned().unwrap_or(json!({}));
    let zones = sc.get("zone_durations").map(|z| {
        let ms = |k: &str| {
            norm::number(z.get(k))
                .map(|x| (x / 1000.0).round() as i64)
                .unwrap_or(0)
        };
        json!([
            ms("zone_zero_milli"),
            ms("zone_one_milli"),
            ms("zone_two_milli"),
            ms("zone_three_milli"),
            ms("zone_four_milli"),
            ms("zone_five_milli")
        ])
    });
    let (sport_id, sport_name, sport_slug) = model::sport(
        w.get("sport_name")
            .and_then(Value::as_str)
            .unwrap_or("other"),
    );
    let day = start.date_naive().to_string();
    let sid = model::summary_id(user_id, SLUG, "workouts", id);
    Ok(SummaryDoc {
        id: sid.clone(),
        resource: "workouts",
        provider_record_id: id.to_string(),
        calendar_date: day.clone(),
        start_at: Some(start.timestamp_millis()),
        end_at: Some(end.timestamp_millis()),
        data: json!({
            "id": sid,
            "user_id": user_id,
            "title": w.get("sport_name").cloned().unwrap_or(Value::Null),
            "timezone_offset": start.offset().local_minus_utc(),
            "average_hr": int_in(sc.get("average_heart_rate"), 20.0, 260.0),
            "max_hr": int_in(sc.get("max_heart_rate"), 20.0, 260.0),
            "distance": num_in(sc.get("distance_meter"), 0.0, 2_000_000.0),
            "calendar_date": day,
            "time_start": model::iso_utc(start),
            "time_end": model::iso_utc(end),
            "calories": norm::number(sc.get("kilojoule")).map(|k| json!((k / 4.184 * 10.0).round() / 10.0)).unwrap_or(Value::Null),
            "sport": {"id": sport_id, "name": sport_name, "slug": sport_slug},
            "hr_zones": zones,
            "moving_time": (end - start).num_seconds(),
            "total_elevation_gain": num_in(sc.get("altitude_gain_meter"), 0.0, 50_000.0),
            "provider_id": id,
            "source": source(),
        }),
    })
}

/// Body measurements have no date: one record per connection, dated the day it was read.
pub fn normalize_body(
    user_id: &str,
    b: &Value,
    today: chrono::NaiveDate,
) -> Result<SummaryDoc, FetchError> {
    let sid = model::summary_id(user_id, SLUG, "body", "current");
    let t = today
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    Ok(SummaryDoc {
        id: sid.clone(),
        resource: "body",
        provider_record_id: "current".into(),
        calendar_date: today.to_string(),
        start_at: Some(t),
        end_at: Some(t),
        data: json!({
            "id": sid,
            "user_id": user_id,
            "date": model::date_midnight_utc(today),
            "calendar_date": today.to_string(),
            "weight": num_in(b.get("weight_kilogram"), 2.0, 500.0),
            "fat": Value::Null,
            "height_centimeter": norm::number(b.get("height_meter")).map(|h| json!((h * 1000.0).round() / 10.0)).unwrap_or(Value::Null),
            "source": source(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // WHOOP's published shapes (shared/reference/providers.md, part 2 §1).
    #[test]
    fn sleep_with_recovery_cycle_and_workout_examples() {
        let s: Value = serde_json::from_str(r#"{"id": "7a1c2e55-0d1f-4c1e-9a51-3f5c2b7d9e10", "cycle_id": 93845, "user_id": 10129,
          "created_at": "2024-03-02T07:00:00.000Z", "updated_at": "2024-03-02T07:04:00.000Z",
          "start": "2024-03-01T22:40:00.000Z", "end": "2024-03-02T06:50:00.000Z",
          "timezone_offset": "+01:00", "nap": false, "score_state": "SCORED",
          "score": {"stage_summary": {"total_in_bed_time_milli": 29400000, "total_awake_time_milli": 1800000,
              "total_no_data_time_milli": 0, "total_light_sleep_time_milli": 14000000,
              "total_slow_wave_sleep_time_milli": 6800000, "total_rem_sleep_time_milli": 6800000,
              "sleep_cycle_count": 4, "disturbance_count": 9},
            "respiratory_rate": 15.6, "sleep_performance_percentage": 92.0,
            "sleep_consistency_percentage": 85.0, "sleep_efficiency_percentage": 93.9}}"#).unwrap();
        let r: Value = serde_json::from_str(r#"{"cycle_id": 93845, "sleep_id": "7a1c2e55-0d1f-4c1e-9a51-3f5c2b7d9e10", "user_id": 10129,
          "created_at": "2024-03-02T07:05:00.000Z", "updated_at": "2024-03-02T07:06:10.000Z", "score_state": "SCORED",
          "score": {"user_calibrating": false, "recovery_score": 71.0, "resting_heart_rate": 52.0,
                    "hrv_rmssd_milli": 58.3, "spo2_percentage": 96.1, "skin_temp_celsius": 33.9}}"#).unwrap();
        let (doc, samples) = normalize_sleep("u", &s, Some(&r)).unwrap().unwrap();
        assert_eq!(doc.data["total"], 27600);
        assert_eq!(doc.data["deep"], 6800);
        assert_eq!(doc.data["timezone_offset"], 3600);
        assert_eq!(doc.data["calendar_date"], "2024-03-02");
        assert_eq!(doc.data["hr_resting"], 52);
        assert_eq!(doc.data["average_hrv"], 58.3);
        assert_eq!(doc.data["score"], 92);
        assert_eq!(samples.len(), 2);
        let pending = json!({"id": "x", "score_state": "PENDING_SCORE", "start": "2024-03-01T22:40:00.000Z", "end": "2024-03-02T06:50:00.000Z"});
        assert!(normalize_sleep("u", &pending, None).unwrap().is_none());
        let c: Value = serde_json::from_str(r#"{"id": 93845, "user_id": 10129,
            "created_at": "2024-03-02T11:25:44.774Z", "updated_at": "2024-03-02T14:25:44.774Z",
            "start": "2024-03-01T22:40:00.000Z", "end": "2024-03-02T22:10:00.000Z",
            "timezone_offset": "+01:00", "score_state": "SCORED",
            "score": {"strain": 11.4, "kilojoule": 9120.5, "average_heart_rate": 66, "max_heart_rate": 162}}"#).unwrap();
        let a = normalize_cycle("u", &c, 0).unwrap();
        assert_eq!(a.provider_record_id, "93845");
        assert_eq!(a.data["calories_total"], 2179.9);
        assert_eq!(a.data["calendar_date"], "2024-03-02");
        let w: Value = serde_json::from_str(r#"{"id": "c3d9a0b4-5f1e-4b7a-8a43-1e2f3a4b5c6d", "user_id": 10129,
          "start": "2024-03-02T17:00:00.000Z", "end": "2024-03-02T17:45:00.000Z",
          "timezone_offset": "+01:00", "sport_name": "running", "sport_id": 0, "score_state": "SCORED",
          "score": {"strain": 9.8, "average_heart_rate": 148, "max_heart_rate": 176,
            "kilojoule": 2100.0, "percent_recorded": 100.0, "distance_meter": 8200.0, "altitude_gain_meter": 45.0,
            "zone_durations": {"zone_zero_milli": 0, "zone_one_milli": 300000, "zone_two_milli": 900000,
              "zone_three_milli": 1200000, "zone_four_milli": 300000, "zone_five_milli": 0}}}"#).unwrap();
        let w = normalize_workout("u", &w).unwrap();
        assert_eq!(w.data["hr_zones"], json!([0, 300, 900, 1200, 300, 0]));
        assert_eq!(w.data["sport"]["slug"], "running");
        assert_eq!(w.data["calories"], 501.9);
        let b = normalize_body(
            "u",
            &json!({"height_meter": 1.83, "weight_kilogram": 80.2, "max_heart_rate": 195}),
            chrono::NaiveDate::from_ymd_opt(2024, 3, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(
            (
                b.data["weight"].as_f64(),
                b.data["height_centimeter"].as_f64()
            ),
            (Some(80.2), Some(183.0))
        );
    }

    /// OpenAPI `score_state`: `SCORED | PENDING_SCORE | UNSCORABLE`, the score only when SCORED.
    #[test]
    fn only_scored_records_are_read_and_deactivated_is_a_membership() {
        assert!(is_scored(&json!({"score_state": "SCORED", "score": {}})));
        assert!(!is_scored(&json!({"score_state": "PENDING_SCORE"})));
        assert!(!is_scored(&json!({"score_state": "UNSCORABLE"})));
        assert!(!is_scored(&json!({})));
        assert_eq!(
            forbidden_reason(FetchError::Forbidden("deactivated_user".into())).code(),
            "provider_membership_required"
        );
        assert_eq!(
            forbidden_reason(FetchError::Forbidden("missing scope".into())).code(),
            "required_scopes_not_granted"
        );
    }
}
