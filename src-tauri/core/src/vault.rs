//! Sealing of tokens and secrets before they touch the database.
//!
//! Envelope encryption: a random 32-byte data key lives in the OS keyring (Secret Service on
//! Linux); where no keyring answers (headless Linux, CI) it lives in `<data_dir>/vault.key` with
//! mode 0600 and the app says so once in the log. Each value is sealed with XChaCha20-Poly1305
//! under a fresh random nonce, with associated data naming table, column and row, so a
//! ciphertext copied into another row or column does not open.
use std::fmt;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::APP_IDENTIFIER;
use crate::error::{AppError, AppResult};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    OsKeyring,
    KeyFile,
    /// The key file is encrypted with a passphrase (shared lab machines).
    Passphrase,
}

/// The key file when a passphrase protects it: `VLK1 | salt(16) | nonce(24) | sealed key`.
const LOCKED_FILE: &str = "vault.key.locked";
const LOCKED_MAGIC: &[u8; 4] = b"VLK1";

pub struct Vault {
    cipher: XChaCha20Poly1305,
    key: [u8; 32],
    source: KeySource,
    key_file: PathBuf,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("source", &self.source)
            .finish()
    }
}

/// Which keyring entry holds the key of a data directory: one per directory, so two data
/// directories (a lab's and a test's) never share or overwrite a key.
fn keyring_user(data_dir: &Path) -> String {
    let canonical = data_dir
        .canonicalize()
        .unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(canonical.to_string_lossy().as_bytes());
    format!("vault-key-{}", &hex::encode(digest)[..16])
}

impl Vault {
    /// Loads the data key, creating it on first use. `VITAL_LINK_VAULT_KEY_FILE` forces the key
    /// file (tests, kiosks); otherwise the OS keyring is tried first.
    pub fn open(data_dir: &Path) -> AppResult<Vault> {
        let locked = data_dir.join(LOCKED_FILE);
        if locked.exists() {
            let key = unlock(&locked, &passphrase_from_env_or_tty()?)?;
            return Ok(Self::with_key(&key, KeySource::Passphrase, locked));
        }
        let forced = std::env::var_os("VITAL_LINK_VAULT_KEY_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let key_file = forced.clone().unwrap_or_else(|| data_dir.join("vault.key"));
        if forced.is_none() && !key_file.exists() {
            match keyring_key(data_dir) {
                Ok(key) => return Ok(Self::with_key(&key, KeySource::OsKeyring, key_file)),
                Err(reason) => warn_fallback_once(&reason, &key_file),
            }
        }
        let key = file_key(&key_file)?;
        Ok(Self::with_key(&key, KeySource::KeyFile, key_file))
    }

    pub fn with_key(key: &[u8; 32], source: KeySource, key_file: PathBuf) -> Vault {
        Vault {
            cipher: XChaCha20Poly1305::new(key.into()),
            key: *key,
            source,
            key_file,
        }
    }

    /// The data key, for re-wrapping it (passphrase on or off). Never logged or shown.
    pub fn key_bytes(&self) -> &[u8; 32] {
        &self.key
    }

    pub fn source(&self) -> KeySource {
        self.source
    }

    pub fn key_file(&self) -> &Path {
        &self.key_file
    }

    /// `aad` names where the value lives, e.g. `connection_tokens/access_token/17`.
    pub fn seal(&self, aad: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open_sealed(&self, aad: &str, sealed: &[u8]) -> AppResult<Vec<u8>> {
        let unreadable = || {
            AppError::new(
                "vault_unreadable", format!("a sealed value ({aad}) cannot be opened with this machine's vault key; reconnect the provider"),
            )
        };
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != VERSION {
            return Err(unreadable());
        }
        let (nonce, ct) = sealed[1..].split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| unreadable())
    }

    pub fn seal_str(&self, aad: &str, s: &str) -> Vec<u8> {
        self.seal(aad, s.as_bytes())
    }

    pub fn open_str(&self, aad: &str, sealed: &[u8]) -> AppResult<String> {
        String::from_utf8(self.open_sealed(aad, sealed)?)
            .map_err(|_| AppError::internal(format!("sealed value {aad} is not text")))
    }
}

fn passphrase_from_env_or_tty() -> AppResult<String> {
    if let Ok(p) = std::env::var("VITAL_LINK_PASSPHRASE") {
        return Ok(p);
    }
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Vital Link vault passphrase: ").map_err(|e| {
            AppError::new("vault_locked", format!("cannot read the passphrase: {e}"))
        });
    }
    Err(AppError::new(
        "vault_locked", "the vault is protected by a passphrase: set VITAL_LINK_PASSPHRASE, or start Vital Link from a terminal to type it",
    ))
}

fn derive(passphrase: &str, salt: &[u8]) -> AppResult<[u8; 32]> {
    let mut out = [0u8; 32];
    argon2::Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| AppError::internal(format!("cannot derive a key from the passphrase: {e}")))?;
    Ok(out)
}

