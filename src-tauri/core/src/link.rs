//! Link tokens and link sessions: the state machine behind the link widget.
//!
//! `created` → (`start`) → `pending` → `success` | `error` | `exited`. A token lives 60 minutes
//! and is consumed by a successful connection. The OAuth part runs in the background; the
//! widget polls `state` (Vital's heartbeat route) until it settles.
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::app::{App, AppEvent};
use crate::error::{AppError, AppResult};
use crate::oauth::{self, CallbackOutcome, Listener};
use crate::providers::{FetchCtx, Provider};
use crate::states::LinkStatus;
use crate::store::links::{LinkTokenRow, NewLinkToken};
use crate::store::now_ms;

pub const LINK_TOKEN_TTL_MS: i64 = 60 * 60 * 1000;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LinkTokenResponse {
    pub link_token: String,
    pub link_web_url: String,
}

/// What the widget sees of a link session.
#[derive(Debug, Clone, Serialize)]
pub struct LinkState {
    pub state: LinkStatus,
    /// While pending: the authorization URL, for a "browser didn't open?" link.
    pub oauth_url: Option<String>,
    pub user_id: String,
    pub provider: Option<String>,
    pub error_type: Option<String>,
    pub error: Option<String>,
    pub redirect_url: Option<String>,
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkStart {
    pub provider: String,
    pub oauth_url: String,
    pub state: LinkStatus,
}

/// A link flow waiting on its loopback listener.
pub struct RunningFlow {
    pub id: u64,
    pub cancel: crate::oauth::CancelHandle,
    pub oauth_url: String,
    /// The registered port it listens on (0: any port).
    pub port: u16,
}

static FLOW_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    format!(
        "vlt_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    )
}

impl App {
    pub fn create_link_token(&self, new: NewLinkToken) -> AppResult<LinkTokenResponse> {
        let user = self.store.user(&new.user_id)?;
        for p in new
            .provider
            .iter()
            .chain(new.filter_on_providers.iter().flatten())
        {
            self.provider(p)?;
        }
        let token = new_token();
        self.store.insert_link_token(
            &hash_token(&token),
            NewLinkToken {
                user_id: user.user_id.clone(),
                ..new
            },
            LINK_TOKEN_TTL_MS,
        )?;
        self.store
            .log_event("link.token.created", Some(&user.user_id), None, json!({}))?;
        Ok(LinkTokenResponse {
            link_web_url: format!(
                "{}/link/?token={}&env={}",
                self.api_base_url(),
                url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>(),
                self.config.environment.as_str()
            ),
            link_token: token,
        })
    }

    /// The token's row if it may still be used; a clear Vital-typed error otherwise.
    pub fn usable_link_token(&self, token: &str) -> AppResult<LinkTokenRow> {
        let row = self.store.link_token(&hash_token(token))?.ok_or_else(|| {
            AppError::new(
                "invalid_token",
                "this link token is not valid; create a new one",
            )
        })?;
        if row.state == LinkStatus::Success {
            return Err(AppError::new(
                "token_consumed",
                "this link token was already used to connect a provider; create a new one",
            ));
        }
        if row.expires_at <= now_ms() {
            return Err(AppError::new(
                "token_expired",
                "this link token has expired (tokens last 60 minutes); create a new one",
            ));
        }
        Ok(row)
    }

    pub fn link_state(&self, token: &str) -> AppResult<LinkState> {
        let row = self
            .store
            .link_token(&hash_token(token))?
            .ok_or_else(|| AppError::new("invalid_token", "this link token is not valid"))?;
        let expired = row.state != LinkStatus::Success && row.expires_at <= now_ms();
        let oauth_url = match row.state {
            LinkStatus::Pending => self
                .link_flows
                .lock()
                .unwrap()
                .get(&row.token_hash)
                .map(|f| f.oauth_url.clone()),
            _ => None,
        };
        Ok(LinkState {
            oauth_url,
            state: if expired {
                LinkStatus::Error
            } else {
                row.state
            },
            user_id: row.user_id.clone(),
            provider: row.state_provider.clone().or(row.provider.clone()),
            error_type: if expired {
                Some("token_expired".into())
            } else {
                row.error_type.clone()
            },
            error: if expired {
                Some("this link token has expired; create a new one".into())
            } else {
                row.error_message.clone()
            },
            redirect_url: row.redirect_url.clone(),
            expires_at: crate::model::iso_utc_ms(row.expires_at),
        })
    }

    /// The providers this token may connect, in the registry's order.
    pub fn link_providers(&self, token: &str) -> AppResult<Vec<Arc<dyn Provider>>> {
        let row = self.usable_link_token(token)?;
        Ok(self
            .providers
            .all()
            .into_iter()
            .filter(|p| {
                let slug = p.spec().slug;
                let is = |x: &str| self.providers.canonical(x) == Some(slug);
                row.provider.as_deref().is_none_or(is)
                    && row
                        .filter_on_providers
                        .as_ref()
                        .is_none_or(|f| f.iter().any(|x| is(x)))
            })
            .collect())
    }

