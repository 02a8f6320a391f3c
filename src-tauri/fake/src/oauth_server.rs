//! The authorization-server half of a fake provider: consent requests, codes, tokens, PKCE.
//! Each fake configures it with its provider's documented rules and refuses what the real
//! provider refuses: unknown clients, wrong secrets, unregistered redirect URIs, reused or
//! expired codes, PKCE mismatches, reused rotating refresh tokens, expired access tokens.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use base64::Engine;
use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};

use super::faults::FaultState;
use super::synth::Account;

#[derive(Debug, Clone)]
pub struct ClientReg {
    pub client_id: String,
    pub client_secret: String,
    /// Registered redirect URIs, matched exactly, except that a registered
    /// `http://127.0.0.1/...` URI accepts any port (RFC 8252 §7.3) where the provider allows it
    /// ([`Rules::loopback_any_port`]).
    pub redirect_uris: Vec<String>,
}

/// What a provider does with PKCE (RFC 7636).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkce {
    /// Not documented: `code_challenge` is ignored, as a server that does not know it does.
    Ignored,
    /// Verified when the authorize request carried a challenge.
    VerifiedWhenSent,
    /// An authorize request without a challenge is refused.
    Required,
}

/// How the token endpoint accepts client credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthRule {
    BodyOrBasic,
    BodyOnly,
    BasicOnly,
}

/// What happens to refresh tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshRule {
    /// No refresh tokens and no refresh grant (Polar).
    None,
    /// The refresh token stays valid and is not returned again (Google).
    Reuse,
    /// Single use: every refresh returns a new one and spends the old one at once.
    Rotate,
    /// Rotates, but the old one stays valid until the new access token is first used (Withings).
    RotateWithGrace,
}

#[derive(Debug, Clone)]
pub struct Rules {
    pub access_ttl_secs: i64,
    pub code_ttl_secs: i64,
    pub all_scopes: Vec<&'static str>,
    /// Scope separator in requests and responses.
    pub scope_sep: char,
    /// The `error` a token request with a mismatched `redirect_uri` gets.
    pub redirect_mismatch_error: &'static str,
    pub refresh: RefreshRule,
    pub pkce: Pkce,
    pub client_auth: ClientAuthRule,
    /// The token endpoint compares `redirect_uri` with the authorize request's (Strava does not:
    /// its code exchange has no such parameter).
    pub check_redirect_at_token: bool,
    /// A refresh token is issued only when this scope was granted (WHOOP's `offline`).
    pub refresh_needs_scope: Option<&'static str>,
    /// A refresh while the current access token has more than this many seconds left returns
    /// that same access token (Strava: one hour).
    pub reuse_access_above_secs: Option<i64>,
    /// After a refresh the previous access token keeps working until the new one is first used
    /// (Wahoo); otherwise it works until it expires.
    pub retire_old_access_on_use: bool,
    /// At most this many unrevoked access tokens per app and user (Wahoo: 10).
    pub max_live_access: Option<usize>,
    /// Re-using a code also deletes the tokens issued for it (Polar).
    pub code_reuse_revokes: bool,
    /// The `error_description` given for a wrong client secret.
    pub bad_client_description: &'static str,
    /// `state` is required and at least this long (Withings requires it; WHOOP wants 8+).
    pub min_state_len: Option<usize>,
    /// A registered port-less `http://127.0.0.1/...` URI accepts any port (RFC 8252 §7.3).
    /// False where the provider documents an exact match (Oura): only the very URI is accepted.
    pub loopback_any_port: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            access_ttl_secs: 3600,
            code_ttl_secs: 600,
            all_scopes: vec![],
            scope_sep: ' ',
            redirect_mismatch_error: "invalid_grant",
            refresh: RefreshRule::Rotate,
            pkce: Pkce::VerifiedWhenSent,
            client_auth: ClientAuthRule::BodyOrBasic,
            check_redirect_at_token: true,
            refresh_needs_scope: None,
            reuse_access_above_secs: None,
            retire_old_access_on_use: false,
            max_live_access: None,
            code_reuse_revokes: false,
            bad_client_description: "client authentication failed",
            min_state_len: None,
            loopback_any_port: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scopes: Vec<String>,
    pub code_challenge: Option<String>,
    pub login: String,
}

