//! The one error catalogue: every error code the app produces, with its HTTP status (the
//! local API), its CLI exit code and a one-line plain description.
//!
//! Everything else derives from this table: `AppError::status()` and `AppError::exit_code()`,
//! `docs/errors.md` and `ui/src/shared/error-codes.ts` (both generated; the tests below fail
//! when they are stale and name the command that writes them again). Adding a code = one line
//! here, then that command; a code used in the sources but missing here fails the tests (and
//! a debug assertion in `AppError::new`).
use serde::Serialize;

/// What a CLI exit code tells a script. 0 is success; clap's own usage errors are 2 as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[repr(u8)]
pub enum Exit {
    /// The operation failed or something needs attention (a sync failed, a sign-in was
    /// cancelled or timed out, an unexpected error).
    Failed = 1,
    /// Usage or bad input: a wrong argument, value, file or setting; nothing was changed.
    Usage = 2,
    /// What was named does not exist (a participant, a connection, a provider's record).
    NotFound = 3,
    /// A connection needs the participant to sign in again, or a credential was refused
    /// (reconnect, fix the credentials, unlock the vault).
    Reconnect = 4,
    /// A provider, the forwarding target or the network failed; retrying later may work.
    Provider = 5,
    /// Local storage: the database, the data directory or the vault key file.
    Storage = 6,
}

impl Exit {
    pub const ALL: [Exit; 6] = [
        Exit::Failed,
        Exit::Usage,
        Exit::NotFound,
        Exit::Reconnect,
        Exit::Provider,
        Exit::Storage,
    ];

    pub fn code(self) -> i32 {
        self as i32
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Failed => "the operation failed or something needs attention (a sync failed, a sign-in was cancelled or timed out, `status` found a failed connection)",
            Exit::Usage => "usage or bad input: a wrong argument, value, file or setting; nothing was changed",
            Exit::NotFound => "what was named does not exist (a participant, a connection, an item)",
            Exit::Reconnect => "a connection needs the participant to sign in again, or a credential was refused (`status`/`sync` when a connection needs reconnect)",
            Exit::Provider => "a provider, the forwarding target or the network failed; retrying later may work",
            Exit::Storage => "local storage: the database, the data directory or the vault key file",
        }
    }
}

/// Who produces a code: the Rust core and faces, or the front end by itself (its own
/// transport errors); both are in the UI's table of words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Origin {
    Core,
    Ui,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ErrorSpec {
    pub code: &'static str,
    /// The local API's HTTP status for this code.
    pub status: u16,
    pub exit: Exit,
    pub origin: Origin,
    /// One plain line: what the code means.
    pub description: &'static str,
}

const fn e(code: &'static str, status: u16, exit: Exit, description: &'static str) -> ErrorSpec {
    ErrorSpec {
        code,
        status,
        exit,
        origin: Origin::Core,
        description,
    }
}

const fn ui(code: &'static str, description: &'static str) -> ErrorSpec {
    ErrorSpec {
        code,
        status: 0,
        exit: Exit::Failed,
        origin: Origin::Ui,
        description,
    }
}

use Exit::*;

