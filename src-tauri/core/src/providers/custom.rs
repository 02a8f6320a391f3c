//! A custom OAuth 2.0 / OpenID Connect provider, for QA: any standards-compliant authorization
//! server, configured by OIDC discovery or explicit endpoints. PKCE S256, `iss` checked per
//! RFC 9207, ID tokens verified (signature from the JWKS, issuer, audience, expiry), refresh with
//! rotation, RFC 7009 revocation. There is no data to sync: connect, refresh, revoke and
//! disconnect are what a QA engineer exercises.
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    Availability, ClientAuth, Endpoints, FetchCtx, FetchError, FetchedPage, Provider, ProviderSpec,
    RedirectKind, SyncResource, Window,
};
use crate::config::Environment;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CustomConfig {
    pub slug: String,
    pub name: String,
    pub issuer: Option<String>,
    pub authorize_url: String,
    pub token_url: String,
    pub revocation_url: Option<String>,
    pub userinfo_url: Option<String>,
    pub jwks_uri: Option<String>,
    pub scope: String,
    /// HTTP Basic (default) or the client secret in the form body.
    #[serde(default)]
    pub auth_in_body: bool,
}

pub struct Custom {
    pub cfg: CustomConfig,
    spec: ProviderSpec,
}

fn leak(s: &str) -> &'static str {
    // A custom provider lives for the rest of the process; there are only ever a handful.
    Box::leak(s.to_string().into_boxed_str())
}

impl Custom {
    pub fn new(cfg: CustomConfig) -> Custom {
        let scopes: Vec<&'static str> = cfg.scope.split_whitespace().map(leak).collect();
        let spec = ProviderSpec {
            slug: leak(&cfg.slug),
            name: leak(&cfg.name),
            description: "Custom OAuth 2.0 / OpenID Connect provider (QA)",
            resources: &[],
            scopes: Box::leak(scopes.into_boxed_slice()),
            required_scopes: &[],
            client_auth: if cfg.auth_in_body {
                ClientAuth::RequestBody
            } else {
                ClientAuth::Basic
            },
            max_history_days: 0,
            redirect: RedirectKind::LoopbackAnyPort,
            source_type: "app",
            colour: "#475569",
        };
        Custom { cfg, spec }
    }
}

/// Checks a slug for a custom provider: lower-case letters, digits and `_`, not a built-in one.
pub fn validate_slug(slug: &str, taken: bool) -> AppResult<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 40
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(AppError::bad_request(
            "invalid_slug",
            "a custom provider's slug is 1-40 characters of a-z, 0-9 and _",
        ));
    }
    if taken {
        return Err(AppError::bad_request(
            "slug_taken",
            format!("{slug} is already a provider; choose another slug"),
        ));
    }
    Ok(())
}

/// Reads the issuer's OpenID Connect discovery document.
pub async fn discover(http: &reqwest::Client, issuer: &str) -> AppResult<Value> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let fail = |why: String| {
        AppError::bad_request(
            "discovery_failed",
            format!("cannot read {url}: {why}; pass --authorize-url and --token-url instead"),
        )
    };
    let r = http
        .get(&url)
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    if !r.status().is_success() {
        return Err(fail(format!("HTTP {}", r.status())));
    }
    let v: Value = r.json().await.map_err(|e| fail(e.to_string()))?;
    if v["issuer"].as_str().map(|i| i.trim_end_matches('/')) != Some(issuer.trim_end_matches('/')) {
        return Err(AppError::bad_request(
            "discovery_failed",
            format!(
                "the discovery document names issuer {}, not {issuer}",
                v["issuer"]
            ),
        ));
    }
    Ok(v)
}

#[async_trait::async_trait]
impl Provider for Custom {
    fn spec(&self) -> &ProviderSpec {
        &self.spec
    }

    fn availability(&self, _env: Environment) -> Availability {
        Availability::Available
    }

    fn endpoints(&self, _env: Environment) -> Endpoints {
        Endpoints {
            authorize_url: self.cfg.authorize_url.clone(),
            token_url: self.cfg.token_url.clone(),
            revoke_url: self.cfg.revocation_url.clone(),
            api_base: self.cfg.issuer.clone().unwrap_or_default(),
        }
    }

