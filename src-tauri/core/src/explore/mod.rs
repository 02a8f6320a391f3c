//! Exploring stored data on a person's behalf (the MCP face's capability): scoped to the
//! participants the server was started for, read-only, sized for an assistant's context, and
//! every call written to the event log. Answers come from the same reads as the local API, so
//! the numbers an assistant quotes are the numbers the API serves.
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::shapes::{self, Range};
use crate::store::users::User;

mod compare;
pub mod series;
pub mod span;

pub use compare::COMPARE_METRICS;
pub use span::parse_span;

/// Which participants a server may show: everyone (a personal machine), or only those named,
/// or only one cohort.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// client_user_id or user_id values; empty means everyone.
    pub participants: Vec<String>,
    pub cohort: Option<String>,
}

impl Scope {
    pub fn admits(&self, u: &User) -> bool {
        let named = self.participants.is_empty()
            || self
                .participants
                .iter()
                .any(|p| *p == u.user_id || *p == u.client_user_id);
        let in_cohort = self
            .cohort
            .as_deref()
            .is_none_or(|c| u.cohort.as_deref() == Some(c));
        named && in_cohort
    }
}

/// Summary documents per answer at most, so a long range of sleeps does not flood a context;
/// the answer says when it stopped and how to get the rest.
pub const MAX_DOCUMENT_BYTES: usize = 60_000;

/// Whose data over which days (and from which provider, if only one).
#[derive(Clone, Debug, Default)]
pub struct Ask {
    /// user_id or client_user_id.
    pub participant: String,
    /// A date or phrase `parse_span` reads.
    pub from: String,
    pub to: Option<String>,
    pub provider: Option<String>,
}

pub struct Explorer {
    pub app: Arc<App>,
    pub scope: Scope,
    /// Raw provider payloads may be read (`--allow-raw`); off by default.
    pub allow_raw: bool,
}

impl Explorer {
    pub fn new(app: Arc<App>, scope: Scope, allow_raw: bool) -> Self {
        Self {
            app,
            scope,
            allow_raw,
        }
    }

    /// The participant named, if this server may show them. One outside the scope gets the
    /// same answer as one that does not exist, so the scope does not reveal who else is there.
    pub fn participant(&self, key: &str) -> AppResult<User> {
        let missing = || {
            AppError::new(
                "user_not_found",
                format!("no participant {key:?} here; list_participants shows the ones this server can see"),
            )
        };
        let u = self.app.resolve_user(key).map_err(|_| missing())?;
        if self.scope.admits(&u) {
            Ok(u)
        } else {
            Err(missing())
        }
    }

    fn today(&self) -> chrono::NaiveDate {
        self.app.clock.now().date_naive()
    }

    pub fn span(&self, from: &str, to: Option<&str>) -> AppResult<Range> {
        parse_span(from, to, self.today())
    }

    fn range(&self, ask: &Ask) -> AppResult<Range> {
        self.span(&ask.from, ask.to.as_deref())
    }

    /// Writes one call to the event log: the tool, its arguments and how much it returned.
    pub fn record(
        &self,
        tool: &str,
        user_id: Option<&str>,
        arguments: &Value,
        outcome: &AppResult<Value>,
    ) {
        let detail = match outcome {
            Ok(v) => json!({"tool": tool, "arguments": arguments, "bytes": v.to_string().len()}),
            Err(e) => json!({"tool": tool, "arguments": arguments, "error": e.code}),
        };
        if let Err(e) = self.app.store.log_event("mcp_call", user_id, None, detail) {
            tracing::warn!(code = e.code, "could not log an MCP call");
        }
    }

    /// The participants this server may show, without their data.
    pub fn scoped_users(&self) -> AppResult<Vec<User>> {
        let (users, _) = self.app.list_users(0, i64::MAX)?;
        Ok(users.into_iter().filter(|u| self.scope.admits(u)).collect())
    }

    pub fn participants(&self) -> AppResult<Value> {
        let mut out = vec![];
        for u in self.scoped_users()? {
            let providers: Vec<Value> = self
                .app
                .connections(Some(&u.user_id))?
                .into_iter()
                .map(|c| json!({"provider": c.provider, "status": c.status.as_str()}))
                .collect();
            let mut distinct: Vec<String> = self
                .covered(&u.user_id, "0001-01-01", "9999-12-31")?
                .into_iter()
                .map(|(_, d)| d.to_string())
                .collect();
            distinct.sort();
            distinct.dedup();
            out.push(json!({
                "user_id": u.user_id,
                "client_user_id": u.client_user_id,
                "cohort": u.cohort,
                "providers": providers,
                "days_covered": distinct.len(),
                "first_day": distinct.first(),
                "last_day": distinct.last(),
            }));
        }
        Ok(json!({"participants": out}))
    }