/// Grouped by area; each code once.
pub const CATALOGUE: &[ErrorSpec] = &[
    // ── Connections: sync and tokens ─────────────────────────────────────────────────
    e("reauth_required", 401, Reconnect, "The connection's refresh token was refused or is missing: the participant must connect the provider again."),
    e("token_refresh_failed", 401, Reconnect, "Refreshing the access token failed (the event that moved a connection to reauth_required)."),
    e("invalid_grant", 400, Reconnect, "The token endpoint refused the authorization code or refresh token."),
    e("token_expired", 401, Reconnect, "A link token has expired, or the provider refused the access token (it is refreshed on the next sync)."),
    e("required_scopes_not_granted", 400, Reconnect, "The participant did not grant every permission the study needs."),
    e("provider_membership_required", 403, Provider, "The provider refused data it was granted: the participant's paid membership there has lapsed (Oura)."),
    e("rate_limited", 429, Provider, "Too many requests: the provider (or the local API) asked to slow down."),
    e("provider_unavailable", 502, Provider, "The provider's server failed or has no sandbox here; the sync is retried."),
    e("provider_api_error", 502, Provider, "The provider refused a request (another 4xx or an OAuth error)."),
    e("provider_malformed_response", 502, Provider, "The provider's answer is not what it documents."),
    e("network_error", 502, Provider, "The provider could not be reached (connection refused, reset or timed out)."),
    e("sync_failed", 502, Failed, "Some connections did not sync (the CLI's summary of a failed sync)."),
    e("too_many_samples", 422, Usage, "A request or provider page holds more samples than accepted at once."),
    e("implausible_reading", 422, Usage, "A reading is outside the plausible range and was not stored."),
    e("credentials_missing", 400, Usage, "The provider needs the study's client credentials (Settings or `providers set`)."),
    e("invalid_client", 400, Reconnect, "The provider did not accept the client ID or secret."),
    e("unauthorized_client", 400, Reconnect, "The provider does not allow this client to use that grant."),
    e("invalid_scope", 400, Reconnect, "The provider refused the requested scopes."),
    e("invalid_id_token", 400, Reconnect, "The OpenID Connect ID token could not be verified."),
    e("duplicate_connection", 409, Usage, "The provider is already connected for this user (pushed readings)."),
    e("discovery_failed", 400, Provider, "The custom provider's OpenID discovery document could not be read."),
    // ── Linking: the widget and the browser sign-in ──────────────────────────────────
    e("user_cancelled", 400, Failed, "The participant declined access or closed the sign-in; nothing was connected."),
    e("authorization_timeout", 408, Failed, "The browser sign-in was not finished in time."),
    e("link_failed", 400, Failed, "The connection did not complete (the CLI's summary of a failed `connect`)."),
    e("no_browser", 500, Failed, "No web browser could be opened for the sign-in."),
    e("browser_loop", 502, Failed, "The sandbox browser kept returning to the same page."),
    e("loopback_unavailable", 500, Failed, "The app could not listen on a loopback port for the sign-in."),
    e("redirect_port_not_used", 400, Usage, "The provider accepts any loopback port: there is no port to register."),
    e("invalid_token", 401, Usage, "The link token is not valid."),
    e("token_consumed", 401, Usage, "The link token was already used."),
    e("missing_link_token", 400, Usage, "The request carries no link token."),
    e("agreement_outdated", 400, Usage, "The study agreement changed while it was shown; read it again."),
    e("demo_unavailable", 400, Usage, "Demo connections exist only in the sandbox."),
    e("unexpected_error", 500, Failed, "An introspection or link step failed unexpectedly."),
    // ── Participants, import, export, queries ────────────────────────────────────────
    e("duplicate_user", 400, Usage, "A participant with this client_user_id already exists."),
    e("invalid_user_id", 422, Usage, "The request has no user_id."),
    e("invalid_client_user_id", 400, Usage, "A participant id is empty, too long or has control, bidirectional or invisible characters."),
    e("user_not_found", 404, NotFound, "No participant has this id or client_user_id."),
    e("not_found", 404, NotFound, "The item (connection, webhook, provider record) does not exist."),
    e("invalid_csv", 400, Usage, "The participants file is not a CSV with a participant_id column."),
    e("import_incomplete", 400, Failed, "Some rows of the participants file were not imported."),
    e("unreadable_file", 400, Usage, "A file given on the command line could not be read."),
    e("invalid_import_file", 400, Usage, "The file to import is not an Apple Health export or a FIT activity file, or it is damaged or truncated; what was read before the damage stays stored."),
    e("export_folder_not_empty", 400, Usage, "An export was asked into a folder that already holds files; nothing is overwritten."),
    e("invalid_date", 422, Usage, "A date is not YYYY-MM-DD (or an ISO date-time), or the range is reversed."),
    e("invalid_resource", 400, Usage, "The resource (sleep, activity, ...) is not known."),
    e("invalid_cursor", 422, Usage, "The page cursor is not valid; start from the first page."),
    e("confirmation_needed", 400, Usage, "A destructive operation needs an explicit confirmation (--yes, WIPE)."),
    // ── Settings, providers, forwarding, webhooks, the local API ─────────────────────
    e("invalid_url", 400, Usage, "An address is not a valid http(s) URL, or not one allowed here."),
    e("forbidden_host", 403, Usage, "The request's Host header is not this computer (DNS rebinding guard)."),
    e("invalid_setting", 400, Usage, "An unknown setting, or a value it cannot take."),
    e("invalid_environment", 400, Usage, "The environment is neither sandbox nor production."),
    e("invalid_credentials", 400, Usage, "The client ID is empty."),
    e("invalid_provider", 400, Usage, "The provider is not known, missing, or not allowed by this link token."),
    e("invalid_custom_provider", 400, Usage, "A custom provider needs --issuer or both --authorize-url and --token-url."),
    e("invalid_slug", 400, Usage, "A custom provider's slug is not 1-40 characters of a-z, 0-9 and _."),
    e("slug_taken", 400, Usage, "A provider with this slug already exists."),
    e("invalid_agreement", 400, Usage, "The agreement needs a version and a text."),
    e("pin_too_short", 400, Usage, "The enrol PIN is shorter than 4 characters."),
    e("pin_locked", 429, Failed, "Too many wrong enrol PINs: leaving enrol mode waits until the lockout ends."),
    e("invalid_port", 400, Usage, "The port cannot be used (below 1024)."),
    e("port_in_use", 500, Failed, "Another program listens on the API port."),
    e("remote_bind_refused", 400, Usage, "`serve` refuses a non-loopback address without --allow-remote."),
    e("forward_off", 400, Usage, "No forwarding target is set."),
    e("forward_target_unavailable", 502, Provider, "The forwarding target did not accept the readings; they stay queued."),
    e("forward_rate_limited", 429, Provider, "The forwarding target asked to slow down; the readings stay queued."),
    e("not_sandbox", 400, Usage, "That works only with the sandbox fakes on 127.0.0.1."),
    e("invalid_api_key", 400, Usage, "The forwarding target's API key is empty."),
    e("unauthorized", 401, Reconnect, "The local API request lacks a valid x-vital-api-key."),
    e("invalid_request", 422, Usage, "The request body is missing a required field."),
    e("invalid_payload", 422, Usage, "Pushed readings are not in the documented shape."),
    e("payload_too_large", 413, Usage, "The request body is too large."),
    e("invalid_clock", 400, Usage, "VITAL_LINK_SANDBOX_NOW is not an ISO date-time."),
    // ── Storage and the vault ────────────────────────────────────────────────────────
    e("storage_error", 500, Storage, "The database could not be read or written (disk full, read-only, damaged)."),
    e("database_unreachable", 503, Storage, "The study server's PostgreSQL database cannot be reached or refused the connection."),
    e("invalid_database_url", 400, Usage, "The --database URL is not a PostgreSQL URL."),
    e("not_on_study_database", 400, Usage, "The command works on this computer's own file, not on a study server's database."),
    e("db_too_new", 500, Storage, "The database was written by a newer Vital Link."),
    e("db_open_failed", 500, Storage, "The database file could not be opened or is not a Vital Link database."),
    e("data_dir_not_writable", 500, Storage, "The data directory cannot be written."),
    e("vault_locked", 401, Reconnect, "The vault key is protected by a passphrase that was not given."),
    e("vault_key_invalid", 500, Storage, "The vault key file is not a valid key."),
    e("vault_key_unreadable", 500, Storage, "The vault key file could not be read."),
    e("vault_key_unwritable", 500, Storage, "The vault key file could not be written."),
    e("vault_unreadable", 500, Storage, "A sealed value could not be opened with this vault key."),
    e("wrong_passphrase", 401, Reconnect, "The vault passphrase is wrong."),
    e("passphrase_too_short", 400, Usage, "The vault passphrase is shorter than 8 characters."),
    e("passphrase_mismatch", 400, Usage, "The two passphrases typed differ."),
    e("internal", 500, Failed, "Something unexpected failed inside the app (a bug: please report it)."),
    // ── Made by the front end itself ─────────────────────────────────────────────────
    ui("invalid_response", "The local service answered something that is not the documented JSON."),
    ui("unknown_error", "The front end received an error without a code."),
];

