//! Files generated from the core for the other parts of the repository (the UI's code lists,
//! docs/errors.md): tests compare each with what the core would write now.
use std::path::{Path, PathBuf};

/// The repository's root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Fails when `rel` differs from `want`; with `VITAL_LINK_REGENERATE` set, writes it instead.
pub(crate) fn check_generated(rel: &str, want: String) {
    let path = root().join(rel);
    if std::env::var_os("VITAL_LINK_REGENERATE").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{rel} is stale: regenerate it with `VITAL_LINK_REGENERATE=1 cargo test -p vital-link-core --lib`"
    );
}
