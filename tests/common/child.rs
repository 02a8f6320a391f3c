//! The real `vital-link` binary as a child process: one-shot commands and `serve`, on a data
//! directory of its own, with the sandbox clock fixed at [`super::NOW`].
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const APP: &str = env!("CARGO_BIN_EXE_vital-link");

/// One installation of the app: its data directory and history depth.
pub struct Node<'a> {
    pub dir: &'a Path,
    pub days: u32,
}

impl Node<'_> {
    pub fn command(&self) -> Command {
        let mut c = Command::new(APP);
        c.env("VITAL_LINK_DATA_DIR", self.dir)
            .env("VITAL_LINK_SANDBOX_NOW", super::NOW)
            .env("VITAL_LINK_HISTORY_DAYS", self.days.to_string())
            .env("VITAL_LINK_LOG", "warn")
            .env_remove("VITAL_LINK_ENV")
            .env_remove("VITAL_LINK_PORT");
        c
    }

    /// Runs a command to completion and returns its trimmed stdout; panics with its stderr.
    pub fn run(&self, args: &[&str]) -> String {
        let o = self.command().args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// Starts `serve` on `port` (0: any free one) and returns the child and its base URL once
    /// it listens.
    pub fn serve(&self, port: u16) -> (Child, String) {
        self.serve_with(port, &[])
    }

    /// `serve` with more arguments (`--database URL`, ...).
    pub fn serve_with(&self, port: u16, extra: &[&str]) -> (Child, String) {
        let mut child = self
            .command()
            .args(["serve", "--port", &port.to_string()])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("serve exited before listening")
                .unwrap();
            if let Some(rest) = line.strip_prefix("Vital Link API on ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        // Keep reading so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        (child, base)
    }
}

/// SIGKILL, then reap.
pub fn kill(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
