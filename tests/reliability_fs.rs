//! The data directory on disk, as the real binary leaves it: owner-only modes for everything in
//! it.
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

const APP: &str = env!("CARGO_BIN_EXE_vital-link");

fn vl(dir: &Path) -> Command {
    let mut c = Command::new(APP);
    c.env("VITAL_LINK_DATA_DIR", dir)
        .env("VITAL_LINK_SANDBOX_NOW", "2026-11-20T15:00:00Z")
        .env("VITAL_LINK_HISTORY_DAYS", "3")
        .env("VITAL_LINK_LOG", "warn")
        .env("BROWSER", format!("{APP} sandbox-browser"))
        .env_remove("VITAL_LINK_ENV");
    c
}

fn run(dir: &Path, args: &[&str]) -> String {
    let o = vl(dir).args(args).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A data directory after a real run: a user connected to the sandbox Oura and synced.
fn synced(dir: &Path) {
    run(dir, &["users", "add", "fs-user"]);
    run(dir, &["connect", "fs-user", "oura"]);
    run(dir, &["status"]);
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        out.push(p.clone());
        if p.is_dir() {
            walk(&p, out);
        }
    }
}

#[test]
fn everything_in_the_data_directory_is_owner_only_after_a_real_run() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data");
    synced(&d);
    let mut all = vec![d.clone()];
    walk(&d, &mut all);
    for sub in ["logs", "sandbox"] {
        assert!(
            all.iter()
                .any(|p| p.parent() == Some(&d.join(sub)) && p.is_file()),
            "{sub}/ has files: {all:?}"
        );
    }
    for p in &all {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, want, "{} is {mode:o}", p.display());
    }
}
