//! What the status screens show, from the core: participants with their connections (sync
//! status, last success, next run, backfill progress) and counts, and the forwarder's state.
//! The console's `list_participants`, `vital-link status` and the introspection routes read the
//! same fields.
use serde::Serialize;

use crate::app::App;
use crate::error::AppResult;
use crate::forward::ForwardStatus;
use crate::store::connections::ConnectionRow;
use crate::store::readings::Counts;

#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    pub user_id: String,
    pub client_user_id: String,
    pub created_at: i64,
    /// Each with `sync_status` (`connected`, `syncing`, `backfilling 40%`, `error: <code>`,
    /// `reauth_required`), `last_sync_at` (last success), `next_sync_at`, `backfill_progress`.
    pub connections: Vec<ConnectionRow>,
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub participants: Vec<Participant>,
    pub forward: ForwardStatus,
}

impl App {
    /// Every participant with their connections' sync state and what is stored.
    pub fn participants(&self) -> AppResult<Vec<Participant>> {
        let (users, _) = self.store.list_users(0, i64::MAX)?;
        users
            .into_iter()
            .map(|u| {
                Ok(Participant {
                    connections: self.store.connections(Some(&u.user_id))?,
                    counts: self.store.counts(&u.user_id)?,
                    user_id: u.user_id,
                    client_user_id: u.client_user_id,
                    created_at: u.created_at,
                })
            })
            .collect()
    }

    /// Participants and the forwarder, for one status screen.
    pub fn overview(&self) -> AppResult<Overview> {
        Ok(Overview {
            participants: self.participants()?,
            forward: self.forward_status()?,
        })
    }
}
