//! Link-token-scoped routes: what the link widget calls, in the window or in a browser.
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{Body, Q};
use super::{link_token_from, AppState};
use vital_link_core::error::{AppError, AppResult};
use vital_link_core::records::NewLinkToken;

/// Routes that take the team API key.
pub fn keyed_routes() -> Router<AppState> {
    Router::new()
        .route("/v2/link/token", post(create_token))
        .route("/v2/link/connect/demo", post(demo))
}

/// Routes that take a link token instead.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/link/token/isValid", post(is_valid))
        .route("/v2/team/link/config", get(link_config))
        .route("/v2/link/consent", post(consent))
        .route("/v2/link/providers", get(providers))
        .route("/v2/link/state", get(state))
        .route("/v2/link/start", post(start))
        .route("/v2/link/exit", post(exit))
        .route("/v2/link/provider/oauth/{provider}", get(oauth_link))
}

#[derive(Deserialize, Default)]
struct StartBody {
    link_token: Option<String>,
    provider: String,
}

fn token(headers: &HeaderMap, body: Option<&str>) -> AppResult<String> {
    link_token_from(headers)
        .or_else(|| body.map(str::to_string))
        .ok_or_else(|| {
            AppError::new(
                "missing_link_token",
                "send the link token in the x-vital-link-token header",
            )
        })
}

fn source_link(
    app: &vital_link_core::app::App,
    p: &dyn vital_link_core::providers::Provider,
    oauth_url: Option<String>,
) -> Value {
    let s = p.spec();
    let availability = p.availability(app.config.environment);
    let credentials_ready = app.config.environment == vital_link_core::config::Environment::Sandbox
        || app.stored_credentials(s.slug).ok().flatten().is_some();
    let name = match app.config.environment {
        vital_link_core::config::Environment::Sandbox => format!("{} (sandbox)", s.name),
        vital_link_core::config::Environment::Production => s.name.to_string(),
    };
    json!({
        "id": s.slug.len() as i64 * 1000 + s.slug.bytes().map(i64::from).sum::<i64>(),
        "name": name,
        "slug": s.slug,
        "description": s.description,
        "logo": s.reference(&app.api_base_url()).logo,
        "group": Value::Null,
        "oauth_url": oauth_url,
        "auth_type": "oauth",
        "source_type": "provider",
        // Unavailable providers stay listed with the reason, never as a half-path.
        "is_active": availability == vital_link_core::providers::Availability::Available && credentials_ready,
        "availability": availability,
        "needs_credentials": !credentials_ready,
        "backfill_num_days": app.config.history_days,
        "form_components": Value::Null,
    })
}

