//! `forward` (readings to a Vital-compatible server) and `webhooks` (events to endpoints).
use std::sync::Arc;

use serde_json::json;
use vital_link_core::app::App;
use vital_link_core::error::{AppError, AppResult};

use crate::text::print_json;
use crate::{ForwardCmd, WebhooksCmd};

pub(crate) async fn forward(app: &Arc<App>, cmd: ForwardCmd) -> AppResult<()> {
    match cmd {
        ForwardCmd::Set {
            url,
            api_key,
            provider_mode,
        } => {
            let st = app.forward_set(&url, &api_key, provider_mode)?;
            print_json(&serde_json::to_value(st)?);
        }
        ForwardCmd::Status => print_json(&serde_json::to_value(app.forward_status()?)?),
        ForwardCmd::Retry => {
            let n = app.forward_retry()?;
            eprintln!(
                "{n} parked batches queued again; a running `serve` (or `forward push`) sends them"
            );
            print_json(&serde_json::to_value(app.forward_status()?)?);
        }
        ForwardCmd::Push => {
            if app.forward_config()?.is_none() {
                return Err(AppError::bad_request(
                    "forward_off",
                    "no forward target: `vital-link forward set --url ... --api-key ...` first",
                ));
            }
            while app.forward_once().await? > 0 {}
            print_json(&serde_json::to_value(app.forward_status()?)?);
        }
        ForwardCmd::Off => {
            app.forward_off()?;
            eprintln!("forwarding is off; the outbox was emptied");
        }
    }
    Ok(())
}

pub(crate) fn webhooks(app: &Arc<App>, cmd: WebhooksCmd) -> AppResult<()> {
    match cmd {
        WebhooksCmd::Add { url, events } => {
            let (id, secret) = app.add_webhook(&url, (!events.is_empty()).then_some(events))?;
            print_json(&json!({"id": id, "url": url, "secret": secret}));
            eprintln!(
                "Keep the secret: it is shown only now. Verify deliveries with any Svix verifier."
            );
        }
        WebhooksCmd::List => print_json(&serde_json::to_value(app.webhooks()?)?),
        WebhooksCmd::Remove { id } => app.remove_webhook(id)?,
    }
    Ok(())
}
