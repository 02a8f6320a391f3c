//! "What time is it" for data and sync windows. Fixed in tests and demos so that the sandbox
//! serves the same days on every run; token lifetimes always use the real clock.
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fixed: Option<DateTime<Utc>>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock { fixed: Some(at) }
    }

    /// `VITAL_LINK_SANDBOX_NOW` (RFC 3339) pins the clock; anything else is the system clock.
    pub fn from_env() -> Result<Clock, String> {
        match std::env::var("VITAL_LINK_SANDBOX_NOW") {
            Ok(v) if !v.is_empty() => DateTime::parse_from_rfc3339(&v)
                .map(|d| Clock::fixed(d.with_timezone(&Utc)))
                .map_err(|e| format!("VITAL_LINK_SANDBOX_NOW={v:?} is not an RFC 3339 time: {e}")),
            _ => Ok(Clock::system()),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed.unwrap_or_else(Utc::now)
    }

    pub fn is_fixed(&self) -> bool {
        self.fixed.is_some()
    }
}
