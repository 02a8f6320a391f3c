//! The same capability through the three faces gives the same result: the CLI binary (a child
//! process), the local HTTP API (real HTTP over loopback) and the window's Tauri commands
//! (invoked through Tauri's own IPC on its mock runtime). Each table row is one face.
#![cfg(feature = "desktop")]
mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{json, Value};
use vital_link::desktop::tauri;
use vital_link::sandbox_browser::{complete, Choice};
use vital_link::App;

use common::child::Node;
use common::{begin_link, settle, start, Harness, NOW};

#[derive(Debug, Clone, Copy)]
enum Face {
    Cli,
    Api,
    Window,
}

const FACES: [Face; 3] = [Face::Cli, Face::Api, Face::Window];

/// The window's commands on Tauri's mock runtime, managing `app` as the real window does.
struct Window {
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
    _app: tauri::App<tauri::test::MockRuntime>,
}

impl Window {
    fn new(app: &Arc<App>) -> Window {
        let t = tauri::test::mock_builder()
            .manage(app.clone())
            .invoke_handler(vital_link::desktop::handlers())
            .build(tauri::test::mock_context(tauri::test::noop_assets()))
            .unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&t, "main", Default::default())
            .build()
            .unwrap();
        Window { webview, _app: t }
    }

    /// Invokes a command as the console's `invoke` does; `Err` is the `{code, message}` error.
    async fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let webview = self.webview.clone();
        let cmd = cmd.to_string();
        tokio::task::spawn_blocking(move || {
            tauri::test::get_ipc_response(
                &webview,
                tauri::webview::InvokeRequest {
                    cmd,
                    callback: tauri::ipc::CallbackFn(0),
                    error: tauri::ipc::CallbackFn(1),
                    url: "tauri://localhost".parse().unwrap(),
                    body: tauri::ipc::InvokeBody::Json(args),
                    headers: Default::default(),
                    invoke_key: tauri::test::INVOKE_KEY.to_string(),
                },
            )
            .map(|b| b.deserialize::<Value>().unwrap())
        })
        .await
        .unwrap()
    }
}

/// One installation driven through one face.
struct Setup {
    h: Harness,
    window: Window,
    http: reqwest::Client,
    key: String,
}

impl Setup {
    async fn new(days: u32) -> Setup {
        let h = start(days).await;
        let key = h.app.api_key().unwrap();
        Setup {
            window: Window::new(&h.app),
            h,
            http: reqwest::Client::new(),
            key,
        }
    }

    fn data_dir(&self) -> std::path::PathBuf {
        self.h.app.config.data_dir.clone()
    }

    /// The CLI on this installation's data directory, with the same fixed clock.
    fn cli(&self, args: &[&str]) -> String {
        let dir = self.data_dir();
        Node {
            dir: &dir,
            days: self.h.app.config.history_days,
        }
        .run(args)
    }

    /// The CLI where a non-zero exit is the answer: its exit code and stdout.
    fn cli_exit(&self, args: &[&str]) -> (Option<i32>, String) {
        let dir = self.data_dir();
        let node = Node {
            dir: &dir,
            days: self.h.app.config.history_days,
        };
        let o = node.command().args(args).output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    }

    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.h.app.api_base_url()))
            .header("x-vital-api-key", &self.key);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    async fn connect(&self, client_user_id: &str) -> String {
        let (token, url) = begin_link(&self.h.app, client_user_id).await;
        complete(&url, &Choice::default()).await.unwrap();
        assert_eq!(settle(&self.h.app, &token).await.state.as_str(), "success");
        self.h.app.wait_background().await;
        self.h.app.resolve_user(client_user_id).unwrap().user_id
    }
}

fn events_of(app: &App, kind: &str) -> usize {
    app.events(1000)
        .unwrap()
        .iter()
        .filter(|e| e.kind == kind)
        .count()
}

