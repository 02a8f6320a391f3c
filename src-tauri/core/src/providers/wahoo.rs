//! Wahoo Cloud API: workouts (ELEMNT, KICKR, app recordings) with their summaries. No date
//! filter: `/v1/workouts` pages newest first (`page`/`per_page`) until past the window. Summary
//! numbers are strings (or null, or `"--"`); zones are IANA names. Refresh tokens are single
//! use, the previous access token lives until the new one is used, and an app may hold at most
//! 10 unrevoked tokens per user: the sync refreshes only right before a real call.
use serde_json::{json, Value};

use super::http::{header_numbers, send_json};
use super::norm::{self, int_in, num_in, str_field};
use super::{
    ClientAuth, Endpoints, FetchCtx, FetchError, FetchedPage, Provider, ProviderSpec, RedirectKind,
    SyncResource, Window,
};
use crate::clock::Clock;
use crate::config::Environment;
use crate::model::{self, SummaryDoc};

pub struct Wahoo;

pub const SLUG: &str = "wahoo";
pub const PER_PAGE: usize = 50;

static SPEC: ProviderSpec = ProviderSpec {
    slug: SLUG,
    name: "Wahoo",
    description: "ELEMNT bike computers, KICKR trainers and the Wahoo app: workouts",
    resources: &["workouts"],
    scopes: &["user_read", "workouts_read", "offline_data"],
    required_scopes: &["workouts_read"],
    client_auth: ClientAuth::RequestBody,
    max_history_days: 3650,
    // The developer portal accepts only https redirect URIs.
    redirect: RedirectKind::HttpsForward,
    source_type: "exercise_machine",
    colour: "#0050a0",
};

/// One window for the whole range: the list has no date filter, so windows would re-read it.
static RESOURCES: [SyncResource; 1] = [SyncResource {
    name: "workouts",
    window_days: 3650,
}];

#[async_trait::async_trait]
impl Provider for Wahoo {
    fn spec(&self) -> &ProviderSpec {
        &SPEC
    }

    fn endpoints(&self, _env: Environment) -> Endpoints {
        let base = "https://api.wahooligan.com";
        Endpoints {
            authorize_url: format!("{base}/oauth/authorize"),
            token_url: format!("{base}/oauth/token"),
            revoke_url: Some(format!("{base}/v1/permissions")),
            api_base: base.into(),
        }
    }

    fn sync_resources(&self) -> &'static [SyncResource] {
        &RESOURCES
    }

    async fn external_user_id(&self, ctx: &FetchCtx) -> Result<Option<String>, FetchError> {
        let v = get(ctx, "/v1/user", &[]).await?;
        Ok(v.get("id")
            .map(|x| x.to_string().trim_matches('"').to_string()))
    }

    async fn fetch_page(
        &self,
        ctx: &FetchCtx,
        resource: &str,
        window: Window,
        page: Option<String>,
    ) -> Result<FetchedPage, FetchError> {
        if resource != "workouts" {
            return Err(FetchError::Rejected {
                status: 400,
                message: format!("wahoo has no resource {resource}"),
            });
        }
        let (from, to) = norm::window_utc(window);
        let n: usize = page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1);
        let v = get(
            ctx,
            "/v1/workouts",
            &[("page", n.to_string()), ("per_page", PER_PAGE.to_string())],
        )
        .await?;
        let list = v
            .get("workouts")
            .and_then(Value::as_array)
            .ok_or_else(|| norm::malformed("workouts: no `workouts` list"))?;
        let mut out = FetchedPage::default();
        let mut oldest = i64::MAX;
        for w in list {
            let starts = norm::time_field(w, "starts")?.timestamp();
            oldest = oldest.min(starts);
            if starts < from || starts >= to {
                continue;
            }
            let s = normalize_workout(&ctx.user_id, w)?;
            out.raw.push(norm::raw(
                "workouts",
                s.provider_record_id.clone(),
                Some(s.calendar_date.clone()),
                w,
            ));
            out.summaries.push(s);
        }
        // Newest first: once a page reaches before the window, the window is complete.
        if list.len() >= PER_PAGE && oldest >= from {
            out.next = Some((n + 1).to_string());
        }
        Ok(out)
    }

    /// `DELETE /v1/permissions`: revokes the app's authorization (all tokens) for this user.
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
        match send_json(ctx, rb, "/v1/permissions", retry_after).await {
            Ok(_) | Err(FetchError::Unauthorized) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// `X-RateLimit-Reset`: seconds until the throttled window resets (the largest value given).
pub fn retry_after(h: &reqwest::header::HeaderMap, _clock: &Clock) -> Option<std::time::Duration> {
    header_numbers(h, "x-ratelimit-reset")
        .into_iter()
        .max()
        .map(|s| std::time::Duration::from_secs(s.max(1)))
}

async fn get(ctx: &FetchCtx, path: &str, q: &[(&str, String)]) -> Result<Value, FetchError> {
    let url = format!("{}{}", ctx.api_base.trim_end_matches('/'), path);
    let rb = ctx.http.get(&url).bearer_auth(&ctx.access_token).query(q);
    match send_json(ctx, rb, path, retry_after).await {
        // "This application has not been approved": OAuth works, data calls do not.
        Err(FetchError::Rejected {
            status: 422,
            message,
        }) => Err(FetchError::Forbidden(format!(
            "{message}; Wahoo must approve the app for Cloud API data (see docs/providers/wahoo.md)"
        ))),
        other => Ok(other?.0),
    }
}

/// Wahoo's `workout_type_id` → Vital sport names (the common ones).
pub fn workout_type(id: i64) -> &'static str {
    match id {
        0 | 11..=16 => "cycling",
        1 | 3..=5 => "running",
        6..=8 => "walking",
        9 => "hiking",
        20 => "elliptical",
        22 => "rowing",
        25 | 26 => "swimming",
        _ => "other",
    }
}

