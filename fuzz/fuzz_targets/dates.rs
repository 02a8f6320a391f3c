//! Date ranges from query strings: any input is a range or a clear error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let (a, b) = s.split_once('|').unwrap_or((&s, ""));
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    if let Ok(r) = vital_link::shapes::parse_range(a, Some(b), today) {
        assert!(r.from_ms <= r.to_ms);
    }
});
