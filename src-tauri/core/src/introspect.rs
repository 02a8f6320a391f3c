//! Vital's introspection answers: the provider catalogue, each user's resources and how far
//! each historical pull has got.
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::App;
use crate::error::AppResult;
use crate::states::ConnectionStatus;

impl App {
    /// Vital's `GET /v2/providers`: every provider with its resources and availability here.
    pub fn provider_catalogue(&self) -> Value {
        let base = self.api_base_url();
        Value::Array(
            self.providers
                .all()
                .iter()
                .map(|p| {
                    let s = p.spec();
                    json!({
                        "name": s.name,
                        "slug": s.slug,
                        "description": s.description,
                        "logo": s.reference(&base).logo,
                        "auth_type": "oauth",
                        "supported_resources": s.resources,
                        "availability": p.availability(self.config.environment),
                    })
                })
                .collect(),
        )
    }
}

/// Which users (and provider) an introspection covers, and where its page starts.
#[derive(Deserialize, Default)]
pub struct IntrospectQuery {
    pub user_id: Option<String>,
    pub provider: Option<String>,
    pub user_limit: Option<i64>,
    pub cursor: Option<String>,
    pub next_cursor: Option<String>,
}

fn users_for(app: &App, q: &IntrospectQuery) -> AppResult<Vec<crate::store::users::User>> {
    Ok(match &q.user_id {
        Some(u) => vec![app.store.user(u)?],
        None => {
            let offset = q
                .next_cursor
                .as_deref()
                .or(q.cursor.as_deref())
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            app.store
                .list_users(offset, q.user_limit.unwrap_or(50).clamp(1, 1000))?
                .0
        }
    })
}

/// The connection's sync state as status screens show it (an extension of Vital's shape).
fn sync_state(c: &crate::store::connections::ConnectionRow) -> Value {
    json!({
        "status": c.sync_status,
        "backfill_progress": c.backfill_progress,
        "last_success": c.last_sync_at.map(crate::model::iso_utc_ms),
        "last_attempt": c.last_attempt_at.map(crate::model::iso_utc_ms),
        "next_run": c.next_sync_at.map(crate::model::iso_utc_ms),
        "error_type": c.error_type.as_ref().filter(|_| c.status != ConnectionStatus::Connected),
    })
}

/// Per user: for each provider, each resource's statistics (Vital's `UserResourcesResponse`).
pub fn introspect_resources(app: &App, q: &IntrospectQuery) -> AppResult<Value> {
    let mut data = vec![];
    for u in users_for(app, q)? {
        let stats = app.store.resource_stats(&u.user_id)?;
        let mut providers = serde_json::Map::new();
        // Our extension beside Vital's shape: each connection's sync state.
        let mut sync = serde_json::Map::new();
        for c in app.store.connections(Some(&u.user_id))? {
            sync.insert(c.provider.clone(), sync_state(&c));
            if q.provider.as_deref().is_some_and(|p| p != c.provider) {
                continue;
            }
            let attempt = c.last_sync_at.map(|t| {
                json!({"timestamp": crate::model::iso_utc_ms(t), "status": if c.error_type.is_some() { "failure" } else { "success" }})
            });
            let mut res = serde_json::Map::new();
            for s in stats.iter().filter(|s| s.provider == c.provider) {
                res.insert(
                    s.resource.clone(),
                    json!({"last_attempt": attempt, "oldest_data": day_or_time(s.first.as_deref()), "newest_data": day_or_time(s.last.as_deref()), "sent_count": s.count}),
                );
            }
            providers.insert(c.provider.clone(), Value::Object(res));
        }
        data.push(json!({"user_id": u.user_id, "provider": providers, "sync": sync}));
    }
    Ok(json!({"data": data, "next": Value::Null, "next_cursor": Value::Null}))
}

/// Summaries carry days, samples instants; Vital's fields are date-times either way.
fn day_or_time(s: Option<&str>) -> Value {
    match s {
        Some(d) if d.len() == 10 => json!(format!("{d}T00:00:00+00:00")),
        Some(t) => json!(t),
        None => Value::Null,
    }
}

/// Per user: for each provider, how far each resource's historical backfill has got (Vital's
/// `UserHistoricalPullsResponse`).
pub fn historical_pulls(app: &App, q: &IntrospectQuery) -> AppResult<Value> {
    let mut data = vec![];
    for u in users_for(app, q)? {
        let stats = app.store.resource_stats(&u.user_id)?;
        let mut providers = serde_json::Map::new();
        // Our extension beside Vital's shape: each connection's sync state.
        let mut sync = serde_json::Map::new();
        for c in app.store.connections(Some(&u.user_id))? {
            sync.insert(c.provider.clone(), sync_state(&c));
            if q.provider.as_deref().is_some_and(|p| p != c.provider) {
                continue;
            }
            let mut pulled = serde_json::Map::new();
            // Every resource the provider syncs is listed, including those not started yet.
            let cursors = app.store.cursors(c.id)?;
            let names: Vec<&str> = app
                .providers
                .get(&c.provider)
                .map(|p| p.sync_resources().iter().map(|r| r.name).collect())
                .unwrap_or_default();
            let all = names.iter().map(|n| {
                cursors
                    .iter()
                    .find(|x| x.resource == *n)
                    .cloned()
                    .unwrap_or(crate::store::connections::Cursor {
                        resource: n.to_string(),
                        newest_day: None,
                        oldest_day: None,
                        backfill_target: None,
                    })
            });
            for cur in all {
                let done =
                    matches!((&cur.oldest_day, &cur.backfill_target), (Some(o), Some(t)) if o <= t);
                let status = if done {
                    "success"
                } else if c.status == ConnectionStatus::Syncing && cur.newest_day.is_some() {
                    "in_progress"
                } else if c.error_type.is_some() {
                    "failure"
                } else {
                    "scheduled"
                };
                let days = stats
                    .iter()
                    .find(|s| s.provider == c.provider && s.resource == cur.resource)
                    .map(|s| s.count);
                pulled.insert(
                    cur.resource.clone(),
                    json!({
                        "status": status,
                        "range_start": day_or_time(cur.oldest_day.as_deref()),
                        "range_end": day_or_time(cur.newest_day.as_deref()),
                        "timeline": {
                            "scheduled_at": crate::model::iso_utc_ms(c.created_at),
                            "started_at": crate::model::iso_utc_ms(c.created_at),
                            "ended_at": if done { c.last_sync_at.map(crate::model::iso_utc_ms) } else { None },
                        },
                        "days_with_data": days,
                        "release": env!("CARGO_PKG_VERSION"),
                        "trace_id": Value::Null,
                        "error_details": if status == "failure" { json!("unexpected_error") } else { Value::Null },
                    }),
                );
            }
            providers.insert(
                c.provider.clone(),
                json!({"pulled": pulled, "not_pulled": []}),
            );
        }
        data.push(json!({"user_id": u.user_id, "provider": providers, "sync": sync}));
    }
    Ok(json!({"data": data, "next": Value::Null, "next_cursor": Value::Null}))
}
