//! The tools: typed, documented inputs (their JSON schemas are what an assistant reads), each
//! one call into the explorer.
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use vital_link_core::explore::Ask;

use crate::VitalLinkMcp;

/// Whose data over which days.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Period {
    /// user_id or client_user_id, as list_participants shows it.
    pub participant: String,
    /// First day: YYYY-MM-DD, 'today', 'yesterday', 'N days ago' or 'last N days|weeks|months'.
    pub from: String,
    /// Last day, inclusive (YYYY-MM-DD, 'today', 'yesterday', 'N days ago'); default today.
    #[serde(default)]
    #[schemars(with = "String")]
    pub to: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct RangeArgs {
    #[serde(flatten)]
    pub period: Period,
    /// Only this provider's data (e.g. oura); default all.
    #[serde(default)]
    #[schemars(with = "String")]
    pub provider: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct TimeseriesArgs {
    #[serde(flatten)]
    pub range: RangeArgs,
    /// heartrate, hrv, steps, calories_active, glucose, blood_oxygen, ... (see the data dictionary).
    pub metric: String,
    /// auto (default: the finest that fits max_points), raw, minute, 5m, 15m, hour, day, week.
    #[serde(default)]
    #[schemars(with = "String")]
    pub resolution: Option<String>,
    /// The most points to return (10-5000, default 500).
    #[serde(default)]
    #[schemars(with = "u32")]
    pub max_points: Option<usize>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct CompareArgs {
    /// The baseline: a participant and a range.
    pub a: Period,
    /// Compared with a: another range, another participant, or both.
    pub b: Period,
    /// Which metrics (see the data dictionary's compare_metrics); default all.
    #[serde(default)]
    pub metrics: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct RawArgs {
    #[serde(flatten)]
    pub range: RangeArgs,
    /// sleep, activity, workouts, body or profile.
    pub resource: String,
}

impl RangeArgs {
    fn ask(&self) -> Ask {
        Ask {
            participant: self.period.participant.clone(),
            from: self.period.from.clone(),
            to: self.period.to.clone(),
            provider: self.provider.clone(),
        }
    }
}

fn args<T: Serialize>(a: &T) -> serde_json::Value {
    serde_json::to_value(a).unwrap_or_default()
}

impl VitalLinkMcp {
    async fn summaries(
        &self,
        tool: &'static str,
        resource: &'static str,
        a: RangeArgs,
    ) -> CallToolResult {
        let logged = args(&a);
        let user = a.period.participant.clone();
        self.answer(tool, Some(&user), logged, move |ex| {
            ex.summaries(&a.ask(), resource)
        })
        .await
    }
}

#[tool_router(router = tools, vis = "pub(crate)")]
impl VitalLinkMcp {
    #[tool(
        description = "The participants this server may show: id, cohort, connected providers, and how many days hold data."
    )]
    pub async fn list_participants(&self) -> CallToolResult {
        self.answer("list_participants", None, json!({}), |ex| ex.participants())
            .await
    }

    #[tool(
        description = "Sleep summaries (Vital's sleep model: total, stages, efficiency, heart rate, HRV) for a date range."
    )]
    pub async fn get_sleep(&self, Parameters(a): Parameters<RangeArgs>) -> CallToolResult {
        self.summaries("get_sleep", "sleep", a).await
    }

    #[tool(
        description = "Daily activity summaries (steps, calories, distance, active minutes) for a date range."
    )]
    pub async fn get_activity(&self, Parameters(a): Parameters<RangeArgs>) -> CallToolResult {
        self.summaries("get_activity", "activity", a).await
    }

    #[tool(
        description = "Workouts (sport, duration, distance, calories, heart rate) for a date range."
    )]
    pub async fn get_workouts(&self, Parameters(a): Parameters<RangeArgs>) -> CallToolResult {
        self.summaries("get_workouts", "workouts", a).await
    }

    #[tool(description = "Body measurements (weight, body fat) for a date range.")]
    pub async fn get_body(&self, Parameters(a): Parameters<RangeArgs>) -> CallToolResult {
        self.summaries("get_body", "body", a).await
    }

    #[tool(
        description = "One metric over a range, aggregated to fit max_points: every sample when they fit, else min/mean/max (and totals for counted metrics) per minute, hour, day or week. The answer states the resolution used and why."
    )]
    pub async fn get_timeseries(
        &self,
        Parameters(a): Parameters<TimeseriesArgs>,
    ) -> CallToolResult {
        let logged = args(&a);
        let user = a.range.period.participant.clone();
        self.answer("get_timeseries", Some(&user), logged, move |ex| {
            ex.timeseries(
                &a.range.ask(),
                &a.metric,
                a.resolution.as_deref(),
                a.max_points,
            )
        })
        .await
    }

    #[tool(
        description = "Which days in a range hold which data (per resource and metric: the number of days and runs of consecutive days)."
    )]
    pub async fn get_coverage(&self, Parameters(a): Parameters<Period>) -> CallToolResult {
        let logged = args(&a);
        let user = a.participant.clone();
        self.answer("get_coverage", Some(&user), logged, move |ex| {
            let every_provider = RangeArgs {
                period: a,
                provider: None,
            };
            ex.coverage(&every_provider.ask())
        })
        .await
    }

    #[tool(
        description = "Compare two ranges (or two participants): one value per metric for each side, the difference (b minus a) and the percent change."
    )]
    pub async fn compare(&self, Parameters(a): Parameters<CompareArgs>) -> CallToolResult {
        let logged = args(&a);
        let user = a.a.participant.clone();
        self.answer("compare", Some(&user), logged, move |ex| {
            ex.compare(
                (&a.a.participant, &a.a.from, a.a.to.as_deref()),
                (&a.b.participant, &a.b.from, a.b.to.as_deref()),
                &a.metrics,
            )
        })
        .await
    }

    #[tool(
        description = "The providers' raw payloads as they were received (only offered when the server was started with --allow-raw)."
    )]
    pub async fn get_raw(&self, Parameters(a): Parameters<RawArgs>) -> CallToolResult {
        let logged = args(&a);
        let user = a.range.period.participant.clone();
        self.answer("get_raw", Some(&user), logged, move |ex| {
            ex.raw(&a.range.ask(), &a.resource)
        })
        .await
    }
}