#[derive(Debug, Clone)]
struct CodeGrant {
    req: AuthRequest,
    granted: Vec<String>,
    expires_at: i64,
    used: bool,
    /// The tokens this code was exchanged for.
    issued: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    pub client_id: String,
    pub account: Account,
    pub scopes: Vec<String>,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub scopes: Vec<String>,
    pub account: Account,
}

/// An OAuth error as the token endpoint reports it: HTTP status, `error`, `error_description`.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

fn oauth_err(status: u16, error: &'static str, description: impl Into<String>) -> OAuthError {
    OAuthError {
        status,
        error,
        description: description.into(),
    }
}

/// Errors of the authorize step that must NOT redirect (RFC 6749 §4.1.2.1): shown as a page.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizePageError(pub String);

pub struct AuthServer {
    pub clients: Vec<ClientReg>,
    pub rules: Rules,
    pub faults: Arc<FaultState>,
    pending: Mutex<HashMap<String, AuthRequest>>,
    codes: Mutex<HashMap<String, CodeGrant>>,
    access: Mutex<HashMap<String, Grant>>,
    refresh: Mutex<HashMap<String, (Grant, bool)>>,
    /// Token bookkeeping for the rotation rules (refresh → its access token; new access token →
    /// the tokens it retires when first used).
    links: Mutex<Links>,
    /// Where issued tokens are kept, so the sandbox remembers them across restarts as a real
    /// provider does (None: memory only).
    state_file: Option<PathBuf>,
}

#[derive(serde::Serialize, serde::Deserialize, Default, Clone)]
struct Links {
    #[serde(default)]
    access_of_refresh: HashMap<String, String>,
    #[serde(default)]
    retire_on_use: HashMap<String, Vec<String>>,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Persisted {
    access: HashMap<String, Grant>,
    refresh: HashMap<String, (Grant, bool)>,
    #[serde(default)]
    links: Links,
}

pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(|c| (c as char).to_ascii_uppercase())
        .collect()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub fn pkce_s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn redirect_matches(registered: &str, given: &str, loopback_any_port: bool) -> bool {
    if registered == given {
        return true;
    }
    if !loopback_any_port {
        return false;
    }
    let (Ok(r), Ok(g)) = (url::Url::parse(registered), url::Url::parse(given)) else {
        return false;
    };
    r.scheme() == "http"
        && r.host_str() == Some("127.0.0.1")
        && r.port().is_none()
        && g.scheme() == "http"
        && g.host_str() == Some("127.0.0.1")
        && r.path() == g.path()
        && r.query() == g.query()
}

impl AuthServer {
    pub fn new(
        clients: Vec<ClientReg>,
        rules: Rules,
        faults: Arc<FaultState>,
        state_file: Option<PathBuf>,
    ) -> AuthServer {
        let saved: Persisted = state_file
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        AuthServer {
            clients,
            rules,
            faults,
            pending: Mutex::default(),
            codes: Mutex::default(),
            access: Mutex::new(saved.access),
            refresh: Mutex::new(saved.refresh),
            links: Mutex::new(saved.links),
            state_file,
        }
    }

