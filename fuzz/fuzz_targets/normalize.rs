//! Provider payloads are hostile: any JSON through every normalizer must give a value or a
//! `Malformed` error, never a panic, and numbers outside plausible ranges are never stored.
#![no_main]
use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use vital_link::providers::{
    dexcom_v3, google_health, oura, polar, strava, wahoo, whoop_v2, withings,
};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let scores = HashMap::from([("2024-10-10".to_string(), 80)]);
    if let Ok((Some(s), samples)) = oura::normalize_sleep("u", &v, &scores) {
        assert!(s.data["total"]
            .as_i64()
            .is_none_or(|t| (0..=86400).contains(&t)));
        assert!(samples.iter().all(|x| x.value.is_finite()));
    }
    let _ = oura::normalize_activity("u", &v);
    let _ = oura::normalize_workout("u", &v);
    if let Ok(s) = oura::normalize_hr_row(&v) {
        assert!((20.0..=300.0).contains(&s.value));
    }
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let _ = oura::normalize_profile("u", &v, today);

    // Every other provider's normalizers, on the same hostile document.
    let finite = |xs: &[vital_link::model::Sample]| assert!(xs.iter().all(|x| x.value.is_finite()));
    if let Ok(Some(s)) = dexcom_v3::normalize_egv(&v) {
        assert!(s.value.is_finite());
    }
    let _ = google_health::normalize_sleep("u", &v);
    let _ = google_health::normalize_exercise("u", &v);
    if let Ok((_, s)) = google_health::normalize_weight("u", &v) {
        assert!(s.value.is_finite());
    }
    if let Ok((_, xs)) = polar::normalize_sleep("u", &v) {
        finite(&xs);
    }
    // Both readings of the device's local time: an offset known from a sleep, and none.
    let _ = polar::normalize_activity("u", &v, None);
    let _ = polar::normalize_activity("u", &v, Some(-5 * 3600));
    if let Ok((_, xs)) = polar::normalize_exercise("u", &v) {
        finite(&xs);
    }
    let _ = strava::normalize_activity("u", &v);
    let _ = wahoo::normalize_workout("u", &v);
    if let Ok(Some((_, xs))) = whoop_v2::normalize_sleep("u", &v, Some(&v)) {
        finite(&xs);
    }
    let _ = whoop_v2::normalize_cycle("u", &v, 1_767_225_600_000);
    let _ = whoop_v2::normalize_workout("u", &v);
    let _ = whoop_v2::normalize_body("u", &v, today);
    for r in [
        withings::normalize_sleep("u", &v),
        withings::normalize_activity("u", &v),
        withings::normalize_workout("u", &v),
        withings::normalize_measure_group("u", &v, Some("Europe/Paris")),
    ] {
        if let Ok((_, xs)) = r {
            finite(&xs);
        }
    }
});