    /// Starts the OAuth flow for `provider`: binds the loopback listener, opens the system
    /// browser (unless the caller opens the URL itself) and completes in the background.
    pub async fn link_start(
        self: &Arc<Self>,
        token: &str,
        provider: &str,
        open_browser: bool,
    ) -> AppResult<LinkStart> {
        let row = self.usable_link_token(token)?;
        let p = self.provider(provider)?;
        // An alias (`fitbit`) connects the provider it stands for, under that provider's slug.
        let provider = p.spec().slug;
        if !self
            .link_providers(token)?
            .iter()
            .any(|x| x.spec().slug == provider)
        {
            return Err(AppError::bad_request(
                "invalid_provider",
                format!("this link token does not allow {provider}"),
            ));
        }
        if let crate::providers::Availability::NotAvailable(why) =
            p.availability(self.config.environment)
        {
            return Err(AppError::bad_request(
                "provider_unavailable",
                format!(
                    "{} cannot be connected from a desktop app: {why}",
                    p.spec().name
                ),
            ));
        }
        let user = self.store.user(&row.user_id)?;
        let cfg = self.client_config(p.as_ref())?;
        let port = self.redirect_port(p.as_ref(), self.config.environment)?;
        let hash = hash_token(token);
        // Starting again supersedes the previous attempt of this token, which then records
        // nothing. It is cancelled before binding: with a fixed registered port its listener
        // holds the very port the new attempt needs, until it has closed.
        {
            let mut flows = self.link_flows.lock().unwrap();
            if let Some(old) = flows.remove(&hash) {
                old.cancel.cancel();
            }
            // One registered port holds one sign-in at a time: a newer one for the same port
            // supersedes a sign-in left waiting in the browser.
            if port != 0 {
                flows.retain(|_, f| {
                    let same = f.port == port;
                    if same {
                        f.cancel.cancel();
                    }
                    !same
                });
            }
        }
        let listener = bind_listener(port).await?;
        // Providers that take only https redirects go through the forwarding page the user hosts
        // (docs/forwarder/); it sends the code on to this listener, whose port rides in `state`.
        let forward_page = match p.spec().redirect {
            crate::providers::RedirectKind::HttpsForward => self.forward_page(p.spec().slug)?,
            _ => None,
        };
        let redirect_uri = forward_page
            .clone()
            .unwrap_or_else(|| listener.redirect_uri());
        let state_prefix = forward_page.as_ref().map(|_| listener.port.to_string());
        let login_hint;
        let mut extra: Vec<(&str, &str)> = p.authorize_params();
        if self.config.environment == crate::config::Environment::Sandbox {
            login_hint = user.client_user_id.clone();
            extra.push(("login_hint", &login_hint));
        }
        // One `scope` parameter, joined the way the provider documents (space or comma).
        let scope = p.spec().scopes.join(p.scope_separator());
        let scopes: Vec<&str> = if scope.is_empty() {
            vec![]
        } else {
            vec![&scope]
        };
        let pending = oauth::client::authorize(
            &cfg,
            &redirect_uri,
            &scopes,
            &extra,
            state_prefix.as_deref(),
        )?;
        let flow_id = FLOW_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let flow = RunningFlow {
            id: flow_id,
            cancel: listener.cancel_handle(),
            oauth_url: pending.authorize_url.clone(),
            port,
        };
        // A start of the same token that raced this one is superseded too.
        if let Some(old) = self.link_flows.lock().unwrap().insert(hash.clone(), flow) {
            old.cancel.cancel();
        }
        self.store
            .set_link_state(&hash, LinkStatus::Pending, Some(provider), None)?;
        self.emit(AppEvent::LinkState {
            user_id: user.user_id.clone(),
            provider: Some(provider.into()),
            state: LinkStatus::Pending,
        });
        tracing::info!(provider, user = %user.user_id, "link: waiting for the browser on {}", redirect_uri);
        if open_browser {
            if let Err(e) = oauth::open_browser(&pending.authorize_url) {
                self.take_flow(&hash, flow_id);
                self.store.set_link_state(
                    &hash,
                    LinkStatus::Error,
                    Some(provider),
                    Some(("no_browser", &e.message)),
                )?;
                return Err(e);
            }
        }
        let app = self.clone();
        let out = LinkStart {
            provider: provider.into(),
            oauth_url: pending.authorize_url.clone(),
            state: LinkStatus::Pending,
        };
        let provider = provider.to_string();
        let timeout = self.config.oauth_timeout;
        let expected_iss = p.issuer();
        let h = tokio::spawn(async move {
            let state = pending.state.clone();
            let outcome = tokio::task::spawn_blocking(move || {
                listener.wait(&state, expected_iss.as_deref(), timeout)
            })
            .await
            .unwrap_or(CallbackOutcome::Cancelled);
            if !app.take_flow(&hash, flow_id) {
                return;
            }
            app.finish_link(
                &hash,
                &user.user_id,
                &provider,
                outcome,
                pending,
                cfg,
                timeout,
            )
            .await;
        });
        self.track(h);
        Ok(out)
    }

