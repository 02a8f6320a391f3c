//! End to end in the real window, for the researcher's and QA engineer's console: import a CSV of
//! participants, enrol two through the sandbox sign-in (one in enrol mode, one with the overlay),
//! see the table and charts fill in, export CSV and Parquet (read back with pyarrow), flip a
//! fault switch and see the error in the participant row and the inspector, and finally check
//! that no token, code, secret or API key shows in the inspector, the event log or the exports.
//!
//! Same recipe as `e2e_window.rs`: Xvfb + tauri-driver + WebKitWebDriver. Screenshots land in
//! `artifacts/e2e/console-*.png`. Run with
//! `cargo test --test e2e_console -- --ignored --test-threads=1`.
//!
//! `$BROWSER` is a recording stand-in for the person's browser: it does what `vital-link
//! sandbox-browser` does on the sandbox consent page (GET the page, press Allow with every scope
//! ticked, follow the redirect to the app's loopback listener) and also writes down each
//! authorization code it carries, so the redaction check knows the real codes.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

const PIN: &str = "2468";

mod window;
use window::{click, click_to_open, connect, gone, js, text, visible};

/// The app's window with the recording browser as `$BROWSER`; `codes` is where it writes.
struct Session {
    inner: window::Session,
    data: std::path::PathBuf,
    codes: PathBuf,
    _scratch: tempfile::TempDir,
}

/// The recording browser (see the module doc).
const BROWSER_PY: &str = r#"
import re, sys, urllib.error, urllib.parse, urllib.request
CODES = sys.argv[1]
url = sys.argv[-1]
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
opener = urllib.request.build_opener(NoRedirect)
def fetch(u, data=None):
    try:
        r = opener.open(urllib.request.Request(u, data=data), timeout=20)
        return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")
status, headers, html = fetch(url)
if 300 <= status < 400:
    loc = urllib.parse.urljoin(url, headers["Location"])
else:
    rid = re.search(r'name="request_id" value="([^"]*)"', html).group(1)
    form = [("request_id", rid), ("action", "allow")]
    form += [("scope", s) for s in re.findall(r'name="scope" value="([^"]*)"', html)]
    status, headers, _ = fetch(urllib.parse.urljoin(url, "/oauth/authorize/decision"), urllib.parse.urlencode(form).encode())
    loc = urllib.parse.urljoin(url, headers["Location"])
with open(CODES, "a") as f:
    for c in urllib.parse.parse_qs(urllib.parse.urlparse(loc).query).get("code", []):
        f.write(c + "\n")
for _ in range(5):
    if not loc.startswith("http://127.0.0.1"):
        break
    status, headers, _ = fetch(loc)
    if 300 <= status < 400:
        loc = urllib.parse.urljoin(loc, headers["Location"])
    else:
        break
"#;

fn start() -> Session {
    let scratch = tempfile::tempdir().unwrap();
    let script = scratch.path().join("browser.py");
    std::fs::write(&script, BROWSER_PY).unwrap();
    let codes = scratch.path().join("codes.txt");
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let inner = window::start(&format!(
        "{python} {} {}",
        script.display(),
        codes.display()
    ));
    Session {
        data: inner.data.path().to_path_buf(),
        inner,
        codes,
        _scratch: scratch,
    }
}

async fn shot(c: &Client, name: &str) {
    window::shot(c, &format!("console-{name}")).await;
}

