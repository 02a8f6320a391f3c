//! Apple Health import speed and memory: a generated `export.xml` of `--records` records
//! (streamed to disk, never held in memory) imported into a real SQLite file.
//!
//! `cargo bench --no-default-features --bench import [-- --records 2000000]`
//!
//! The floor beside each number is measured in the same run on the same file: merely scanning
//! it with quick-xml (every event, every attribute of every Record unescaped, nothing stored).
//! Peak RSS (VmHWM) is read after the scan and again after the import: the import's must stay
//! flat as the file grows (issue 16: under 200 MB).
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

#[path = "common.rs"]
mod common;
use common::{arg, vm_hwm_kib};

const WATCH: &str = "&lt;&lt;HKDevice: 0x283f5c9a0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.1&gt;";

/// Writes `n` records: heart rate every minute, with steps, energy and distance intervals and
/// sleep stages every night, the mix of a watch wearer's export.
fn generate(path: &Path, n: u32) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>\n]>\n<HealthData locale=\"en_GB\">\n <ExportDate value=\"2024-01-10 09:00:00 +0100\"/>").unwrap();
    let t0 = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00+01:00").unwrap();
    let fmt = |m: i64| {
        (t0 + chrono::Duration::minutes(m))
            .format("%Y-%m-%d %H:%M:%S %z")
            .to_string()
    };
    let kinds = [
        ("HeartRate", "count/min"),
        ("StepCount", "count"),
        ("ActiveEnergyBurned", "kJ"),
        ("DistanceWalkingRunning", "km"),
    ];
    for i in 0..n as i64 {
        let minute = i / 2;
        let (start, end) = (fmt(minute), fmt(minute + 1));
        // A one-minute stage now and then between 00:00 and 07:00: a few dozen a night.
        if i % 20 == 19 && minute % 1440 < 420 {
            let stage = ["AsleepCore", "AsleepDeep", "AsleepREM", "Awake"][(i / 20 % 4) as usize];
            writeln!(w, " <Record type=\"HKCategoryTypeIdentifierSleepAnalysis\" sourceName=\"Ann’s Apple Watch\" sourceVersion=\"10.1\" device=\"{WATCH}\" creationDate=\"{end}\" startDate=\"{start}\" endDate=\"{end}\" value=\"HKCategoryValueSleepAnalysis{stage}\"/>").unwrap();
            continue;
        }
        let (kind, unit) = kinds[if i % 2 == 0 {
            0
        } else {
            1 + (i / 2 % 3) as usize
        }];
        let value = match kind {
            "HeartRate" => format!("{}", 55 + i % 60),
            "StepCount" => format!("{}", i % 120),
            _ => format!("{:.3}", (i % 50) as f64 / 100.0),
        };
        let end = if kind == "HeartRate" { &start } else { &end };
        writeln!(w, " <Record type=\"HKQuantityTypeIdentifier{kind}\" sourceName=\"Ann’s Apple Watch\" sourceVersion=\"10.1\" device=\"{WATCH}\" unit=\"{unit}\" creationDate=\"{end}\" startDate=\"{start}\" endDate=\"{end}\" value=\"{value}\"/>").unwrap();
    }
    writeln!(w, "</HealthData>").unwrap();
    w.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// The floor: every event read and every Record's attributes unescaped, nothing kept.
fn scan(path: &Path) -> u64 {
    let f = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(path).unwrap());
    let mut xml = quick_xml::Reader::from_reader(f);
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        match xml.read_event_into(&mut buf).unwrap() {
            quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e)
                if e.name().as_ref() == "Record" =>
            {
                for a in e.attributes() {
                    std::hint::black_box(
                        a.unwrap()
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap(),
                    );
                }
                n += 1;
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    n
}

#[tokio::main]
async fn main() {
    let records = arg("--records", 2_000_000, 20_000);
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("export.xml");
    let t = Instant::now();
    let bytes = generate(&xml, records);
    println!(
        "import: generated {records} records, {:.1} MB, in {:.1}s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let scanned = scan(&xml);
    let scan_s = t.elapsed().as_secs_f64();
    let scan_rss = vm_hwm_kib();
    assert_eq!(scanned, records as u64);

    let mut config = vital_link::config::Config::new(dir.path().join("data"));
    config.api_port = 0;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T15:00:00Z")
        .unwrap()
        .to_utc();
    let app = vital_link::start(config, vital_link::clock::Clock::fixed(now))
        .await
        .unwrap();
    let u = app.store.create_user("bench-import").unwrap();
    let opts = vital_link::import::ImportOptions::default();
    let t = Instant::now();
    let a = app.clone();
    let (uid, path) = (u.user_id.clone(), xml.clone());
    let report = tokio::task::spawn_blocking(move || a.import_file(&uid, &path, &opts))
        .await
        .unwrap()
        .unwrap();
    let import_s = t.elapsed().as_secs_f64();
    let import_rss = vm_hwm_kib();
    assert_eq!(report.records, records as u64);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);

    let t = Instant::now();
    let a = app.clone();
    let (uid, path) = (u.user_id.clone(), xml.clone());
    let opts = vital_link::import::ImportOptions::default();
    let again = tokio::task::spawn_blocking(move || a.import_file(&uid, &path, &opts))
        .await
        .unwrap()
        .unwrap();
    let again_s = t.elapsed().as_secs_f64();
    assert_eq!(again.added(), 0, "a second import adds nothing");

    let rate = records as f64 / import_s;
    println!(
        "  scan (floor): {:.2}s, {:.0} records/s, peak RSS {:.1} MB",
        scan_s,
        records as f64 / scan_s,
        scan_rss as f64 / 1024.0
    );
    println!(
        "  import: {:.2}s, {rate:.0} records/s ({:.1}× the scan's time), {} readings in {} transactions, peak RSS {:.1} MB ({:.2}× the scan's)",
        import_s,
        import_s / scan_s,
        report.added(),
        report.batches,
        import_rss as f64 / 1024.0,
        import_rss as f64 / scan_rss.max(1) as f64
    );
    println!(
        "  re-import: {:.2}s, {:.0} records/s, 0 added",
        again_s,
        records as f64 / again_s
    );
    println!(
        "RESULT records={records} records_per_s={rate:.0} time_vs_scan={:.2} peak_rss_mb={:.1} rss_vs_scan={:.2}",
        import_s / scan_s,
        import_rss as f64 / 1024.0,
        import_rss as f64 / scan_rss.max(1) as f64
    );
}
