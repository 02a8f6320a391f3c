//! The window's commands come from the one list, src/commands.rs: each is declared here (which
//! makes it opt-in: a window may call only what its capability grants) and granted to the main
//! window in capabilities/main.json, which this script writes.

/// Reads src/commands.rs for its names only (the types are lib.rs's business).
macro_rules! window_commands {
    ($($name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;)*) => {
        const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}

include!("src/commands.rs");

/// Granted besides the commands: the core's events reach the window through these.
const CORE_PERMISSIONS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];

/// capabilities/main.json: the app's own commands and events, nothing else.
fn main_capability() -> String {
    let mut permissions: Vec<String> = CORE_PERMISSIONS.iter().map(|p| p.to_string()).collect();
    permissions.extend(
        COMMANDS
            .iter()
            .map(|c| format!("allow-{}", c.replace('_', "-"))),
    );
    let list = permissions
        .iter()
        .map(|p| format!("    \"{p}\""))
        .collect::<Vec<_>>()
        .join(",\n");
    format!(
        r#"{{
  "$schema": "../../gen/schemas/desktop-schema.json",
  "identifier": "main",
  "description": "The console window: the app's own commands and events, nothing else. Written by build.rs from src/commands.rs: do not edit.",
  "windows": [
    "main"
  ],
  "permissions": [
{list}
  ]
}}
"#
    )
}

fn main() {
    println!("cargo:rerun-if-changed=src/commands.rs");
    println!("cargo:rerun-if-changed=capabilities");
    println!("cargo:rerun-if-changed=../../tauri.conf.json");
    let capability = main_capability();
    let path = std::path::Path::new("capabilities/main.json");
    if std::fs::read_to_string(path).ok().as_deref() != Some(capability.as_str()) {
        std::fs::write(path, &capability).expect("cannot write capabilities/main.json");
    }
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .config_path("../../tauri.conf.json")
            .capabilities_path_pattern("./capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
