//! The official Vital Python SDK (PyPI `vital` 2.x) in a venv under target/, and the read-back
//! of one user's readings through it (tests/conformance/python/forward_readback.py).
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const SDK: &str = "vital==2.1.569";

/// A venv with the official SDK under the target directory, made once.
pub fn python_with_sdk() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap().to_path_buf(); // target/debug/deps/<test>
    let venv = target.join("pyvenv-forward");
    let py = venv.join("bin/python");
    let ok = |py: &Path| {
        Command::new(py)
            .args(["-c", "import vital"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ok(&py) {
        let s = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is needed for the SDK check");
        assert!(s.success(), "python3 -m venv failed");
        let s = Command::new(venv.join("bin/pip"))
            .args(["install", "-q", SDK])
            .status()
            .unwrap();
        assert!(s.success(), "pip install {SDK} failed (is PyPI reachable?)");
    }
    assert!(ok(&py));
    py
}

/// Every reading of `client_user_id` on `base`, read through the SDK, as a canonical digest.
pub fn readback(
    py: &Path,
    base: &str,
    key: &str,
    client_user_id: &str,
    start: &str,
    end: &str,
) -> Value {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/python/forward_readback.py");
    let o = Command::new(py)
        .arg(script)
        .args([base, key, client_user_id, start, end])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "SDK read-back from {base} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}
