//! Dexcom API v3 (CGM): estimated glucose values, converted from mg/dL to Vital's mmol/L.
//! OAuth paths stay under `/v2/oauth2` while data is `/v3`; the only scope is `offline_access`;
//! time windows are `startDate`/`endDate` without offset (UTC `systemTime`), at most 30 days, no
//! pagination. Dexcom's terms expect the client secret and tokens on the partner's server, so
//! production is not available to a desktop app; the sandbox (simulated users) is.
use serde_json::Value;

use super::http::{get_json, retry_after_header, send_json};
use super::norm::{self, str_field};
use super::{
    Availability, ClientAuth, Endpoints, FetchCtx, FetchError, FetchedPage, Provider, ProviderSpec,
    RedirectKind, SyncResource, Window,
};
use crate::config::Environment;
use crate::model::Sample;

pub struct DexcomV3;

pub const SLUG: &str = "dexcom_v3";
pub const REDIRECT_PORT: u16 = 8754;
/// mg/dL per mmol/L of glucose (molar mass 180.16 g/mol).
pub const MG_DL_PER_MMOL_L: f64 = 18.0182;

static SPEC: ProviderSpec = ProviderSpec {
    slug: SLUG,
    name: "Dexcom",
    description: "Continuous glucose monitoring (G6, G7, ONE): glucose every five minutes",
    resources: &["glucose"],
    scopes: &["offline_access"],
    required_scopes: &["offline_access"],
    client_auth: ClientAuth::RequestBody,
    max_history_days: 3650,
    redirect: RedirectKind::LoopbackFixedPort(REDIRECT_PORT),
    source_type: "automatic",
    colour: "#58a618",
};

/// A 29-day window plus its end day is exactly the 30 days a request may span.
static RESOURCES: [SyncResource; 1] = [SyncResource {
    name: "glucose",
    window_days: 29,
}];

pub const PRODUCTION_BLOCKED: &str = "Dexcom's API terms require partners to keep the client secret and users' tokens on their own servers (mobile and desktop clients must not hold them), and production access needs Dexcom's approval; a local-only desktop app cannot meet that. The sandbox with Dexcom's simulated users works.";

#[async_trait::async_trait]
impl Provider for DexcomV3 {
    fn spec(&self) -> &ProviderSpec {
        &SPEC
    }

    fn availability(&self, env: Environment) -> Availability {
        match env {
            Environment::Sandbox => Availability::Available,
            Environment::Production => Availability::NotAvailable(PRODUCTION_BLOCKED),
        }
    }

    fn endpoints(&self, env: Environment) -> Endpoints {
        let base = match env {
            // Dexcom's own sandbox host serves simulated users with the same paths.
            Environment::Sandbox => "https://sandbox-api.dexcom.com",
            Environment::Production => "https://api.dexcom.com",
        };
        Endpoints {
            authorize_url: format!("{base}/v2/oauth2/login"),
            token_url: format!("{base}/v2/oauth2/token"),
            // Dexcom publishes no revoke endpoint: users revoke on Dexcom's side.
            revoke_url: None,
            api_base: base.into(),
        }
    }

    fn sync_resources(&self) -> &'static [SyncResource] {
        &RESOURCES
    }

    async fn external_user_id(&self, ctx: &FetchCtx) -> Result<Option<String>, FetchError> {
        let (v, _) = get_json(ctx, "/v3/users/self/dataRange", &[]).await?;
        Ok(v.get("userId").and_then(Value::as_str).map(str::to_string))
    }

    async fn fetch_page(
        &self,
        ctx: &FetchCtx,
        resource: &str,
        window: Window,
        _page: Option<String>,
    ) -> Result<FetchedPage, FetchError> {
        if resource != "glucose" {
            return Err(FetchError::Rejected {
                status: 400,
                message: format!("dexcom has no resource {resource}"),
            });
        }
        let (from, to) = norm::window_utc(window);
        let fmt = |t: i64| crate::model::iso_utc_ms(t * 1000)[..19].to_string();
        let url = format!("{}/v3/users/self/egvs", ctx.api_base.trim_end_matches('/'));
        let rb = ctx
            .http
            .get(&url)
            .bearer_auth(&ctx.access_token)
            .query(&[("startDate", fmt(from)), ("endDate", fmt(to))]);
        let (v, _, _) = send_json(ctx, rb, "/v3/users/self/egvs", retry_after_header).await?;
        let records = v
            .get("records")
            .and_then(Value::as_array)
            .ok_or_else(|| norm::malformed("egvs: no `records` list"))?;
        let mut out = FetchedPage::default();
        for r in records {
            if let Some(s) = normalize_egv(r)? {
                out.samples.push(s);
            }
        }
        // EGVs are kept as samples only: a raw copy per five-minute reading would double the
        // largest table for no information (the sample keeps value, time and offset).
        Ok(out)
    }
}

