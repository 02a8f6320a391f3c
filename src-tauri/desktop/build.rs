/// The console's commands. Declaring them makes each one opt-in: a window may call only what
/// its capability (src-tauri/capabilities/*.json) grants.
const COMMANDS: &[&str] = &[
    "app_info",
    "list_participants",
    "add_user",
    "update_participant",
    "import_participants",
    "delete_user",
    "disconnect",
    "create_link_token",
    "user_data",
    "coverage",
    "sync_now",
    "export",
    "agreement",
    "set_agreement",
    "consents",
    "event_log",
    "inspector",
    "connection_details",
    "force_refresh",
    "faults",
    "set_faults",
    "settings",
    "set_environment",
    "set_credentials",
    "rotate_api_key",
    "add_webhook",
    "remove_webhook",
    "forward_retry",
    "set_enrol_pin",
    "check_enrol_pin",
    "wipe_all",
];

fn main() {
    println!("cargo:rerun-if-changed=capabilities");
    println!("cargo:rerun-if-changed=../../tauri.conf.json");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .config_path("../../tauri.conf.json")
            .capabilities_path_pattern("./capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
