//! Fault switches of a sandbox provider, so every error path can be exercised on purpose: from
//! tests over loopback (`PUT /__sandbox/faults`) and from the QA inspector.
use std::sync::Mutex;

pub use vital_link_core::sandbox::Faults;

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
