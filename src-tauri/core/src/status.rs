//! What the status screens show, from the core: participants with their connections (sync
//! status, last success, next run, backfill progress) and counts, and the forwarder's state.
//! The console's `list_participants`, `vital-link status` and the introspection routes read the
//! same fields.
use serde::Serialize;

use crate::app::App;
use crate::error::AppResult;
use crate::forward::ForwardStatus;

#[derive(Debug, Serialize)]
pub struct Overview {
    pub participants: Vec<crate::console::Participant>,
    pub forward: ForwardStatus,
}

impl App {
    /// Participants and the forwarder, for one status screen.
    pub fn overview(&self) -> AppResult<Overview> {
        Ok(Overview {
            participants: self.participants(None, None)?,
            forward: self.forward_status()?,
        })
    }
}
