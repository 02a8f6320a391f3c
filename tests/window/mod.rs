//! What the window tests share: Xvfb + tauri-driver for one test, a WebDriver session on the
//! built app, and the few waits that make clicking a live, re-rendering page reliable.
//! Screenshots land in `artifacts/e2e/`.
#![allow(dead_code)]
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::Value;

pub const APP: &str = env!("CARGO_BIN_EXE_vital-link");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// stderr of tauri-driver, WebKitWebDriver and the app, one file per test.
fn driver_log() -> PathBuf {
    let test = std::thread::current()
        .name()
        .unwrap_or("window")
        .replace("::", "-");
    artifacts().join(format!("{test}.stderr.log"))
}

/// Xvfb and tauri-driver for one test; killed (with their children) on drop.
pub struct Session {
    children: Vec<Child>,
    port: u16,
    /// The app's data directory (`VITAL_LINK_DATA_DIR`).
    pub data: tempfile::TempDir,
    /// XDG cache, data and config homes: WebKit's storage and caches (Mesa's shader cache
    /// among them) start empty for every test, as on a fresh machine, and a test never
    /// sees what an earlier one left in the web view's storage.
    _xdg: tempfile::TempDir,
}

impl Drop for Session {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.keep_evidence();
        }
        for c in self.children.iter_mut().rev() {
            let _ = Command::new("kill")
                .arg("--")
                .arg(format!("-{}", c.id()))
                .status();
            let _ = c.kill();
            let _ = c.wait();
            let _ = std::fs::remove_file(group_note(c.id()));
        }
    }
}

impl Session {
    /// A failed test says what was still running (was the app alive? its web process?) and
    /// keeps the app's log, which the temporary data directory would take with it.
    fn keep_evidence(&self) {
        let groups: Vec<u32> = self.children.iter().map(|c| c.id()).collect();
        let mut alive = vec![];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid pgrp ...; comm may hold spaces, so split after ')'.
            let Some((head, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let pgrp: u32 = fields.get(2).and_then(|f| f.parse().ok()).unwrap_or(0);
            if groups.contains(&pgrp) {
                alive.push(format!("{} [{}]", head.trim(), fields[0]));
            }
        }
        eprintln!("window test failed; still running in its process groups: {alive:?}");
        let logs = self.data.path().join("logs");
        let kept = artifacts().join("failed-app-logs");
        let _ = std::fs::create_dir_all(&kept);
        for f in std::fs::read_dir(&logs).into_iter().flatten().flatten() {
            let _ = std::fs::copy(f.path(), kept.join(f.file_name()));
        }
        eprintln!("the app's log is kept in {}", kept.display());
        let stderr = std::fs::read_to_string(driver_log()).unwrap_or_default();
        let tail: Vec<&str> = stderr.lines().rev().take(60).collect();
        eprintln!(
            "--- the app's and the drivers' stderr (last lines, whole: {}) ---",
            driver_log().display()
        );
        for l in tail.iter().rev() {
            eprintln!("{l}");
        }
    }
}

/// Where each live process group this harness started is noted (a file named by its id), so
/// that `scripts/test.sh` can stop exactly these if a suite is killed before `Drop` runs.
fn group_note(pgid: u32) -> PathBuf {
    let dir = artifacts().join("groups");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(pgid.to_string())
}

fn spawn_group(cmd: &mut Command) -> Child {
    use std::os::unix::process::CommandExt;
    let child = cmd
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e} (install it; see scripts/setup.sh)"));
    std::fs::write(group_note(child.id()), "").unwrap();
    child
}

/// Starts its own Xvfb on a display number it picks itself (`-displayfd`), and waits until
/// the server says it is ready: a fixed number collides with a display left over from the
/// previous test, and a fixed sleep loses the race on a loaded machine, either way GTK
/// cannot open the display and the app dies before WebDriver sees it.
fn start_xvfb(children: &mut Vec<Child>) -> String {
    use std::io::BufRead;
    let mut xvfb = spawn_group(
        Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x860x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(artifacts().join("xvfb.log")).unwrap()),
    );
    let out = xvfb.stdout.take().unwrap();
    children.push(xvfb);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    let n = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("Xvfb did not report a display within 60 s (see artifacts/e2e/xvfb.log)");
    let n = n.trim();
    assert!(
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()),
        "Xvfb exited without a display: see artifacts/e2e/xvfb.log"
    );
    format!(":{n}")
}

