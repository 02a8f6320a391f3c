//! Every provider against its sandbox fake, over real loopback HTTP and real SQLite files:
//! the full connect → backfill → incremental → refresh → revoke cycle with each token quirk and
//! error body, and a conformance test per fake that it refuses what the real provider refuses.
//! One test binary for all providers keeps link times down on small machines.
#[path = "../common/mod.rs"]
mod common;
mod contract_check;
mod support;

mod dexcom;
mod every_day;
mod google_health;
mod oura;
mod polar;
mod strava;
mod wahoo;
mod whoop;
mod withings;
