//! Tracing to stderr (terse for the CLI) and to a daily log file in the data directory.
//! Nothing logged ever contains a token, a code or a secret: those types redact themselves.
use std::path::Path;

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
    let (file, guard) = match log_dir.and_then(|d| std::fs::create_dir_all(d).ok().map(|_| d)) {
        Some(dir) => {
            let appender = tracing_appender::rolling::daily(dir, "vital-link.log");
            let (writer, guard) = tracing_appender::non_blocking(appender);
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
