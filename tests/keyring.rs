//! The vault key in the real OS keyring (Secret Service). scripts/test.sh runs the suite under
//! `dbus-run-session` with an unlocked gnome-keyring and sets VITAL_LINK_TEST_KEYRING=1.
use vital_link::vault::{KeySource, Vault};

#[test]
fn vault_key_lives_in_the_os_keyring_when_one_answers() {
    if std::env::var("VITAL_LINK_TEST_KEYRING").as_deref() != Ok("1") {
        eprintln!("skipped: no Secret Service session (scripts/test.sh provides one)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let v1 = Vault::open(dir.path()).unwrap();
    assert_eq!(v1.source(), KeySource::OsKeyring);
    assert!(
        !dir.path().join("vault.key").exists(),
        "no key file when the keyring works"
    );
    let sealed = v1.seal_str("t/c/1", "a-token");
    // A second open finds the same key in the keyring.
    let v2 = Vault::open(dir.path()).unwrap();
    assert_eq!(v2.open_str("t/c/1", &sealed).unwrap(), "a-token");
    // Another data directory gets its own key.
    let other = tempfile::tempdir().unwrap();
    let v3 = Vault::open(other.path()).unwrap();
    assert!(v3.open_str("t/c/1", &sealed).is_err());
}

#[test]
fn without_a_keyring_the_key_file_fallback_is_owner_only() {
    if std::env::var("VITAL_LINK_TEST_KEYRING").as_deref() == Ok("1") {
        // A keyring answers in this session; the file path is covered by the vault's unit tests.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let v = Vault::open(dir.path()).unwrap();
    assert_eq!(
        v.source(),
        KeySource::KeyFile,
        "no Secret Service here, so the key file is used"
    );
    check_mode(&dir.path().join("vault.key"));
}

fn check_mode(p: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
