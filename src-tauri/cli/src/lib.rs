//! The command line: every capability is scriptable for labs and CI, with no display needed.
//! Each command group is parsed here and run by its own module: parse, call the core, print.
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use vital_link_core::config::{Config, Environment, DEFAULT_API_PORT};
use vital_link_core::error::AppResult;
use vital_link_core::faces::{clock, Options, Plugins};

mod data;
mod doctor;
mod forward;
mod import;
mod providers;
mod serve;
mod settings;
mod sync;
mod text;
mod users;

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
    /// A study server's PostgreSQL database (postgres://USER@HOST:PORT/DB): participants and
    /// their readings live there. For `serve`, `api-key`, `users`, `data` and `doctor`
    /// (docs/study-server.md).
    #[arg(long = "database", env = "VITAL_LINK_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
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
    /// A Model Context Protocol server over stdio for your own AI assistant: read-only, and
    /// only the participants named (docs/mcp.md has the config snippet to register it).
    Mcp {
        /// client_user_id or user_id the assistant may see; repeat for several; default everyone.
        #[arg(long = "participant")]
        participants: Vec<String>,
        /// Only the participants of this cohort.
        #[arg(long)]
        cohort: Option<String>,
        /// Also offer the providers' raw payloads (get_raw). Off by default.
        #[arg(long)]
        allow_raw: bool,
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
    /// Import a file no API delivers: the Health app's export (export.zip, export.xml, or the
    /// unpacked apple_health_export folder), a FIT activity file or a folder of them.
    /// Importing it again adds nothing (docs/imports.md).
    Import {
        /// client_user_id or Vital user_id.
        user: String,
        /// export.zip, export.xml, a .fit file, or a folder holding export.xml or .fit files.
        path: PathBuf,
        /// Readings per transaction.
        #[arg(long, default_value_t = vital_link_core::import::DEFAULT_BATCH)]
        batch: usize,
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
        /// Show what would be added, kept and skipped, line by line, and change nothing.
        #[arg(long)]
        dry_run: bool,
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
            database_url: self.database_url.clone(),
        }
    }

    pub fn config(&self) -> AppResult<Config> {
        self.options().config()
    }
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

/// What a study server does with its PostgreSQL database; everything else is the desktop's.
fn works_on_study_database(command: &Command) -> bool {
    matches!(
        command,
        Command::Serve { .. }
            | Command::ApiKey { .. }
            | Command::Users(_)
            | Command::Data { .. }
            | Command::Doctor
    )
}

/// Runs a non-window command.
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
    if config.database_url.is_some() && !works_on_study_database(&command) {
        return Err(vital_link_core::error::AppError::bad_request(
            "not_on_study_database",
            "--database (VITAL_LINK_DATABASE_URL) is for a study server: `serve`, `api-key`, `users`, `data` and `doctor`. Connecting, syncing, importing and forwarding work on this computer's own file: run them without it",
        ));
    }
    let app = plugins.start(config, clock()?).await?;
    match command {
        Command::Users(cmd) => users::run(&app, cmd, json_out).await?,
        Command::Connect {
            user,
            provider,
            no_browser,
            ..
        } => sync::connect(&app, &user, &provider, no_browser).await?,
        Command::Sync { user } => sync::sync(&app, user).await?,
        Command::Status { user } => sync::status(&app, user.as_deref(), json_out)?,
        Command::Connection(cmd) => sync::connection(&app, cmd).await?,
        Command::Data {
            kind,
            user,
            from,
            to,
            provider,
        } => data::data(&app, kind, user, from, to, provider)?,
        Command::Export {
            format,
            out,
            participants,
            from,
            to,
            raw,
        } => {
            let opts = vital_link_core::export::ExportOptions {
                format,
                out,
                participants,
                from,
                to,
                raw,
            };
            data::export(&app, opts)?
        }
        Command::Serve {
            bind,
            allow_remote,
            sync_interval_minutes,
        } => serve::serve(&app, plugins, bind, allow_remote, sync_interval_minutes).await?,
        Command::Mcp {
            participants,
            cohort,
            allow_raw,
        } => {
            let scope = vital_link_core::explore::Scope {
                participants,
                cohort,
            };
            plugins
                .mcp
                .serve_stdio(app.clone(), scope, allow_raw)
                .await?
        }
        Command::Webhooks(cmd) => forward::webhooks(&app, cmd)?,
        Command::Forward(cmd) => forward::forward(&app, cmd).await?,
        Command::Settings(cmd) => settings::settings(&app, cmd, json_out)?,
        Command::Import { user, path, batch } => {
            import::import(&app, user, path, batch, json_out).await?
        }
        Command::Agreement { version, text_file } => settings::agreement(&app, version, text_file)?,
        Command::Passphrase { action } => settings::passphrase(&app, &action)?,
        Command::ApiKey { rotate } => settings::api_key(&app, rotate)?,
        Command::Wipe { yes } => settings::wipe(&app, yes).await?,
        Command::Providers(cmd) => providers::run(&app, cmd, json_out).await?,
        Command::Doctor => doctor::doctor(&app, plugins.desktop, json_out)?,
        Command::SandboxBrowser { .. } => unreachable!("handled above"),
    }
    app.wait_background().await;
    Ok(())
}
