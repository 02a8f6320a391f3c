//! Google Health API v4 (successor of the Fitbit Web API, which was switched off on
//! 30 Oct 2026; Vital keeps the `fitbit` slug for it): sleep sessions, exercises, heart rate,
//! steps and weight, all as `users/me/dataTypes/{type}/dataPoints` lists with AIP-160 filters
//! (snake_case type names in the filter, kebab-case in the URL), `pageToken`, newest first,
//! int64 values as strings and durations as `"3600s"`. Google OAuth for a desktop client: any
//! loopback port, PKCE, `access_type=offline`, a refresh token that is not rotated. Google was
//! not admitting new projects to the API when this was written, so production is marked not
//! available; the sandbox works.
use serde_json::{json, Value};

use super::http::{retry_after_header, send_json};
use super::norm::{self, int_in, num_in, str_field};
use super::{
    Availability, ClientAuth, Endpoints, FetchCtx, FetchError, FetchedPage, Provider, ProviderSpec,
    RedirectKind, SyncResource, Window,
};
use crate::config::Environment;
use crate::model::{self, Sample, SummaryDoc};

pub struct GoogleHealth;

pub const SLUG: &str = "google_health";
pub const SCOPE_PREFIX: &str = "https://www.googleapis.com/auth/googlehealth.";

static SPEC: ProviderSpec = ProviderSpec {
    slug: SLUG,
    name: "Google Health (Fitbit)",
    description: "Fitbit and Pixel devices through the Google Health API: sleep, exercise, heart rate, steps, weight",
    resources: &["sleep", "workouts", "heartrate", "steps", "body", "body_weight"],
    scopes: &[
        "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly",
        "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly",
        "https://www.googleapis.com/auth/googlehealth.sleep.readonly",
    ],
    required_scopes: &["https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly"],
    client_auth: ClientAuth::RequestBody,
    max_history_days: 3650,
    // Desktop-app clients: loopback IP with any port (Google's native-app guide).
    redirect: RedirectKind::LoopbackAnyPort,
    source_type: "watch",
    colour: "#4285f4",
};

static RESOURCES: [SyncResource; 5] = [
    SyncResource {
        name: "sleep",
        window_days: 30,
    },
    SyncResource {
        name: "workouts",
        window_days: 30,
    },
    SyncResource {
        name: "heartrate",
        window_days: 7,
    },
    SyncResource {
        name: "steps",
        window_days: 30,
    },
    SyncResource {
        name: "body",
        window_days: 30,
    },
];

pub const PRODUCTION_BLOCKED: &str = "Google is not taking new projects for the Google Health API at the moment (its own banner), and the Fitbit Web API it replaces was switched off on 30 Oct 2026; a new app registration cannot enable it. The sandbox works.";

/// URL type name, filter (snake_case) name, filtered time field, page size.
struct DataType {
    url: &'static str,
    filter_field: &'static str,
    page_size: usize,
}

fn data_type(resource: &str) -> Option<DataType> {
    Some(match resource {
        "sleep" => DataType {
            url: "sleep",
            filter_field: "sleep.interval.end_time",
            page_size: 25,
        },
        "workouts" => DataType {
            url: "exercise",
            filter_field: "exercise.interval.start_time",
            page_size: 25,
        },
        "heartrate" => DataType {
            url: "heart-rate",
            filter_field: "heart_rate.sample_time.physical_time",
            page_size: 10_000,
        },
        "steps" => DataType {
            url: "steps",
            filter_field: "steps.interval.start_time",
            page_size: 10_000,
        },
        "body" => DataType {
            url: "weight",
            filter_field: "weight.sample_time.physical_time",
            page_size: 1440,
        },
        _ => return None,
    })
}

#[async_trait::async_trait]
impl Provider for GoogleHealth {
    fn spec(&self) -> &ProviderSpec {
        &SPEC
    }

    fn availability(&self, env: Environment) -> Availability {
        match env {
            Environment::Sandbox => Availability::Available,
            Environment::Production => Availability::NotAvailable(PRODUCTION_BLOCKED),
        }
    }

