//! Faithful fake providers on loopback. They back the sandbox environment (the default, so a new
//! user can run the whole flow with no credentials) and every test.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use vital_link_core::clock::Clock;
use vital_link_core::error::{AppError, AppResult};

pub mod dexcom_v3;
pub mod faults;
pub mod google_health;
pub mod kit;
pub mod oauth_server;
pub mod oura;
pub mod polar;
pub mod record;
pub mod strava;
pub mod synth;
pub mod wahoo;
pub mod whoop_v2;
pub mod withings;

use faults::FaultState;

/// One running fake: where it listens and its fault switches.
#[derive(Clone)]
pub struct RunningFake {
    pub base_url: String,
    pub faults: Arc<FaultState>,
    /// The client id and secret registered with it (public: sandbox only).
    pub client: (&'static str, &'static str),
    pub oura: Option<Arc<oura::OuraFake>>,
    /// The port of the redirect URI registered with a fixed-port provider's fake, when it is not
    /// the provider's default.
    pub redirect_port: Option<u16>,
}

/// The sandbox: one fake server per provider, each on its own ephemeral loopback port.
#[derive(Clone, Default)]
pub struct Sandbox {
    pub fakes: HashMap<&'static str, RunningFake>,
    /// WHOOP's fake, for tests that change an account's membership.
    pub whoop: Option<Arc<whoop_v2::WhoopFake>>,
}

impl Sandbox {
    /// Starts the fakes. With a `state_dir` they remember issued tokens across restarts, as a
    /// real provider does; without one they forget everything when the process ends.
    pub async fn start(clock: Clock, state_dir: Option<&std::path::Path>) -> AppResult<Sandbox> {
        let mut fakes = HashMap::new();
        if let Some(d) = state_dir {
            vital_link_core::config::create_private_dir(d).map_err(|e| {
                AppError::internal(format!(
                    "cannot create the sandbox directory {}: {e}",
                    d.display()
                ))
            })?;
        }
        let file = |slug: &str| state_dir.map(|d| d.join(format!("{slug}-tokens.json")));
        let faults = Arc::new(FaultState::default());
        // Oura accepts only its registered port. Nearly every test signs in to Oura, each with
        // its own sandbox and in parallel, so each sandbox registers a port of its own instead
        // of the production default (8751) that they would all fight over.
        let oura_port = free_loopback_port()?;
        let fake = oura::new_fake(clock, faults.clone(), file("oura"), oura_port);
        let addr = serve(record::recorded("oura", oura::router(fake.clone()))).await?;
        fakes.insert(
            "oura",
            RunningFake {
                base_url: format!("http://{addr}"),
                faults,
                client: (oura::CLIENT_ID, oura::CLIENT_SECRET),
                oura: Some(fake),
                redirect_port: Some(oura_port),
            },
        );
        macro_rules! start {
            ($slug:expr, $m:ident) => {{
                let faults = Arc::new(FaultState::default());
                let fake = $m::new_fake(clock, faults.clone(), file($slug));
                let addr = serve(record::recorded($slug, $m::router(fake.clone()))).await?;
                fakes.insert(
                    $slug,
                    RunningFake {
                        base_url: format!("http://{addr}"),
                        faults,
                        client: ($m::CLIENT_ID, $m::CLIENT_SECRET),
                        oura: None,
                        redirect_port: None,
                    },
                );
                fake
            }};
        }
        start!("withings", withings);
        start!("strava", strava);
        start!("polar", polar);
        let whoop = start!("whoop_v2", whoop_v2);
        start!("dexcom_v3", dexcom_v3);
        start!("wahoo", wahoo);
        start!("google_health", google_health);
        Ok(Sandbox {
            fakes,
            whoop: Some(whoop),
        })
    }

    /// The sandbox of a running app, for tests that drive the fakes directly.
    pub fn of(app: &vital_link_core::App) -> &Sandbox {
        app.sandbox
            .as_any()
            .downcast_ref::<Sandbox>()
            .expect("the app runs the sandbox environment")
    }

    pub fn base_url(&self, provider: &str) -> Option<&str> {
        self.fakes.get(provider).map(|f| f.base_url.as_str())
    }

    /// See [`RunningFake::redirect_port`].
    pub fn redirect_port(&self, provider: &str) -> Option<u16> {
        self.fakes.get(provider).and_then(|f| f.redirect_port)
    }
}

/// A loopback port nothing listens on now: the kernel's pick, released at once so the app's
/// sign-in listener can bind it later.
/// A port for the sandbox's registered Oura redirect URI, free now and below Linux's ephemeral
/// range (32768–60999): a port taken with `bind(0)` is ephemeral, and any outgoing connection
/// or `bind(0)` listener of the same machine may be handed it before the sign-in binds it
/// (seen as "port … is busy" in CI). Ports of this range are handed out by nobody.
fn free_loopback_port() -> AppResult<u16> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    const LOW: u64 = 20_000;
    const SPAN: u64 = 32_768 - LOW;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ (u64::from(std::process::id()) << 20);
    for _ in 0..200 {
        let n = seed.wrapping_add(NEXT.fetch_add(7919, Ordering::Relaxed));
        let port = (LOW + n % SPAN) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(AppError::internal(
        "cannot find a free loopback port for the sandbox's Oura redirect URI (20000-32767 all busy)",
    ))
}