    fn persist(&self) {
        let Some(path) = &self.state_file else { return };
        let now = now();
        let mut access = self.access.lock().unwrap();
        access.retain(|_, g| g.expires_at > now);
        let snapshot = Persisted {
            access: access.clone(),
            refresh: self.refresh.lock().unwrap().clone(),
            links: self.links.lock().unwrap().clone(),
        };
        drop(access);
        let tmp = path.with_extension("tmp");
        if let Ok(bytes) = serde_json::to_vec(&snapshot) {
            if vital_link_core::config::write_private(&tmp, &bytes).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
    }

    fn client(&self, id: &str) -> Option<&ClientReg> {
        self.clients.iter().find(|c| c.client_id == id)
    }

    /// Validates an authorize request; on success returns the id of the pending consent.
    /// `Err(Ok(url))` is an error to redirect back with; `Err(Err(page))` one to show.
    #[allow(clippy::result_large_err)]
    pub fn begin(
        &self,
        q: &HashMap<String, String>,
    ) -> Result<(String, AuthRequest), Result<String, AuthorizePageError>> {
        let client_id = q.get("client_id").cloned().unwrap_or_default();
        let Some(client) = self.client(&client_id) else {
            return Err(Err(AuthorizePageError(format!(
                "Unknown client_id {client_id:?}. Check the app's client ID."
            ))));
        };
        let redirect_uri = q.get("redirect_uri").cloned();
        let target = match &redirect_uri {
            Some(r)
                if client
                    .redirect_uris
                    .iter()
                    .any(|reg| redirect_matches(reg, r, self.rules.loopback_any_port)) =>
            {
                r.clone()
            }
            Some(r) => {
                return Err(Err(AuthorizePageError(format!(
                    "The redirect_uri {r:?} is not registered for this application."
                ))))
            }
            None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
            None => {
                return Err(Err(AuthorizePageError(
                    "redirect_uri is required when the application has several registered".into(),
                )))
            }
        };
        let state = q.get("state").cloned();
        let redirect_err = |error: &str, desc: &str| {
            let mut u = url::Url::parse(&target).expect("registered URIs are valid");
            u.query_pairs_mut()
                .append_pair("error", error)
                .append_pair("error_description", desc);
            if let Some(s) = &state {
                u.query_pairs_mut().append_pair("state", s);
            }
            Err(Ok(u.to_string()))
        };
        if let Some(min) = self.rules.min_state_len {
            if state.as_ref().is_none_or(|s| s.len() < min) {
                return redirect_err(
                    "invalid_state",
                    &format!("state is required and must be at least {min} characters"),
                );
            }
        }
        if q.get("response_type").map(String::as_str) != Some("code") {
            return redirect_err("unsupported_response_type", "response_type must be code");
        }
        let challenge = match self.rules.pkce {
            Pkce::Ignored => None,
            _ => q.get("code_challenge").cloned(),
        };
        if challenge.is_none() && self.rules.pkce == Pkce::Required {
            return redirect_err("invalid_request", "code_challenge is required (PKCE)");
        }
        if challenge.is_some() && q.get("code_challenge_method").map(String::as_str) != Some("S256")
        {
            return redirect_err("invalid_request", "code_challenge_method must be S256");
        }
        let scopes: Vec<String> = match q.get("scope") {
            Some(s) if !s.trim().is_empty() => s
                .split([' ', ',', self.rules.scope_sep])
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
            _ => self
                .rules
                .all_scopes
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        if let Some(bad) = scopes
            .iter()
            .find(|s| !self.rules.all_scopes.contains(&s.as_str()))
        {
            return redirect_err("invalid_scope", &format!("unknown scope {bad}"));
        }
        let req = AuthRequest {
            client_id,
            redirect_uri,
            state,
            scopes,
            code_challenge: challenge,
            login: q
                .get("login_hint")
                .cloned()
                .unwrap_or_else(|| "sandbox-user".into()),
        };
        let id = random_token(24);
        self.pending.lock().unwrap().insert(id.clone(), req.clone());
        Ok((id, req))
    }

    /// The user's answer on the consent page; returns where the browser goes next.
    pub fn decide(
        &self,
        request_id: &str,
        allow: bool,
        granted: Option<Vec<String>>,
    ) -> Result<String, AuthorizePageError> {
        let req = self
            .pending
            .lock()
            .unwrap()
            .remove(request_id)
            .ok_or_else(|| {
                AuthorizePageError(
                    "This consent request is unknown or was already answered.".into(),
                )
            })?;
        let client = self.client(&req.client_id).expect("validated in begin");
        let target = req
            .redirect_uri
            .clone()
            .unwrap_or_else(|| client.redirect_uris[0].clone());
        let mut u = url::Url::parse(&target).map_err(|e| AuthorizePageError(e.to_string()))?;
        let faults = self.faults.get();
        if !allow || faults.deny_consent {
            u.query_pairs_mut().append_pair("error", "access_denied");
        } else {
            let granted: Vec<String> = granted
                .unwrap_or_else(|| req.scopes.clone())
                .into_iter()
                .filter(|s| req.scopes.contains(s))
                .collect();
            let code = random_token(32);
            let ttl = if faults.expire_code {
                -1
            } else {
                self.rules.code_ttl_secs
            };
            u.query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("scope", &granted.join(&self.rules.scope_sep.to_string()));
            self.codes.lock().unwrap().insert(
                code,
                CodeGrant {
                    req: req.clone(),
                    granted,
                    expires_at: now() + ttl,
                    used: false,
                    issued: vec![],
                },
            );
        }
        if let Some(s) = &req.state {
            u.query_pairs_mut().append_pair("state", s);
        }
        Ok(u.to_string())
    }

    /// Client authentication from the form or from HTTP Basic, both as the provider allows.
    pub fn authenticate(
        &self,
        form: &HashMap<String, String>,
        basic: Option<(String, String)>,
    ) -> Result<&ClientReg, OAuthError> {
        let (id, secret) = match (basic, self.rules.client_auth) {
            (Some(_), ClientAuthRule::BodyOnly) | (None, ClientAuthRule::BasicOnly) => {
                return Err(oauth_err(
                    401,
                    "invalid_client",
                    match self.rules.client_auth {
                        ClientAuthRule::BasicOnly => {
                            "client credentials must be sent with HTTP Basic"
                        }
                        _ => "client credentials must be sent in the request body",
                    },
                ))
            }
            (Some((id, secret)), _) => (id, Some(secret)),
            (None, _) => (
                form.get("client_id").cloned().unwrap_or_default(),
                form.get("client_secret").cloned(),
            ),
        };
        let client = self
            .client(&id)
            .ok_or_else(|| oauth_err(401, "invalid_client", "unknown client"))?;
        match secret {
            Some(s)
                if bool::from(subtle::ConstantTimeEq::ct_eq(
                    s.as_bytes(),
                    client.client_secret.as_bytes(),
                )) =>
            {
                Ok(client)
            }
            _ => Err(oauth_err(
                401,
                "invalid_client",
                self.rules.bad_client_description,
            )),
        }
    }

    pub fn exchange_code(
        &self,
        client: &ClientReg,
        form: &HashMap<String, String>,
    ) -> Result<IssuedTokens, OAuthError> {
        if self.faults.get().invalid_grant {
            return Err(oauth_err(
                400,
                "invalid_grant",
                "the authorization grant is invalid (sandbox fault)",
            ));
        }
        let code = form.get("code").cloned().unwrap_or_default();
        let mut codes = self.codes.lock().unwrap();
        let grant = codes
            .get_mut(&code)
            .ok_or_else(|| oauth_err(400, "invalid_grant", "authorization code is invalid"))?;
        if grant.used {
            if self.rules.code_reuse_revokes {
                let issued = std::mem::take(&mut grant.issued);
                drop(codes);
                for t in issued {
                    self.revoke(&t);
                }
            }
            return Err(oauth_err(
                400,
                "invalid_grant",
                "authorization code was already used",
            ));
        }
        // A code is spent by any attempt, as with real servers: a failed exchange cannot be retried.
        grant.used = true;
        if grant.expires_at < now() {
            return Err(oauth_err(
                400,
                "invalid_grant",
                "authorization code has expired",
            ));
        }
        if grant.req.client_id != client.client_id {
            return Err(oauth_err(
                400,
                "invalid_grant",
                "code was issued to another client",
            ));
        }
        if self.rules.check_redirect_at_token
            && form.get("redirect_uri") != grant.req.redirect_uri.as_ref()
        {
            return Err(oauth_err(
                400,
                self.rules.redirect_mismatch_error,
                "redirect_uri does not match the authorization request",
            ));
        }
        if let Some(challenge) = &grant.req.code_challenge {
            match form.get("code_verifier") {
                None => return Err(oauth_err(400, "invalid_grant", "code_verifier is required")),
                Some(v) if &pkce_s256(v) != challenge => {
                    return Err(oauth_err(
                        400,
                        "invalid_grant",
                        "code_verifier does not match the code_challenge",
                    ))
                }
                _ => {}
            }
        }
        let account = Account::new(&grant.req.login);
        let scopes = grant.granted.clone();
        drop(codes);
        let issued = self.issue(&client.client_id, account, scopes)?;
        if let Some(g) = self.codes.lock().unwrap().get_mut(&code) {
            g.issued.push(issued.access_token.clone());
            g.issued.extend(issued.refresh_token.clone());
        }
        Ok(issued)
    }

    pub fn refresh(
        &self,
        client: &ClientReg,
        form: &HashMap<String, String>,
    ) -> Result<IssuedTokens, OAuthError> {
        if self.rules.refresh == RefreshRule::None {
            return Err(oauth_err(
                400,
                "unsupported_grant_type",
                "this provider has no refresh grant",
            ));
        }
        if self.faults.get().invalid_grant {
            return Err(oauth_err(
                400,
                "invalid_grant",
                "the refresh token is invalid (sandbox fault)",
            ));
        }
        let token = form.get("refresh_token").cloned().unwrap_or_default();
        let mut refresh = self.refresh.lock().unwrap();
        let (grant, used) = refresh
            .get_mut(&token)
            .ok_or_else(|| oauth_err(400, "invalid_grant", "refresh token is invalid"))?;
        if *used {
            return Err(oauth_err(
                400,
                "invalid_grant",
                "refresh token was already used",
            ));
        }
        if grant.client_id != client.client_id {
            return Err(oauth_err(
                400,
                "invalid_grant",
                "refresh token belongs to another client",
            ));
        }
        let g = grant.clone();
        let previous_access = self
            .links
            .lock()
            .unwrap()
            .access_of_refresh
            .get(&token)
            .cloned();
        // Strava: while the current access token has more than the threshold left, the same
        // token comes back with the time it has left.
        if let (Some(above), Some(a)) = (self.rules.reuse_access_above_secs, &previous_access) {
            if let Some(cur) = self.access.lock().unwrap().get(a) {
                let left = cur.expires_at - now();
                if left > above {
                    return Ok(IssuedTokens {
                        access_token: a.clone(),
                        refresh_token: Some(token),
                        expires_in: left,
                        scopes: g.scopes.clone(),
                        account: g.account.clone(),
                    });
                }
            }
        }
        match self.rules.refresh {
            RefreshRule::Rotate => {
                if let Some(e) = refresh.get_mut(&token) {
                    e.1 = true;
                }
            }
            RefreshRule::RotateWithGrace | RefreshRule::Reuse | RefreshRule::None => {}
        }
        drop(refresh);
        let mut issued = self.issue_inner(&client.client_id, g.account, g.scopes, Some(&token))?;
        let mut links = self.links.lock().unwrap();
        let retire = links
            .retire_on_use
            .entry(issued.access_token.clone())
            .or_default();
        if self.rules.refresh == RefreshRule::RotateWithGrace {
            retire.push(token.clone());
        }
        if self.rules.retire_old_access_on_use {
            retire.extend(previous_access);
        }
        drop(links);
        if self.rules.refresh == RefreshRule::Reuse {
            // The refresh token stays; Google does not send it again.
            issued.refresh_token = None;
        }
        self.persist();
        Ok(issued)
    }

    /// Revokes every token of `account` issued to `client_id` (a provider's "deauthorize").
    pub fn revoke_account(&self, client_id: &str, account_id: &str) -> usize {
        let mut n = 0;
        {
            let mut access = self.access.lock().unwrap();
            let before = access.len();
            access.retain(|_, g| !(g.client_id == client_id && g.account.id == account_id));
            n += before - access.len();
        }
        {
            let mut refresh = self.refresh.lock().unwrap();
            let before = refresh.len();
            refresh.retain(|_, (g, _)| !(g.client_id == client_id && g.account.id == account_id));
            n += before - refresh.len();
        }
        self.persist();
        n
    }

    /// How many unexpired access tokens `account` holds for `client_id`.
    pub fn live_access_tokens(&self, client_id: &str, account_id: &str) -> usize {
        let now = now();
        self.access
            .lock()
            .unwrap()
            .values()
            .filter(|g| {
                g.client_id == client_id && g.account.id == account_id && g.expires_at > now
            })
            .count()
    }

    fn issue(
        &self,
        client_id: &str,
        account: Account,
        scopes: Vec<String>,
    ) -> Result<IssuedTokens, OAuthError> {
        let issued = self.issue_inner(client_id, account, scopes, None)?;
        self.persist();
        Ok(issued)
    }

    fn issue_inner(
        &self,
        client_id: &str,
        account: Account,
        scopes: Vec<String>,
        refreshed_from: Option<&str>,
    ) -> Result<IssuedTokens, OAuthError> {
        if let Some(max) = self.rules.max_live_access {
            if self.live_access_tokens(client_id, &account.id) >= max {
                return Err(oauth_err(
                    400,
                    "invalid_grant",
                    "Too many unrevoked access tokens exist for this app and user",
                ));
            }
        }
        let ttl = self
            .faults
            .get()
            .access_token_ttl
            .unwrap_or(self.rules.access_ttl_secs);
        let grant = Grant {
            client_id: client_id.to_string(),
            account: account.clone(),
            scopes: scopes.clone(),
            expires_at: now() + ttl,
        };
        let access = random_token(32);
        self.access
            .lock()
            .unwrap()
            .insert(access.clone(), grant.clone());
        let with_refresh = self.rules.refresh != RefreshRule::None
            && self
                .rules
                .refresh_needs_scope
                .is_none_or(|s| scopes.iter().any(|x| x == s));
        let refresh = match (self.rules.refresh, refreshed_from) {
            (RefreshRule::Reuse, Some(old)) => Some(old.to_string()),
            _ if with_refresh => {
                let r = random_token(32);
                self.refresh
                    .lock()
                    .unwrap()
                    .insert(r.clone(), (grant, false));
                Some(r)
            }
            _ => None,
        };
        if let Some(r) = &refresh {
            self.links
                .lock()
                .unwrap()
                .access_of_refresh
                .insert(r.clone(), access.clone());
        }
        Ok(IssuedTokens {
            access_token: access,
            refresh_token: refresh,
            expires_in: ttl,
            scopes,
            account,
        })
    }

    /// The grant behind a bearer token, or why there is none.
    pub fn check_bearer(&self, header: Option<&str>) -> Result<Grant, &'static str> {
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .ok_or("missing bearer token")?;
        let grant = self
            .access
            .lock()
            .unwrap()
            .get(token.trim())
            .cloned()
            .ok_or("invalid token")?;
        if grant.expires_at <= now() {
            return Err("token expired");
        }
        // The first use of a refreshed access token retires what it replaces.
        let retired = self
            .links
            .lock()
            .unwrap()
            .retire_on_use
            .remove(token.trim());
        if let Some(old) = retired.filter(|o| !o.is_empty()) {
            for t in old {
                self.access.lock().unwrap().remove(&t);
                self.refresh.lock().unwrap().remove(&t);
            }
            self.persist();
        }
        Ok(grant)
    }

    /// The grant behind an access or refresh token, expired or not.
    pub fn grant_of(&self, token: &str) -> Option<Grant> {
        if let Some(g) = self.access.lock().unwrap().get(token) {
            return Some(g.clone());
        }
        self.refresh
            .lock()
            .unwrap()
            .get(token)
            .map(|(g, _)| g.clone())
    }

    /// Revokes an access or refresh token; true when it existed.
    pub fn revoke(&self, token: &str) -> bool {
        let a = self.access.lock().unwrap().remove(token).is_some();
        let r = self.refresh.lock().unwrap().remove(token).is_some();
        self.persist();
        a || r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registration_accepts_any_port_but_nothing_else() {
        let reg = "http://127.0.0.1/callback";
        assert!(redirect_matches(
            reg,
            "http://127.0.0.1:51234/callback",
            true
        ));
        assert!(!redirect_matches(reg, "http://127.0.0.1:51234/other", true));
        assert!(!redirect_matches(
            reg,
            "http://localhost:51234/callback",
            true
        ));
        assert!(!redirect_matches(
            reg,
            "https://evil.example/callback",
            true
        ));
        assert!(redirect_matches(
            "https://app.example/cb",
            "https://app.example/cb",
            true
        ));
        assert!(!redirect_matches(
            "https://app.example/cb",
            "https://app.example:444/cb",
            true
        ));
    }

    /// Providers that match exactly (Oura) refuse another port, even on a port-less registration.
    #[test]
    fn an_exact_match_provider_refuses_any_other_port() {
        let reg = "http://127.0.0.1:8751/callback";
        assert!(redirect_matches(reg, reg, false));
        assert!(!redirect_matches(
            reg,
            "http://127.0.0.1:8752/callback",
            false
        ));
        assert!(!redirect_matches(
            "http://127.0.0.1/callback",
            "http://127.0.0.1:8751/callback",
            false
        ));
    }

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