async fn providers(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> crate::ApiResult<Json<Value>> {
    let t = token(&headers, None)?;
    let list = app.link_providers(&t)?;
    Ok(Json(Value::Array(
        list.iter()
            .map(|p| source_link(&app, p.as_ref(), None))
            .collect(),
    )))
}

async fn state(State(app): State<AppState>, headers: HeaderMap) -> crate::ApiResult<Json<Value>> {
    let t = token(&headers, None)?;
    Ok(Json(serde_json::to_value(app.link_state(&t)?)?))
}

/// Starts the OAuth flow; the core opens the system browser (RFC 8252).
async fn start(
    State(app): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<StartBody>,
) -> crate::ApiResult<Json<Value>> {
    let t = token(&headers, body.link_token.as_deref())?;
    // The widget asks the core to open the system browser; an SDK caller (with the team key)
    // opens `oauth_url` itself.
    let open = headers.get("x-vital-api-key").is_none();
    let started = app.link_start(&t, &body.provider, open).await?;
    Ok(Json(serde_json::to_value(started)?))
}

async fn exit(State(app): State<AppState>, headers: HeaderMap) -> crate::ApiResult<Json<Value>> {
    let t = token(&headers, None)?;
    app.link_cancel(&t)?;
    Ok(Json(json!({"success": true})))
}

#[derive(Deserialize)]
struct OAuthQuery {
    #[serde(default)]
    open_browser: Option<bool>,
}

/// Vital's `GET /v2/link/provider/oauth/{provider}`: returns the `Source` with its `oauth_url`;
/// the caller opens it (unless `open_browser=true`).
async fn oauth_link(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(provider): Path<String>,
    Q(q): Q<OAuthQuery>,
) -> crate::ApiResult<Json<Value>> {
    let t = token(&headers, None)?;
    let started = app
        .link_start(&t, &provider, q.open_browser.unwrap_or(false))
        .await?;
    let p = app.provider(&provider)?;
    Ok(Json(source_link(&app, p.as_ref(), Some(started.oauth_url))))
}

#[derive(Deserialize)]
struct TokenRequest {
    user_id: Option<String>,
    /// What the 1.x SDKs send instead of `user_id`.
    user_key: Option<String>,
    provider: Option<String>,
    redirect_url: Option<String>,
    filter_on_providers: Option<Vec<String>>,
    on_error: Option<String>,
    on_close: Option<String>,
}

async fn create_token(
    State(app): State<AppState>,
    Body(b): Body<TokenRequest>,
) -> crate::ApiResult<Json<Value>> {
    let user = b
        .user_id
        .or(b.user_key)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| AppError::new("invalid_user_id", "user_id is required"))?;
    let u = app.user(&user)?;
    let resp = app.create_link_token(NewLinkToken {
        user_id: u.user_id,
        provider: b.provider,
        redirect_url: b.redirect_url,
        filter_on_providers: b.filter_on_providers,
        on_error: b.on_error,
        on_close: b.on_close,
    })?;
    Ok(Json(serde_json::to_value(resp)?))
}

#[derive(Deserialize)]
struct IsValid {
    token: Option<String>,
}

async fn is_valid(
    State(app): State<AppState>,
    headers: HeaderMap,
    Body(b): Body<IsValid>,
) -> crate::ApiResult<Json<Value>> {
    let t = token(&headers, b.token.as_deref())?;
    match app.usable_link_token(&t) {
        Ok(row) => Ok(Json(
            json!({"valid": true, "user_id": row.user_id, "expires_at": vital_link_core::model::iso_utc_ms(row.expires_at)}),
        )),
        Err(e) => Ok(Json(
            json!({"valid": false, "error_type": e.code, "error": e.message}),
        )),
    }
}

#[derive(Deserialize)]
struct DemoRequest {
    user_id: Option<String>,
    provider: Option<String>,
}

/// Sandbox only: connects a provider's sandbox account without a browser.
async fn demo(
    State(app): State<AppState>,
    Body(b): Body<DemoRequest>,
) -> crate::ApiResult<Json<Value>> {
    let user_id = b
        .user_id
        .ok_or_else(|| AppError::new("invalid_user_id", "user_id is required"))?;
    let provider = b
        .provider
        .ok_or_else(|| AppError::new("invalid_provider", "provider is required"))?;
    app.connect_demo(&user_id, &provider).await?;
    Ok(Json(
        json!({"success": true, "detail": format!("connected the {provider} sandbox account; its backfill has started")}),
    ))
}

/// What the widget shows before anything else: the study's agreement and its version.
async fn link_config(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> crate::ApiResult<Json<Value>> {
    let t = token(&headers, None)?;
    app.usable_link_token(&t)?;
    Ok(Json(
        json!({"agreement": app.agreement()?, "environment": app.config.environment.as_str()}),
    ))
}

#[derive(Deserialize)]
struct ConsentBody {
    version: String,
    via: Option<String>,
}

/// The participant pressed "Agree and continue" on the agreement of `version`.
async fn consent(
    State(app): State<AppState>,
    headers: HeaderMap,
    Body(b): Body<ConsentBody>,
) -> crate::ApiResult<Json<Value>> {
    let t = token(&headers, None)?;
    let row = app.usable_link_token(&t)?;
    let via = match b.via.as_deref() {
        Some("window") => "window",
        _ => "link_page",
    };
    let c = app.record_consent(&row.user_id, &b.version, via)?;
    Ok(Json(
        json!({"success": true, "version": c.version, "accepted_at": vital_link_core::model::iso_utc_ms(c.accepted_at)}),
    ))
}
