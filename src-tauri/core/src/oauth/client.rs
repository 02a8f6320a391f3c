//! Authorization URL, code exchange and refresh with the `oauth2` crate. Provider quirks in the
//! token response are fixed up by an adapter around the HTTP client, before `oauth2` parses it.
use std::future::Future;
use std::pin::Pin;

use oauth2::basic::{
    BasicClient, BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::providers::{ClientAuth, Endpoints};
use crate::store::connections::TokenSet;

/// Rewrites a token-endpoint body into what RFC 6749 (and `oauth2`) expects.
pub type TokenAdapter = fn(u16, Value) -> Value;

pub fn standard_adapter(_status: u16, v: Value) -> Value {
    v
}

/// Token-response fields beyond RFC 6749 that the app keeps.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProviderTokenFields {
    /// The provider's id of the user, when its token response names it: a provider's token
    /// adapter copies its own field (`userid`, `x_user_id`, `athlete.id`) here, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_user_id: Option<String>,
    /// OpenID Connect's ID token, when the provider sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl oauth2::ExtraTokenFields for ProviderTokenFields {}

type TokenBody = StandardTokenResponse<ProviderTokenFields, BasicTokenType>;

type AppClient = oauth2::Client<
    BasicErrorResponse,
    TokenBody,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
>;

#[derive(Clone)]
pub struct ClientConfig {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub endpoints: Endpoints,
    pub client_auth: ClientAuth,
    pub adapter: TokenAdapter,
    /// Extra form fields on every token request (e.g. Withings' `action=requesttoken`).
    pub token_params: Vec<(&'static str, &'static str)>,
    /// Where token exchanges are recorded for the QA inspector.
    pub trace: Option<crate::inspector::Trace>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

/// The secrets of one authorization attempt; kept in memory only.
pub struct PendingAuth {
    pub authorize_url: String,
    pub state: String,
    pub verifier: PkceCodeVerifier,
    pub redirect_uri: String,
}

#[derive(Debug)]
struct AdapterError(String);
impl std::fmt::Display for AdapterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for AdapterError {}

type Fut = Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, AdapterError>> + Send>>;

fn http_client(
    http: reqwest::Client,
    adapter: TokenAdapter,
    trace: Option<crate::inspector::Trace>,
) -> impl Fn(oauth2::HttpRequest) -> Fut {
    move |req: oauth2::HttpRequest| {
        let http = http.clone();
        let trace = trace.clone();
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let (method, url) = (parts.method.to_string(), parts.uri.to_string());
            let mut req_headers = reqwest::header::HeaderMap::new();
            for (k, v) in parts.headers.iter() {
                req_headers.insert(k.clone(), v.clone());
            }
            let req_body = body.clone();
            let started = std::time::Instant::now();
            let record = |status: Option<u16>,
                          h: Option<&reqwest::header::HeaderMap>,
                          b: Option<&[u8]>,
                          error: Option<String>| {
                if let Some(t) = &trace {
                    t.record(crate::inspector::Raw {
                        kind: "token",
                        method: &method,
                        url: &url,
                        request_headers: &req_headers,
                        request_body: Some(&req_body),
                        status,
                        response_headers: h,
                        response_body: b,
                        latency_ms: started.elapsed().as_millis() as u64,
                        error,
                    });
                }
            };
            let rb = http
                .request(parts.method, parts.uri.to_string())
                .headers(req_headers.clone())
                .body(body);
            let resp = match rb.send().await {
                Ok(r) => r,
                Err(e) => {
                    let msg = if e.is_timeout() {
                        "the token endpoint timed out"
                    } else {
                        "the token endpoint could not be reached"
                    };
                    record(None, None, None, Some(msg.into()));
                    return Err(AdapterError(msg.into()));
                }
            };
            let status = resp.status().as_u16();
            let resp_headers = resp.headers().clone();
            let bytes = resp
                .bytes()
                .await
                .map_err(|_| AdapterError("the token response was cut off".into()))?;
            record(Some(status), Some(&resp_headers), Some(&bytes), None);
            let body = match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => serde_json::to_vec(&adapter(status, v)).unwrap_or_default(),
                Err(_) => bytes.to_vec(),
            };
            let adapted_status = if body.windows(8).any(|w| w == b"\"error\":") && status < 400 {
                400
            } else {
                status
            };
            http::Response::builder()
                .status(adapted_status)
                .header("content-type", "application/json")
                .body(body)
                .map_err(|e| AdapterError(e.to_string()))
        })
    }
}

fn url_err(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("the provider's {what} is not a valid URL: {e}"))
}

