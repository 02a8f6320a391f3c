//! Imported files: any bytes read as an Apple Health export.xml and as a FIT file end in
//! readings, skipped records or a clear error, never a panic; a sleep assembled from whatever
//! segments were read has no more staged time than its bedtime.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vital_link::import::{apple_health, fit, sleep, Collected};

fuzz_target!(|data: &[u8]| {
    let mut c = Collected {
        user_id: "fuzz".into(),
        ..Default::default()
    };
    let _ = apple_health::read(data, &mut c);
    for d in sleep::sessions("fuzz", apple_health::PROVIDER, c.sleep) {
        let (start, end) = (d.start_at.unwrap(), d.end_at.unwrap());
        assert!(start <= end);
        let staged = d.data["total"].as_i64().unwrap() + d.data["awake"].as_i64().unwrap();
        assert!(staged <= (end - start) / 1000 + 1, "{}", d.data);
    }
    let _ = fit::read("fuzz", "fuzz.fit", data);
});
