//! The local API's key: generated on first start, kept sealed in the settings table, compared in
//! constant time, rotatable. Only `vital-link api-key` (and Settings) ever show it.
use base64::Engine;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::error::{AppError, AppResult};

const SETTING: &str = "api_key_sealed";
const AAD: &str = "settings/api_key";

fn new_key() -> String {
    let mut b = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut b);
    format!(
        "vlk_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    )
}

impl App {
    /// The API key, created and stored sealed on first use.
    pub fn api_key(&self) -> AppResult<String> {
        if let Some(sealed) = self.store.setting(SETTING)? {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(sealed)
                .map_err(|_| AppError::internal("the stored API key is damaged; rotate it with `vital-link api-key --rotate`"))?;
            return self.vault.open_str(AAD, &bytes);
        }
        self.rotate_api_key()
    }

    /// Replaces the API key; the old one stops working at once.
    pub fn rotate_api_key(&self) -> AppResult<String> {
        let key = new_key();
        let sealed = self.vault.seal_str(AAD, &key);
        self.store.set_setting(
            SETTING,
            &base64::engine::general_purpose::STANDARD.encode(sealed),
        )?;
        *self.api_key_cache.lock().unwrap() = Some(key.clone());
        Ok(key)
    }

    /// Constant-time check of a presented key.
    pub fn check_api_key(&self, presented: &str) -> AppResult<bool> {
        let cached = self.api_key_cache.lock().unwrap().clone();
        let key = match cached {
            Some(k) => k,
            None => {
                let k = self.api_key()?;
                *self.api_key_cache.lock().unwrap() = Some(k.clone());
                k
            }
        };
        Ok(bool::from(presented.as_bytes().ct_eq(key.as_bytes())))
    }
}