pub fn normalize_workout(user_id: &str, w: &Value) -> Result<SummaryDoc, FetchError> {
    let id = norm::id_field(w, "id")?;
    let start = norm::time_field(w, "starts")?;
    let sm = w.get("workout_summary").cloned().unwrap_or(Value::Null);
    let zone = sm.get("time_zone").and_then(Value::as_str);
    let tz = zone.and_then(|z| norm::tz_offset_at(z, start.timestamp()));
    let total = norm::number(sm.get("duration_total_accum"))
        .or_else(|| norm::number(w.get("minutes")).map(|m| m * 60.0))
        .unwrap_or(0.0) as i64;
    let end = start + chrono::Duration::seconds(total);
    let (sport_id, sport_name, sport_slug) = model::sport(workout_type(
        w.get("workout_type_id")
            .and_then(Value::as_i64)
            .unwrap_or(-1),
    ));
    let day = norm::at(start.timestamp(), tz.unwrap_or(0))
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
            "title": w.get("name").and_then(Value::as_str).map(str::to_string),
            "timezone_offset": tz,
            "average_hr": int_in(sm.get("heart_rate_avg"), 20.0, 260.0),
            "max_hr": int_in(sm.get("heart_rate_max"), 20.0, 260.0),
            "distance": num_in(sm.get("distance_accum"), 0.0, 2_000_000.0),
            "calendar_date": day,
            "time_start": model::iso_utc(start),
            "time_end": model::iso_utc(end),
            "calories": num_in(sm.get("calories_accum"), 0.0, 20_000.0),
            "sport": {"id": sport_id, "name": sport_name, "slug": sport_slug},
            "hr_zones": Value::Null,
            "moving_time": int_in(sm.get("duration_active_accum"), 0.0, 864_000.0),
            "total_elevation_gain": num_in(sm.get("ascent_accum"), 0.0, 50_000.0),
            "average_speed": num_in(sm.get("speed_avg"), 0.0, 200.0),
            "average_watts": num_in(sm.get("power_avg"), 0.0, 3000.0),
            "weighted_average_watts": num_in(sm.get("power_bike_np_last"), 0.0, 3000.0),
            "provider_id": id,
            "source": norm::source(SLUG, "Wahoo", "exercise_machine"),
            "device_name": str_field(w, "workout_token").ok(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Wahoo's published example (shared/reference/providers.md, part 2 §4).
    #[test]
    fn workout_example_with_string_numbers() {
        let w: Value = serde_json::from_str(r#"{"id": 402756448, "name": "Morning Ride", "starts": "2024-03-02T08:14:29.000Z",
             "minutes": 41, "workout_type_id": 0, "workout_token": "ELEMNT BOLT A1B2:301",
             "plan_id": null, "route_id": null,
             "created_at": "2024-03-02T09:11:08.000Z", "updated_at": "2024-03-02T09:11:13.000Z",
             "workout_summary": {
               "id": 390011220, "started_at": "2024-03-02T08:14:29.000Z", "time_zone": "Europe/Berlin",
               "ascent_accum": "36.0", "cadence_avg": "76.0", "calories_accum": "464.0",
               "distance_accum": "20959.15", "duration_active_accum": "2405.0",
               "duration_paused_accum": "36.0", "duration_total_accum": "2441.0",
               "heart_rate_avg": "141.0", "power_avg": "193.0", "power_bike_np_last": "221.0",
               "power_bike_tss_last": "28.1", "speed_avg": "8.72", "work_accum": "464094.0",
               "file": {"url": "https://cdn.wahooligan.com/x.fit"}}}"#).unwrap();
        let s = normalize_workout("u", &w).unwrap();
        assert_eq!(s.data["distance"], 20959.15);
        assert_eq!(s.data["moving_time"], 2405);
        assert_eq!(s.data["calories"], 464.0);
        assert_eq!(s.data["average_hr"], 141);
        assert_eq!(s.data["timezone_offset"], 3600);
        assert_eq!(s.data["sport"]["slug"], "cycling");
        assert_eq!(s.data["time_end"], "2024-03-02T08:55:10+00:00");
        let mut odd = w.clone();
        odd["workout_summary"]["heart_rate_avg"] = json!("--");
        odd["workout_summary"]["calories_accum"] = Value::Null;
        let s = normalize_workout("u", &odd).unwrap();
        assert!(s.data["average_hr"].is_null() && s.data["calories"].is_null());
    }
}
