//! `providers`: list them, set credentials, redirect ports, custom OAuth providers.
use std::sync::Arc;

use serde_json::{json, Value};
use vital_link_core::app::App;
use vital_link_core::config::Environment;
use vital_link_core::error::AppResult;

use crate::text::print_json;
use crate::ProvidersCmd;

pub(crate) async fn run(app: &Arc<App>, cmd: ProvidersCmd, json_out: bool) -> AppResult<()> {
    match cmd {
        ProvidersCmd::List => providers_list(app, json_out)?,
        ProvidersCmd::Set {
            slug,
            client_id,
            client_secret,
        } => {
            app.set_credentials(&slug, &client_id, client_secret.as_deref())?;
            eprintln!("stored the {slug} client credentials (the secret is sealed)");
        }
        ProvidersCmd::Clear { slug } => app.clear_credentials(&slug)?,
        ProvidersCmd::ForwardPage { slug, url } => {
            app.set_forward_page(&slug, url.as_deref())?;
            match url {
                Some(u) => eprintln!("{slug} sign-ins now return through {u}"),
                None => eprintln!("{slug}: forwarding page forgotten"),
            }
        }
        ProvidersCmd::RedirectPort {
            slug,
            registered_port,
        } => {
            app.set_redirect_port(&slug, registered_port)?;
            let p = app.provider(&slug)?;
            eprintln!(
                "{slug} sign-ins return to http://127.0.0.1:{}/callback in production; register exactly that",
                app.redirect_port(p.as_ref(), vital_link_core::config::Environment::Production)?
            );
        }
        ProvidersCmd::AddCustom {
            slug,
            issuer,
            client_id,
            client_secret,
            scope,
            authorize_url,
            token_url,
        } => {
            let cfg = vital_link_core::providers::custom::config_from(
                &app.http,
                &slug,
                issuer.as_deref(),
                authorize_url.as_deref(),
                token_url.as_deref(),
                scope.as_deref(),
            )
            .await?;
            app.add_custom_provider(cfg.clone(), &client_id, client_secret.as_deref())?;
            print_json(&vital_link_core::providers::custom::summary(&cfg));
        }
        ProvidersCmd::RemoveCustom { slug } => app.remove_custom_provider(&slug)?,
    }
    Ok(())
}

/// `providers list`: a table and a verdict; `--json` for the full records.
fn providers_list(app: &Arc<App>, json_out: bool) -> AppResult<()> {
    use vital_link_core::providers::Availability;
    let creds = app.credentials_view()?;
    let env = app.config.environment;
    let sandbox = env == Environment::Sandbox;
    if json_out {
        let list: Vec<Value> = app
            .providers
            .all()
            .iter()
            .map(|p| {
                let c = creds.iter().find(|c| c.slug == p.spec().slug);
                json!({"slug": p.spec().slug, "name": p.spec().name, "availability": p.availability(env), "redirect": p.spec().redirect, "credentials": c})
            })
            .collect();
        print_json(&Value::Array(list));
        return Ok(());
    }
    println!("slug\tname\tcan connect\tcredentials");
    let (mut ready, mut need_creds) = (0, vec![]);
    for p in app.providers.all() {
        let slug = p.spec().slug;
        let c = creds.iter().find(|c| c.slug == slug);
        let has_creds = c.is_some_and(|c| c.source != "none");
        let (can, why) = match p.availability(env) {
            Availability::NotAvailable(reason) => (false, format!("no: {reason}")),
            Availability::Available if sandbox => match app.sandbox.client(slug) {
                Some(_) => (true, "yes (sandbox fake)".to_string()),
                None => (false, "no sandbox fake yet".to_string()),
            },
            Availability::Available if has_creds => (true, "yes".to_string()),
            Availability::Available => {
                need_creds.push(slug);
                (false, "needs credentials".to_string())
            }
        };
        if can {
            ready += 1;
        }
        let cred = match c {
            _ if sandbox => "not needed in the sandbox".to_string(),
            Some(c) if c.source != "none" => {
                format!("{} ({})", c.client_id.as_deref().unwrap_or("?"), c.source)
            }
            _ => "not set".to_string(),
        };
        println!("{slug}\t{}\t{why}\t{cred}", p.spec().name);
    }
    println!();
    println!(
        "{ready} of {} providers can be connected here ({} environment).",
        app.providers.all().len(),
        env.as_str()
    );
    if !need_creds.is_empty() {
        println!(
            "To connect {}, register an app with the provider and run `vital-link providers set <slug> --client-id ...` (docs/providers/<slug>.md).",
            need_creds.join(", ")
        );
    }
    Ok(())
}