fn unlock(path: &Path, passphrase: &str) -> AppResult<[u8; 32]> {
    let bytes = std::fs::read(path).map_err(|e| {
        AppError::new(
            "vault_key_unreadable",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    if bytes.len() < 4 + 16 + 1 || &bytes[..4] != LOCKED_MAGIC {
        return Err(AppError::new(
            "vault_key_invalid",
            format!("{} is damaged", path.display()),
        ));
    }
    let (salt, sealed) = bytes[4..].split_at(16);
    let wrap = Vault::with_key(
        &derive(passphrase, salt)?,
        KeySource::Passphrase,
        PathBuf::new(),
    );
    let key = wrap.open_sealed("vault/passphrase", sealed).map_err(|_| {
        AppError::new(
            "wrong_passphrase",
            "the passphrase does not open this vault; try again",
        )
    })?;
    key.try_into()
        .map_err(|_| AppError::new("vault_key_invalid", "the unlocked key has the wrong length"))
}

/// Protects the vault key with a passphrase: writes the locked key file and removes the key
/// from the keyring and the plain key file. Data and tokens stay as they are.
pub fn set_passphrase(data_dir: &Path, key: &[u8; 32], passphrase: &str) -> AppResult<()> {
    if passphrase.chars().count() < 8 {
        return Err(AppError::bad_request(
            "passphrase_too_short",
            "use a passphrase of at least 8 characters",
        ));
    }
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let wrap = Vault::with_key(
        &derive(passphrase, &salt)?,
        KeySource::Passphrase,
        PathBuf::new(),
    );
    let mut out = LOCKED_MAGIC.to_vec();
    out.extend_from_slice(&salt);
    out.extend(wrap.seal("vault/passphrase", key));
    let path = data_dir.join(LOCKED_FILE);
    let tmp = data_dir.join(format!("{LOCKED_FILE}.tmp"));
    write_private(&tmp, &out)?;
    std::fs::rename(&tmp, &path)
        .map_err(|e| AppError::storage(format!("cannot write {}: {e}", path.display())))?;
    let _ = std::fs::remove_file(data_dir.join("vault.key"));
    if let Ok(entry) = keyring::Entry::new(APP_IDENTIFIER, &keyring_user(data_dir)) {
        let _ = entry.delete_credential();
    }
    Ok(())
}

/// Removes the passphrase: the key goes back to a 0600 key file.
pub fn remove_passphrase(data_dir: &Path, key: &[u8; 32]) -> AppResult<()> {
    write_private(&data_dir.join("vault.key"), key)?;
    let _ = std::fs::remove_file(data_dir.join(LOCKED_FILE));
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> AppResult<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| AppError::storage(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| AppError::storage(format!("cannot write {}: {e}", path.display())))
}

fn keyring_key(data_dir: &Path) -> Result<[u8; 32], String> {
    let entry =
        keyring::Entry::new(APP_IDENTIFIER, &keyring_user(data_dir)).map_err(|e| e.to_string())?;
    match entry.get_secret() {
        Ok(bytes) if bytes.len() == 32 => {
            let mut key = [0u8; 32];
            key.copy_from_slice(&bytes);
            Ok(key)
        }
        Ok(_) => Err("the keyring holds a vault key of the wrong length".into()),
        Err(keyring::Error::NoEntry) => {
            let mut key = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut key);
            entry.set_secret(&key).map_err(|e| e.to_string())?;
            // Read back: some stores accept a write they cannot serve later.
            match entry.get_secret() {
                Ok(b) if b == key => Ok(key),
                _ => Err("the keyring did not return the key it was given".into()),
            }
        }
        Err(e) => Err(e.to_string()),
    }
}

fn warn_fallback_once(reason: &str, key_file: &Path) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            key_file = %key_file.display(),
            "no OS keyring available ({reason}); the vault key is kept in a 0600 key file instead"
        );
    });
}

fn file_key(path: &Path) -> AppResult<[u8; 32]> {
    match std::fs::read(path) {
        Ok(bytes) if bytes.len() == 32 => {
            let mut key = [0u8; 32];
            key.copy_from_slice(&bytes);
            Ok(key)
        }
        Ok(_) => Err(AppError::new(
            "vault_key_invalid", format!(
                "the vault key file {} is damaged (wrong length); restore it, or remove it and reconnect every provider",
                path.display()
            ),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path),
        Err(e) => Err(AppError::new(
            "vault_key_unreadable", format!("cannot read the vault key file {}: {e}", path.display()),
        )),
    }
}

fn create_key_file(path: &Path) -> AppResult<[u8; 32]> {
    use std::io::Write;
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        AppError::new(
            "vault_key_unwritable",
            format!("cannot create the vault key file {}: {e}", path.display()),
        )
    })?;
    f.write_all(&key)
        .and_then(|_| f.sync_all())
        .map_err(|e| AppError::storage(format!("cannot write the vault key file: {e}")))?;
    Ok(key)
}

/// A short, non-reversible form of a secret for the UI and logs: `abcd…wxyz (32 chars)`.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    if n <= 8 {
        return format!("•••• ({n} chars)");
    }
    let head: String = secret.chars().take(4).collect();
    let tail: String = secret.chars().skip(n - 4).collect();
    format!("{head}…{tail} ({n} chars)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> Vault {
        Vault::with_key(&[7u8; 32], KeySource::KeyFile, PathBuf::new())
    }

    #[test]
    fn seal_round_trips_and_hides_plaintext() {
        let v = vault();
        let sealed = v.seal_str("t/c/1", "secret-token-value");
        assert!(!sealed
            .windows(b"secret-token-value".len())
            .any(|w| w == b"secret-token-value"));
        assert_eq!(v.open_str("t/c/1", &sealed).unwrap(), "secret-token-value");
    }

    #[test]
    fn ciphertext_moved_to_another_row_does_not_open() {
        let v = vault();
        let sealed = v.seal_str("connection_tokens/access_token/1", "tok");
        let err = v
            .open_str("connection_tokens/access_token/2", &sealed)
            .unwrap_err();
        assert_eq!(err.code, "vault_unreadable");
    }

    #[test]
    fn key_file_is_created_owner_only_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.key");
        let k1 = file_key(&path).unwrap();
        let k2 = file_key(&path).unwrap();
        assert_eq!(k1, k2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn redact_keeps_only_the_ends() {
        assert_eq!(redact("abcdefghijklmnop"), "abcd…mnop (16 chars)");
        assert_eq!(redact("short"), "•••• (5 chars)");
    }
}
