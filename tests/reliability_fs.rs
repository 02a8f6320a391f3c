//! The data directory on disk, as the real binary leaves it: owner-only modes for everything in
//! it, and reading that keeps working when the disk is full.
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
    // What an older version left: world-readable directories and an old log file.
    std::fs::create_dir_all(d.join("logs")).unwrap();
    std::fs::create_dir_all(d.join("sandbox")).unwrap();
    let old_log = d.join("logs/vital-link.log.2020-01-01");
    std::fs::write(&old_log, "old\n").unwrap();
    for p in [&d, &d.join("logs"), &d.join("sandbox")] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&old_log, std::fs::Permissions::from_mode(0o644)).unwrap();
    synced(&d);
    let mut all = vec![d.clone()];
    walk(&d, &mut all);
    for sub in ["logs", "sandbox"] {
        assert!(
            all.iter()
                .any(|p| p.parent() == Some(&d.join(sub)) && p.is_file() && *p != old_log),
            "{sub}/ has files of this run: {all:?}"
        );
    }
    for p in &all {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, want, "{} is {mode:o}", p.display());
    }
}

/// Runs `args` on a copy of `data` on a tmpfs filled to the last byte, in a mount namespace
/// of its own (the mount cannot outlive the command). None when mounting is not allowed here.
fn on_full_disk(data: &Path, mnt: &Path, args: &[&str]) -> Option<Output> {
    let script = r#"mount -t tmpfs -o size=16m,mode=0700 tmpfs "$1" || exit 97
cp -a "$2"/. "$1"/ || exit 98
dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null
[ "$(df --output=avail "$1" | tail -1 | tr -d ' ')" = 0 ] || exit 99
shift 2
exec "$@""#;
    let app = vl(mnt);
    let o = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .arg(mnt)
        .arg(data)
        .arg(APP)
        .args(args)
        .envs(app.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .env_remove("VITAL_LINK_ENV")
        .output()
        .ok()?;
    match o.status.code() {
        Some(97) => None,
        Some(98 | 99) => panic!("could not fill the disk: {}", stderr(&o)),
        _ => Some(o),
    }
}

/// Folds the WAL into the database file and removes it, as a clean close leaves it.
fn checkpoint(d: &Path) {
    let c = rusqlite::Connection::open(d.join("vital-link.sqlite3")).unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(c);
    assert!(!d.join("vital-link.sqlite3-wal").exists());
}

#[test]
fn reads_work_on_a_full_disk_with_a_wal_and_writes_refuse_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data");
    synced(&d);
    assert!(d.join("vital-link.sqlite3-wal").exists());
    reads_work_on_a_full_disk(tmp.path(), &d);
}

#[test]
fn reads_work_on_a_full_disk_without_a_wal_and_writes_refuse_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data");
    synced(&d);
    checkpoint(&d);
    reads_work_on_a_full_disk(tmp.path(), &d);
}

/// `status`, `data` and `export` (to a writable folder) on a full copy of `d` succeed; a
/// write refuses, saying what is wrong and what to do.
fn reads_work_on_a_full_disk(tmp: &Path, d: &Path) {
    let d = d.to_path_buf();
    let mnt = tmp.join("full");
    let out = tmp.join("export");
    std::fs::create_dir_all(&mnt).unwrap();
    let Some(o) = on_full_disk(&d, &mnt, &["status"]) else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root and mount namespaces)");
        return;
    };
    assert!(o.status.success(), "status: {}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("fs-user\toura\tconnected"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = on_full_disk(
        &d,
        &mnt,
        &[
            "data",
            "sleep",
            "fs-user",
            "--from",
            "2026-11-18",
            "--to",
            "2026-11-20",
        ],
    )
    .unwrap();
    assert!(o.status.success(), "data: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!v["sleep"].as_array().unwrap().is_empty(), "{v}");
    let o = on_full_disk(
        &d,
        &mnt,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
            "--from",
            "2026-11-18",
            "--to",
            "2026-11-20",
        ],
    )
    .unwrap();
    assert!(o.status.success(), "export: {}", stderr(&o));
    assert!(out.join("manifest.json").is_file());

    let o = on_full_disk(&d, &mnt, &["users", "add", "another"]).unwrap();
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("is not writable"), "{err}");
    assert!(err.contains("free disk space"), "{err}");
    // Nothing of the original was touched.
    assert!(!run(&d, &["users", "list"]).contains("another"));
}
