//! Fault switches of a sandbox provider, so every error path can be exercised on purpose: from
//! tests over loopback (`PUT /__sandbox/faults`) and from the QA inspector.
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Faults {
    /// The consent page answers as if the user pressed Deny.
    pub deny_consent: bool,
    /// Authorization codes are issued already expired.
    pub expire_code: bool,
    /// The token endpoint answers `invalid_grant` to every grant.
    pub invalid_grant: bool,
    /// Data routes answer 429 with this `Retry-After` (seconds).
    pub rate_limit_retry_after: Option<u64>,
    /// Data routes answer 500.
    pub server_error: bool,
    /// Data routes answer 200 with a truncated JSON body.
    pub malformed_json: bool,
    /// Data routes wait this long before answering.
    pub slow_ms: Option<u64>,
    /// Data routes send the headers and part of the body, then drop the connection.
    pub drop_connection: bool,
    /// The data faults above apply only after this many data responses succeeded.
    pub after_pages: Option<u32>,
    /// ... and then only to this many responses, after which the provider recovers.
    pub fault_count: Option<u32>,
    /// Lifetime of issued access tokens, in seconds (default: the provider's own).
    pub access_token_ttl: Option<i64>,
}

/// What a data route must do for this request.
#[derive(Debug, Clone, PartialEq)]
pub enum DataFault {
    None,
    RateLimited(u64),
    ServerError,
    Malformed,
    DropConnection,
}

#[derive(Debug, Default)]
pub struct FaultState {
    faults: Mutex<Faults>,
    data_pages_served: Mutex<u32>,
    faults_served: Mutex<u32>,
}

impl FaultState {
    pub fn get(&self) -> Faults {
        self.faults.lock().expect("fault lock").clone()
    }

    pub fn set(&self, f: Faults) {
        *self.faults.lock().expect("fault lock") = f;
        *self.data_pages_served.lock().expect("fault lock") = 0;
        *self.faults_served.lock().expect("fault lock") = 0;
    }

    /// How many faulty responses were served since the faults were set.
    pub fn faults_served(&self) -> u32 {
        *self.faults_served.lock().expect("fault lock")
    }

    /// Decides the fate of one data request (and counts it when it succeeds).
    pub fn data_fault(&self) -> (DataFault, Option<u64>) {
        let f = self.get();
        let mut served = self.data_pages_served.lock().expect("fault lock");
        let mut faulted = self.faults_served.lock().expect("fault lock");
        let armed = f.after_pages.is_none_or(|n| *served >= n)
            && f.fault_count.is_none_or(|n| *faulted < n);
        let fault = if !armed {
            DataFault::None
        } else if let Some(s) = f.rate_limit_retry_after {
            DataFault::RateLimited(s)
        } else if f.server_error {
            DataFault::ServerError
        } else if f.malformed_json {
            DataFault::Malformed
        } else if f.drop_connection {
            DataFault::DropConnection
        } else {
            DataFault::None
        };
        if fault == DataFault::None {
            *served += 1;
        } else {
            *faulted += 1;
        }
        (fault, f.slow_ms)
    }
}
