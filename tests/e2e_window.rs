//! End to end in the real window: Xvfb + tauri-driver + WebKitWebDriver drive the built app,
//! and `$BROWSER` is the sandbox browser, which presses Allow (or Deny) on the fake Oura's
//! consent page as a person would. Screenshots land in `artifacts/e2e/`.
//!
//! Run with `scripts/test.sh` (or `cargo test --test e2e_window -- --ignored --test-threads=1`
//! with Xvfb, tauri-driver and WebKitWebDriver installed). tauri-driver serves one session at a
//! time, so these tests run serially.
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

const APP: &str = env!("CARGO_BIN_EXE_vital-link");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Xvfb and tauri-driver for one test; killed (with their children) on drop.
struct Session {
    children: Vec<Child>,
    port: u16,
    _data: tempfile::TempDir,
}

impl Drop for Session {
    fn drop(&mut self) {
        for c in self.children.iter_mut().rev() {
            let _ = Command::new("kill")
                .arg("--")
                .arg(format!("-{}", c.id()))
                .status();
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn spawn_group(cmd: &mut Command) -> Child {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e} (install it; see scripts/setup.sh)"))
}

fn start(browser_args: &str) -> Session {
    let mut children = vec![];
    let display = match std::env::var("DISPLAY") {
        Ok(d) if !d.is_empty() => d,
        _ => {
            let n = 100 + (std::process::id() % 800);
            children.push(spawn_group(
                Command::new("Xvfb")
                    .args([
                        &format!(":{n}"),
                        "-screen",
                        "0",
                        "1280x860x24",
                        "-nolisten",
                        "tcp",
                    ])
                    .stderr(Stdio::null()),
            ));
            std::thread::sleep(Duration::from_millis(800));
            format!(":{n}")
        }
    };
    let data = tempfile::tempdir().unwrap();
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
            .env("BROWSER", format!("{APP} sandbox-browser {browser_args}"))
            .env("VITAL_LINK_DATA_DIR", data.path())
            .env("VITAL_LINK_PORT", "0")
            .env("VITAL_LINK_SANDBOX_NOW", "2026-11-20T15:00:00Z")
            .env("NO_AT_BRIDGE", "1")
            .stdout(Stdio::null()),
    ));
    // Wait for the driver to listen.
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Session {
        children,
        port,
        _data: data,
    }
}

async fn connect(s: &Session) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({"application": APP}),
    );
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", s.port))
        .await
        .expect("WebDriver session (is WebKitWebDriver installed?)")
}

async fn shot(c: &Client, name: &str) {
    // Screenshots lag the DOM by a frame or two.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let png = c.screenshot().await.unwrap();
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// The element's text; the console re-renders rows as data arrives, so a node found a moment
/// ago may be gone: look it up again.
async fn text(c: &Client, css: &str) -> String {
    for _ in 0..20 {
        let e = c
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        match e.text().await {
            Ok(t) => return t,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("{css} kept changing under the test");
}

/// Waits until `css` is on screen, not merely in the DOM.
async fn visible(c: &Client, css: &str) {
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if e.is_displayed().await.unwrap_or(false) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{css} never became visible");
}

async fn add_participant_and_open_link(c: &Client, id: &str) {
    let input = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#new-participant"))
        .await
        .unwrap();
    input.send_keys(id).await.unwrap();
    click(c, "#add-participant").await;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!("tr[data-user=\"{id}\"]")))
        .await
        .unwrap();
    shot(c, &format!("{id}-01-console")).await;
    click(c, "#connect-device").await;
    visible(c, "#agree-continue").await;
    shot(c, &format!("{id}-02-agreement")).await;
    click(c, "#agree-continue").await;
    visible(c, ".provider[data-slug=\"oura\"] img").await;
    shot(c, &format!("{id}-03-providers")).await;
    click(c, ".provider[data-slug=\"oura\"]").await;
}

#[tokio::test]
#[ignore = "needs Xvfb, tauri-driver and WebKitWebDriver: run by scripts/test.sh"]
async fn connect_oura_sandbox_through_the_window_and_see_the_data() {
    let s = start("");
    let c = connect(&s).await;
    add_participant_and_open_link(&c, "e2e-participant").await;
    let result = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#link-result[data-state=\"success\"]"))
        .await
        .unwrap();
    assert!(result.text().await.unwrap().contains("Oura"));
    shot(&c, "e2e-participant-04-success").await;
    click(&c, "#link-done").await;

    // The backfill runs in the background; the console shows the connection and its data.
    let status_css = "tr[data-user=\"e2e-participant\"] .provider-status";
    let mut status = String::new();
    for _ in 0..60 {
        status = text(&c, status_css).await;
        if status.trim() == "connected" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(status.trim(), "connected");
    let nights: usize = text(&c, "#nights-count")
        .await
        .replace(',', "")
        .trim()
        .parse()
        .unwrap_or(0);
    for _ in 0..20 {
        let pts = c
            .find(Locator::Css("#chart-sleep"))
            .await
            .unwrap()
            .attr("data-points")
            .await
            .unwrap();
        if pts.and_then(|p| p.parse::<usize>().ok()).unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let nights_after: usize = text(&c, "#nights-count")
        .await
        .replace(',', "")
        .trim()
        .parse()
        .unwrap_or(0);
    assert!(
        nights.max(nights_after) >= 28,
        "about 30 nights of sleep shown, got {nights_after}"
    );
    for chart in ["#chart-sleep", "#chart-activity", "#chart-heartrate"] {
        // Charts draw after their own fetch; give each its few hundred milliseconds.
        let deadline = Instant::now() + Duration::from_secs(15);
        let pts = loop {
            let pts: usize = c
                .find(Locator::Css(chart))
                .await
                .unwrap()
                .attr("data-points")
                .await
                .unwrap()
                .unwrap_or_default()
                .parse()
                .unwrap_or(0);
            if pts > 0 || Instant::now() > deadline {
                break pts;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert!(pts > 0, "{chart} plotted no points");
        assert!(
            c.find(Locator::Css(&format!("{chart} canvas")))
                .await
                .is_ok(),
            "{chart} has no canvas"
        );
    }
    let counts = text(&c, "tr[data-user=\"e2e-participant\"] .counts").await;
    assert!(counts.contains("nights"), "{counts}");
    shot(&c, "e2e-participant-05-data").await;
    c.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs Xvfb, tauri-driver and WebKitWebDriver: run by scripts/test.sh"]
async fn deny_at_the_provider_ends_in_the_exit_state() {
    let s = start("--deny");
    let c = connect(&s).await;
    add_participant_and_open_link(&c, "e2e-denier").await;
    let result = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#link-result[data-state=\"exit\"]"))
        .await
        .unwrap();
    let msg = text(&c, "#result-message").await;
    assert!(msg.contains("declined"), "{msg}");
    assert!(result.find(Locator::Css("#link-retry")).await.is_ok());
    shot(&c, "e2e-denier-04-declined").await;
    click(&c, "#link-done").await;
    let status = c
        .find_all(Locator::Css(
            "tr[data-user=\"e2e-denier\"] .provider-status",
        ))
        .await
        .unwrap();
    assert!(status.is_empty(), "nothing was connected");
    c.close().await.unwrap();
}
