//! The window's command surface is written once (src/commands.rs); everything else is derived
//! from it and checked here: the TypeScript bindings the UI compiles against, the capability
//! that grants the commands, and the argument names of the functions themselves.
use std::path::PathBuf;

use vital_link_desktop::{bindings_ts, signatures, COMMANDS};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const REGENERATE: &str = "UPDATE_BINDINGS=1 cargo test -p vital-link-desktop --test bindings";

#[test]
fn the_committed_bindings_are_the_generated_ones() {
    let path = repo().join("ui/src/console/bindings.ts");
    let generated = bindings_ts();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/console/bindings.ts is stale (a command or one of its types changed); regenerate it with `{REGENERATE}`"
    );
}

#[test]
fn the_capability_grants_exactly_the_commands() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("capabilities/main.json"),
    )
    .unwrap();
    let granted: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter_map(|l| l.trim_end_matches(',').strip_prefix("\"allow-"))
        .map(|l| l.trim_end_matches('"'))
        .collect();
    let commands: Vec<String> = COMMANDS.iter().map(|c| c.replace('_', "-")).collect();
    assert_eq!(
        granted, commands,
        "capabilities/main.json is written by build.rs from src/commands.rs: build the desktop crate"
    );
}

/// The compiler checks each function's argument types and order against commands.rs; the
/// names (the keys the window sends) are checked here, from the source.
#[test]
fn the_functions_take_the_arguments_the_list_names() {
    let source =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
            .unwrap();
    for sig in signatures() {
        let head = format!("async fn {}(", sig.name);
        let start = source
            .find(&head)
            .unwrap_or_else(|| panic!("lib.rs has no `{head}`"))
            + head.len();
        let mut depth = 0;
        let mut end = start;
        for (i, c) in source[start..].char_indices() {
            match c {
                '(' | '<' => depth += 1,
                ')' if depth == 0 => {
                    end = start + i;
                    break;
                }
                ')' | '>' => depth -= 1,
                _ => {}
            }
        }
        let mut params = Vec::new();
        let mut depth = 0;
        let mut current = String::new();
        for c in source[start..end].chars() {
            match c {
                '(' | '<' => depth += 1,
                ')' | '>' => depth -= 1,
                ',' if depth == 0 => {
                    params.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        params.push(current);
        let names: Vec<&str> = params
            .iter()
            .filter_map(|p| p.split_once(':'))
            .filter(|(_, ty)| !ty.trim().starts_with("Shared"))
            .map(|(name, _)| name.trim())
            .collect();
        let listed: Vec<&str> = sig.args.iter().map(|a| a.name).collect();
        assert_eq!(
            names, listed,
            "{}: the function's arguments differ from its line in src/commands.rs",
            sig.name
        );
    }
}

#[test]
fn every_command_is_in_the_commands_map() {
    let ts = bindings_ts();
    for c in COMMANDS {
        assert!(
            ts.contains(&format!("\n  {c}: {{ args: ")),
            "{c} missing from Commands"
        );
    }
    assert_eq!(signatures().len(), COMMANDS.len());
}
