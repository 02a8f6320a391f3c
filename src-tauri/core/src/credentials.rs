//! Provider client credentials for production: entered in Settings or with
//! `vital-link providers set`, stored with the secret sealed, shown redacted. Environment
//! variables (`VITAL_LINK_<SLUG>_CLIENT_ID`/`_SECRET`) win, for kiosks and CI.
use base64::Engine;
use serde::Serialize;
use serde_json::json;

use crate::app::App;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CredentialView {
    pub slug: String,
    pub client_id: Option<String>,
    /// `abcd…wxyz (n chars)`; never the secret itself.
    pub client_secret: Option<String>,
    /// settings | environment | none
    pub source: &'static str,
}

fn key(slug: &str) -> String {
    format!("provider_credentials/{slug}")
}

impl App {
    pub fn set_credentials(
        &self,
        slug: &str,
        client_id: &str,
        client_secret: Option<&str>,
    ) -> AppResult<()> {
        let p = self.provider(slug)?;
        let slug = p.spec().slug;
        if client_id.trim().is_empty() {
            return Err(AppError::bad_request(
                "invalid_credentials",
                "the client ID is empty",
            ));
        }
        let sealed = client_secret.filter(|s| !s.is_empty()).map(|s| {
            base64::engine::general_purpose::STANDARD
                .encode(self.vault.seal_str(&format!("settings/{}", key(slug)), s))
        });
        self.store.set_setting(
            &key(slug),
            &json!({"client_id": client_id.trim(), "client_secret": sealed}).to_string(),
        )?;
        self.store.log_event(
            "provider.credentials.set",
            None,
            Some(slug),
            json!({"client_id": client_id.trim()}),
        )?;
        Ok(())
    }

    pub fn clear_credentials(&self, slug: &str) -> AppResult<()> {
        self.store.delete_setting(&key(slug))
    }

    /// (client_id, client_secret) for production, or a message that says what to register where.
    pub fn stored_credentials(&self, slug: &str) -> AppResult<Option<(String, Option<String>)>> {
        let env_key = slug.to_ascii_uppercase();
        if let Ok(id) = std::env::var(format!("VITAL_LINK_{env_key}_CLIENT_ID")) {
            if !id.is_empty() {
                return Ok(Some((
                    id,
                    std::env::var(format!("VITAL_LINK_{env_key}_CLIENT_SECRET")).ok(),
                )));
            }
        }
        let Some(raw) = self.store.setting(&key(slug))? else {
            return Ok(None);
        };
        let v: serde_json::Value = serde_json::from_str(&raw)?;
        let id = v["client_id"].as_str().unwrap_or_default().to_string();
        let secret = match v["client_secret"].as_str() {
            Some(b64) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|_| {
                        AppError::internal("stored credentials are damaged; set them again")
                    })?;
                Some(
                    self.vault
                        .open_str(&format!("settings/{}", key(slug)), &bytes)?,
                )
            }
            None => None,
        };
        Ok(Some((id, secret)))
    }

    /// The https forwarding page registered for a provider that takes only https redirects.
    pub fn forward_page(&self, slug: &str) -> AppResult<Option<String>> {
        self.store.setting(&format!("forward_page/{slug}"))
    }

    pub fn set_forward_page(&self, slug: &str, url: Option<&str>) -> AppResult<()> {
        let p = self.provider(slug)?;
        let key = format!("forward_page/{}", p.spec().slug);
        match url {
            Some(u) => {
                let parsed = url::Url::parse(u)
                    .map_err(|e| AppError::bad_request("invalid_url", format!("{u:?}: {e}")))?;
                let local = parsed.scheme() == "http" && parsed.host_str() == Some("127.0.0.1");
                if parsed.scheme() != "https" && !local {
                    return Err(AppError::bad_request("invalid_url", "the forwarding page must be served over https (or from 127.0.0.1 for testing)"));
                }
                self.store.set_setting(&key, u)
            }
            None => self.store.delete_setting(&key),
        }
    }

    /// The loopback port a sign-in listens on: any (0) unless the provider accepts only its
    /// registered port. In production the user may have registered another port than our
    /// default; in the sandbox the port is the one registered with the fake (the default, or the
    /// port the sandbox reserved for a provider whose sign-ins run in parallel, see Oura's).
    pub fn redirect_port(
        &self,
        p: &dyn crate::providers::Provider,
        env: crate::config::Environment,
    ) -> AppResult<u16> {
        let crate::providers::RedirectKind::LoopbackFixedPort(default) = p.spec().redirect else {
            return Ok(0);
        };
        if env == crate::config::Environment::Sandbox {
            return Ok(self.sandbox.redirect_port(p.spec().slug).unwrap_or(default));
        }
        let stored = self
            .store
            .setting(&format!("redirect_port/{}", p.spec().slug))?;
        Ok(stored.and_then(|v| v.parse().ok()).unwrap_or(default))
    }

    pub fn set_redirect_port(&self, slug: &str, port: Option<u16>) -> AppResult<()> {
        let p = self.provider(slug)?;
        let slug = p.spec().slug;
        if !matches!(
            p.spec().redirect,
            crate::providers::RedirectKind::LoopbackFixedPort(_)
        ) {
            return Err(AppError::bad_request(
                "redirect_port_not_used",
                format!("{slug} accepts any loopback port (or an https forwarding page); there is no port to register"),
            ));
        }
        let key = format!("redirect_port/{slug}");
        match port {
            Some(n) if n < 1024 => Err(AppError::bad_request(
                "invalid_port",
                format!(
                    "port {n} needs root; pick one from 1024 to 65535 and register it with {slug}"
                ),
            )),
            Some(n) => self.store.set_setting(&key, &n.to_string()),
            None => self.store.delete_setting(&key),
        }
    }

    pub fn credentials_view(&self) -> AppResult<Vec<CredentialView>> {
        self.providers
            .all()
            .iter()
            .map(|p| {
                let slug = p.spec().slug;
                let from_env = std::env::var(format!(
                    "VITAL_LINK_{}_CLIENT_ID",
                    slug.to_ascii_uppercase()
                ))
                .is_ok_and(|v| !v.is_empty());
                let c = self.stored_credentials(slug)?;
                Ok(CredentialView {
                    slug: slug.to_string(),
                    client_id: c.as_ref().map(|c| c.0.clone()),
                    client_secret: c
                        .as_ref()
                        .and_then(|c| c.1.as_deref().map(crate::vault::redact)),
                    source: if from_env {
                        "environment"
                    } else if c.is_some() {
                        "settings"
                    } else {
                        "none"
                    },
                })
            })
            .collect()
    }
}