/// The access tokens the sandbox's Oura still honours (it keeps them on disk). Oura's revoke
/// route takes the access token.
fn live_tokens(data: &std::path::Path) -> BTreeSet<String> {
    let v: Value =
        serde_json::from_slice(&std::fs::read(data.join("sandbox/oura-tokens.json")).unwrap())
            .unwrap();
    v["access"].as_object().unwrap().keys().cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn create_user_trims_the_id_stores_every_field_and_logs_it_in_every_face() {
    for face in FACES {
        let s = Setup::new(2).await;
        let id = "  P-001  ";
        let client_user_id = match face {
            Face::Cli => {
                let out = s.cli(&["users", "add", id, "--cohort", " A "]);
                serde_json::from_str::<Value>(&out).unwrap()["client_user_id"].clone()
            }
            Face::Api => {
                let v = s
                    .api(
                        reqwest::Method::POST,
                        "/v2/user",
                        Some(
                            json!({"client_user_id": id, "fallback_time_zone": " Europe/Berlin "}),
                        ),
                    )
                    .await;
                v["client_user_id"].clone()
            }
            Face::Window => {
                let v = s
                    .window
                    .invoke(
                        "add_user",
                        json!({"clientUserId": id, "cohort": " A ", "notes": null}),
                    )
                    .await
                    .unwrap();
                v["client_user_id"].clone()
            }
        };
        assert_eq!(client_user_id, "P-001", "{face:?}");
        let u = s.h.app.resolve_user("P-001").unwrap();
        match face {
            Face::Api => assert_eq!(u.fallback_time_zone.as_deref(), Some("Europe/Berlin")),
            _ => assert_eq!(u.cohort.as_deref(), Some("A"), "{face:?}"),
        }
        assert_eq!(events_of(&s.h.app, "user.created"), 1, "{face:?}");
        // A bidirectional override hides what an id says: refused by every face.
        let spoof = "P-\u{202E}100";
        let refused = match face {
            Face::Cli => {
                let dir = s.data_dir();
                let o = Node { dir: &dir, days: 2 }
                    .command()
                    .args(["users", "add", spoof])
                    .output()
                    .unwrap();
                !o.status.success()
            }
            Face::Api => {
                let r = s
                    .http
                    .post(format!("{}/v2/user", s.h.app.api_base_url()))
                    .header("x-vital-api-key", &s.key)
                    .json(&json!({"client_user_id": spoof}))
                    .send()
                    .await
                    .unwrap();
                r.status().is_client_error()
            }
            Face::Window => s
                .window
                .invoke("add_user", json!({"clientUserId": spoof}))
                .await
                .is_err_and(|e| e["code"] == "invalid_client_user_id"),
        };
        assert!(refused, "{face:?} accepted a bidi override in an id");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleting_a_user_revokes_its_grant_at_the_provider_in_every_face() {
    for face in FACES {
        let s = Setup::new(2).await;
        let user_id = s.connect("leaver").await;
        let before = live_tokens(&s.data_dir());
        assert!(!before.is_empty());
        match face {
            Face::Cli => {
                s.cli(&["users", "delete", "leaver"]);
            }
            Face::Api => {
                s.api(
                    reqwest::Method::DELETE,
                    &format!("/v2/user/{user_id}"),
                    None,
                )
                .await;
            }
            Face::Window => {
                s.window
                    .invoke("delete_user", json!({"userId": user_id}))
                    .await
                    .unwrap();
            }
        }
        let after = live_tokens(&s.data_dir());
        assert!(
            before.is_disjoint(&after),
            "{face:?}: the provider still honours the deleted user's tokens; {:?}",
            s.h.app
                .events(100)
                .unwrap()
                .iter()
                .filter(|e| e.kind == "token.revoked")
                .map(|e| e.detail.clone())
                .collect::<Vec<_>>()
        );
        assert!(s.h.app.resolve_user("leaver").is_err(), "{face:?}");
        assert_eq!(events_of(&s.h.app, "user.deleted"), 1, "{face:?}");
    }
}

/// The ids of a summary answer, or (for a timeseries) each provider's sample count.
fn digest(v: &Value, resource: &str) -> Value {
    if let Some(list) = v[resource].as_array() {
        let ids: BTreeSet<&str> = list.iter().filter_map(|d| d["id"].as_str()).collect();
        return json!(ids);
    }
    let groups = v["groups"].as_object().expect("a grouped timeseries");
    json!(groups
        .iter()
        .map(|(p, g)| {
            let n: usize = g
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["data"].as_array().map_or(0, Vec::len))
                .sum();
            (p.clone(), n)
        })
        .collect::<std::collections::BTreeMap<_, _>>())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_resource_reads_the_same_through_every_face() {
    let s = Setup::new(7).await;
    let user_id = s.connect("reader").await;
    let (from, to) = ("2026-11-14", "2026-11-20");
    assert!(NOW.starts_with(to));
    for resource in ["sleep", "activity", "workouts", "heartrate", "hrv"] {
        let mut seen = vec![];
        for face in FACES {
            let v = match face {
                Face::Cli => serde_json::from_str(
                    &s.cli(&["data", resource, "reader", "--from", from, "--to", to]),
                )
                .unwrap(),
                Face::Api => {
                    let path = if matches!(resource, "heartrate" | "hrv") {
                        format!("/v2/timeseries/{user_id}/{resource}/grouped")
                    } else {
                        format!("/v2/summary/{resource}/{user_id}")
                    };
                    s.api(
                        reqwest::Method::GET,
                        &format!("{path}?start_date={from}&end_date={to}"),
                        None,
                    )
                    .await
                }
                Face::Window => s
                    .window
                    .invoke(
                        "user_data",
                        json!({"userId": "reader", "kind": resource, "from": from, "to": to}),
                    )
                    .await
                    .unwrap(),
            };
            seen.push((face, digest(&v, resource)));
        }
        let (_, first) = &seen[0];
        assert!(
            first.as_array().is_some_and(|a| !a.is_empty())
                || first.as_object().is_some_and(|o| !o.is_empty()),
            "{resource}: nothing stored to compare"
        );
        for (face, d) in &seen {
            assert_eq!(d, first, "{resource} through {face:?} differs from the CLI");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_connection_needing_reconnect_reads_so_in_every_face() {
    let s = Setup::new(2).await;
    let user_id = s.connect("lapsed").await;
    let (_, c) = s.h.app.connection_of("lapsed", "oura").unwrap();
    vital_link::sandbox(&s.h.app).fakes["oura"]
        .faults
        .set(vital_link::fake::faults::Faults {
            invalid_grant: true,
            ..Default::default()
        });
    let _ = s.h.app.force_refresh(c.id).await;
    for face in FACES {
        let status = match face {
            Face::Cli => {
                // Exit 4 (docs/errors.md): a script learns that someone must sign in again.
                let (code, line) = s.cli_exit(&["status", "lapsed"]);
                assert_eq!(code, Some(4), "{line}");
                assert!(line.contains("not scheduled"), "{line}");
                let (code, out) = s.cli_exit(&["status", "lapsed", "--json"]);
                assert_eq!(code, Some(4), "{out}");
                let v: Value = serde_json::from_str(&out).unwrap();
                assert_eq!(v[0]["next_run"]["kind"], "not_scheduled");
                v[0]["status"].as_str().unwrap().to_string()
            }
            Face::Api => {
                let v = s
                    .api(
                        reqwest::Method::GET,
                        &format!("/v2/user/providers/{user_id}"),
                        None,
                    )
                    .await;
                v["providers"][0]["status"].as_str().unwrap().to_string()
            }
            Face::Window => {
                let v = s
                    .window
                    .invoke("connection_details", json!({"connectionId": c.id}))
                    .await
                    .unwrap();
                v["connection"]["status"].as_str().unwrap().to_string()
            }
        };
        assert_eq!(status, "reauth_required", "{face:?}");
    }
}
