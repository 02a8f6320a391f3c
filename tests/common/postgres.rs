//! A real PostgreSQL server for a test: an unprivileged cluster in a temp dir (`initdb` +
//! `pg_ctl`), TCP on 127.0.0.1 at a free port and no Unix socket, stopped through its own
//! `postmaster.pid` when dropped. Debian's `postgresql` package (scripts/setup.sh) provides it.
//! Self-contained: the benchmarks include it too.
#![allow(dead_code)]
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Postgres {
    root: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The newest installed server's binaries.
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().expect(
        "PostgreSQL's server binaries are missing (/usr/lib/postgresql/*/bin/initdb): run scripts/setup.sh, which installs Debian's postgresql",
    )
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { geteuid() == 0 }
}

extern "C" {
    fn geteuid() -> u32;
}

impl Postgres {
    pub fn start() -> Postgres {
        let bin = bin_dir();
        let root = tempfile::tempdir().unwrap();
        // The server refuses to run as root: then the cluster belongs to Debian's `postgres`.
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let data = root.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
        if is_root() {
            let s = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(root.path())
                .status()
                .unwrap();
            assert!(s.success(), "chown of the cluster directory failed");
        }
        let pg = Postgres {
            root,
            bin,
            port: free_port(),
        };
        pg.run(
            "initdb",
            &[
                "-D",
                pg.data().to_str().unwrap(),
                "-U",
                "vital",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        pg.ctl_start();
        pg
    }

    fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let o = self.output(tool, args);
        assert!(
            o.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }

    fn output(&self, tool: &str, args: &[&str]) -> std::process::Output {
        let exe = self.bin.join(tool);
        let mut c = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        c.args(args).current_dir(self.root.path()).output().unwrap()
    }

    fn ctl_start(&self) {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200",
            self.port
        );
        let log = self.root.path().join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data().to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "-o",
                &opts,
                "start",
            ],
        );
    }

    /// Stops the server (`-m immediate`: as if it crashed) and starts it again on its port.
    pub fn restart_crashed(&self) {
        self.stop_with("immediate");
        self.ctl_start();
    }

    fn stop_with(&self, mode: &str) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data().to_str().unwrap(),
                "-m",
                mode,
                "-w",
                "stop",
            ],
        );
    }

    /// A new, empty database on this server, as a URL.
    pub fn database(&self, name: &str) -> String {
        self.query("postgres", &format!("CREATE DATABASE {name}"));
        format!("postgres://vital@127.0.0.1:{}/{name}", self.port)
    }

    /// One value from a query, as psql prints it.
    pub fn query(&self, db: &str, sql: &str) -> String {
        let port = self.port.to_string();
        let o = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &port, "-U", "vital", "-d", db])
            .args(["-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    pub fn log(&self) -> PathBuf {
        self.root.path().join("server.log")
    }

    pub fn dir(&self) -> &Path {
        self.root.path()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // pg_ctl signals the PID in this cluster's postmaster.pid: only the server started here.
        if self.data().join("postmaster.pid").exists() {
            let data = self.data();
            let _ = self.output(
                "pg_ctl",
                &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
            );
        }
    }
}