    fn endpoints(&self, _env: Environment) -> Endpoints {
        Endpoints {
            authorize_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            token_url: "https://oauth2.googleapis.com/token".into(),
            revoke_url: Some("https://oauth2.googleapis.com/revoke".into()),
            api_base: "https://health.googleapis.com/v4".into(),
        }
    }

    fn sync_resources(&self) -> &'static [SyncResource] {
        &RESOURCES
    }

    /// A refresh token needs `access_type=offline`; `prompt=consent` makes Google send it again
    /// when the user connects a second time.
    fn authorize_params(&self) -> Vec<(&'static str, &'static str)> {
        vec![("access_type", "offline"), ("prompt", "consent")]
    }

    async fn external_user_id(&self, ctx: &FetchCtx) -> Result<Option<String>, FetchError> {
        let v = get(ctx, "/users/me/identity", &[]).await?;
        Ok(v.get("healthUserId")
            .and_then(Value::as_str)
            .map(str::to_string))
    }

    async fn fetch_page(
        &self,
        ctx: &FetchCtx,
        resource: &str,
        window: Window,
        page: Option<String>,
    ) -> Result<FetchedPage, FetchError> {
        let Some(t) = data_type(resource) else {
            return Err(FetchError::Rejected {
                status: 400,
                message: format!("google_health has no resource {resource}"),
            });
        };
        let (from, to) = norm::window_utc(window);
        let filter = format!(
            "{f} >= \"{}\" AND {f} < \"{}\"",
            kit_time(from),
            kit_time(to),
            f = t.filter_field
        );
        let mut q = vec![("filter", filter), ("pageSize", t.page_size.to_string())];
        if let Some(p) = page {
            q.push(("pageToken", p));
        }
        let v = get(
            ctx,
            &format!("/users/me/dataTypes/{}/dataPoints", t.url),
            &q,
        )
        .await?;
        let points = v
            .get("dataPoints")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut out = FetchedPage {
            next: v
                .get("nextPageToken")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            ..Default::default()
        };
        for p in &points {
            match resource {
                "sleep" => {
                    let s = normalize_sleep(&ctx.user_id, p)?;
                    out.raw.push(norm::raw(
                        "sleep",
                        s.provider_record_id.clone(),
                        Some(s.calendar_date.clone()),
                        p,
                    ));
                    out.summaries.push(s);
                }
                "workouts" => {
                    let s = normalize_exercise(&ctx.user_id, p)?;
                    out.raw.push(norm::raw(
                        "exercise",
                        s.provider_record_id.clone(),
                        Some(s.calendar_date.clone()),
                        p,
                    ));
                    out.summaries.push(s);
                }
                "heartrate" => out.samples.push(heart_rate(p)?),
                "steps" => out.samples.push(steps(p)?),
                _ => {
                    let (s, sample) = normalize_weight(&ctx.user_id, p)?;
                    out.raw.push(norm::raw(
                        "weight",
                        s.provider_record_id.clone(),
                        Some(s.calendar_date.clone()),
                        p,
                    ));
                    out.summaries.push(s);
                    out.samples.push(sample);
                }
            }
        }
        Ok(out)
    }

    /// `POST https://oauth2.googleapis.com/revoke` with the refresh token revokes the grant.
    async fn revoke(
        &self,
        ctx: &FetchCtx,
        client: &crate::oauth::ClientConfig,
        refresh: Option<&str>,
    ) -> Result<(), FetchError> {
        let Some(url) = &client.endpoints.revoke_url else {
            return Ok(());
        };
        let token = refresh.unwrap_or(&ctx.access_token);
        let rb = ctx.http.post(url).form(&[("token", token)]);
        match send_json(ctx, rb, "revoke", retry_after_header).await {
            Ok(_) => Ok(()),
            // `invalid_token`: already revoked or expired.
            Err(FetchError::Rejected { status: 400, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn kit_time(t: i64) -> String {
    model::iso_utc_ms(t * 1000).replace("+00:00", "Z")
}

async fn get(ctx: &FetchCtx, path: &str, q: &[(&str, String)]) -> Result<Value, FetchError> {
    let url = format!("{}{}", ctx.api_base.trim_end_matches('/'), path);
    let rb = ctx.http.get(&url).bearer_auth(&ctx.access_token).query(q);
    Ok(send_json(ctx, rb, path, retry_after_header).await?.0)
}

/// `"7200s"` → seconds.
fn duration_secs(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_str)
        .and_then(norm::iso_duration_secs)
        .map(|x| x as i64)
}

fn source() -> Value {
    norm::source(SLUG, "Google Health (Fitbit)", "watch")
}

/// The id at the end of a data point's `name`.
fn point_id(p: &Value) -> Result<String, FetchError> {
    let name = str_field(p, "name")?;
    Ok(name.rsplit('/').next().unwrap_or(name).to_string())
}

pub fn normalize_sleep(user_id: &str, p: &Value) -> Result<SummaryDoc, FetchError> {
    let id = point_id(p)?;
    let s = p
        .get("sleep")
        .ok_or_else(|| norm::malformed("sleep data point without `sleep`"))?;
    let iv = s
        .get("interval")
        .ok_or_else(|| norm::malformed("sleep without interval"))?;
    let start = norm::time_field(iv, "startTime")?;
    let end = norm::time_field(iv, "endTime")?;
    let tz = duration_secs(iv.get("startUtcOffset")).unwrap_or(0) as i32;
    let local_end = end.with_timezone(&norm::offset(tz));
    let mins = |v: Option<&Value>| norm::number(v).map(|m| (m * 60.0).round() as i64);
    let stage = |kind: &str| {
        s.pointer("/summary/stagesSummary")
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter()
                    .find(|x| x.get("type").and_then(Value::as_str) == Some(kind))
            })
            .and_then(|x| mins(x.get("minutes")))
            .unwrap_or(0)
    };
    let (deep, light, rem) = (stage("DEEP"), stage("LIGHT"), stage("REM"));
    let asleep = mins(s.pointer("/summary/minutesAsleep")).unwrap_or(deep + light + rem);
    let nap = s.pointer("/metadata/nap").and_then(Value::as_bool) == Some(true);
    let day = local_end.date_naive();
    let sid = model::summary_id(user_id, SLUG, "sleep", &id);
    let duration = (end - start).num_seconds();
    Ok(SummaryDoc {
        id: sid.clone(),
        resource: "sleep",
        provider_record_id: id.clone(),
        calendar_date: day.to_string(),
        start_at: Some(start.timestamp_millis()),
        end_at: Some(end.timestamp_millis()),
        data: json!({
            "id": sid,
            "user_id": user_id,
            "date": model::date_midnight_utc(day),
            "calendar_date": day.to_string(),
            "bedtime_start": model::iso_utc(start),
            "bedtime_stop": model::iso_utc(end),
            "type": if nap { "acknowledged_nap" } else if duration >= 3 * 3600 { "long_sleep" } else { "short_sleep" },
            "timezone_offset": tz,
            "duration": duration,
            // STAGES sleeps split asleep time; CLASSIC ones only know asleep/restless.
            "total": if deep + light + rem > 0 { deep + light + rem } else { asleep },
            "awake": mins(s.pointer("/summary/minutesAwake")).unwrap_or(stage("AWAKE")),
            "light": light,
            "rem": rem,
            "deep": deep,
            "latency": mins(s.pointer("/summary/minutesToFallAsleep")),
            "efficiency": if duration > 0 { json!(((asleep as f64 / duration as f64) * 1000.0).round() / 10.0) } else { Value::Null },
            "source": source(),
            "provider_id": id,
        }),
    })
}

pub fn normalize_exercise(user_id: &str, p: &Value) -> Result<SummaryDoc, FetchError> {
    let id = point_id(p)?;
    let e = p
        .get("exercise")
        .ok_or_else(|| norm::malformed("exercise data point without `exercise`"))?;
    let iv = e
        .get("interval")
        .ok_or_else(|| norm::malformed("exercise without interval"))?;
    let start = norm::time_field(iv, "startTime")?;
    let end = norm::time_field(iv, "endTime")?;
    let tz = duration_secs(iv.get("startUtcOffset")).unwrap_or(0) as i32;
    let m = e.get("metricsSummary").cloned().unwrap_or(json!({}));
    let kind = e
        .get("exerciseType")
        .and_then(Value::as_str)
        .unwrap_or("OTHER")
        .to_ascii_lowercase();
    let (sport_id, sport_name, sport_slug) = model::sport(&kind);
    let day = start
        .with_timezone(&norm::offset(tz))
        .date_naive()
        .to_string();
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
            "title": e.get("displayName").cloned().unwrap_or(Value::Null),
            "timezone_offset": tz,
            "average_hr": int_in(m.get("averageHeartRateBeatsPerMinute"), 20.0, 260.0),
            "max_hr": Value::Null,
            // Google reports distances in millimetres.
            "distance": norm::number(m.get("distanceMillimeters")).map(|d| json!(d / 1000.0)).unwrap_or(Value::Null),
            "calendar_date": day,
            "time_start": model::iso_utc(start),
            "time_end": model::iso_utc(end),
            "calories": num_in(m.get("caloriesKcal"), 0.0, 20_000.0),
            "sport": {"id": sport_id, "name": sport_name, "slug": sport_slug},
            "hr_zones": Value::Null,
            "moving_time": duration_secs(e.get("activeDuration")).unwrap_or((end - start).num_seconds()),
            "steps": int_in(m.get("steps"), 0.0, 200_000.0),
            "provider_id": id,
            "source": source(),
        }),
    })
}

