// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use clap::Parser;
use vital_link::cli::{self, Cli};

fn main() {
    let mut cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("cannot start the async runtime");
    let log_dir = cli.config().ok().map(|c| c.log_dir());
    let code = match cli.command.take() {
        None => run_window(cli, runtime, log_dir),
        Some(cmd) => {
            let _guard = vital_link::logging::init(log_dir.as_deref(), "warn,vital_link=warn");
            match runtime.block_on(cli::run(cli, cmd, &vital_link::plugins())) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("error: {}", e.message);
                    // The catalogue's exit code (docs/errors.md).
                    e.exit_code()
                }
            }
        }
    };
    std::process::exit(code);
}

#[cfg(feature = "desktop")]
fn run_window(
    cli: Cli,
    runtime: tokio::runtime::Runtime,
    log_dir: Option<std::path::PathBuf>,
) -> i32 {
    let _guard = vital_link::logging::init(log_dir.as_deref(), "info");
    let config = match cli.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}", e.message);
            return e.exit_code();
        }
    };
    match vital_link::desktop::run(config, vital_link::plugins(), runtime) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {}", e.message);
            e.exit_code()
        }
    }
}

#[cfg(not(feature = "desktop"))]
fn run_window(
    _cli: Cli,
    _runtime: tokio::runtime::Runtime,
    _log_dir: Option<std::path::PathBuf>,
) -> i32 {
    eprintln!("This build has no desktop window (built without the `desktop` feature). Try `vital-link serve`, `vital-link connect`, or `vital-link --help`.");
    2
}