/// Starts Xvfb and tauri-driver, whose app gets `browser` as `$BROWSER`, a fresh data
/// directory and the sandbox clock at 2026-11-20 15:00 UTC.
pub fn start(browser: &str) -> Session {
    let mut children = vec![];
    // Not `$DISPLAY`: a CI shell may inherit one with no server behind it. To watch the
    // tests on a real screen, name it in VITAL_LINK_E2E_DISPLAY.
    let display = match std::env::var("VITAL_LINK_E2E_DISPLAY") {
        Ok(d) if !d.is_empty() => d,
        _ => start_xvfb(&mut children),
    };
    let data = tempfile::tempdir().unwrap();
    let xdg = tempfile::tempdir().unwrap();
    let port = free_port();
    let native = free_port();
    children.push(spawn_group(
        Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", &display)
            .env("BROWSER", browser)
            .env("VITAL_LINK_DATA_DIR", data.path())
            .env("VITAL_LINK_PORT", "0")
            .env("VITAL_LINK_SANDBOX_NOW", "2026-11-20T15:00:00Z")
            .env("NO_AT_BRIDGE", "1")
            .env("XDG_CACHE_HOME", xdg.path().join("cache"))
            .env("XDG_DATA_HOME", xdg.path().join("data"))
            .env("XDG_CONFIG_HOME", xdg.path().join("config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(driver_log()).unwrap()),
    ));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "tauri-driver did not listen on {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Session {
        children,
        port,
        data,
        _xdg: xdg,
    }
}

pub async fn connect(s: &Session) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({"application": APP}),
    );
    // If the app dies on start, WebKitWebDriver can wait for it forever: bound the wait, so
    // a broken start fails this test instead of hanging the run.
    let url = format!("http://127.0.0.1:{}", s.port);
    let mut builder = ClientBuilder::native();
    let session = builder.capabilities(caps).connect(&url);
    tokio::time::timeout(Duration::from_secs(120), session)
        .await
        .expect("no WebDriver session within 120 s: the app did not start (see its log above)")
        .expect("WebDriver session (is WebKitWebDriver installed?)")
}

/// Saves `artifacts/e2e/<name>.png`.
pub async fn shot(c: &Client, name: &str) {
    // Screenshots lag the DOM by a frame or two.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let png = c.screenshot().await.unwrap();
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

pub async fn click(c: &Client, css: &str) {
    let mut last = String::new();
    for _ in 0..10 {
        let e = c
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        // Clear of the sticky header: WebDriver counts an element under it as in view.
        js(c, &format!("document.querySelector({css:?})?.scrollIntoView({{block: 'center'}}); return true;")).await;
        match e.click().await {
            Ok(_) => return,
            // Re-rendered under us, or covered for a moment (a toast, an animation): again.
            Err(e) => {
                last = e.to_string();
                tokio::time::sleep(Duration::from_millis(300)).await
            }
        }
    }
    shot(c, "failed-click").await;
    panic!("{css} could not be clicked: {last}");
}

/// The element's text; the console re-renders rows as data arrives, so a node found a moment
/// ago may be gone: look it up again.
pub async fn text(c: &Client, css: &str) -> String {
    for _ in 0..20 {
        let e = c
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        // `innerText`, the rendered text: WebKit's WebDriver text leaves out what sits in an
        // overflow-hidden box (a clamped long id), though a person sees it.
        let arg = serde_json::to_value(&e).expect("an element reference");
        match c.execute("return arguments[0].innerText", vec![arg]).await {
            Ok(serde_json::Value::String(t)) => return t.trim().to_string(),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("{css} kept changing under the test");
}

/// Waits until `css` is on screen, not merely in the DOM.
pub async fn visible(c: &Client, css: &str) {
    if !visible_within(c, css, 150).await {
        panic!("{css} never became visible");
    }
}

async fn visible_within(c: &Client, css: &str, polls: usize) -> bool {
    for _ in 0..polls {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if e.is_displayed().await.unwrap_or(false) {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// Clicks `button` until `opens` shows. A table that re-renders as sync progress arrives can
/// swap the row between WebDriver's hit test and the click, which then lands on nothing; a
/// person would simply click again.
pub async fn click_to_open(c: &Client, button: &str, opens: &str) {
    for _ in 0..3 {
        click(c, button).await;
        if visible_within(c, opens, 25).await {
            return;
        }
    }
    shot(c, "failed-open").await;
    panic!("clicking {button} never opened {opens}");
}

pub async fn gone(c: &Client, css: &str) {
    for _ in 0..100 {
        if c.find(Locator::Css(css)).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{css} is still there");
}

/// Runs `body` (a function body returning a value) in the page.
pub async fn js(c: &Client, body: &str) -> Value {
    c.execute(body, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
}
