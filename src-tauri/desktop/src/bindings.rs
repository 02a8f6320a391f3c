//! ui/src/console/bindings.ts, generated: the TypeScript declarations (ts-rs) of every type the
//! window's commands take and return, and the `Commands` map (command → {args, result}) that
//! api.ts and the dev mock are typed against. `tests/bindings.rs` fails when the committed file
//! is stale; `UPDATE_BINDINGS=1 cargo test -p vital-link-desktop --test bindings` rewrites it.
use std::any::TypeId;
use std::collections::{BTreeMap, BTreeSet};

use ts_rs::{Config, TypeVisitor, TS};

/// How the generated file is told apart from a hand-written one, and how to regenerate it.
pub const HEADER: &str = "// Generated from the Rust types (ts-rs) and src-tauri/desktop/src/commands.rs: do not edit.\n// Regenerate: UPDATE_BINDINGS=1 cargo test -p vital-link-desktop --test bindings\n";

fn config() -> Config {
    // Epoch milliseconds and counts fit in a JS number; the IPC sends them as JSON numbers.
    Config::new().with_large_int("number")
}

/// A type in a command's signature, as TypeScript.
pub struct Ty {
    ts: String,
    optional: bool,
    visit: fn(&mut Decls),
}

impl Ty {
    pub fn of<T: TS + 'static + ?Sized>() -> Ty {
        Ty {
            ts: T::name(&config()),
            optional: T::IS_OPTION,
            visit: <Decls as TypeVisitor>::visit::<T>,
        }
    }
}

/// One argument: its name as the Rust function has it, and its type.
pub struct Arg {
    pub name: &'static str,
    pub ty: Ty,
}

impl Arg {
    pub fn new<T: TS + 'static + ?Sized>(name: &'static str) -> Arg {
        Arg {
            name,
            ty: Ty::of::<T>(),
        }
    }

    /// The key the window passes (`#[tauri::command(rename_all = "camelCase")]`).
    pub fn key(&self) -> String {
        camel_case(self.name)
    }
}

pub struct Signature {
    pub name: &'static str,
    pub args: Vec<Arg>,
    pub result: Ty,
}

fn camel_case(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The declarations reachable from the signatures, by TypeScript name.
#[derive(Default)]
pub struct Decls {
    seen: BTreeSet<TypeId>,
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Decls {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let cfg = config();
        // Only declared types (derived or shipped by ts-rs) have a path; the rest (String,
        // Vec<T>, Option<T>, ...) are written inline, but may name declared ones.
        if T::output_path().is_some() {
            let mut decl = T::docs().unwrap_or_default();
            decl.push_str("export ");
            decl.push_str(&T::decl(&cfg));
            self.decls.insert(T::ident(&cfg), decl);
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

/// The text of ui/src/console/bindings.ts for these commands (and the events the window hears).
pub fn render(commands: &[Signature], extra: &[Ty]) -> String {
    let mut decls = Decls::default();
    for c in commands {
        for a in &c.args {
            (a.ty.visit)(&mut decls);
        }
        (c.result.visit)(&mut decls);
    }
    for t in extra {
        (t.visit)(&mut decls);
    }
    let mut out = String::from(HEADER);
    for decl in decls.decls.values() {
        out.push('\n');
        out.push_str(decl.trim_end());
        out.push('\n');
    }
    out.push_str(
        "\n/** Every window command: the arguments it takes (camelCase keys) and what it answers. */\nexport interface Commands {\n",
    );
    for c in commands {
        let args = if c.args.is_empty() {
            "Record<string, never>".to_string()
        } else {
            let fields: Vec<String> = c
                .args
                .iter()
                .map(|a| {
                    let opt = if a.ty.optional { "?" } else { "" };
                    format!("{}{opt}: {}", a.key(), a.ty.ts)
                })
                .collect();
            format!("{{ {} }}", fields.join("; "))
        };
        out.push_str(&format!(
            "  {}: {{ args: {args}; result: {} }};\n",
            c.name, c.result.ts
        ));
    }
    out.push_str("}\n\nexport type CommandName = keyof Commands;\n\n/** The commands in the order of commands.rs. */\nexport const COMMAND_NAMES = [\n");
    for c in commands {
        out.push_str(&format!("  '{}',\n", c.name));
    }
    out.push_str("] as const satisfies readonly CommandName[];\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn camel_case_is_tauris() {
        assert_eq!(super::camel_case("client_user_id"), "clientUserId");
        assert_eq!(super::camel_case("csv"), "csv");
    }
}
