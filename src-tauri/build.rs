/// The console's commands. Declaring them makes each one opt-in: a window may call only what
/// its capability (src-tauri/capabilities/*.json) grants.
#[cfg(feature = "desktop")]
const COMMANDS: &[&str] = &[
    "app_info",
    "list_participants",
    "add_user",
    "create_link_token",
    "user_data",
    "sync_now",
];

fn main() {
    #[cfg(feature = "desktop")]
    {
        println!("cargo:rerun-if-changed=src-tauri/capabilities");
        println!("cargo:rerun-if-changed=tauri.conf.json");
        tauri_build::try_build(
            tauri_build::Attributes::new()
                .capabilities_path_pattern("./src-tauri/capabilities/**/*")
                .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
        )
        .expect("tauri-build failed");
    }
}