impl vital_link_core::sandbox::SandboxFakes for Sandbox {
    fn base_url(&self, provider: &str) -> Option<String> {
        Sandbox::base_url(self, provider).map(str::to_string)
    }
    fn providers(&self) -> Vec<&'static str> {
        let mut p: Vec<_> = self.fakes.keys().copied().collect();
        p.sort_unstable();
        p
    }
    fn faults(&self, provider: &str) -> Option<faults::Faults> {
        self.fakes.get(provider).map(|f| f.faults.get())
    }
    fn client(&self, provider: &str) -> Option<(&'static str, &'static str)> {
        self.fakes.get(provider).map(|f| f.client)
    }
    fn set_faults(&self, provider: &str, faults: faults::Faults) -> bool {
        self.fakes
            .get(provider)
            .map(|f| f.faults.set(faults))
            .is_some()
    }
    fn redirect_port(&self, provider: &str) -> Option<u16> {
        Sandbox::redirect_port(self, provider)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Starts the fakes for an app in the sandbox environment.
pub struct Launcher;

#[async_trait::async_trait]
impl vital_link_core::sandbox::SandboxLauncher for Launcher {
    async fn start(
        &self,
        clock: Clock,
        state_dir: Option<&std::path::Path>,
    ) -> AppResult<Arc<dyn vital_link_core::sandbox::SandboxFakes>> {
        Ok(Arc::new(Sandbox::start(clock, state_dir).await?))
    }
}

/// Serves `router` on `127.0.0.1:0` in the background and returns the bound address.
pub async fn serve(router: axum::Router) -> AppResult<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| {
            AppError::internal(format!("cannot bind a loopback port for the sandbox: {e}"))
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| AppError::internal(e.to_string()))?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!("sandbox server stopped: {e}");
        }
    });
    Ok(addr)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const PAGE_STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f4f5f7;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;color:#1d2433}
.card{background:#fff;border-radius:16px;box-shadow:0 8px 30px rgba(0,0,0,.08);padding:32px;max-width:420px;width:100%}
.brand{display:flex;align-items:center;gap:12px;margin-bottom:20px}.mark{width:44px;height:44px;border-radius:12px;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:700;font-size:20px}
h1{font-size:20px;margin:0 0 8px}p{color:#4a5468;line-height:1.5}.tag{font-size:12px;background:#fff4d6;color:#7a5a00;padding:2px 8px;border-radius:99px}
label{display:block;padding:6px 0}.actions{display:flex;gap:12px;margin-top:24px}button{flex:1;padding:12px;border-radius:10px;border:0;font-size:15px;cursor:pointer}
#allow{background:#1d2433;color:#fff}#deny{background:#e8eaef;color:#1d2433}";

/// The consent page of a sandbox provider: the scopes asked for, Allow and Deny.
pub fn consent_page(
    provider: &str,
    colour: &str,
    request_id: &str,
    scopes: &[String],
    login: &str,
) -> String {
    let boxes: String = scopes
        .iter()
        .map(|s| {
            format!(
                "<label><input type=\"checkbox\" name=\"scope\" value=\"{0}\" checked> {0}</label>",
                esc(s)
            )
        })
        .collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{p} (sandbox): authorize Vital Link</title>
<meta name=\"referrer\" content=\"no-referrer\"><style>{PAGE_STYLE}</style></head><body><div class=\"card\">
<div class=\"brand\"><div class=\"mark\" style=\"background:{colour}\">{initial}</div><div><strong>{p}</strong> <span class=\"tag\">sandbox</span></div></div>
<h1>Allow Vital Link Desktop to access your {p} data?</h1>
<p>Signed in as <strong id=\"login\">{login}</strong>. This is a sandbox account with synthetic data.</p>
<form method=\"post\" action=\"/oauth/authorize/decision\"><input type=\"hidden\" name=\"request_id\" value=\"{rid}\">{boxes}
<div class=\"actions\"><button id=\"deny\" name=\"action\" value=\"deny\">Deny</button><button id=\"allow\" name=\"action\" value=\"allow\">Allow</button></div></form>
</div></body></html>",
        p = esc(provider),
        initial = esc(&provider[..1]),
        login = esc(login),
        rid = esc(request_id),
    )
}

pub fn error_page(provider: &str, message: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{p} (sandbox): error</title><style>{PAGE_STYLE}</style></head>
<body><div class=\"card\"><h1>Authorization error</h1><p id=\"error\">{m}</p></div></body></html>",
        p = esc(provider),
        m = esc(message)
    )
}
