//! A scripted stand-in for the system browser, for the sandbox only: it opens a sandbox
//! provider's consent page, presses Allow or Deny and follows the redirect to the loopback
//! listener, as a person would. Tests and headless demos set `BROWSER="vital-link sandbox-browser"`.
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Default)]
pub struct Choice {
    pub deny: bool,
    /// Scopes to untick on the consent page.
    pub untick: Vec<String>,
}

fn loopback_only(url: &str) -> AppResult<url::Url> {
    let u = url::Url::parse(url)
        .map_err(|e| AppError::bad_request("invalid_url", format!("{url:?}: {e}")))?;
    if u.scheme() != "http" || u.host_str() != Some("127.0.0.1") {
        return Err(AppError::bad_request(
            "not_sandbox",
            "the sandbox browser only visits sandbox providers on http://127.0.0.1; open real providers in a real browser",
        ));
    }
    Ok(u)
}

fn attr_after<'a>(html: &'a str, marker: &str) -> Option<&'a str> {
    let i = html.find(marker)? + marker.len();
    let rest = &html[i..];
    let end = rest.find('"')?;
    Some(&rest[..end])
}

/// Completes the consent page at `authorize_url`; returns the title of the page the loopback
/// listener answered with.
pub async fn complete(authorize_url: &str, choice: &Choice) -> AppResult<String> {
    let start = loopback_only(authorize_url)?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| AppError::internal(e.to_string()))?;
    let net =
        |e: reqwest::Error| AppError::new("network_error", 502, format!("sandbox browser: {e}"));
    let resp = http.get(start.clone()).send().await.map_err(net)?;
    let mut next = if resp.status().is_redirection() {
        resp.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string)
    } else {
        let html = resp.text().await.map_err(net)?;
        let request_id = attr_after(&html, "name=\"request_id\" value=\"").ok_or_else(|| {
            AppError::new(
                "not_a_consent_page",
                502,
                format!(
                    "the page at the authorize URL has no consent form: {}",
                    html.chars().take(300).collect::<String>()
                ),
            )
        })?;
        let mut form: Vec<(String, String)> = vec![
            ("request_id".into(), request_id.to_string()),
            (
                "action".into(),
                if choice.deny { "deny" } else { "allow" }.into(),
            ),
        ];
        let mut rest = html.as_str();
        while let Some(v) = attr_after(rest, "name=\"scope\" value=\"") {
            if !choice.untick.iter().any(|u| u == v) {
                form.push(("scope".into(), v.to_string()));
            }
            rest = &rest[rest.find("name=\"scope\" value=\"").unwrap() + 20..];
        }
        let action = start
            .join("/oauth/authorize/decision")
            .expect("static path");
        let r = http.post(action).form(&form).send().await.map_err(net)?;
        r.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string)
    };
    let mut title = String::new();
    for _ in 0..5 {
        let Some(to) = next.take() else { break };
        let u = loopback_only(&to)?;
        let r = http.get(u).send().await.map_err(net)?;
        if r.status().is_redirection() {
            next = r
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            continue;
        }
        let html = r.text().await.map_err(net)?;
        title = html
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap_or("")
            .to_string();
    }
    Ok(title)
}