/// The authorization URL with PKCE S256 and a fresh `state`.
pub fn authorize(
    cfg: &ClientConfig,
    redirect_uri: &str,
    scopes: &[&str],
    extra: &[(&str, &str)],
    state_prefix: Option<&str>,
) -> AppResult<PendingAuth> {
    let client = BasicClient::new(ClientId::new(cfg.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(cfg.endpoints.authorize_url.clone())
                .map_err(|e| url_err("authorize URL", e))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect_uri.to_string()).map_err(|e| url_err("redirect URI", e))?,
        );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client
        .authorize_url(|| {
            // An https forwarding page learns the loopback port from the state's prefix.
            let random = CsrfToken::new_random();
            match state_prefix {
                Some(p) => CsrfToken::new(format!("{p}~{}", random.secret())),
                None => random,
            }
        })
        .add_scopes(scopes.iter().map(|s| Scope::new(s.to_string())))
        .set_pkce_challenge(challenge);
    for (k, v) in extra {
        req = req.add_extra_param(*k, *v);
    }
    let (url, state) = req.url();
    Ok(PendingAuth {
        authorize_url: url.to_string(),
        state: state.secret().clone(),
        verifier,
        redirect_uri: redirect_uri.to_string(),
    })
}

fn token_set(t: &TokenBody) -> TokenSet {
    TokenSet {
        provider_user_id: t.extra_fields().provider_user_id.clone(),
        id_token: t.extra_fields().id_token.clone(),
        access_token: t.access_token().secret().clone(),
        refresh_token: t.refresh_token().map(|r| r.secret().clone()),
        token_type: "Bearer".into(),
        issued_at: Some(chrono::Utc::now().timestamp_millis()),
        expires_at: t
            .expires_in()
            .map(|d| chrono::Utc::now().timestamp_millis() + d.as_millis() as i64),
        scope: t.scopes().map(|s| {
            s.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        }),
    }
}

fn token_error<E: std::error::Error>(
    e: RequestTokenError<E, oauth2::basic::BasicErrorResponse>,
) -> AppError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let (code, hint) = match r.error() {
                BasicErrorResponseType::InvalidGrant => ("invalid_grant", "the authorization was refused or has expired; connect the provider again"),
                BasicErrorResponseType::InvalidClient => ("invalid_client", "the provider did not accept the app's client ID or secret; check them in Settings"),
                BasicErrorResponseType::UnauthorizedClient => ("unauthorized_client", "this client may not use that grant; check the app registration"),
                BasicErrorResponseType::InvalidScope => ("invalid_scope", "the provider refused the requested scopes"),
                _ => ("provider_api_error", "the provider refused the token request"),
            };
            let desc = r
                .error_description()
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            AppError::new(
                code,
                format!("token endpoint answered {}{desc}; {hint}", r.error()),
            )
        }
        RequestTokenError::Request(e) => {
            AppError::provider("network_error", format!("token request failed: {e}"))
        }
        RequestTokenError::Parse(e, _) => AppError::provider(
            "provider_malformed_response",
            format!("the token endpoint's answer is not a valid token response ({e})"),
        ),
        RequestTokenError::Other(m) => AppError::provider("provider_api_error", m),
    }
}

macro_rules! token_client {
    ($cfg:expr) => {{
        let mut c = AppClient::new(ClientId::new($cfg.client_id.clone()))
            .set_token_uri(
                TokenUrl::new($cfg.endpoints.token_url.clone())
                    .map_err(|e| url_err("token URL", e))?,
            )
            .set_auth_type(match $cfg.client_auth {
                ClientAuth::Basic => AuthType::BasicAuth,
                ClientAuth::RequestBody => AuthType::RequestBody,
            });
        if let Some(s) = &$cfg.client_secret {
            c = c.set_client_secret(ClientSecret::new(s.clone()));
        }
        c
    }};
}

pub async fn exchange_code(
    http: &reqwest::Client,
    cfg: &ClientConfig,
    code: &str,
    verifier: PkceCodeVerifier,
    redirect_uri: &str,
) -> AppResult<TokenSet> {
    let client = token_client!(cfg).set_redirect_uri(
        RedirectUrl::new(redirect_uri.to_string()).map_err(|e| url_err("redirect URI", e))?,
    );
    let adapted = http_client(http.clone(), cfg.adapter, cfg.trace.clone());
    let mut req = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(verifier);
    for (k, v) in &cfg.token_params {
        req = req.add_extra_param(*k, *v);
    }
    let t = req.request_async(&adapted).await.map_err(token_error)?;
    Ok(token_set(&t))
}

pub async fn refresh(
    http: &reqwest::Client,
    cfg: &ClientConfig,
    refresh_token: &str,
) -> AppResult<TokenSet> {
    let client = token_client!(cfg);
    let adapted = http_client(http.clone(), cfg.adapter, cfg.trace.clone());
    let refresh = RefreshToken::new(refresh_token.to_string());
    let mut req = client.exchange_refresh_token(&refresh);
    for (k, v) in &cfg.token_params {
        req = req.add_extra_param(*k, *v);
    }
    let t = req.request_async(&adapted).await.map_err(token_error)?;
    Ok(token_set(&t))
}
