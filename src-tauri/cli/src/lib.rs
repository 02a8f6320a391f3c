//! The command line: every capability is scriptable for labs and CI, with no display needed.
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};

use vital_link_core::app::{App, AppEvent};
use vital_link_core::config::{Config, Environment, DEFAULT_API_PORT};
use vital_link_core::error::{AppError, AppResult};
use vital_link_core::faces::{clock, Options, Plugins};
use vital_link_core::records::{NewLinkToken, NewUser};
use vital_link_core::states::ConnectionStatus;

#[derive(Parser, Debug)]
#[command(name = "vital-link", version, about = "Vital Link Desktop: connect wearables, keep their data in sync, serve a Vital-compatible API", long_about = None)]
pub struct Cli {
    /// Where the database, logs and vault key live.
    #[arg(long, env = "VITAL_LINK_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// sandbox: fake providers on loopback, no credentials needed. production: the real APIs.
    /// Default: the one chosen in Settings, else sandbox.
    #[arg(long = "env", env = "VITAL_LINK_ENV", global = true, value_enum)]
    pub environment: Option<Environment>,
    /// Days of history a connection's backfill reaches (capped by each provider's own limit).
    /// Default: the `history_days` setting, else 90.
    #[arg(long, env = "VITAL_LINK_HISTORY_DAYS", global = true)]
    pub history_days: Option<u32>,
    /// Port of the local Vital API (the window and `serve`); 0 picks a free one.
    #[arg(long, env = "VITAL_LINK_PORT", global = true, default_value_t = DEFAULT_API_PORT)]
    pub port: u16,
    /// Print JSON for scripts instead of the summary for people (`status`, `doctor`,
    /// `users list`, `providers list`, `settings list`); the commands that print JSON anyway
    /// take it too. Exit codes: docs/errors.md.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Add or list users (one per person whose wearables are connected).
    #[command(subcommand)]
    Users(UsersCmd),
    /// Connect a user's provider account: opens the browser, waits for the sign-in, then syncs.
    Connect {
        /// client_user_id or Vital user_id.
        user: String,
        provider: String,
        /// Print the authorization URL instead of opening a browser.
        #[arg(long)]
        no_browser: bool,
        /// Seconds to wait for the browser sign-in.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Sync one user's connections, or everyone's. Exits 4 when a connection needs
    /// reconnect, 1 when one failed.
    Sync { user: Option<String> },
    /// Print stored data as Vital's API returns it (JSON on stdout).
    Data {
        #[arg(value_enum)]
        kind: DataKind,
        user: String,
        /// First day (YYYY-MM-DD or ISO date-time).
        #[arg(long)]
        from: String,
        /// Last day (inclusive); default today.
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        provider: Option<String>,
    },
    /// Connections and their sync state. Exits 4 when a connection needs reconnect, 1 when
    /// one failed (docs/errors.md).
    Status { user: Option<String> },
    /// Run the local Vital-compatible API, the sync scheduler (and the sandbox) until interrupted.
    Serve {
        /// Address to listen on. Anything but loopback also needs --allow-remote.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Allow a non-loopback --bind: every device on the network can then reach the API.
        #[arg(long)]
        allow_remote: bool,
        /// Minutes between scheduled syncs of each connection (default: the
        /// `sync_interval_minutes` setting, else 60).
        #[arg(long, env = "VITAL_LINK_SYNC_INTERVAL_MINUTES")]
        sync_interval_minutes: Option<u64>,
    },
    /// Export readings for analysis: CSV (+ data dictionary), JSON (Vital's shapes) or Parquet.
    Export {
        #[arg(long, value_enum)]
        format: vital_link_core::export::Format,
        #[arg(long)]
        out: PathBuf,
        /// client_user_id or user_id; repeat for several; default everyone.
        #[arg(long = "participant")]
        participants: Vec<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        /// Also write the raw provider payloads (raw/*.jsonl).
        #[arg(long)]
        raw: bool,
    },
    /// The study's agreement: print it, or set a new version and text.
    Agreement {
        #[arg(long, requires = "text_file")]
        version: Option<String>,
        /// A text file with the agreement participants read before connecting.
        #[arg(long)]
        text_file: Option<PathBuf>,
    },
    /// Protect the vault key with a passphrase (shared lab machines), or remove it. The new
    /// passphrase is read from the terminal, or VITAL_LINK_NEW_PASSPHRASE.
    Passphrase {
        #[arg(value_parser = ["set", "remove"])]
        action: String,
    },
    /// Delete every participant, reading, token and log of this data directory.
    Wipe {
        /// Confirm: this cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// Providers: list them, and set the client credentials of your own registered apps.
    #[command(subcommand)]
    Providers(ProvidersCmd),
    /// Forward every new or changed reading to a Vital-compatible server.
    #[command(subcommand)]
    Forward(ForwardCmd),
    /// Stored settings: `history_days`, `sync_interval_minutes`.
    #[command(subcommand)]
    Settings(SettingsCmd),
    /// Webhook endpoints that receive Vital's events, signed like Svix.
    #[command(subcommand)]
    Webhooks(WebhooksCmd),
    /// One connection: show its token metadata, refresh it, or disconnect it.
    #[command(subcommand)]
    Connection(ConnectionCmd),
    /// Print the local API key (x-vital-api-key), or replace it.
    ApiKey {
        #[arg(long)]
        rotate: bool,
    },
    /// Check paths, keyring, database and versions, and say whether all is well.
    Doctor,
    /// Sandbox only: complete a sandbox provider's consent page as a person would.
    #[command(hide = true)]
    SandboxBrowser {
        url: String,
        #[arg(long)]
        deny: bool,
        #[arg(long)]
        untick: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum UsersCmd {
    Add {
        client_user_id: String,
        /// Study notes about the participant.
        #[arg(long)]
        notes: Option<String>,
        /// Study cohort (group, arm).
        #[arg(long)]
        cohort: Option<String>,
    },
    /// Change a participant's notes or cohort (an empty value clears it).
    Set {
        /// client_user_id or Vital user_id.
        user: String,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        cohort: Option<String>,
    },
    /// Add participants from a CSV with a participant_id column (optional notes, cohort).
    Import {
        file: PathBuf,
    },
    /// Participants by client_user_id, with their connections.
    List,
    Delete {
        user: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProvidersCmd {
    /// Every provider, its availability here and whether credentials are set (redacted).
    List,
    /// Store the client ID and secret of your app registered with the provider (sealed).
    Set {
        slug: String,
        #[arg(long)]
        client_id: String,
        #[arg(long, env = "VITAL_LINK_CLIENT_SECRET", hide_env_values = true)]
        client_secret: Option<String>,
    },
    /// Forget the stored credentials of a provider.
    Clear {
        slug: String,
    },
    /// Register the https forwarding page a provider that takes only https redirects sends the
    /// browser to (docs/forwarder/); without <url>, forget it.
    ForwardPage {
        slug: String,
        url: Option<String>,
    },
    /// The loopback port registered with a provider that accepts only its registered port
    /// (production); without <port>, back to the default in docs/providers/<slug>.md.
    RedirectPort {
        slug: String,
        /// The port you registered (1024–65535); omit it to go back to the default.
        // Not `port`: clap would merge it with the global --port.
        #[arg(value_name = "PORT")]
        registered_port: Option<u16>,
    },
    /// Add a custom OAuth 2.0 / OpenID Connect provider (QA): discovery from --issuer, or
    /// explicit --authorize-url and --token-url.
    AddCustom {
        slug: String,
        #[arg(long)]
        issuer: Option<String>,
        #[arg(long)]
        client_id: String,
        #[arg(long, env = "VITAL_LINK_CLIENT_SECRET", hide_env_values = true)]
        client_secret: Option<String>,
        #[arg(long)]
        scope: Option<String>,
        #[arg(long)]
        authorize_url: Option<String>,
        #[arg(long)]
        token_url: Option<String>,
    },
    RemoveCustom {
        slug: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConnectionCmd {
    /// Token metadata (expiry, scopes, ID-token claims) and sync cursors; never the token itself.
    Show { user: String, provider: String },
    /// Refresh the access token now.
    Refresh { user: String, provider: String },
    /// Revoke at the provider and end the connection (the data already synced stays).
    Disconnect { user: String, provider: String },
}

#[derive(Subcommand, Debug)]
pub enum WebhooksCmd {
    /// Add an endpoint; prints its signing secret once.
    Add {
        url: String,
        /// Only these event types (`provider.connection.created`, `daily.data.*`, ...).
        #[arg(long = "event")]
        events: Vec<String>,
    },
    List,
    Remove {
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum ForwardCmd {
    /// Set the target (its base URL and API key). A new target gets every stored reading.
    Set {
        #[arg(long)]
        url: String,
        #[arg(long, env = "VITAL_LINK_FORWARD_API_KEY")]
        api_key: String,
        /// `source` keeps the provider's slug (a self-hosted server); `manual` is what real
        /// Vital/Junction accepts for pushed readings.
        #[arg(long, value_enum, default_value = "source")]
        provider_mode: vital_link_core::forward::ProviderMode,
    },
    /// Target, outbox depth, dead letters (parked batches), last delivery and last error (JSON).
    Status,
    /// Queue the dead letters again (after fixing what the target refused).
    Retry,
    /// Send what is queued now, until the outbox is empty or the target fails.
    Push,
    /// Stop forwarding and empty the outbox.
    Off,
}

#[derive(Subcommand, Debug)]
pub enum SettingsCmd {
    Get { key: String },
    Set { key: String, value: String },
    List,
}

const SETTINGS: [&str; 2] = [
    vital_link_core::config::HISTORY_DAYS_SETTING,
    vital_link_core::config::SYNC_INTERVAL_SETTING,
];

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum DataKind {
    Sleep,
    Activity,
    Workouts,
    Heartrate,
    Hrv,
}

impl DataKind {
    fn resource(self) -> &'static str {
        match self {
            DataKind::Sleep => "sleep",
            DataKind::Activity => "activity",
            DataKind::Workouts => "workouts",
            DataKind::Heartrate => "heartrate",
            DataKind::Hrv => "hrv",
        }
    }
}

impl Cli {
    /// The options every face takes, as the core reads them.
    pub fn options(&self) -> Options {
        Options {
            data_dir: self.data_dir.clone(),
            environment: self.environment,
            history_days: self.history_days,
            port: self.port,
        }
    }

    pub fn config(&self) -> AppResult<Config> {
        self.options().config()
    }
}

fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// Commands that never write to the data directory, so they still work when it cannot be
/// written (the export goes to a folder of the user's choice).
fn only_reads(command: &Command) -> bool {
    matches!(
        command,
        Command::Data { .. }
            | Command::Status { .. }
            | Command::Export { .. }
            | Command::Users(UsersCmd::List)
            | Command::Doctor
    )
}

/// Runs a non-window command. Returns the process exit code.
pub async fn run(cli: Cli, command: Command, plugins: &Plugins) -> AppResult<()> {
    if let Command::SandboxBrowser { url, deny, untick } = &command {
        let title = vital_link_core::sandbox_browser::complete(
            url,
            &vital_link_core::sandbox_browser::Choice {
                deny: *deny,
                untick: untick.clone(),
            },
        )
        .await?;
        eprintln!("sandbox browser: {title}");
        return Ok(());
    }
    let json_out = cli.json;
    let mut config = cli.config()?;
    if let Command::Connect { timeout, .. } = &command {
        config.oauth_timeout = Duration::from_secs(*timeout);
    }
    config.only_reads = only_reads(&command);
    let app = plugins.start(config, clock()?).await?;
    match command {
        Command::Users(UsersCmd::Add {
            client_user_id,
            notes,
            cohort,
        }) => {
            let u = app.create_user(NewUser {
                client_user_id,
                notes,
                cohort,
                ..Default::default()
            })?;
            print_json(
                &json!({"user_id": u.user_id, "client_user_id": u.client_user_id, "notes": u.notes, "cohort": u.cohort}),
            );
        }
        Command::Users(UsersCmd::Set {
            user,
            notes,
            cohort,
        }) => {
            let u = app.set_participant_info(&user, notes.as_deref(), cohort.as_deref())?;
            print_json(
                &json!({"user_id": u.user_id, "client_user_id": u.client_user_id, "notes": u.notes, "cohort": u.cohort}),
            );
        }
        Command::Users(UsersCmd::Import { file }) => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                AppError::bad_request(
                    "unreadable_file",
                    format!("cannot read {}: {e}", file.display()),
                )
            })?;
            let r = app.import_participants(&text)?;
            for (line, why) in &r.errors {
                eprintln!("line {line}: {why}");
            }
            print_json(&serde_json::to_value(&r)?);
            if !r.errors.is_empty() {
                return Err(AppError::new(
                    "import_incomplete",
                    format!("{} lines were not imported; see above", r.errors.len()),
                ));
            }
        }
        Command::Users(UsersCmd::List) => users_list(&app, json_out)?,
        Command::Users(UsersCmd::Delete { user }) => {
            let u = app.resolve_user(&user)?;
            app.delete_user(&u.user_id).await?;
            eprintln!(
                "deleted {} and all of its data (tokens revoked where the provider allows)",
                u.client_user_id
            );
        }
        Command::Connect {
            user,
            provider,
            no_browser,
            ..
        } => connect(&app, &user, &provider, no_browser).await?,
        Command::Sync { user } => {
            let uid = user
                .map(|u| app.resolve_user(&u))
                .transpose()?
                .map(|u| u.user_id);
            let bar = progress_bar(&app);
            let reports = app.sync_user(uid.as_deref()).await?;
            bar.abort();
            for r in &reports {
                eprintln!(
                    "{} (connection {}): {} pages, {} summaries and {} samples new or changed, {}",
                    r.provider,
                    r.connection_id,
                    r.pages,
                    r.written.summaries_written,
                    r.written.samples_written,
                    r.status
                );
            }
            // Connections that need reconnect are not synced (or just found to need it):
            // say which and what to do, never nothing.
            let reauth: Vec<_> = app
                .connection_statuses(uid.as_deref())?
                .into_iter()
                .filter(|c| c.status == ConnectionStatus::ReauthRequired)
                .collect();
            if !reauth.is_empty() {
                return Err(needs_reconnect(&reauth));
            }
            if reports.iter().any(|r| r.status != "connected") {
                return Err(AppError::new(
                    "sync_failed",
                    "some connections did not sync; see above and `vital-link status`",
                ));
            }
        }
        Command::Data {
            kind,
            user,
            from,
            to,
            provider,
        } => {
            let v = vital_link_core::query::resource_data(
                &app,
                &user,
                kind.resource(),
                &from,
                to.as_deref(),
                provider.as_deref(),
            )?;
            print_json(&v);
        }
        Command::Status { user } => status(&app, user.as_deref(), json_out)?,
        Command::Serve {
            bind,
            allow_remote,
            sync_interval_minutes,
        } => {
            if !bind.is_loopback() && !allow_remote {
                return Err(AppError::bad_request(
                    "remote_bind_refused",
                    format!("refusing to listen on {bind}: the API would be reachable from the network; add --allow-remote if that is what you want"),
                ));
            }
            if !bind.is_loopback() {
                eprintln!("WARNING: listening on {bind}: any device that can reach this address can call the API with the key.");
            }
            let addr = plugins
                .api
                .serve(app.clone(), bind, app.config.api_port)
                .await?;
            let _ = app.api_key()?;
            app.start_background(sync_interval_minutes)?;
            eprintln!(
                "Vital Link API on http://{addr} ({} environment). API key: `vital-link api-key`. Ctrl-C to stop.",
                app.config.environment.as_str()
            );
            tokio::signal::ctrl_c()
                .await
                .map_err(|e| AppError::internal(e.to_string()))?;
        }
        Command::Webhooks(WebhooksCmd::Add { url, events }) => {
            let (id, secret) = app.add_webhook(&url, (!events.is_empty()).then_some(events))?;
            print_json(&json!({"id": id, "url": url, "secret": secret}));
            eprintln!(
                "Keep the secret: it is shown only now. Verify deliveries with any Svix verifier."
            );
        }
        Command::Forward(ForwardCmd::Set {
            url,
            api_key,
            provider_mode,
        }) => {
            let st = app.forward_set(&url, &api_key, provider_mode)?;
            print_json(&serde_json::to_value(st)?);
        }
        Command::Forward(ForwardCmd::Status) => {
            print_json(&serde_json::to_value(app.forward_status()?)?)
        }
        Command::Forward(ForwardCmd::Retry) => {
            let n = app.forward_retry()?;
            eprintln!(
                "{n} parked batches queued again; a running `serve` (or `forward push`) sends them"
            );
            print_json(&serde_json::to_value(app.forward_status()?)?);
        }
        Command::Forward(ForwardCmd::Push) => {
            if app.forward_config()?.is_none() {
                return Err(AppError::bad_request(
                    "forward_off",
                    "no forward target: `vital-link forward set --url ... --api-key ...` first",
                ));
            }
            while app.forward_once().await? > 0 {}
            print_json(&serde_json::to_value(app.forward_status()?)?);
        }
        Command::Forward(ForwardCmd::Off) => {
            app.forward_off()?;
            eprintln!("forwarding is off; the outbox was emptied");
        }
        Command::Settings(SettingsCmd::List) => {
            if json_out {
                let mut m = serde_json::Map::new();
                for k in SETTINGS {
                    m.insert(k.to_string(), json!(app.setting(k)?));
                }
                print_json(&Value::Object(m));
            } else {
                for k in SETTINGS {
                    println!("{k}\t{}", app.setting(k)?.unwrap_or_else(|| "-".into()));
                }
            }
        }
        Command::Settings(SettingsCmd::Get { key }) => {
            check_setting(&key)?;
            println!("{}", app.setting(&key)?.unwrap_or_default());
        }
        Command::Settings(SettingsCmd::Set { key, value }) => {
            check_setting(&key)?;
            if value.parse::<u32>().ok().filter(|v| *v > 0).is_none() {
                return Err(AppError::bad_request(
                    "invalid_setting",
                    format!("{key} takes a whole number above 0, not {value:?}"),
                ));
            }
            app.set_setting(&key, &value)?;
        }
        Command::Webhooks(WebhooksCmd::List) => print_json(&serde_json::to_value(app.webhooks()?)?),
        Command::Webhooks(WebhooksCmd::Remove { id }) => app.remove_webhook(id)?,
        Command::Export {
            format,
            out,
            participants,
            from,
            to,
            raw,
        } => {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} exporting {msg:16} [{bar:30}] {pos}/{len}",
                )
                .unwrap()
                .progress_chars("=> "),
            );
            let opts = vital_link_core::export::ExportOptions {
                format,
                out,
                participants,
                from,
                to,
                raw,
            };
            let report = app.export(&opts, &|done, total, what| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                bar.set_message(what.to_string());
            })?;
            bar.finish_and_clear();
            for f in &report.files {
                eprintln!("{:>9} rows  {}", f.rows, f.path.display());
            }
            print_json(
                &json!({"dir": report.dir, "participants": report.participants, "files": report.files.len()}),
            );
        }
        Command::Agreement { version, text_file } => {
            if let (Some(version), Some(file)) = (version, text_file) {
                let text = std::fs::read_to_string(&file).map_err(|e| {
                    AppError::bad_request(
                        "unreadable_file",
                        format!("cannot read {}: {e}", file.display()),
                    )
                })?;
                app.set_agreement(&vital_link_core::study::Agreement { version, text })?;
            }
            print_json(&serde_json::to_value(app.agreement()?)?);
        }
        Command::Passphrase { action } => {
            if action == "set" {
                let new = match std::env::var("VITAL_LINK_NEW_PASSPHRASE") {
                    Ok(p) => p,
                    Err(_) => {
                        let a = rpassword::prompt_password("New vault passphrase: ")
                            .map_err(|e| AppError::internal(e.to_string()))?;
                        let b = rpassword::prompt_password("Again: ")
                            .map_err(|e| AppError::internal(e.to_string()))?;
                        if a != b {
                            return Err(AppError::bad_request(
                                "passphrase_mismatch",
                                "the two passphrases differ; nothing was changed",
                            ));
                        }
                        a
                    }
                };
                app.set_passphrase(Some(&new))?;
                eprintln!("the vault key is now protected by the passphrase; start Vital Link with VITAL_LINK_PASSPHRASE set, or type it when asked");
            } else {
                app.set_passphrase(None)?;
                eprintln!(
                    "the passphrase is removed; the vault key is in {} (0600)",
                    app.config.data_dir.join("vault.key").display()
                );
            }
        }
        Command::Wipe { yes } => {
            if !yes {
                return Err(AppError::bad_request(
                    "confirmation_needed",
                    "this deletes every participant, reading and token: run again with --yes",
                ));
            }
            app.wipe().await?;
            eprintln!("all data deleted from {}", app.config.data_dir.display());
        }
        Command::Providers(ProvidersCmd::List) => providers_list(&app, json_out)?,
        Command::Providers(ProvidersCmd::Set {
            slug,
            client_id,
            client_secret,
        }) => {
            app.set_credentials(&slug, &client_id, client_secret.as_deref())?;
            eprintln!("stored the {slug} client credentials (the secret is sealed)");
        }
        Command::Providers(ProvidersCmd::Clear { slug }) => app.clear_credentials(&slug)?,
        Command::Providers(ProvidersCmd::ForwardPage { slug, url }) => {
            app.set_forward_page(&slug, url.as_deref())?;
            match url {
                Some(u) => eprintln!("{slug} sign-ins now return through {u}"),
                None => eprintln!("{slug}: forwarding page forgotten"),
            }
        }
        Command::Providers(ProvidersCmd::RedirectPort {
            slug,
            registered_port,
        }) => {
            app.set_redirect_port(&slug, registered_port)?;
            let p = app.provider(&slug)?;
            eprintln!(
                "{slug} sign-ins return to http://127.0.0.1:{}/callback in production; register exactly that",
                app.redirect_port(p.as_ref(), vital_link_core::config::Environment::Production)?
            );
        }
        Command::Providers(ProvidersCmd::AddCustom {
            slug,
            issuer,
            client_id,
            client_secret,
            scope,
            authorize_url,
            token_url,
        }) => {
            let cfg = vital_link_core::providers::custom::config_from(
                &app.http,
                &slug,
                issuer.as_deref(),
                authorize_url.as_deref(),
                token_url.as_deref(),
                scope.as_deref(),
            )
            .await?;
            app.add_custom_provider(cfg.clone(), &client_id, client_secret.as_deref())?;
            print_json(&vital_link_core::providers::custom::summary(&cfg));
        }
        Command::Providers(ProvidersCmd::RemoveCustom { slug }) => {
            app.remove_custom_provider(&slug)?
        }
        Command::Connection(cmd) => {
            let (user, provider) = match &cmd {
                ConnectionCmd::Show { user, provider }
                | ConnectionCmd::Refresh { user, provider }
                | ConnectionCmd::Disconnect { user, provider } => (user, provider),
            };
            let (u, c) = app.connection_of(user, provider)?;
            match cmd {
                ConnectionCmd::Show { .. } => {}
                ConnectionCmd::Refresh { .. } => {
                    app.force_refresh(c.id).await?;
                }
                ConnectionCmd::Disconnect { .. } => {
                    app.deregister(&u.user_id, provider).await?;
                    eprintln!("disconnected {provider} for {} (the token was revoked where the provider allows)", u.client_user_id);
                    return Ok(());
                }
            }
            let d = app.connection_details(c.id)?;
            let claims = app.id_token_claims(c.id)?;
            print_json(&json!({"details": d, "id_token_claims": claims}));
        }
        Command::ApiKey { rotate } => {
            let key = if rotate {
                app.rotate_api_key()?
            } else {
                app.api_key()?
            };
            println!("{key}");
        }
        Command::Doctor => doctor(&app, plugins.desktop, json_out)?,
        Command::SandboxBrowser { .. } => unreachable!("handled above"),
    }
    app.wait_background().await;
    Ok(())
}

/// `users list`: a header row, then one participant a line in client_user_id order.
fn users_list(app: &Arc<App>, json_out: bool) -> AppResult<()> {
    let (mut users, _) = app.list_users(0, i64::MAX)?;
    users.sort_by(|a, b| a.client_user_id.cmp(&b.client_user_id));
    let mut rows = vec![];
    for u in users {
        let conns = app.connections(Some(&u.user_id))?;
        rows.push((u, conns));
    }
    if json_out {
        let v: Vec<Value> = rows
            .iter()
            .map(|(u, conns)| {
                json!({"client_user_id": u.client_user_id, "user_id": u.user_id, "connections": conns.iter().map(|c| json!({"provider": c.provider, "status": c.status})).collect::<Vec<_>>()})
            })
            .collect();
        print_json(&Value::Array(v));
        return Ok(());
    }
    println!("client_user_id\tuser_id\tconnections");
    for (u, conns) in rows {
        let providers: Vec<String> = conns
            .iter()
            .map(|c| format!("{} ({})", c.provider, c.status))
            .collect();
        println!(
            "{}\t{}\t{}",
            u.client_user_id,
            u.user_id,
            if providers.is_empty() {
                "-".into()
            } else {
                providers.join(", ")
            }
        );
    }
    Ok(())
}

/// `status`: the connections, then what needs attention; exits 4 (reconnect) or 1 (failed).
fn status(app: &Arc<App>, user: Option<&str>, json_out: bool) -> AppResult<()> {
    let statuses = app.connection_statuses(user)?;
    if json_out {
        print_json(&serde_json::to_value(&statuses)?);
    } else {
        for c in &statuses {
            println!(
                "{}\t{}\t{}\tlast success {}\t{}{}",
                c.client_user_id,
                c.provider,
                c.sync_status,
                c.last_success.as_deref().unwrap_or("never"),
                c.next_run,
                c.error
                    .as_ref()
                    .map(|m| format!("  {m}"))
                    .unwrap_or_default(),
            );
        }
        let f = app.forward_status()?;
        if f.enabled {
            println!(
                "forwarding to {}: {} readings queued, {} batches parked, last delivery {}{}",
                f.url.unwrap_or_default(),
                f.outbox.readings,
                f.parked.batches,
                f.last_delivery_at.unwrap_or_else(|| "never".into()),
                f.last_error
                    .map(|e| format!(", last error: {e}"))
                    .unwrap_or_default()
            );
        }
    }
    let reauth: Vec<_> = statuses
        .iter()
        .filter(|c| c.status == ConnectionStatus::ReauthRequired)
        .cloned()
        .collect();
    if !reauth.is_empty() {
        return Err(needs_reconnect(&reauth));
    }
    let failed: Vec<_> = statuses
        .iter()
        .filter(|c| c.status == ConnectionStatus::Error)
        .collect();
    if !failed.is_empty() {
        let which: Vec<String> = failed
            .iter()
            .map(|c| format!("{} of {}", c.provider, c.client_user_id))
            .collect();
        return Err(AppError::new(
            "sync_failed",
            format!(
                "the last sync of {} failed (see above); it is retried at the next run, or now with `vital-link sync`",
                which.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The error for connections that need the participant to sign in again: which, and the
/// command that reconnects each.
fn needs_reconnect(conns: &[vital_link_core::report::ConnectionReport]) -> AppError {
    let what: Vec<String> = conns
        .iter()
        .map(|c| {
            format!(
                "{} needs {} to sign in again (`vital-link connect {} {}`)",
                c.provider,
                c.client_user_id,
                quote(&c.client_user_id),
                c.provider
            )
        })
        .collect();
    AppError::new(
        "reauth_required",
        format!(
            "{} not synced: {}",
            if conns.len() == 1 {
                "1 connection is".to_string()
            } else {
                format!("{} connections are", conns.len())
            },
            what.join("; ")
        ),
    )
}

/// `providers list`: a table and a verdict; `--json` for the full records.
fn providers_list(app: &Arc<App>, json_out: bool) -> AppResult<()> {
    use vital_link_core::providers::Availability;
    let creds = app.credentials_view()?;
    let env = app.config.environment;
    let sandbox = env == Environment::Sandbox;
    if json_out {
        let list: Vec<Value> = app
            .providers
            .all()
            .iter()
            .map(|p| {
                let c = creds.iter().find(|c| c.slug == p.spec().slug);
                json!({"slug": p.spec().slug, "name": p.spec().name, "availability": p.availability(env), "redirect": p.spec().redirect, "credentials": c})
            })
            .collect();
        print_json(&Value::Array(list));
        return Ok(());
    }
    println!("slug\tname\tcan connect\tcredentials");
    let (mut ready, mut need_creds) = (0, vec![]);
    for p in app.providers.all() {
        let slug = p.spec().slug;
        let c = creds.iter().find(|c| c.slug == slug);
        let has_creds = c.is_some_and(|c| c.source != "none");
        let (can, why) = match p.availability(env) {
            Availability::NotAvailable(reason) => (false, format!("no: {reason}")),
            Availability::Available if sandbox => match app.sandbox.client(slug) {
                Some(_) => (true, "yes (sandbox fake)".to_string()),
                None => (false, "no sandbox fake yet".to_string()),
            },
            Availability::Available if has_creds => (true, "yes".to_string()),
            Availability::Available => {
                need_creds.push(slug);
                (false, "needs credentials".to_string())
            }
        };
        if can {
            ready += 1;
        }
        let cred = match c {
            _ if sandbox => "not needed in the sandbox".to_string(),
            Some(c) if c.source != "none" => {
                format!("{} ({})", c.client_id.as_deref().unwrap_or("?"), c.source)
            }
            _ => "not set".to_string(),
        };
        println!("{slug}\t{}\t{why}\t{cred}", p.spec().name);
    }
    println!();
    println!(
        "{ready} of {} providers can be connected here ({} environment).",
        app.providers.all().len(),
        env.as_str()
    );
    if !need_creds.is_empty() {
        println!(
            "To connect {}, register an app with the provider and run `vital-link providers set <slug> --client-id ...` (docs/providers/<slug>.md).",
            need_creds.join(", ")
        );
    }
    Ok(())
}

/// `doctor`: what the app uses, then a verdict with what to do; `--json` for a support request.
fn doctor(app: &Arc<App>, desktop: bool, json_out: bool) -> AppResult<()> {
    let d = app.doctor(desktop);
    if json_out {
        print_json(&d);
        return Ok(());
    }
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    };
    let db = &d["database"];
    let writable = db["writable"].as_bool().unwrap_or(false);
    println!(
        "Vital Link {} ({} environment{})",
        text(&d["version"]),
        text(&d["environment"]),
        if desktop {
            ", with the desktop window"
        } else {
            ", no desktop window in this build"
        }
    );
    println!("  data directory  {}", text(&d["data_dir"]));
    println!(
        "  database        {} (schema {}, SQLite {}, {})",
        text(&db["path"]),
        text(&db["schema_version"]),
        text(&db["sqlite"]),
        if writable { "writable" } else { "read-only" }
    );
    let key = match d["vault"]["key_source"].as_str().unwrap_or("") {
        "os_keyring" => "the system keyring".to_string(),
        "passphrase" => "a key file protected by a passphrase".to_string(),
        "key_file" => format!("the key file {}", text(&d["vault"]["key_file"])),
        other => other.to_string(),
    };
    println!("  vault key       {key}");
    println!("  logs            {}", text(&d["logs"]));
    println!(
        "  browser         {}",
        d["browser"]
            .as_str()
            .unwrap_or("the system default ($BROWSER is not set)")
    );
    if let Some(fakes) = d["sandbox"].as_object().filter(|m| !m.is_empty()) {
        println!("  sandbox fakes   {} running", fakes.len());
    }
    let mut problems = vec![];
    if !writable {
        problems.push(format!(
            "the database is read-only: make {} writable, or choose another with --data-dir",
            text(&d["data_dir"])
        ));
    }
    if desktop && d["display"].is_null() && cfg!(target_os = "linux") {
        problems.push(
            "no display ($DISPLAY is not set): the window cannot open; use the commands or `serve`"
                .to_string(),
        );
    }
    let attention = app
        .connection_statuses(None)?
        .into_iter()
        .filter(|c| c.status.needs_attention())
        .count();
    if attention > 0 {
        problems.push(format!(
            "{attention} connection{} need{} attention: see `vital-link status`",
            if attention == 1 { "" } else { "s" },
            if attention == 1 { "s" } else { "" }
        ));
    }
    if problems.is_empty() {
        println!("\nVerdict: all is well.");
    } else {
        println!("\nVerdict: {} to fix:", problems.len());
        for p in problems {
            println!("  - {p}");
        }
    }
    Ok(())
}

fn check_setting(key: &str) -> AppResult<()> {
    if SETTINGS.contains(&key) {
        Ok(())
    } else {
        Err(AppError::bad_request(
            "invalid_setting",
            format!("unknown setting {key:?}; known: {}", SETTINGS.join(", ")),
        ))
    }
}

fn progress_bar(app: &Arc<App>) -> tokio::task::JoinHandle<()> {
    let mut rx = app.events.subscribe();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg:24} [{bar:30}] {pos}/{len} windows",
        )
        .unwrap()
        .progress_chars("=> "),
    );
    tokio::spawn(async move {
        while let Some(ev) = vital_link_core::app::next_event(&mut rx).await {
            match ev {
                AppEvent::SyncProgress {
                    resource,
                    done,
                    total,
                    ..
                } => {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                    bar.set_message(format!("syncing {resource}"));
                }
                AppEvent::SyncFinished { .. } => bar.finish_and_clear(),
                _ => {}
            }
        }
    })
}

async fn connect(app: &Arc<App>, user: &str, provider: &str, no_browser: bool) -> AppResult<()> {
    let u = app.resolve_user(user)?;
    let link = app.create_link_token(NewLinkToken {
        user_id: u.user_id.clone(),
        provider: Some(provider.to_string()),
        ..Default::default()
    })?;
    let mut rx = app.events.subscribe();
    let started = app
        .link_start(&link.link_token, provider, !no_browser)
        .await?;
    let wait = app.config.oauth_timeout.as_secs();
    if no_browser {
        println!(
            "Open this URL in a browser to connect {provider} for {}:\n{}",
            u.client_user_id, started.oauth_url
        );
        eprintln!(
            "Waiting for the sign-in to come back to this computer (up to {}; --timeout to change). Ctrl-C stops.",
            human_duration(wait)
        );
    } else {
        eprintln!(
            "Opened your browser to sign in to {provider}. Waiting for you to approve (up to {}; Ctrl-C stops)...",
            human_duration(wait)
        );
    }
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let s = app.link_state(&link.link_token)?;
        match s.state {
            vital_link_core::states::LinkStatus::Success => break,
            vital_link_core::states::LinkStatus::Error
            | vital_link_core::states::LinkStatus::Exited => {
                return Err(AppError::new(
                    "link_failed",
                    format!(
                        "{provider} was not connected: {} ({})",
                        s.error.unwrap_or_default(),
                        s.error_type.unwrap_or_default()
                    ),
                ))
            }
            _ => {
                tokio::select! {
                    _ = &mut ctrl_c => {
                        let _ = app.link_cancel(&link.link_token);
                        return Err(AppError::new(
                            "user_cancelled",
                            format!("stopped with Ctrl-C: {provider} was not connected"),
                        ));
                    }
                    _ = tokio::time::timeout(Duration::from_millis(500), rx.recv()) => {}
                }
            }
        }
    }
    eprintln!(
        "Connected {provider} for {}. Syncing the last {} days...",
        u.client_user_id, app.config.history_days
    );
    let bar = progress_bar(app);
    app.wait_background().await;
    bar.abort();
    let (_, c) = app.connection_of(&u.user_id, provider)?;
    let counts = app.stored_counts(&u.user_id)?;
    print_json(
        &json!({"state": "success", "provider": provider, "user_id": u.user_id, "client_user_id": u.client_user_id, "status": c.status, "error": c.error_message, "stored": counts}),
    );
    if c.status != ConnectionStatus::Connected {
        return Err(AppError::new(
            "sync_failed",
            format!(
                "connected, but the first sync failed: {}",
                c.error_message.unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

/// "5 minutes", "90 seconds".
fn human_duration(secs: u64) -> String {
    if secs >= 120 && secs.is_multiple_of(60) {
        format!("{} minutes", secs / 60)
    } else {
        format!("{secs} seconds")
    }
}

/// `id` as a shell word.
fn quote(id: &str) -> String {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@:/".contains(c))
    {
        id.to_string()
    } else {
        format!("'{}'", id.replace('\'', "'\\''"))
    }
}