    /// Removes the flow if it is still the token's current one; false when it was superseded.
    fn take_flow(&self, hash: &str, id: u64) -> bool {
        let mut flows = self.link_flows.lock().unwrap();
        match flows.get(hash) {
            Some(f) if f.id == id => {
                flows.remove(hash);
                true
            }
            _ => false,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish_link(
        self: &Arc<Self>,
        hash: &str,
        user_id: &str,
        provider: &str,
        outcome: CallbackOutcome,
        pending: oauth::PendingAuth,
        cfg: oauth::ClientConfig,
        timeout: Duration,
    ) {
        let name = self
            .providers
            .get(provider)
            .map_or(provider.to_string(), |p| p.spec().name.to_string());
        let result = match outcome {
            CallbackOutcome::Code { code, scope, .. } => {
                self.complete_connection(user_id, provider, &code, scope, pending, &cfg)
                    .await
            }
            CallbackOutcome::Denied { error, description } if error == "access_denied" => {
                Err(AppError::new(
                    "user_cancelled",
                    format!(
                        "access was declined at {name}{}; nothing was connected",
                        description.map(|d| format!(" ({d})")).unwrap_or_default()
                    ),
                ))
            }
            CallbackOutcome::Denied { error, description } => Err(AppError::new(
                "provider_api_error",
                format!(
                    "{name} returned an error ({error}{}); nothing was connected",
                    description.map(|d| format!(": {d}")).unwrap_or_default()
                ),
            )),
            CallbackOutcome::TimedOut => Err(AppError::new(
                "authorization_timeout",
                format!(
                    "no answer from the browser within {} seconds; start the connection again",
                    timeout.as_secs()
                ),
            )),
            CallbackOutcome::Cancelled => Err(AppError::new(
                "user_cancelled",
                "the connection was cancelled",
            )),
        };
        let (state, err) = match &result {
            Ok(_) => (LinkStatus::Success, None),
            Err(e) if e.code == "user_cancelled" => (LinkStatus::Exited, Some(e)),
            Err(e) => (LinkStatus::Error, Some(e)),
        };
        if let Some(e) = err {
            tracing::warn!(provider, code = e.code, "link: {}", e.message);
            let _ = self.store.log_event(
                "link.error",
                Some(user_id),
                Some(provider),
                json!({"error_type": e.code, "error": e.message}),
            );
        }
        let _ = self.store.set_link_state(
            hash,
            state,
            Some(provider),
            err.map(|e| (e.code, e.message.as_str())),
        );
        self.emit(AppEvent::LinkState {
            user_id: user_id.into(),
            provider: Some(provider.into()),
            state,
        });
        if let Ok(connection_id) = result {
            let app = self.clone();
            let h = tokio::spawn(async move {
                if let Err(e) = app.sync_connection(connection_id, None).await {
                    tracing::warn!(
                        "first sync of connection {connection_id} failed: {}",
                        e.message
                    );
                }
            });
            self.track(h);
        }
    }

    async fn complete_connection(
        self: &Arc<Self>,
        user_id: &str,
        provider: &str,
        code: &str,
        granted: Option<String>,
        pending: oauth::PendingAuth,
        cfg: &oauth::ClientConfig,
    ) -> AppResult<i64> {
        let p = self.provider(provider)?;
        let mut tokens = oauth::client::exchange_code(
            &self.http,
            cfg,
            code,
            pending.verifier,
            &pending.redirect_uri,
        )
        .await?;
        if tokens.scope.is_none() {
            tokens.scope = granted;
        }
        // OpenID Connect: the ID token must be signed by the issuer, for this client, unexpired.
        let id_claims = match tokens.id_token.take() {
            Some(idt) => p.check_id_token(&self.http, &idt, &cfg.client_id).await?,
            None => None,
        };
        if let Some(missing) = missing_required_scope(p.as_ref(), tokens.scope.as_deref()) {
            return Err(AppError::new(
                "required_scopes_not_granted", format!("{provider} did not grant the `{missing}` permission, which Vital Link needs; connect again and leave it ticked"),
            ));
        }
        let ctx = FetchCtx {
            http: self.http.clone(),
            api_base: self.endpoints(p.as_ref()).api_base,
            access_token: tokens.access_token.clone(),
            user_id: user_id.to_string(),
            external_user_id: tokens.provider_user_id.clone(),
            clock: self.clock,
            trace: Some(self.trace(provider, None)),
            granted_scopes: tokens.scope.clone(),
        };
        // A provider that must act after the token (Polar's registration) fails the link
        // when that step fails; otherwise the id from the token response is kept.
        let external = match p.external_user_id(&ctx).await {
            Ok(id) => id.or(tokens.provider_user_id.clone()),
            Err(e) if p.post_token_step_required() => {
                return Err(AppError::new(e.code(), e.message()));
            }
            Err(_) => tokens.provider_user_id.clone(),
        };
        let conn = self
            .store
            .connect(self.vault.clone(), user_id, provider, external, tokens)?;
        self.store.log_event(
            "provider.connection.created",
            Some(user_id),
            Some(provider),
            json!({"connection_id": conn.id, "scopes": conn.scopes}),
        )?;
        if let Some(claims) = &id_claims {
            // Claims only (sub, iss, aud, exp, ...): the token itself is never kept.
            self.store.log_event(
                "oidc.id_token.verified",
                Some(user_id),
                Some(provider),
                json!({"connection_id": conn.id, "claims": claims}),
            )?;
        }
        let pref = self.provider_ref(provider);
        let availability: serde_json::Map<String, serde_json::Value> = p
            .spec()
            .resources
            .iter()
            .map(|r| (r.to_string(), json!({"status": "available"})))
            .collect();
        self.emit_webhook(
            "provider.connection.created",
            user_id,
            json!({"user_id": user_id, "provider": pref, "source": pref, "external_user_id": conn.external_user_id, "resource_availability": availability}),
        );
        tracing::info!(provider, connection = conn.id, "link: connected");
        Ok(conn.id)
    }

    pub fn link_cancel(&self, token: &str) -> AppResult<()> {
        let hash = hash_token(token);
        let row = self
            .store
            .link_token(&hash)?
            .ok_or_else(|| AppError::new("invalid_token", "this link token is not valid"))?;
        let running = self
            .link_flows
            .lock()
            .unwrap()
            .get(&hash)
            .map(|f| f.cancel.clone());
        match running {
            // The background task records the outcome once the listener has closed.
            Some(h) => h.cancel(),
            None if row.state != LinkStatus::Success => self.store.set_link_state(
                &hash,
                LinkStatus::Exited,
                None,
                Some(("user_cancelled", "the user closed the link widget")),
            )?,
            None => {}
        }
        Ok(())
    }
}

/// The first scope the app needs that the provider's consent screen let the user untick.
fn missing_required_scope(p: &dyn Provider, granted: Option<&str>) -> Option<&'static str> {
    let granted: Vec<&str> = granted?
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .collect();
    p.spec()
        .required_scopes
        .iter()
        .copied()
        .find(|s| !granted.contains(s))
}

impl App {
    /// Sandbox only: runs the whole OAuth flow against the provider's fake, pressing Allow as the
    /// sandbox browser does (Vital's "demo connection").
    pub async fn connect_demo(self: &Arc<Self>, user_key: &str, provider: &str) -> AppResult<()> {
        if self.config.environment != crate::config::Environment::Sandbox {
            return Err(AppError::bad_request(
                "demo_unavailable",
                "demo connections exist only in the sandbox environment",
            ));
        }
        self.provider(provider)?;
        let u = self.store.user(user_key)?;
        let link = self.create_link_token(NewLinkToken {
            user_id: u.user_id.clone(),
            provider: Some(provider.to_string()),
            ..Default::default()
        })?;
        let started = self.link_start(&link.link_token, provider, false).await?;
        crate::sandbox_browser::complete(
            &started.oauth_url,
            &crate::sandbox_browser::Choice::default(),
        )
        .await?;
        for _ in 0..600 {
            let s = self.link_state(&link.link_token)?;
            match s.state {
                LinkStatus::Success => return Ok(()),
                LinkStatus::Error | LinkStatus::Exited => {
                    return Err(AppError::new(
                        "provider_api_error",
                        s.error
                            .unwrap_or_else(|| "the demo connection failed".into()),
                    ))
                }
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        Err(AppError::internal("the demo connection did not finish"))
    }
}

/// Binds the sign-in listener. A fixed port may still be held for a moment by a cancelled
/// attempt whose listener is closing, so that case is retried briefly before giving up.
async fn bind_listener(port: u16) -> AppResult<Listener> {
    let mut tries = 0;
    loop {
        match Listener::bind(port) {
            Ok(l) => return Ok(l),
            Err(e) if port == 0 || tries >= 40 => return Err(e),
            Err(_) => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}
