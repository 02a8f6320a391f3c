//! Opening the system browser (RFC 8252: the provider's login page never loads in our window).
//!
//! `$BROWSER` wins when set, as on most Unix tools, so tests, kiosks and headless machines can
//! substitute a program: a `:`-separated list of commands, each with `%s` for the URL or the URL
//! appended. Otherwise the platform opener (`xdg-open`, `open`, `start`).
use crate::error::{AppError, AppResult};

pub fn open_browser(url: &str) -> AppResult<()> {
    if let Ok(spec) = std::env::var("BROWSER") {
        if !spec.trim().is_empty() {
            return run_browser_var(&spec, url);
        }
    }
    open::that_detached(url).map_err(|e| {
        AppError::new(
            "no_browser", format!("could not open a web browser ({e}); set $BROWSER to a browser command, or open the link printed above by hand"),
        )
    })
}

fn run_browser_var(spec: &str, url: &str) -> AppResult<()> {
    let mut last_err = String::new();
    for cmd in spec.split(':').filter(|c| !c.trim().is_empty()) {
        let words = match shell_words::split(cmd) {
            Ok(w) if !w.is_empty() => w,
            _ => {
                last_err = format!("cannot parse $BROWSER entry {cmd:?}");
                continue;
            }
        };
        let has_placeholder = words.iter().any(|w| w.contains("%s"));
        let mut args: Vec<String> = words[1..].iter().map(|w| w.replace("%s", url)).collect();
        if !has_placeholder {
            args.push(url.to_string());
        }
        match std::process::Command::new(&words[0])
            .args(&args)
            .stdin(std::process::Stdio::null())
            .spawn()
        {
            Ok(mut child) => {
                // Reap it in the background so no zombie is left behind.
                std::thread::spawn(move || {
                    let _ = child.wait();
                });
                return Ok(());
            }
            Err(e) => last_err = format!("{}: {e}", words[0]),
        }
    }
    Err(AppError::new(
        "no_browser",
        format!("none of the commands in $BROWSER could be started ({last_err})"),
    ))
}
