//! Custom OAuth/OIDC providers for QA: stored in settings, registered at start and when added.
use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::providers::custom::{Custom, CustomConfig};

const SETTING: &str = "custom_providers";

impl App {
    fn custom_configs(&self) -> AppResult<Vec<CustomConfig>> {
        Ok(match self.store.setting(SETTING)? {
            Some(raw) => serde_json::from_str(&raw)?,
            None => vec![],
        })
    }

    /// Registers the stored custom providers (at start).
    pub(crate) fn load_custom_providers(&self) -> AppResult<()> {
        for c in self.custom_configs()? {
            self.providers.add_custom(Arc::new(Custom::new(c)));
        }
        Ok(())
    }

    /// Adds a custom provider with its client credentials (the secret is sealed).
    pub fn add_custom_provider(
        &self,
        cfg: CustomConfig,
        client_id: &str,
        client_secret: Option<&str>,
    ) -> AppResult<()> {
        crate::providers::custom::validate_slug(&cfg.slug, self.providers.is_builtin(&cfg.slug))?;
        let mut all = self.custom_configs()?;
        all.retain(|c| c.slug != cfg.slug);
        all.push(cfg.clone());
        self.store
            .set_setting(SETTING, &serde_json::to_string(&all)?)?;
        self.providers
            .add_custom(Arc::new(Custom::new(cfg.clone())));
        self.set_credentials(&cfg.slug, client_id, client_secret)?;
        self.store.log_event(
            "provider.custom.added",
            None,
            Some(&cfg.slug),
            crate::providers::custom::summary(&cfg),
        )?;
        Ok(())
    }

    pub fn remove_custom_provider(&self, slug: &str) -> AppResult<()> {
        let mut all = self.custom_configs()?;
        let before = all.len();
        all.retain(|c| c.slug != slug);
        if all.len() == before {
            return Err(AppError::not_found(format!("no custom provider {slug}")));
        }
        self.store
            .set_setting(SETTING, &serde_json::to_string(&all)?)?;
        self.providers.remove_custom(slug);
        self.clear_credentials(slug)?;
        self.store
            .log_event("provider.custom.removed", None, Some(slug), json!({}))?;
        Ok(())
    }

    pub fn is_custom(&self, slug: &str) -> bool {
        !self.providers.is_builtin(slug) && self.providers.get(slug).is_some()
    }
}
