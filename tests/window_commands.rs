//! The commands that used to build `serde_json::Value` by hand (`app_info`, `settings`,
//! `add_webhook`) now return typed structs: what the window receives stays the same JSON, key
//! for key, driven through Tauri's own IPC on its mock runtime.
#![cfg(feature = "desktop")]
mod common;

use std::collections::BTreeSet;

use serde_json::{json, Value};
use vital_link::desktop::tauri;

fn invoke(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Value {
    tauri::test::get_ipc_response(
        webview,
        tauri::webview::InvokeRequest {
            cmd: cmd.to_string(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
    .unwrap_or_else(|e| panic!("{cmd}: {e:?}"))
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_results_keep_the_json_the_window_reads() {
    let h = common::start(30).await;
    let app = h.app.clone();
    let t = tauri::test::mock_builder()
        .manage(app.clone())
        .invoke_handler(vital_link::desktop::handlers())
        .build(tauri::test::mock_context(tauri::test::noop_assets()))
        .unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&t, "main", Default::default())
        .build()
        .unwrap();

    let (info, settings, hook) = tokio::task::spawn_blocking(move || {
        let info = invoke(&webview, "app_info", json!({}));
        let hook = invoke(
            &webview,
            "add_webhook",
            json!({"url": "https://lab.example.org/hook"}),
        );
        let settings = invoke(&webview, "settings", json!({}));
        (info, settings, hook)
    })
    .await
    .unwrap();

    assert_eq!(
        keys(&info),
        BTreeSet::from([
            "version",
            "environment",
            "api_base",
            "data_dir",
            "history_days",
            "today",
            "sandbox_providers"
        ])
    );
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["environment"], app.config.environment.as_str());
    assert_eq!(info["api_base"], app.api_base_url());
    assert_eq!(info["data_dir"], json!(app.config.data_dir));
    assert_eq!(info["history_days"], 30);
    assert_eq!(info["today"], app.clock.now().date_naive().to_string());
    assert!(info["sandbox_providers"].is_array());

    assert_eq!(keys(&hook), BTreeSet::from(["id", "secret"]));
    assert!(hook["id"].is_i64());
    assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"));

    assert_eq!(
        keys(&settings),
        BTreeSet::from([
            "environment",
            "history_days",
            "data_dir",
            "api_base",
            "api_key",
            "webhooks",
            "forward",
            "credentials",
            "agreement",
            "enrol_pin_set",
            "mcp_command",
        ])
    );
    assert_eq!(
        settings["webhooks"][0]["url"],
        "https://lab.example.org/hook"
    );
    assert_eq!(settings["forward"], json!(app.forward_status().unwrap()));
    assert_eq!(
        settings["credentials"],
        json!(app.credentials_view().unwrap())
    );
    assert_eq!(settings["agreement"], json!(app.agreement().unwrap()));
    assert_eq!(settings["enrol_pin_set"], false);
    let mcp = settings["mcp_command"].as_str().unwrap();
    assert!(
        mcp.ends_with(" mcp") && mcp.contains(&app.config.data_dir.display().to_string()),
        "{mcp}"
    );
    assert!(settings["api_key"].as_str().unwrap().contains("chars"));
}
