//! How the command line prints: JSON for scripts, and the small helpers of its sentences.
use serde_json::Value;

pub(crate) fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// "5 minutes", "90 seconds".
pub(crate) fn human_duration(secs: u64) -> String {
    if secs >= 120 && secs.is_multiple_of(60) {
        format!("{} minutes", secs / 60)
    } else {
        format!("{secs} seconds")
    }
}

/// `id` as a shell word.
pub(crate) fn quote(id: &str) -> String {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@:/".contains(c))
    {
        id.to_string()
    } else {
        format!("'{}'", id.replace('\'', "'\\''"))
    }
}