/// The entry of `code`, if catalogued.
pub fn lookup(code: &str) -> Option<&'static ErrorSpec> {
    CATALOGUE.iter().find(|s| s.code == code)
}

/// The entry of `code`; an uncatalogued code (a bug the tests catch) is treated as `internal`.
pub fn spec(code: &str) -> &'static ErrorSpec {
    lookup(code).unwrap_or_else(|| lookup("internal").expect("internal is catalogued"))
}

/// `docs/errors.md`.
pub fn markdown() -> String {
    let mut s = String::from(
        "# Error codes\n\n\
         <!-- Generated from src-tauri/core/src/error/catalogue.rs: do not edit. Regenerate with\n     \
         VITAL_LINK_REGENERATE=1 cargo test -p vital-link-core --lib error::catalogue -->\n\n\
         Every error carries a stable `code` (the local API's `error_type` / `detail.error_type`, \
         the window's `{code, message}`, the CLI's exit code) and a `message` in words. The \
         codes, their HTTP status and CLI exit code live in one catalogue, \
         `src-tauri/core/src/error/catalogue.rs`; the UI's words for each code are in \
         `ui/src/shared/messages.ts`, keyed by the generated `ui/src/shared/error-codes.ts`.\n\n\
         ## CLI exit codes\n\n\
         | Exit | Meaning |\n|---|---|\n| 0 | success |\n",
    );
    for x in Exit::ALL {
        s.push_str(&format!("| {} | {} |\n", x.code(), x.meaning()));
    }
    s.push_str(
        "\nThe CLI prints `error: <message>` on stderr and exits with the code of the error. \
         `vital-link status` exits 4 when a connection needs reconnect and 1 when one failed; \
         `vital-link sync` does the same for the connections it syncs (or skips).\n\n\
         ## Codes\n\n| Code | HTTP | Exit | Meaning |\n|---|---|---|---|\n",
    );
    for c in CATALOGUE.iter().filter(|c| c.origin == Origin::Core) {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.code,
            c.status,
            c.exit.code(),
            c.description
        ));
    }
    s.push_str("\n## Codes the front end makes itself\n\n| Code | Meaning |\n|---|---|\n");
    for c in CATALOGUE.iter().filter(|c| c.origin == Origin::Ui) {
        s.push_str(&format!("| `{}` | {} |\n", c.code, c.description));
    }
    s
}