/// A sample time: `physicalTime` (or `observationTime` in some clients) and `utcOffset`.
fn sample_time(v: &Value) -> Result<(i64, Option<i64>), FetchError> {
    let st = v
        .get("sampleTime")
        .ok_or_else(|| norm::malformed("data point without sampleTime"))?;
    let t = st
        .get("physicalTime")
        .or_else(|| st.get("observationTime"))
        .and_then(Value::as_str)
        .and_then(model::parse_datetime)
        .ok_or_else(|| norm::malformed("sampleTime without physicalTime"))?;
    Ok((t.timestamp_millis(), duration_secs(st.get("utcOffset"))))
}

pub fn heart_rate(p: &Value) -> Result<Sample, FetchError> {
    let h = p
        .get("heartRate")
        .ok_or_else(|| norm::malformed("heart-rate point without heartRate"))?;
    let (ts, tz) = sample_time(h)?;
    let bpm = norm::number(h.get("beatsPerMinute"))
        .filter(|b| norm::plausible("heartrate", *b))
        .ok_or_else(|| norm::malformed("heart-rate point without a plausible beatsPerMinute"))?;
    Ok(norm::point("heartrate", "bpm", ts, bpm, tz, "watch"))
}

pub fn steps(p: &Value) -> Result<Sample, FetchError> {
    let s = p
        .get("steps")
        .ok_or_else(|| norm::malformed("steps point without steps"))?;
    let iv = s
        .get("interval")
        .ok_or_else(|| norm::malformed("steps without interval"))?;
    let start = norm::time_field(iv, "startTime")?;
    let end = norm::time_field(iv, "endTime")?;
    let count = norm::number(s.get("count"))
        .filter(|c| *c >= 0.0)
        .ok_or_else(|| norm::malformed("steps without count"))?;
    let mut sample = norm::point(
        "steps",
        "count",
        start.timestamp_millis(),
        count,
        duration_secs(iv.get("startUtcOffset")),
        "watch",
    );
    sample.end_ts = Some(end.timestamp_millis());
    Ok(sample)
}

