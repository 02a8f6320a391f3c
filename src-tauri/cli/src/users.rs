//! `users`: add, set, import, list and delete participants.
use std::sync::Arc;

use serde_json::{json, Value};
use vital_link_core::app::App;
use vital_link_core::error::{AppError, AppResult};
use vital_link_core::records::NewUser;

use crate::text::print_json;
use crate::UsersCmd;

pub(crate) async fn run(app: &Arc<App>, cmd: UsersCmd, json_out: bool) -> AppResult<()> {
    match cmd {
        UsersCmd::Add {
            client_user_id,
            notes,
            cohort,
        } => {
            let u = app.create_user(NewUser {
                client_user_id,
                notes,
                cohort,
                ..Default::default()
            })?;
            print_json(
                &json!({"user_id": u.user_id, "client_user_id": u.client_user_id, "notes": u.notes, "cohort": u.cohort}),
            );
        }
        UsersCmd::Set {
            user,
            notes,
            cohort,
        } => {
            let u = app.set_participant_info(&user, notes.as_deref(), cohort.as_deref())?;
            print_json(
                &json!({"user_id": u.user_id, "client_user_id": u.client_user_id, "notes": u.notes, "cohort": u.cohort}),
            );
        }
        UsersCmd::Import { file, dry_run } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                AppError::bad_request(
                    "unreadable_file",
                    format!("cannot read {}: {e}", file.display()),
                )
            })?;
            if dry_run {
                let plan = app.plan_participant_import(&text)?;
                if json_out {
                    print_json(&serde_json::to_value(&plan)?);
                } else {
                    print_plan(&plan);
                }
                return Ok(());
            }
            let r = app.import_participants(&text)?;
            for (line, why) in &r.errors {
                eprintln!("line {line}: {why}");
            }
            print_json(&serde_json::to_value(&r)?);
            if !r.errors.is_empty() {
                return Err(AppError::new(
                    "import_incomplete",
                    format!("{} lines were not imported; see above", r.errors.len()),
                ));
            }
        }
        UsersCmd::List => users_list(app, json_out)?,
        UsersCmd::Delete { user } => {
            let u = app.resolve_user(&user)?;
            app.delete_user(&u.user_id).await?;
            eprintln!(
                "deleted {} and all of its data (tokens revoked where the provider allows)",
                u.client_user_id
            );
        }
    }
    Ok(())
}

/// `users list`: a header row, then one participant a line in client_user_id order.
fn users_list(app: &Arc<App>, json_out: bool) -> AppResult<()> {
    let (mut users, _) = app.list_users(0, i64::MAX)?;
    users.sort_by(|a, b| a.client_user_id.cmp(&b.client_user_id));
    let mut rows = vec![];
    for u in users {
        let conns = app.connections(Some(&u.user_id))?;
        rows.push((u, conns));
    }
    if json_out {
        let v: Vec<Value> = rows
            .iter()
            .map(|(u, conns)| {
                json!({"client_user_id": u.client_user_id, "user_id": u.user_id, "connections": conns.iter().map(|c| json!({"provider": c.provider, "status": c.status})).collect::<Vec<_>>()})
            })
            .collect();
        print_json(&Value::Array(v));
        return Ok(());
    }
    println!("client_user_id\tuser_id\tconnections");
    for (u, conns) in rows {
        let providers: Vec<String> = conns
            .iter()
            .map(|c| format!("{} ({})", c.provider, c.status))
            .collect();
        println!(
            "{}\t{}\t{}",
            u.client_user_id,
            u.user_id,
            if providers.is_empty() {
                "-".into()
            } else {
                providers.join(", ")
            }
        );
    }
    Ok(())
}

/// `users import --dry-run`: each line's fate, then the totals.
fn print_plan(plan: &vital_link_core::study::ImportPlan) {
    use vital_link_core::study::ImportAction;
    for r in &plan.rows {
        let what = match r.action {
            ImportAction::Add => "add",
            ImportAction::AlreadyPresent => "already present",
            ImportAction::Skip => "skip",
        };
        let why = r
            .problem
            .as_deref()
            .map(|p| format!(": {p}"))
            .unwrap_or_default();
        println!("line {:>4}  {what:<15} {}{why}", r.line, r.participant_id);
    }
    println!(
        "{} to add, {} already present, {} skipped; nothing was changed (run without --dry-run to import)",
        plan.to_add, plan.already_present, plan.skipped
    );
}
