//! `import`: a file no provider API delivers, into a participant's store.
use std::path::PathBuf;
use std::sync::Arc;

use vital_link_core::app::App;
use vital_link_core::error::{AppError, AppResult};
use vital_link_core::import::{ImportOptions, ImportReport, Progress};

use crate::text::print_json;

pub(crate) async fn import(
    app: &Arc<App>,
    user: String,
    path: PathBuf,
    batch: usize,
    json_out: bool,
) -> AppResult<()> {
    let spinner = (!json_out).then(|| {
        let s = indicatif::ProgressBar::new_spinner();
        s.set_message(format!("importing {}", path.display()));
        s.enable_steady_tick(std::time::Duration::from_millis(200));
        s
    });
    let a = app.clone();
    let started = std::time::Instant::now();
    let bar = spinner.clone();
    let progress: Progress = Arc::new(move |r: &ImportReport| {
        if let Some(b) = &bar {
            let rate = r.records as f64 / started.elapsed().as_secs_f64().max(1e-3);
            b.set_message(format!(
                "{} records read, {} readings added ({rate:.0} records/s)",
                r.records,
                r.added()
            ));
        }
    });
    let opts = ImportOptions {
        batch,
        progress: Some(progress),
    };
    // The import is blocking file and database work: off the runtime's threads.
    let report = tokio::task::spawn_blocking(move || a.import_file(&user, &path, &opts))
        .await
        .map_err(|e| AppError::internal(format!("the import stopped: {e}")))?;
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let report = report?;
    if json_out {
        print_json(&serde_json::to_value(&report)?);
    } else {
        print_summary(&report);
    }
    Ok(())
}

fn print_summary(r: &ImportReport) {
    let what = if r.format.starts_with("fit") {
        "files"
    } else {
        "records"
    };
    println!(
        "{}: {} {what} read, {} readings added ({} transactions)",
        r.file.display(),
        r.records,
        r.added(),
        r.batches
    );
    for (kind, c) in &r.kinds {
        println!(
            "  {kind:<18} {:>9} added {:>9} unchanged",
            c.added, c.unchanged
        );
    }
    for (why, n) in &r.skipped {
        println!("  skipped {why:<10} {n:>9}");
    }
    for e in &r.skipped_examples {
        eprintln!("  {e}");
    }
}