    fn sync_resources(&self) -> &'static [SyncResource] {
        &[]
    }

    async fn fetch_page(
        &self,
        _ctx: &FetchCtx,
        resource: &str,
        _w: Window,
        _p: Option<String>,
    ) -> Result<FetchedPage, FetchError> {
        Err(FetchError::Rejected {
            status: 400,
            message: format!("a custom provider has no {resource} data to sync"),
        })
    }

    fn issuer(&self) -> Option<String> {
        self.cfg.issuer.clone()
    }

    /// OpenID Connect ignores `offline_access` (no refresh token) unless consent is prompted.
    fn authorize_params(&self) -> Vec<(&'static str, &'static str)> {
        if self
            .cfg
            .scope
            .split_whitespace()
            .any(|s| s == "offline_access")
        {
            vec![("prompt", "consent")]
        } else {
            vec![]
        }
    }

    async fn external_user_id(&self, ctx: &FetchCtx) -> Result<Option<String>, FetchError> {
        let Some(url) = &self.cfg.userinfo_url else {
            return Ok(None);
        };
        let rb = ctx.http.get(url).bearer_auth(&ctx.access_token);
        let (v, _, _) =
            super::http::send_json(ctx, rb, "userinfo", super::http::retry_after_header).await?;
        Ok(v.get("sub").and_then(Value::as_str).map(str::to_string))
    }

    /// OpenID Connect: the ID token's signature (from the issuer's JWKS), issuer, audience and
    /// expiry. Returns its claims for the QA view.
    async fn check_id_token(
        &self,
        http: &reqwest::Client,
        id_token: &str,
        client_id: &str,
    ) -> AppResult<Option<Value>> {
        let (Some(issuer), Some(jwks_uri)) = (&self.cfg.issuer, &self.cfg.jwks_uri) else {
            return Ok(None);
        };
        let bad = |why: String| {
            AppError::new(
                "invalid_id_token",
                format!("the ID token was refused: {why}"),
            )
        };
        let header = jsonwebtoken::decode_header(id_token).map_err(|e| bad(e.to_string()))?;
        let jwks: jsonwebtoken::jwk::JwkSet = http
            .get(jwks_uri)
            .send()
            .await
            .map_err(|e| bad(format!("cannot fetch the JWKS: {e}")))?
            .json()
            .await
            .map_err(|e| bad(format!("the JWKS is not valid: {e}")))?;
        let jwk = match &header.kid {
            Some(kid) => jwks.find(kid),
            None => jwks.keys.first(),
        }
        .ok_or_else(|| bad("no key in the issuer's JWKS matches it".into()))?;
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).map_err(|e| bad(e.to_string()))?;
        let mut v = jsonwebtoken::Validation::new(header.alg);
        v.set_issuer(&[issuer]);
        v.set_audience(&[client_id]);
        let data =
            jsonwebtoken::decode::<Value>(id_token, &key, &v).map_err(|e| bad(e.to_string()))?;
        Ok(Some(data.claims))
    }

    /// RFC 7009: revoke the refresh token (which ends the grant), else the access token.
    async fn revoke(
        &self,
        ctx: &FetchCtx,
        client: &crate::oauth::ClientConfig,
        refresh: Option<&str>,
    ) -> Result<(), FetchError> {
        let Some(url) = &self.cfg.revocation_url else {
            return Ok(());
        };
        let (token, hint) = match refresh {
            Some(r) => (r, "refresh_token"),
            None => (ctx.access_token.as_str(), "access_token"),
        };
        let mut form = vec![
            ("token", token.to_string()),
            ("token_type_hint", hint.to_string()),
        ];
        let mut rb = ctx.http.post(url);
        if self.cfg.auth_in_body {
            form.push(("client_id", client.client_id.clone()));
            if let Some(s) = &client.client_secret {
                form.push(("client_secret", s.clone()));
            }
        } else {
            rb = rb.basic_auth(&client.client_id, client.client_secret.as_deref());
        }
        let rb = rb.form(&form);
        super::http::send_json(ctx, rb, "revocation", super::http::retry_after_header)
            .await
            .map(|_| ())
    }
}

/// The configuration of `--issuer` (discovery) or explicit endpoints.
pub async fn config_from(
    http: &reqwest::Client,
    slug: &str,
    issuer: Option<&str>,
    authorize_url: Option<&str>,
    token_url: Option<&str>,
    scope: Option<&str>,
) -> AppResult<CustomConfig> {
    let disc = match issuer {
        Some(i) => Some(discover(http, i).await?),
        None => None,
    };
    let from = |k: &str| {
        disc.as_ref()
            .and_then(|d| d[k].as_str())
            .map(str::to_string)
    };
    let authorize_url = authorize_url
        .map(str::to_string)
        .or_else(|| from("authorization_endpoint"))
        .ok_or_else(|| {
            AppError::bad_request(
                "invalid_custom_provider",
                "give --issuer (with OIDC discovery) or both --authorize-url and --token-url",
            )
        })?;
    let token_url = token_url
        .map(str::to_string)
        .or_else(|| from("token_endpoint"))
        .ok_or_else(|| {
            AppError::bad_request(
                "invalid_custom_provider",
                "give --issuer (with OIDC discovery) or both --authorize-url and --token-url",
            )
        })?;
    for u in [&authorize_url, &token_url] {
        url::Url::parse(u)
            .map_err(|e| AppError::bad_request("invalid_url", format!("{u:?}: {e}")))?;
    }
    let basic_ok = disc
        .as_ref()
        .and_then(|d| d["token_endpoint_auth_methods_supported"].as_array())
        .is_none_or(|m| m.iter().any(|x| x == "client_secret_basic"));
    Ok(CustomConfig {
        slug: slug.to_string(),
        name: slug.replace('_', " "),
        issuer: disc
            .as_ref()
            .and_then(|d| d["issuer"].as_str())
            .map(str::to_string)
            .or(issuer.map(str::to_string)),
        authorize_url,
        token_url,
        revocation_url: from("revocation_endpoint"),
        userinfo_url: from("userinfo_endpoint"),
        jwks_uri: from("jwks_uri"),
        scope: scope.map(str::to_string).unwrap_or_else(|| {
            if disc.is_some() {
                "openid offline_access".into()
            } else {
                String::new()
            }
        }),
        auth_in_body: !basic_ok,
    })
}

pub fn summary(c: &CustomConfig) -> Value {
    json!({"slug": c.slug, "issuer": c.issuer, "authorize_url": c.authorize_url, "token_url": c.token_url, "revocation_url": c.revocation_url, "scope": c.scope})
}