    /// `(resource or metric, day)` for each day in `from..=to` holding any of it, from the same
    /// per-day counts as the console's coverage (samples by their local day, so a sample at
    /// the range's UTC edge can fall on a local day outside it: that day is left out); the
    /// profile is not a day's data.
    fn covered(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
    ) -> AppResult<Vec<(String, chrono::NaiveDate)>> {
        let mut out = vec![];
        for (day, counts) in self.app.store.coverage_days(user_id, from, to)? {
            if day.as_str() < from || day.as_str() > to {
                continue;
            }
            let Some(d) = crate::model::parse_day(&day) else {
                continue;
            };
            out.extend(
                counts
                    .into_iter()
                    .filter(|(what, n)| *n > 0 && what != "profile")
                    .map(|(what, _)| (what, d)),
            );
        }
        Ok(out)
    }

    /// Summary documents (sleep, activity, workouts, body) as the local API serves them.
    pub fn summaries(&self, ask: &Ask, resource: &str) -> AppResult<Value> {
        let u = self.participant(&ask.participant)?;
        if !matches!(resource, "sleep" | "activity" | "workouts" | "body") {
            return Err(AppError::bad_request(
                "invalid_resource",
                format!("{resource:?} is not one of sleep, activity, workouts, body"),
            ));
        }
        let r = self.range(ask)?;
        let v = shapes::summaries(&self.app, &u.user_id, resource, r, ask.provider.as_deref())?;
        let docs = v[resource].as_array().cloned().unwrap_or_default();
        let total = docs.len();
        let mut kept = vec![];
        let mut bytes = 0;
        for d in docs {
            bytes += d.to_string().len();
            if bytes > MAX_DOCUMENT_BYTES && !kept.is_empty() {
                break;
            }
            kept.push(d);
        }
        let mut answer = json!({
            "user_id": u.user_id, "resource": resource,
            "from": r.from_day.to_string(), "to": r.to_day.to_string(),
            "count": total, resource: kept,
        });
        let shown = answer[resource].as_array().map_or(0, Vec::len);
        if shown < total {
            let last = answer[resource][shown - 1]["calendar_date"].clone();
            answer["truncated"] = json!(format!(
                "{shown} of {total} documents fit in one answer (through {last}); ask again from the next day for the rest"
            ));
        }
        Ok(answer)
    }

