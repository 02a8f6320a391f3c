//! The states a connection and a link session are in, as types: stored and sent by their wire
//! names (the ones Vital's API, the UI and the database use), compared as enum values.
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = v.as_str()?;
                $name::parse(s).ok_or_else(|| {
                    FromSqlError::Other(format!("{s:?} is not a {}", stringify!($name)).into())
                })
            }
        }
    };
}

wire_enum! {
    /// Where a connection stands.
    ConnectionStatus {
        Connected = "connected",
        /// A sync is running (with `backfill_progress` while the backfill is).
        Syncing = "syncing",
        /// The last sync failed (`error_type` says why); the next run retries.
        Error = "error",
        /// The provider no longer accepts the tokens: the person must sign in again.
        ReauthRequired = "reauth_required",
        /// Disconnected; its data is kept.
        Deregistered = "deregistered",
    }
}

impl ConnectionStatus {
    /// Syncs run for it (it is neither waiting for a reconnect nor disconnected).
    pub fn is_live(self) -> bool {
        !matches!(
            self,
            ConnectionStatus::ReauthRequired | ConnectionStatus::Deregistered
        )
    }

    /// Something a person must look at (a reconnect, or a failing sync).
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            ConnectionStatus::ReauthRequired | ConnectionStatus::Error
        )
    }
}

wire_enum! {
    /// How a connection gets its data.
    ConnectionKind {
        /// Synced from the provider with OAuth tokens.
        Oauth = "oauth",
        /// Received through the ingestion routes; never synced.
        Push = "push",
    }
}

wire_enum! {
    /// Where a link session stands (Vital Link's `onSuccess`/`onExit`/`onError`).
    LinkStatus {
        /// Made, no provider chosen yet.
        Created = "created",
        /// Waiting for the sign-in.
        Pending = "pending",
        Success = "success",
        Error = "error",
        Exited = "exited",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_serde_and_sqlite_text() {
        for s in ConnectionStatus::ALL {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(ConnectionStatus::parse(s.as_str()), Some(*s));
        }
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let back: ConnectionKind = c
            .query_row("SELECT ?1", [ConnectionKind::Push], |r| r.get(0))
            .unwrap();
        assert_eq!(back, ConnectionKind::Push);
        let bad: rusqlite::Result<LinkStatus> = c.query_row("SELECT 'maybe'", [], |r| r.get(0));
        assert!(bad.is_err());
    }
}
