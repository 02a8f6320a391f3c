//! Provider payloads are hostile: any JSON through every normalizer must give a value or a
//! `Malformed` error, never a panic, and numbers outside plausible ranges are never stored.
#![no_main]
use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use vital_link::providers::oura;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let scores = HashMap::from([("2024-10-10".to_string(), 80)]);
    if let Ok((Some(s), samples)) = oura::normalize_sleep("u", &v, &scores) {
        assert!(s.data["total"].as_i64().is_none_or(|t| (0..=86400).contains(&t)));
        assert!(samples.iter().all(|x| x.value.is_finite()));
    }
    let _ = oura::normalize_activity("u", &v);
    let _ = oura::normalize_workout("u", &v);
    if let Ok(s) = oura::normalize_hr_row(&v) {
        assert!((20.0..=300.0).contains(&s.value));
    }
    let _ = oura::normalize_profile("u", &v, chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
});