    /// One metric over a range, sized to `budget` points (see `series`).
    pub fn timeseries(
        &self,
        ask: &Ask,
        metric: &str,
        resolution: Option<&str>,
        budget: Option<usize>,
    ) -> AppResult<Value> {
        let u = self.participant(&ask.participant)?;
        if crate::resources::stored_metrics().all(|m| m != metric) {
            return Err(AppError::bad_request(
                "invalid_resource",
                format!(
                    "unknown metric {metric:?}; use one of {}",
                    crate::resources::stored_metrics()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let asked = series::Resolution::parse(resolution.unwrap_or("auto"))?;
        let (lo, hi) = series::BUDGET_RANGE;
        let budget = budget.unwrap_or(series::DEFAULT_BUDGET).clamp(lo, hi);
        let r = self.range(ask)?;
        let samples = self.app.store.samples(
            &u.user_id,
            metric,
            r.from_ms,
            r.to_ms + 1,
            ask.provider.as_deref(),
        )?;
        let sized = series::size(metric, &r, samples, asked, budget)?;
        let mut v = serde_json::to_value(sized).map_err(|e| AppError::internal(e.to_string()))?;
        v["user_id"] = json!(u.user_id);
        v["metric"] = json!(metric);
        v["from"] = json!(r.from_day.to_string());
        v["to"] = json!(r.to_day.to_string());
        Ok(v)
    }

    /// Which days hold which data: per resource, runs of consecutive days.
    pub fn coverage(&self, ask: &Ask) -> AppResult<Value> {
        let u = self.participant(&ask.participant)?;
        let r = self.range(ask)?;
        let days = self.covered(&u.user_id, &r.from_day.to_string(), &r.to_day.to_string())?;
        let mut by: BTreeMap<String, Vec<chrono::NaiveDate>> = BTreeMap::new();
        let mut any = std::collections::BTreeSet::new();
        for (what, d) in days {
            by.entry(what).or_default().push(d);
            any.insert(d);
        }
        let resources: BTreeMap<String, Value> = by
            .into_iter()
            .map(|(what, mut ds)| {
                ds.sort();
                let n = ds.len();
                (what, json!({"days": n, "runs": runs(&ds)}))
            })
            .collect();
        let span_days = (r.to_day - r.from_day).num_days() + 1;
        Ok(json!({
            "user_id": u.user_id, "from": r.from_day.to_string(), "to": r.to_day.to_string(),
            "days_in_range": span_days, "days_with_any_data": any.len(),
            "resources": resources,
        }))
    }

    /// Raw provider payloads, only when the server was started with `--allow-raw`.
    pub fn raw(&self, ask: &Ask, resource: &str) -> AppResult<Value> {
        if !self.allow_raw {
            return Err(AppError::bad_request(
                "invalid_request",
                "raw provider payloads are off; start the server with --allow-raw to read them",
            ));
        }
        let u = self.participant(&ask.participant)?;
        let r = self.range(ask)?;
        let q = crate::query::DataQuery {
            start_date: Some(r.from_day.to_string()),
            end_date: Some(r.to_day.to_string()),
            provider: ask.provider.clone(),
            ..Default::default()
        };
        crate::query::raw_of(&self.app, resource, &u.user_id, &q)
    }

    /// A participant's profile as the API serves it, or what is known without one.
    pub fn profile(&self, user: &str) -> AppResult<Value> {
        let u = self.participant(user)?;
        let q = crate::query::DataQuery::default();
        let profile = crate::query::summary_of(&self.app, "profile", &u.user_id, &q).ok();
        Ok(json!({
            "user_id": u.user_id, "client_user_id": u.client_user_id, "cohort": u.cohort,
            "fallback_time_zone": u.fallback_time_zone, "profile": profile,
        }))
    }

    /// What can be asked for: the summaries, the metrics with their units, how timeseries are
    /// sized, and the compare metrics.
    pub fn dictionary(&self) -> Value {
        let metrics: BTreeMap<&str, Value> = crate::resources::stored_metrics()
            .map(|m| (m, json!({"unit": crate::resources::unit(m), "aggregated_as": if series::is_counted(m) { "min/mean/max and total per bucket" } else { "min/mean/max per bucket" }})))
            .collect();
        json!({
            "summaries": ["sleep", "activity", "workouts", "body"],
            "metrics": metrics,
            "resolutions": ["auto", "raw", "minute", "5m", "15m", "hour", "day", "week"],
            "default_budget_points": series::DEFAULT_BUDGET,
            "compare_metrics": compare::COMPARE_METRICS.iter().map(|m| json!({"name": m.name, "unit": m.unit, "means": m.means})).collect::<Vec<_>>(),
            "dates": "YYYY-MM-DD, 'today', 'yesterday', 'last N days|weeks|months'; days are UTC days as in the Vital API",
            "raw_payloads": if self.allow_raw { "available (--allow-raw)" } else { "off" },
        })
    }
}

/// The command an assistant runs to reach this data: this binary, its data directory, `mcp`
/// (shell-quoted, so it pastes into a terminal or a config's `command` line as it is).
pub fn register_command(data_dir: &std::path::Path) -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "vital-link".into());
    let quote = |s: &str| {
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=".contains(c))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    };
    format!(
        "{} --data-dir {} mcp",
        quote(&exe),
        quote(&data_dir.display().to_string())
    )
}

/// Consecutive days as `[first, last]` pairs.
fn runs(days: &[chrono::NaiveDate]) -> Vec<[String; 2]> {
    let mut out: Vec<[chrono::NaiveDate; 2]> = vec![];
    for &d in days {
        match out.last_mut() {
            Some(run) if run[1].succ_opt() == Some(d) => run[1] = d,
            _ => out.push([d, d]),
        }
    }
    out.into_iter()
        .map(|[a, b]| [a.to_string(), b.to_string()])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Scope;
    use crate::store::users::User;

    fn user(id: &str, client: &str, cohort: Option<&str>) -> User {
        User {
            user_id: id.into(),
            client_user_id: client.into(),
            created_at: 0,
            fallback_time_zone: None,
            fallback_birth_date: None,
            ingestion_start: None,
            ingestion_end: None,
            notes: None,
            cohort: cohort.map(str::to_string),
        }
    }

    #[test]
    fn a_scope_admits_everyone_or_only_those_named_or_one_cohort() {
        let (alice, bob, carol) = (
            user("u1", "alice", Some("a")),
            user("u2", "bob", Some("b")),
            user("u3", "carol", None),
        );
        assert!(Scope::default().admits(&carol));
        let named = Scope {
            participants: vec!["alice".into(), "u3".into()],
            cohort: None,
        };
        assert!(named.admits(&alice) && named.admits(&carol) && !named.admits(&bob));
        let cohort = Scope {
            participants: vec![],
            cohort: Some("a".into()),
        };
        assert!(cohort.admits(&alice) && !cohort.admits(&bob) && !cohort.admits(&carol));
        let both = Scope {
            participants: vec!["bob".into()],
            cohort: Some("a".into()),
        };
        assert!(!both.admits(&bob) && !both.admits(&alice));
    }
}