/// `systemTime` is UTC (with or without `Z`); `displayTime` may carry the phone's offset.
fn system_time(r: &Value) -> Result<i64, FetchError> {
    let s = str_field(r, "systemTime")?;
    if let Some(t) = crate::model::parse_datetime(s) {
        return Ok(t.timestamp_millis());
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .map(|t| t.and_utc().timestamp_millis())
        .map_err(|_| norm::malformed(format!("systemTime is not a date-time: {s:?}")))
}

/// One EGV → a Vital glucose sample in mmol/L; readings without a value (`status` high/low
/// beyond the sensor's range) are skipped.
pub fn normalize_egv(r: &Value) -> Result<Option<Sample>, FetchError> {
    let ts = system_time(r)?;
    let Some(v) = norm::number(r.get("value")) else {
        return Ok(None);
    };
    let mmol = match r.get("unit").and_then(Value::as_str) {
        Some("mmol/L") => v,
        _ => v / MG_DL_PER_MMOL_L,
    };
    if !norm::plausible("glucose", mmol) {
        return Ok(None);
    }
    let tz = r
        .get("displayTime")
        .and_then(Value::as_str)
        .and_then(crate::model::parse_datetime)
        .map(|d| d.offset().local_minus_utc() as i64);
    Ok(Some(norm::point(
        "glucose",
        "mmol/L",
        ts,
        (mmol * 100.0).round() / 100.0,
        tz,
        "automatic",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Dexcom's published example (shared/reference/providers.md, part 2 §2).
    #[test]
    fn egv_example_in_mmol_per_litre() {
        let v: Value = serde_json::from_str(r#"{"recordType": "egv", "recordVersion": "3.0", "userId": "b7f0",
          "records": [
            {"recordId": "2d6b0c8e-1111-4a5b-9c7d-0e1f2a3b4c5d",
             "systemTime": "2024-03-01T00:02:31Z", "displayTime": "2024-03-01T01:02:31+01:00",
             "transmitterId": "a1b2c3", "transmitterTicks": 5234501,
             "value": 118, "status": null, "trend": "flat", "trendRate": 0.2,
             "unit": "mg/dL", "rateUnit": "mg/dL/min", "displayDevice": "android", "transmitterGeneration": "g7"},
            {"recordId": "2d6b0c8e-2222-4a5b-9c7d-0e1f2a3b4c5d",
             "systemTime": "2024-03-01T00:07:31", "displayTime": "2024-03-01T00:07:31",
             "value": null, "status": "high", "unit": "mg/dL"}]}"#).unwrap();
        let a = normalize_egv(&v["records"][0]).unwrap().unwrap();
        assert_eq!((a.metric, a.unit, a.value), ("glucose", "mmol/L", 6.55));
        assert_eq!(
            a.ts,
            chrono::DateTime::parse_from_rfc3339("2024-03-01T00:02:31Z")
                .unwrap()
                .timestamp_millis()
        );
        assert_eq!(a.tz_offset, Some(3600));
        assert!(normalize_egv(&v["records"][1]).unwrap().is_none());
        assert!(matches!(
            DexcomV3.availability(Environment::Production),
            Availability::NotAvailable(_)
        ));
        assert_eq!(
            DexcomV3.availability(Environment::Sandbox),
            Availability::Available
        );
    }
}
