//! Tracing to stderr (terse for the CLI) and to a daily log file in the data directory.
//! Nothing logged ever contains a token, a code or a secret: those types redact themselves.
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Keeps the file writer alive; drop it last.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

pub fn init(log_dir: Option<&Path>, stderr_default: &str) -> LogGuard {
    let stderr_filter = EnvFilter::try_from_env("VITAL_LINK_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("{stderr_default},tao=error,wry=error")));
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(stderr_filter);
    let (file, guard) =
        match log_dir.and_then(|d| crate::config::create_private_dir(d).ok().map(|_| d)) {
            Some(dir) => {
                restrict_old_logs(dir);
                let (writer, guard) = tracing_appender::non_blocking(DailyFile::new(dir));
                let layer = fmt::layer()
                    .with_writer(writer)
                    .with_ansi(false)
                    .with_filter(EnvFilter::new("info,vital_link=debug,tao=error,wry=error"));
                (Some(layer), Some(guard))
            }
            None => (None, None),
        };
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
    LogGuard(guard)
}

/// Log files an older version left world-readable (0644) become owner-only.
fn restrict_old_logs(dir: &Path) {
    #[cfg(unix)]
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        use std::os::unix::fs::PermissionsExt;
        if e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o600));
        }
    }
}

/// `vital-link.log.YYYY-MM-DD` (UTC), a new file each day, as tracing-appender's daily
/// appender names them; but created owner-only, where the appender's follow the umask (0644).
struct DailyFile {
    dir: PathBuf,
    open: Option<(NaiveDate, std::fs::File)>,
}

impl DailyFile {
    fn new(dir: &Path) -> DailyFile {
        DailyFile {
            dir: dir.to_path_buf(),
            open: None,
        }
    }

    fn today(&mut self) -> std::io::Result<&mut std::fs::File> {
        let day = chrono::Utc::now().date_naive();
        if self.open.as_ref().is_none_or(|(d, _)| *d != day) {
            let path = self.dir.join(format!("vital-link.log.{day}"));
            self.open = Some((day, crate::config::open_private(&path, true)?));
        }
        Ok(&mut self.open.as_mut().expect("opened above").1)
    }
}

impl Write for DailyFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.today()?.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.open {
            Some((_, f)) => f.flush(),
            None => Ok(()),
        }
    }
}
