//! The crates' allowed dependencies (docs/architecture.md): a face depends on the core only,
//! never on another face or the sandbox; the core has no window and no HTTP server framework
//! anywhere in its dependency tree. (The store is private to the core, so a face that reaches
//! past `App` does not compile at all.)
use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

const CORE: &str = "vital-link-core";
const ONLY_CORE: [&str; 4] = [
    "vital-link-api",
    "vital-link-cli",
    "vital-link-desktop",
    "vital-link-fake",
];
/// Crates that make a crate a window or an HTTP server (reqwest, an HTTP client, brings hyper
/// and tower along; the OAuth listener is the one-shot `tiny_http`).
const FRAMEWORKS: [&str; 6] = ["tauri", "wry", "webkit2gtk", "axum", "warp", "actix-web"];

fn cargo(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .arg("--offline")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Our crates a package names as normal (not dev, not build) dependencies.
fn our_direct_deps(meta: &Value, package: &str) -> BTreeSet<String> {
    let p = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == package)
        .unwrap_or_else(|| panic!("no package {package}"));
    p["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"].is_null())
        .filter_map(|d| d["name"].as_str())
        .filter(|n| n.starts_with("vital-link"))
        .map(str::to_string)
        .collect()
}

#[test]
fn faces_and_the_sandbox_depend_on_the_core_only() {
    let meta: Value =
        serde_json::from_str(&cargo(&["metadata", "--no-deps", "--format-version", "1"])).unwrap();
    for package in ONLY_CORE {
        assert_eq!(
            our_direct_deps(&meta, package),
            BTreeSet::from([CORE.to_string()]),
            "{package} may depend on {CORE} only among our crates"
        );
    }
    assert!(our_direct_deps(&meta, CORE).is_empty());
}

#[test]
fn the_core_has_no_window_or_server_framework_in_its_tree() {
    let tree = cargo(&["tree", "-p", CORE, "-e", "normal", "--prefix", "none"]);
    let names: BTreeSet<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.contains("rusqlite"), "the tree was read: {names:?}");
    let found: Vec<_> = FRAMEWORKS.iter().filter(|f| names.contains(**f)).collect();
    assert!(
        found.is_empty(),
        "the core's dependency tree holds {found:?}"
    );
    let ours: Vec<_> = names
        .iter()
        .filter(|n| n.starts_with("vital-link") && **n != CORE)
        .collect();
    assert!(ours.is_empty(), "the core depends on {ours:?}");
}