/// `ui/src/shared/error-codes.ts`.
pub fn typescript() -> String {
    let mut s = String::from(
        "// Generated from src-tauri/core/src/error/catalogue.rs: do not edit. Regenerate with\n\
         // VITAL_LINK_REGENERATE=1 cargo test -p vital-link-core --lib error::catalogue\n\n\
         /** Every error code the core and the faces produce (docs/errors.md). */\n\
         export const CORE_ERROR_CODES = [\n",
    );
    for c in CATALOGUE.iter().filter(|c| c.origin == Origin::Core) {
        s.push_str(&format!("  '{}',\n", c.code));
    }
    s.push_str(
        "] as const;\n\n\
         /** The codes the front end makes itself (its own transport errors). */\n\
         export const UI_ERROR_CODES = [\n",
    );
    for c in CATALOGUE.iter().filter(|c| c.origin == Origin::Ui) {
        s.push_str(&format!("  '{}',\n", c.code));
    }
    s.push_str(
        "] as const;\n\n\
         export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number];\n\
         export type UiErrorCode = (typeof UI_ERROR_CODES)[number];\n\
         /** Every catalogued error code. */\n\
         export type ErrorCode = CoreErrorCode | UiErrorCode;\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{check_generated, root};
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, ext: &[&str], out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                if name != "node_modules" && name != "target" && name != "dist" {
                    sources(&p, ext, out);
                }
            } else if ext.iter().any(|e| name.ends_with(e)) {
                out.push((p.clone(), std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }

    fn rust_sources() -> Vec<(PathBuf, String)> {
        let mut v = vec![];
        sources(&root().join("src-tauri"), &[".rs"], &mut v);
        v.retain(|(p, _)| !p.ends_with("error/catalogue.rs"));
        v
    }

    fn literal(code: &str) -> String {
        format!("\"{code}\"")
    }

    #[test]
    fn each_code_once_with_a_status_an_exit_code_and_words() {
        let mut seen = BTreeSet::new();
        for c in CATALOGUE {
            assert!(seen.insert(c.code), "{} is catalogued twice", c.code);
            assert!(
                !c.code.is_empty()
                    && c.code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()),
                "{}: codes are snake_case",
                c.code
            );
            if c.origin == Origin::Core {
                assert!(
                    (400..600).contains(&c.status),
                    "{}: {} is not an error status",
                    c.code,
                    c.status
                );
            }
            assert!(Exit::ALL.contains(&c.exit));
            assert!(
                c.description.len() > 10 && c.description.ends_with('.'),
                "{}: one plain sentence",
                c.code
            );
        }
    }

    /// Every catalogued code appears in the sources: the Rust ones under src-tauri, the
    /// front end's own under ui/src.
    #[test]
    fn every_catalogued_code_is_used() {
        let rust = rust_sources();
        let mut ts = vec![];
        sources(&root().join("ui/src"), &[".ts", ".tsx"], &mut ts);
        ts.retain(|(p, _)| {
            let n = p.to_string_lossy();
            !n.ends_with("error-codes.ts") && !n.ends_with("messages.ts") && !n.contains(".test.")
        });
        for c in CATALOGUE {
            let used = match c.origin {
                Origin::Core => rust.iter().any(|(_, s)| s.contains(&literal(c.code))),
                Origin::Ui => ts.iter().any(|(_, s)| s.contains(&format!("'{}'", c.code))),
            };
            assert!(used, "{} is catalogued but never used: remove it", c.code);
        }
    }

    /// Every code the sources construct is catalogued: the first argument of the `AppError`
    /// constructors, the codes of `FetchError` and of the OAuth token errors, and the
    /// `error_type`s written straight into JSON or a link/connection state.
    #[test]
    fn every_code_used_is_catalogued() {
        let patterns = [
            r#"AppError::(?:new|bad_request|provider)\(\s*"([a-z_0-9]+)""#,
            r#""error_type": "([a-z_0-9]+)""#,
            r#"Some\(\("([a-z_0-9]+)""#,
            r#"FetchError::[A-Za-z]+[^=]*=> "([a-z_0-9]+)""#,
            r#"BasicErrorResponseType::[A-Za-z]+ => \("([a-z_0-9]+)""#,
        ]
        .map(|p| regex::Regex::new(p).unwrap());
        let mut missing = BTreeSet::new();
        let mut found = 0;
        for (path, src) in rust_sources() {
            for re in &patterns {
                for m in re.captures_iter(&src) {
                    found += 1;
                    if lookup(&m[1]).is_none() {
                        missing.insert(format!("{} ({})", &m[1], path.display()));
                    }
                }
            }
        }
        assert!(
            found > 100,
            "the scan found only {found} codes: is it broken?"
        );
        assert!(missing.is_empty(), "not in the catalogue: {missing:?}");
        use crate::providers::http::FetchError;
        for f in [
            FetchError::Unauthorized,
            FetchError::Forbidden(String::new()),
            FetchError::MembershipRequired(String::new()),
            FetchError::RateLimited { retry_after: None },
            FetchError::Server { status: 500 },
            FetchError::Rejected {
                status: 400,
                message: String::new(),
            },
            FetchError::Malformed(String::new()),
            FetchError::Network(String::new()),
        ] {
            assert!(lookup(f.code()).is_some(), "{} is not catalogued", f.code());
        }
    }

    #[test]
    fn docs_errors_md_is_generated_from_the_catalogue() {
        check_generated("docs/errors.md", markdown());
    }

    #[test]
    fn the_uis_error_codes_are_generated_from_the_catalogue() {
        check_generated("ui/src/shared/error-codes.ts", typescript());
    }

    /// The UI's table of words has exactly the catalogued codes (TypeScript checks it too:
    /// `TABLE` is a `Record<ErrorCode, Entry>`).
    #[test]
    fn the_uis_words_cover_exactly_the_catalogue() {
        let src = std::fs::read_to_string(root().join("ui/src/shared/messages.ts")).unwrap();
        let start = src.find("const TABLE").expect("messages.ts has a TABLE");
        let end = start + src[start..].find("\n};").expect("TABLE ends with `};`");
        let keys: BTreeSet<String> = src[start..end]
            .lines()
            .filter_map(|l| {
                let t = l.strip_prefix("  ")?;
                if t.starts_with(' ') {
                    return None;
                }
                let k: String = t
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                    .collect();
                (!k.is_empty() && t[k.len()..].starts_with(':')).then_some(k)
            })
            .collect();
        let want: BTreeSet<String> = CATALOGUE.iter().map(|c| c.code.to_string()).collect();
        let extra: Vec<_> = keys.difference(&want).collect();
        let missing: Vec<_> = want.difference(&keys).collect();
        assert!(
            extra.is_empty() && missing.is_empty(),
            "messages.ts TABLE vs the catalogue: not catalogued {extra:?}, without words {missing:?}"
        );
    }
}