pub fn normalize_weight(user_id: &str, p: &Value) -> Result<(SummaryDoc, Sample), FetchError> {
    let id = point_id(p)?;
    let w = p
        .get("weight")
        .ok_or_else(|| norm::malformed("weight point without weight"))?;
    let (ts, tz) = sample_time(w)?;
    let kg = norm::number(w.get("weightGrams"))
        .map(|g| (g / 10.0).round() / 100.0)
        .filter(|k| norm::plausible("body_weight", *k))
        .ok_or_else(|| norm::malformed("weight point without a plausible weightGrams"))?;
    let day = norm::at(ts / 1000, tz.unwrap_or(0) as i32).date_naive();
    let sid = model::summary_id(user_id, SLUG, "body", &id);
    let kind = "scale";
    Ok((
        SummaryDoc {
            id: sid.clone(),
            resource: "body",
            provider_record_id: id,
            calendar_date: day.to_string(),
            start_at: Some(ts),
            end_at: Some(ts),
            data: json!({
                "id": sid,
                "user_id": user_id,
                "date": model::iso_utc_ms(ts),
                "calendar_date": day.to_string(),
                "weight": kg,
                "fat": Value::Null,
                "timezone_offset": tz,
                "source": norm::source(SLUG, "Google Health (Fitbit)", kind),
            }),
        },
        norm::point("body_weight", "kg", ts, kg, tz, kind),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Google's published shapes (shared/reference/providers.md §4.2).
    #[test]
    fn heart_rate_and_sleep_examples() {
        let hr: Value = serde_json::from_str(r#"{"heartRate": {"beatsPerMinute": "64",
                 "sampleTime": {"physicalTime": "2026-06-01T06:00:05Z", "utcOffset": "7200s",
                                "civilTime": {"date": {"year": 2026, "month": 6, "day": 1}, "time": {"hours": 8, "seconds": 5}}},
                 "metadata": {"motionContext": "SEDENTARY", "sensorLocation": "WRIST"}},
                 "dataSource": {"platform": "FITBIT", "recordingMethod": "PASSIVELY_MEASURED"}}"#).unwrap();
        let s = heart_rate(&hr).unwrap();
        assert_eq!((s.value, s.tz_offset), (64.0, Some(7200)));
        let sl: Value = serde_json::from_str(r#"{"name": "users/me/dataTypes/sleep/dataPoints/a1b2c3d4",
          "sleep": {"type": "STAGES",
            "interval": {"startTime": "2026-05-31T21:40:00Z", "endTime": "2026-06-01T05:10:00Z",
                         "startUtcOffset": "7200s", "endUtcOffset": "7200s"},
            "stages": [{"type": "LIGHT", "startTime": "2026-05-31T21:52:00Z", "endTime": "2026-05-31T22:30:00Z"}],
            "summary": {"minutesAsleep": "402", "minutesAwake": "48", "minutesInSleepPeriod": "450",
                        "minutesToFallAsleep": "12",
                        "stagesSummary": [{"type": "DEEP", "minutes": "71", "count": "4"}]},
            "metadata": {"nap": false, "processed": true, "stagesStatus": "SUCCEEDED"}}}"#).unwrap();
        let s = normalize_sleep("u", &sl).unwrap();
        assert_eq!(s.provider_record_id, "a1b2c3d4");
        assert_eq!(s.data["deep"], 71 * 60);
        assert_eq!(s.data["awake"], 48 * 60);
        assert_eq!(s.data["duration"], 450 * 60);
        assert_eq!(s.data["calendar_date"], "2026-06-01");
        assert_eq!(s.data["latency"], 720);
        let w = json!({"name": "users/me/dataTypes/weight/dataPoints/w1", "weight": {"sampleTime": {"observationTime": "2026-06-15T10:00:00Z"}, "weightGrams": 86500}});
        let (b, sample) = normalize_weight("u", &w).unwrap();
        assert_eq!(
            (b.data["weight"].as_f64(), sample.value),
            (Some(86.5), 86.5)
        );
        assert!(matches!(
            GoogleHealth.availability(Environment::Production),
            Availability::NotAvailable(_)
        ));
    }
}