/// Polls `body` until it returns true.
async fn until_js(c: &Client, what: &str, body: &str, secs: u64) {
    for _ in 0..secs * 4 {
        if js(c, body).await == json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    shot(c, "failed-wait").await;
    panic!("{what}: not within {secs} s ({body})");
}

async fn type_into(c: &Client, css: &str, value: &str) {
    let mut last = String::new();
    for _ in 0..10 {
        let e = c
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        let done = async {
            e.clear().await?;
            e.send_keys(value).await
        };
        match done.await {
            Ok(()) => return,
            Err(e) => {
                last = e.to_string();
                js(c, &format!("document.querySelector({css:?})?.scrollIntoView({{block: 'center'}}); return true;")).await;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    }
    shot(c, "failed-type").await;
    panic!("{css}: cannot type into it: {last}");
}

async fn nav(c: &Client, page: &str) {
    click(c, &format!("#nav-{page}")).await;
    visible(c, &format!("#page-{page}")).await;
}

/// Sets a form control's value as if typed (date inputs differ per locale in WebDriver).
async fn set_value(c: &Client, css: &str, value: &str) {
    js(
        c,
        &format!(
            "const e = document.querySelector({css:?}); e.value = {value:?}; e.dispatchEvent(new Event('input', {{bubbles: true}})); e.dispatchEvent(new Event('change', {{bubbles: true}})); return true;"
        ),
    )
    .await;
}

/// In the link widget (overlay or enrol mode): agree, pick Oura, wait for success, Done.
async fn sign_in_oura(c: &Client, shot_prefix: Option<&str>) {
    visible(c, "#agree-continue").await;
    if let Some(p) = shot_prefix {
        shot(c, &format!("{p}-agreement")).await;
    }
    click(c, "#agree-continue").await;
    visible(c, ".provider[data-slug=\"oura\"] img").await;
    click(c, ".provider[data-slug=\"oura\"]").await;
    c.wait()
        .at_most(Duration::from_secs(40))
        .for_element(Locator::Css("#link-result[data-state=\"success\"]"))
        .await
        .expect("the sandbox sign-in succeeds");
    click(c, "#link-done").await;
}

async fn wait_connected(c: &Client, id: &str) {
    let css = format!("tr[data-user=\"{id}\"] .provider-status");
    // Up to 3 minutes: a slow CI machine backfills 90 days in more than a few seconds.
    for _ in 0..360 {
        if let Ok(e) = c.find(Locator::Css(&css)).await {
            if e.text()
                .await
                .map(|t| t.trim() == "connected")
                .unwrap_or(false)
            {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    shot(c, "failed-connected").await;
    let row = js(
        c,
        &format!("return document.querySelector('tr[data-user=\"{id}\"]')?.innerText ?? 'no row';"),
    )
    .await;
    panic!("{id} never showed connected: {row}");
}

fn parse_count(s: &str, unit: &str) -> usize {
    // "87 sleeps · 90 days · 24,604 HR samples"
    s.split('·')
        .map(str::trim)
        .find(|p| p.ends_with(unit))
        .and_then(|p| p.split_whitespace().next())
        .map(|n| n.replace(',', "").parse().unwrap_or(0))
        .unwrap_or(0)
}

/// The export result as the console shows it: file (relative) → rows, and the folder.
async fn export_result(c: &Client, format: &str) -> (PathBuf, BTreeMap<String, usize>) {
    until_js(
        c,
        "export result",
        &format!("const r = document.querySelector('#export-result'); return !!r && !r.hidden && r.dataset.format === '{format}';"),
        120,
    )
    .await;
    let v = js(
        c,
        "const r = document.querySelector('#export-result'); return {dir: r.dataset.dir, files: [...r.querySelectorAll('tr[data-file]')].map(t => [t.dataset.file, Number(t.dataset.rows), t.querySelector('.rows').textContent])};",
    )
    .await;
    let dir = PathBuf::from(v["dir"].as_str().unwrap());
    let mut files = BTreeMap::new();
    for f in v["files"].as_array().unwrap() {
        let rows = f[1].as_u64().unwrap() as usize;
        // What is shown is what the data attribute says.
        assert_eq!(f[2].as_str().unwrap().replace(',', ""), rows.to_string());
        files.insert(f[0].as_str().unwrap().to_string(), rows);
    }
    (dir, files)
}

fn python_with_pyarrow() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/conformance-venv");
    let py = venv.join("bin/python");
    let has = |p: &Path| {
        Command::new(p)
            .args(["-c", "import pyarrow.parquet"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    if py.exists() && has(&py) {
        return py;
    }
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
        && Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "pyarrow==26.0.1"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    assert!(
        ok && has(&py),
        "could not set up pyarrow in {}",
        venv.display()
    );
    py
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[tokio::test]
#[ignore = "needs Xvfb, tauri-driver and WebKitWebDriver: run by scripts/test.sh"]
async fn researcher_and_qa_console_session() {
    let s = start();
    let c = connect(&s.inner).await;
    visible(&c, "#new-participant").await;
    shot(&c, "00-empty").await;

    // ── Settings: the study's agreement and an enrol PIN ──────────────────────────────
    nav(&c, "settings").await;
    visible(&c, "#agreement-text-input").await;
    type_into(&c, "#agreement-version-input", "2").await;
    type_into(
        &c,
        "#agreement-text-input",
        "E2E sleep study (SLEEP-42). Your wearable's sleep, activity and heart rate are copied to this lab computer for 30 days.",
    )
    .await;
    click(&c, "#agreement-save").await;
    until_js(&c, "agreement saved", "return document.querySelector('#agreement-version-input')?.value === '2' && !!document.querySelector('.toast.ok');", 20).await;
    type_into(&c, "#enrol-pin", PIN).await;
    click(&c, "#enrol-pin-save").await;
    until_js(&c, "PIN set", "return (document.querySelector('#enrol-pin-status')?.textContent ?? '').includes('A PIN is set');", 20).await;
    // The MCP command names this app's binary and this data directory.
    let mcp = text(&c, "#mcp-command").await;
    assert!(
        mcp.ends_with(" mcp") && mcp.contains(&s.data.display().to_string()),
        "{mcp}"
    );
    shot(&c, "01-settings").await;

    // ── A CSV with an open quote is refused whole, with its line ──────────────────────
    nav(&c, "participants").await;
    let bad = s.data.join("bad.csv");
    std::fs::write(
        &bad,
        "participant_id,notes,cohort\nB-101,ok,A\nB-102,\"unterminated quote,B\nB-103,,A\nB-104,,B\n",
    )
    .unwrap();
    choose_file(&c, &bad, "#import-report").await;
    let refused = text(&c, "#import-report").await;
    assert!(
        refused.contains("line 3") && refused.contains("nothing was imported"),
        "{refused}"
    );
    assert!(c.find(Locator::Css("#import-confirm")).await.is_err());
    assert!(c
        .find(Locator::Css("tr[data-user=\"B-101\"]"))
        .await
        .is_err());
    shot(&c, "02-import-refused").await;

    // ── Import a CSV of 5 participants (and one bad line): preview, then import ────────
    let csv = s.data.join("participants.csv");
    std::fs::write(
        &csv,
        "participant_id,cohort,notes\nC-01,A,first visit 18 Nov\nC-02,A,\nC-03,B,\n,B,no id\nC-04,B,left-handed\nC-05,A,\n",
    )
    .unwrap();
    choose_file(&c, &csv, "#import-preview").await;
    let preview = text(&c, "#import-preview").await;
    assert!(
        preview.contains("5 participants to add") && preview.contains("1 line skipped"),
        "{preview}"
    );
    assert!(
        c.find(Locator::Css("tr[data-user=\"C-01\"]"))
            .await
            .is_err(),
        "nothing before Import"
    );
    shot(&c, "02-import-preview").await;
    click(&c, "#import-confirm").await;
    visible(&c, "#import-report").await;
    let added = c
        .find(Locator::Css("#import-report"))
        .await
        .unwrap()
        .attr("data-added")
        .await
        .unwrap();
    assert_eq!(
        added.as_deref(),
        Some("5"),
        "{}",
        text(&c, "#import-report").await
    );
    let report = text(&c, "#import-report").await;
    assert!(
        report.contains("Line 5") && report.contains("empty participant_id"),
        "{report}"
    );
    for id in ["C-01", "C-02", "C-03", "C-04", "C-05"] {
        visible(&c, &format!("tr[data-user=\"{id}\"]")).await;
    }
    shot(&c, "02-imported").await;

    // Filters and sorting.
    set_value(&c, "#cohort-filter", "B").await;
    until_js(
        &c,
        "cohort filter",
        "return document.querySelectorAll('#participants tr[data-user]').length === 2;",
        10,
    )
    .await;
    set_value(&c, "#cohort-filter", "").await;
    click(&c, "th [data-sort=\"participant\"]").await;
    until_js(
        &c,
        "sorted descending",
        "return document.querySelector('#participants tr[data-user]')?.dataset.user === 'C-05';",
        10,
    )
    .await;
    click(&c, "th [data-sort=\"participant\"]").await;

    // ── Enrol C-01 in enrol (kiosk) mode ──────────────────────────────────────────────
    click(&c, "tr[data-user=\"C-01\"] .enrol-btn").await;
    visible(&c, "#enrol #agreement-version").await;
    let agreement = text(&c, "#enrol #agreement").await;
    assert!(
        agreement.contains("SLEEP-42") && agreement.contains("version 2"),
        "{agreement}"
    );
    // The participant's screen names who is being connected, and shows no link token.
    shot(&c, "03-enrol").await;
    let screen = text(&c, "#enrol").await;
    let screen = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        screen.contains("Participant C-01") && screen.contains("for participant C-01"),
        "{screen}"
    );
    assert!(!screen.contains("token="), "{screen}");
    sign_in_oura(&c, None).await;
    visible(&c, "#enrol-done").await;
    shot(&c, "04-enrol-done").await;
    click(&c, "#enrol-leave").await;
    visible(&c, "#enrol-pin-dialog-input").await;
    type_into(&c, "#enrol-pin-dialog-input", "0000").await;
    click(&c, "#enrol-pin-dialog-confirm").await;
    visible(&c, ".dialog-error").await;
    assert!(
        c.find(Locator::Css("#enrol")).await.is_ok(),
        "a wrong PIN keeps enrol mode"
    );
    type_into(&c, "#enrol-pin-dialog-input", PIN).await;
    click(&c, "#enrol-pin-dialog-confirm").await;
    gone(&c, "#enrol").await;

    // ── Enrol C-02 with the overlay ───────────────────────────────────────────────────
    click(&c, "tr[data-user=\"C-02\"] .participant-id").await;
    visible(&c, "tr[data-user=\"C-02\"].selected").await;
    click(&c, "#connect-device").await;
    sign_in_oura(&c, Some("05-overlay")).await;

    // ── The table updates: connected, consent recorded, days of data ──────────────────
    wait_connected(&c, "C-01").await;
    wait_connected(&c, "C-02").await;
    until_js(
        &c,
        "backfill finished",
        "const rows = ['C-01','C-02'].map(id => document.querySelector(`tr[data-user=\"${id}\"]`)); return rows.every(r => r && r.querySelector('.counts').textContent.includes('sleeps') && !r.querySelector('.conn-progress') && JSON.parse(r.querySelector('.days').dataset.days).sleep >= 25);",
        120,
    )
    .await;
    for id in ["C-01", "C-02"] {
        let consent = text(&c, &format!("tr[data-user=\"{id}\"] .consent")).await;
        assert!(consent.contains("v2"), "{id}: {consent}");
    }
    assert!(text(&c, "tr[data-user=\"C-03\"] .consent")
        .await
        .contains("Not yet"));
    shot(&c, "06-participants").await;

    // Bulk: tick both enrolled participants, sync them together.
    click(&c, "tr[data-user=\"C-01\"] .row-check").await;
    click(&c, "tr[data-user=\"C-02\"] .row-check").await;
    visible(&c, "#bulk-bar").await;
    assert_eq!(text(&c, "#bulk-count").await.trim(), "2 selected");
    click(&c, "#bulk-sync").await;
    until_js(&c, "bulk sync", "return [...document.querySelectorAll('.toast.ok')].some(t => t.textContent.includes('Synced 2 participants'));", 90).await;
    click(&c, "#bulk-clear").await;

    // Remove one: the dialog names them and says what happens.
    click_to_open(&c, "tr[data-user=\"C-05\"] .remove-btn", "#remove-dialog").await;
    let dialog = js(
        &c,
        "return document.querySelector('#remove-dialog').textContent;",
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    assert!(
        dialog.contains("Remove C-05?") && dialog.contains("deleted") && dialog.contains("revoked"),
        "{dialog}"
    );
    shot(&c, "06b-remove-dialog").await;
    click(&c, "#remove-dialog-confirm").await;
    gone(&c, "tr[data-user=\"C-05\"]").await;

    // ── Charts of one participant ─────────────────────────────────────────────────────
    click(&c, "tr[data-user=\"C-01\"] .participant-id").await;
    visible(&c, "#participant-view").await;
    until_js(&c, "charts drawn", "return ['#chart-sleep','#chart-activity','#chart-heartrate','#chart-calories'].every(id => Number(document.querySelector(id)?.dataset.points) > 0 && !!document.querySelector(id + ' canvas'));", 60).await;
    let nights: usize = text(&c, "#sleeps-count")
        .await
        .replace(',', "")
        .trim()
        .parse()
        .unwrap_or(0);
    assert!(nights >= 28, "about 30 nights shown, got {nights}");
    js(
        &c,
        "document.querySelector('#participant-view').scrollIntoView(); return true;",
    )
    .await;
    shot(&c, "07-participant-charts").await;

    // Notes are edited in place, and the table (and later the export) has them.
    click(&c, "#pv-edit").await;
    type_into(&c, "#pv-notes", "second visit booked").await;
    click(&c, "#pv-info-save").await;
    until_js(&c, "notes saved", "return !!document.querySelector('tr[data-user=\"C-01\"]')?.textContent.includes('second visit booked');", 20).await;
    js(
        &c,
        "document.querySelector('#participant-view').scrollIntoView(); return true;",
    )
    .await;
    shot(&c, "07c-participant-notes-edited").await;

    // ── Coverage heatmap ──────────────────────────────────────────────────────────────
    nav(&c, "data").await;
    visible(&c, "#coverage [data-user=\"C-01\"]").await;
    let cov = js(&c, "const r = id => document.querySelector(`#coverage [data-user=\"${id}\"]`); return {rows: document.querySelectorAll('#coverage [data-user]').length, days: r('C-01').querySelectorAll('[data-day]').length, full: r('C-01').querySelectorAll('[data-level=full]').length, none3: r('C-03').querySelectorAll('[data-level=none]').length};").await;
    assert_eq!(cov["rows"], json!(4), "{cov}");
    assert_eq!(cov["days"], json!(30), "{cov}");
    assert!(cov["full"].as_u64().unwrap() >= 20, "{cov}");
    assert_eq!(cov["none3"], json!(30), "{cov}");
    js(&c, "window.scrollTo(0, 0); return true;").await;
    shot(&c, "08-data-coverage").await;

    // ── Export: CSV, then Parquet over all time, checked with pyarrow ─────────────────
    nav(&c, "participants").await;
    let store_counts = js(&c, "return Object.fromEntries([...document.querySelectorAll('#participants tr[data-user]')].map(r => [r.dataset.user, r.querySelector('.counts').textContent]));").await;
    let total = |unit: &str| -> usize {
        store_counts
            .as_object()
            .unwrap()
            .values()
            .map(|v| parse_count(v.as_str().unwrap(), unit))
            .sum()
    };
    let (nights_all, days_all, hr_all) = (total("sleeps"), total("days"), total("HR samples"));
    assert!(
        nights_all >= 50 && days_all >= 50 && hr_all > 5_000,
        "{store_counts}"
    );

    nav(&c, "export").await;
    click(&c, "#export-format-csv").await;
    click(&c, "#export-raw").await;
    click(&c, "#export-run").await;
    let (csv_dir, csv_files) = export_result(&c, "csv").await;
    assert!(
        csv_files.keys().any(|f| f.starts_with("raw/")),
        "raw payloads were asked for: {csv_files:?}"
    );
    js(
        &c,
        "document.querySelector('#export-result').scrollIntoView(); return true;",
    )
    .await;
    shot(&c, "09-export-csv").await;
    js(&c, "window.scrollTo(0, 0); return true;").await;
    click(&c, "#export-raw").await;
    for (name, rows) in &csv_files {
        if name.ends_with(".csv") && name != "dictionary.csv" {
            let body = std::fs::read_to_string(csv_dir.join(name)).unwrap();
            let lines = csv::ReaderBuilder::new()
                .from_reader(body.as_bytes())
                .records()
                .count();
            assert_eq!(lines, *rows, "{name}: the console says {rows} rows");
        }
    }

    // Each acceptance of the agreement is in the export's event log, with its version and channel.
    let events_csv = std::fs::read_to_string(csv_dir.join("events.csv")).unwrap();
    for (who, via) in [("C-01", "window"), ("C-02", "window")] {
        assert!(
            events_csv.lines().any(|l| l.contains("consent.accepted")
                && l.contains(who)
                && l.contains("\"2\"")
                && l.contains(via)),
            "no consent of {who} in events.csv:\n{events_csv}"
        );
    }
    // …and in consents.csv, one row per acceptance, next to the participant list.
    let consents_csv = std::fs::read_to_string(csv_dir.join("consents.csv")).unwrap();
    for who in ["C-01", "C-02"] {
        assert!(
            consents_csv
                .lines()
                .any(|l| l.starts_with(&format!("{who},2,")) && l.ends_with(",window")),
            "no consent row for {who} in consents.csv:\n{consents_csv}"
        );
    }
    let participants_csv = std::fs::read_to_string(csv_dir.join("participants.csv")).unwrap();
    assert!(
        participants_csv
            .lines()
            .any(|l| l.starts_with("C-01,") && l.contains("second visit booked")),
        "{participants_csv}"
    );

    set_value(&c, "#export-from", "2000-01-01").await;
    set_value(&c, "#export-to", "2026-11-20").await;
    click(&c, "#export-format-parquet").await;
    click(&c, "#export-run").await;
    let (pq_dir, pq_files) = export_result(&c, "parquet").await;
    js(
        &c,
        "document.querySelector('#export-result').scrollIntoView(); return true;",
    )
    .await;
    shot(&c, "10-export-parquet").await;
    let py = python_with_pyarrow();
    let names: Vec<&String> = pq_files
        .keys()
        .filter(|n| n.ends_with(".parquet"))
        .collect();
    assert!(names.iter().any(|n| *n == "sleep.parquet"), "{pq_files:?}");
    let out = Command::new(&py)
        .arg("-c")
        .arg("import json, sys, pyarrow.parquet as pq\nprint(json.dumps({n: pq.ParquetFile(sys.argv[1] + '/' + n).metadata.num_rows for n in sys.argv[2:]}))")
        .arg(&pq_dir)
        .args(&names)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: BTreeMap<String, usize> = serde_json::from_slice(&out.stdout).unwrap();
    for n in &names {
        assert_eq!(
            read[*n], pq_files[*n],
            "{n}: pyarrow read {} rows, the console says {}",
            read[*n], pq_files[*n]
        );
    }
    assert_eq!(
        read["sleep.parquet"], nights_all,
        "sleep rows = nights stored"
    );
    assert_eq!(
        read["activity.parquet"], days_all,
        "activity rows = days stored"
    );
    assert_eq!(
        read["heartrate.parquet"], hr_all,
        "heart-rate rows = samples stored"
    );

    // ── QA: fault switch, sync, the error in the row and in the inspector ────────────
    nav(&c, "inspector").await;
    visible(&c, "#faults-form").await;
    set_value(&c, "#faults-provider", "oura").await;
    visible(&c, "#fault-server_error").await;
    click(&c, "#fault-server_error").await;
    click(&c, "#faults-apply").await;
    until_js(
        &c,
        "fault on",
        "return (document.querySelector('#faults-active')?.textContent ?? '') === '1 on';",
        15,
    )
    .await;
    shot(&c, "11-faults").await;

    nav(&c, "participants").await;
    click(&c, "tr[data-user=\"C-01\"] .sync-btn").await;
    until_js(&c, "error in the row", "const r = document.querySelector('tr[data-user=\"C-01\"]'); return !!r && r.dataset.status === 'attention' && !!r.querySelector('.conn-error');", 90).await;
    let err = text(&c, "tr[data-user=\"C-01\"] .conn-error").await;
    assert!(err.contains("Oura"), "{err}");
    shot(&c, "12-row-error").await;

    nav(&c, "inspector").await;
    set_value(&c, "#inspector-provider", "oura").await;
    until_js(
        &c,
        "a 500 in the inspector",
        "return !!document.querySelector('#inspector-table tr[data-status=\"500\"]');",
        20,
    )
    .await;
    click(&c, "#inspector-table tr[data-status=\"500\"] td.ex-url").await;
    let details = text(&c, "#exchange-details").await;
    assert!(
        details.contains("500") && details.contains("GET"),
        "{details}"
    );
    shot(&c, "13-inspector-500").await;

    // invalid_grant on a forced refresh: the connection needs a reconnect.
    click(&c, "#faults-clear").await;
    until_js(
        &c,
        "faults off",
        "return (document.querySelector('#faults-active')?.textContent ?? '') === 'All off';",
        15,
    )
    .await;
    click(&c, "#fault-invalid_grant").await;
    click(&c, "#faults-apply").await;
    until_js(
        &c,
        "invalid_grant on",
        "return (document.querySelector('#faults-active')?.textContent ?? '') === '1 on';",
        15,
    )
    .await;
    let conn = js(&c, "return [...document.querySelectorAll('#inspector-connection option')].find(o => o.textContent.startsWith('C-02'))?.value ?? null;").await;
    set_value(
        &c,
        "#inspector-connection",
        conn.as_str().expect("C-02's connection is listed"),
    )
    .await;
    visible(&c, "#force-refresh").await;
    let token_shown = text(&c, "#conn-access-token").await;
    assert!(
        token_shown.contains("chars"),
        "the access token is shown redacted: {token_shown}"
    );
    click(&c, "#force-refresh").await;
    until_js(&c, "reauth_required", "return (document.querySelector('#connection-details .provider-status')?.textContent ?? '') === 'reauth_required';", 30).await;
    shot(&c, "14-inspector-connection").await;
    click(&c, "#faults-clear").await;
    until_js(
        &c,
        "faults off",
        "return (document.querySelector('#faults-active')?.textContent ?? '') === 'All off';",
        15,
    )
    .await;
    nav(&c, "participants").await;
    visible(&c, "tr[data-user=\"C-02\"] .reconnect-btn").await;
    js(&c, "document.querySelector('tr[data-user=\"C-02\"]').scrollIntoView({block: 'center'}); return true;").await;
    shot(&c, "14b-reconnect").await;
    // One click: the link widget for that provider (the token is made for Oura: no list).
    click(&c, "tr[data-user=\"C-02\"] .reconnect-btn").await;
    visible(&c, "#agree-continue").await;
    click(&c, "#agree-continue").await;
    c.wait()
        .at_most(Duration::from_secs(40))
        .for_element(Locator::Css("#link-result[data-state=\"success\"]"))
        .await
        .expect("the reconnect succeeds");
    click(&c, "#link-done").await;
    wait_connected(&c, "C-02").await;

    // ── Events and the API key ────────────────────────────────────────────────────────
    nav(&c, "events").await;
    visible(&c, "#events tr[data-kind=\"consent.accepted\"]").await;
    shot(&c, "15-events").await;
    nav(&c, "settings").await;
    click(&c, "#rotate-api-key").await;
    click(&c, "#rotate-dialog-confirm").await;
    visible(&c, "#api-key-dialog-value").await;
    let api_key = js(
        &c,
        "return document.querySelector('#api-key-dialog-value').textContent;",
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    assert!(
        api_key.starts_with("vlk_") && api_key.len() > 20,
        "{api_key}"
    );
    shot(&c, "16-api-key-once").await;
    click(&c, "#api-key-dialog-confirm").await;
    until_js(&c, "redacted key", &format!("const k = document.querySelector('#api-key')?.textContent ?? ''; return k.includes('chars') && !k.includes({api_key:?});"), 15).await;

    // ── Redaction: nothing secret in the inspector, the event log or the exports ─────
    let tokens: Value = serde_json::from_slice(
        &std::fs::read(s.data.join("sandbox/oura-tokens.json"))
            .expect("the sandbox Oura token file"),
    )
    .unwrap();
    let mut secrets: Vec<String> = vec!["sandbox-oura-secret".into(), api_key.clone()];
    for k in ["access", "refresh"] {
        secrets.extend(tokens[k].as_object().unwrap().keys().cloned());
    }
    let codes = std::fs::read_to_string(&s.codes).unwrap_or_default();
    let codes: Vec<String> = codes
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        codes.len(),
        3,
        "three sign-ins (two enrolments, one reconnect), three authorization codes"
    );
    secrets.extend(codes);
    assert!(
        tokens["refresh"].as_object().unwrap().len() >= 2,
        "{tokens}"
    );

    nav(&c, "inspector").await;
    set_value(&c, "#inspector-connection", "").await;
    set_value(&c, "#inspector-provider", "").await;
    until_js(
        &c,
        "all exchanges",
        "return document.querySelectorAll('#inspector-table tr[data-exchange]').length > 10;",
        20,
    )
    .await;
    let inspector_text = js(&c, "const rows = [...document.querySelectorAll('#inspector-table tr[data-exchange]')]; let t = document.querySelector('#page-inspector').innerText; for (const r of rows) { r.click(); t += '\\n' + document.querySelector('#exchange-details').innerText; } return t;").await;
    let inspector_text = inspector_text.as_str().unwrap().to_string();
    assert!(
        inspector_text.contains("/oauth/token"),
        "token exchanges are listed"
    );
    nav(&c, "events").await;
    visible(&c, "#events tr[data-event]").await;
    let events_text = js(
        &c,
        "return document.querySelector('#page-events').innerText;",
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    let mut exported = vec![];
    all_files(&csv_dir, &mut exported);
    all_files(&pq_dir, &mut exported);
    for secret in &secrets {
        assert!(
            !inspector_text.contains(secret.as_str()),
            "the inspector shows a secret ({}…)",
            &secret[..4]
        );
        assert!(
            !events_text.contains(secret.as_str()),
            "the event log shows a secret ({}…)",
            &secret[..4]
        );
        for f in &exported {
            let bytes = std::fs::read(f).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds a secret ({}…)",
                f.display(),
                &secret[..4]
            );
        }
    }
    c.close().await.unwrap();
}

/// Hands `path` to the import input, as a person choosing it would, and waits for `expect`.
async fn choose_file(c: &Client, path: &std::path::Path, expect: &str) {
    let file = c.find(Locator::Css("#import-file")).await.unwrap();
    let sent = file.send_keys(&path.display().to_string()).await.is_ok();
    let mut shown = false;
    for _ in 0..20 {
        if !sent {
            break;
        }
        if c.find(Locator::Css(expect)).await.is_ok() {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    if !shown {
        // This WebDriver cannot set files: hand the same file to the same input by script.
        let body = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        js(c, &format!(
            "const dt = new DataTransfer(); dt.items.add(new File([{body:?}], {name:?}, {{type: 'text/csv'}})); const i = document.querySelector('#import-file'); i.files = dt.files; i.dispatchEvent(new Event('change', {{bubbles: true}})); return true;"
        )).await;
    }
    visible(c, expect).await;
}
