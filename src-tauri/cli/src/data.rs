//! `data` (one resource, as Vital's API returns it) and `export` (files for analysis).
use std::sync::Arc;

use serde_json::json;
use vital_link_core::app::App;
use vital_link_core::error::AppResult;
use vital_link_core::export::ExportOptions;

use crate::text::print_json;
use crate::DataKind;

pub(crate) fn data(
    app: &Arc<App>,
    kind: DataKind,
    user: String,
    from: String,
    to: Option<String>,
    provider: Option<String>,
) -> AppResult<()> {
    let v = vital_link_core::query::resource_data(
        app,
        &user,
        kind.resource(),
        &from,
        to.as_deref(),
        provider.as_deref(),
    )?;
    print_json(&v);
    Ok(())
}

pub(crate) fn export(app: &Arc<App>, opts: ExportOptions) -> AppResult<()> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} exporting {msg:16} [{bar:30}] {pos}/{len}",
        )
        .unwrap()
        .progress_chars("=> "),
    );
    let report = app.export(&opts, &|done, total, what| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(what.to_string());
    })?;
    bar.finish_and_clear();
    for f in &report.files {
        eprintln!("{:>9} rows  {}", f.rows, f.path.display());
    }
    print_json(
        &json!({"dir": report.dir, "participants": report.participants, "files": report.files.len()}),
    );
    Ok(())
}
