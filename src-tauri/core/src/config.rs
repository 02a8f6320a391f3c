//! Where the app keeps its data and which environment it talks to.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

pub const APP_IDENTIFIER: &str = "org.vitallink.desktop";
pub const DEFAULT_API_PORT: u16 = 8750;
pub const DEFAULT_HISTORY_DAYS: u32 = 90;
/// The setting (`vital-link settings set history_days N`) used when no flag or environment
/// variable gives the history depth.
pub const HISTORY_DAYS_SETTING: &str = "history_days";
pub const DEFAULT_SYNC_INTERVAL_MINUTES: i64 = 60;
pub const SYNC_INTERVAL_SETTING: &str = "sync_interval_minutes";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Faithful fake providers on loopback: no credentials, no network.
    Sandbox,
    /// The providers' real APIs, with the user's own registered client credentials.
    Production,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Sandbox => "sandbox",
            Environment::Production => "production",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub environment: Environment,
    /// Given on the command line or in the environment; otherwise the saved setting applies.
    pub environment_explicit: bool,
    /// How far back the first sync of a new connection reaches.
    pub history_days: u32,
    /// Whether `history_days` came from a flag or the environment (else the stored setting,
    /// when there is one, wins over the default).
    pub history_days_explicit: bool,
    /// Port of the local Vital-compatible API; 0 picks a free one.
    pub api_port: u16,
    /// How long the loopback listener waits for the browser to come back.
    pub oauth_timeout: std::time::Duration,
    /// Local API rate limit for each valid API key: burst size and requests per second after it.
    pub api_rate_limit: (f64, f64),
    /// The same for all requests without a valid key together (health checks, the link page):
    /// small, so a caller without the key cannot crowd out those with it.
    pub api_anonymous_rate_limit: (f64, f64),
    /// How the forwarder retries a batch the target failed, and when it parks it.
    pub forward_retry: crate::forward::RetryPolicy,
    /// The command only reads (`status`, `data`, `export`, ...): a data directory that cannot
    /// be written (disk full, read-only mount) is then opened read-only instead of refused.
    pub only_reads: bool,
    /// A study server's PostgreSQL database (`--database`, `VITAL_LINK_DATABASE_URL`): the
    /// participants and their readings live there instead of in the SQLite file.
    pub database_url: Option<String>,
    /// Where the log files go; `None` keeps them in `<data dir>/logs`. The platform data
    /// directory pairs with the platform state directory (`~/.local/state/vital-link/logs`),
    /// as the XDG base directories intend; a data directory chosen by flag keeps its logs beside
    /// it, so one folder holds a test's or a portable install's whole state.
    pub log_dir: Option<PathBuf>,
}

impl Config {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            environment: Environment::Sandbox,
            environment_explicit: false,
            history_days: DEFAULT_HISTORY_DAYS,
            history_days_explicit: false,
            api_port: DEFAULT_API_PORT,
            oauth_timeout: std::time::Duration::from_secs(300),
            api_rate_limit: (2000.0, 1000.0),
            api_anonymous_rate_limit: (200.0, 100.0),
            forward_retry: crate::forward::RetryPolicy::default(),
            only_reads: false,
            database_url: None,
            log_dir: None,
        }
    }

    /// `--data-dir`, else `VITAL_LINK_DATA_DIR` (clap reads it), else the platform data directory.
    pub fn default_data_dir() -> AppResult<PathBuf> {
        directories::ProjectDirs::from("org", "vitallink", "vital-link")
            .map(|d| d.data_dir().to_path_buf())
            .ok_or_else(|| {
                AppError::internal(
                    "no home directory found: pass --data-dir or set VITAL_LINK_DATA_DIR",
                )
            })
    }

    /// The platform state directory's `logs` (`$XDG_STATE_HOME/vital-link/logs`, else
    /// `~/.local/state/vital-link/logs`); `None` where the platform has no state directory.
    pub fn default_log_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("org", "vitallink", "vital-link")
            .and_then(|d| d.state_dir().map(|s| s.join("logs")))
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("vital-link.sqlite3")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.log_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("logs"))
    }
}

/// `dir` and any missing parents, owner-only (0700) even when they exist already: everything
/// under the data directory holds health data or secrets. A directory that is already 0700 is
/// left untouched, so this works on a read-only disk.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        b.mode(0o700);
        b.create(dir)?;
        if std::fs::metadata(dir)?.permissions().mode() & 0o777 == 0o700 {
            return Ok(());
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    b.create(dir)
}

/// Opens `path` owner-only (0600), created if missing; `append` or truncated. An existing file
/// of an older version is made owner-only too.
pub fn open_private(path: &Path, append: bool) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true);
    if append {
        opts.append(true);
    } else {
        opts.write(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let f = opts.open(path)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(f)
    }
    #[cfg(not(unix))]
    opts.open(path)
}

/// Writes `bytes` to `path` owner-only.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    open_private(path, false)?.write_all(bytes)
}

/// Create the data directory with owner-only permissions and prove it is writable, so a bad
/// path fails at start with a clear message rather than half-way through a sync.
pub fn prepare_data_dir(dir: &Path) -> AppResult<()> {
    let not_writable = |e: std::io::Error| {
        AppError::new(
            "data_dir_not_writable", format!(
                "the data directory {} is not writable ({e}): free disk space or fix its permissions, or choose another with --data-dir or VITAL_LINK_DATA_DIR (status, data and export still read it meanwhile)",
                dir.display()
            ),
        )
    };
    std::fs::create_dir_all(dir).map_err(not_writable)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let probe = dir.join(".write-probe");
    let written = write_private(&probe, b"ok");
    // A full disk may still create the file before the write fails: leave nothing behind.
    let _ = std::fs::remove_file(probe);
    written.map_err(not_writable)
}
