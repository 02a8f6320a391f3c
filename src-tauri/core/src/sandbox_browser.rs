//! A scripted stand-in for the system browser, for loopback authorization servers only (the
//! sandbox fakes, and a QA engineer's local OIDC server): it opens the authorize URL, fills and
//! submits the pages' forms as a person would (a login with any user and password, the consent
//! with Allow or Deny and the scope boxes as asked), keeps cookies, follows redirects, and stops
//! at the loopback listener. Tests and headless demos set `BROWSER="vital-link sandbox-browser"`.
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Default)]
pub struct Choice {
    pub deny: bool,
    /// Scopes to untick on the consent page.
    pub untick: Vec<String>,
}

fn loopback(u: &url::Url) -> bool {
    u.scheme() == "http" && u.host_str() == Some("127.0.0.1")
}

fn loopback_only(url: &str) -> AppResult<url::Url> {
    let u = url::Url::parse(url)
        .map_err(|e| AppError::bad_request("invalid_url", format!("{url:?}: {e}")))?;
    if !loopback(&u) {
        return Err(AppError::bad_request(
            "not_sandbox",
            "the sandbox browser only visits servers on http://127.0.0.1; open real providers in a real browser",
        ));
    }
    Ok(u)
}

/// The attributes of one HTML tag (`<input name="a" value="b" checked>`), names lower-cased.
fn attributes(tag: &str) -> Vec<(String, Option<String>)> {
    let mut out = vec![];
    let body = tag.trim_start_matches('<');
    let mut rest = body
        .split_once(char::is_whitespace)
        .map(|x| x.1)
        .unwrap_or("");
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with('>') || rest.starts_with("/>") {
            break;
        }
        let end = rest
            .find(|c: char| c == '=' || c.is_whitespace() || c == '>')
            .unwrap_or(rest.len());
        let name = rest[..end].trim_end_matches('/').to_ascii_lowercase();
        rest = &rest[end..];
        if let Some(r) = rest.strip_prefix('=') {
            let (val, after) = match r.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &r[1..];
                    let close = inner.find(q).unwrap_or(inner.len());
                    (&inner[..close], &inner[(close + 1).min(inner.len())..])
                }
                _ => {
                    let close = r
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(r.len());
                    (&r[..close], &r[close..])
                }
            };
            out.push((name, Some(html_unescape(val))));
            rest = after;
        } else {
            if !name.is_empty() {
                out.push((name, None));
            }
            if rest.is_empty() {
                break;
            }
        }
    }
    out
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr<'a>(attrs: &'a [(String, Option<String>)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.as_deref())
}

struct Form {
    action: Option<String>,
    method: String,
    fields: Vec<(String, String)>,
}

/// The first form of a page, filled in the way the choice says.
fn fill_form(html: &str, choice: &Choice) -> Option<Form> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<form")?;
    let end = lower[start..]
        .find("</form>")
        .map_or(html.len(), |e| start + e);
    let form_html = &html[start..end];
    let open_end = form_html.find('>')?;
    let fattrs = attributes(&form_html[..=open_end]);
    let mut fields = vec![];
    let mut submit: Option<(String, String)> = None;
    let mut i = 0;
    let lf = form_html.to_ascii_lowercase();
    while let Some(pos) = lf[i..].find('<').map(|p| p + i) {
        let close = lf[pos..].find('>').map_or(lf.len(), |c| pos + c + 1);
        let tag = &form_html[pos..close];
        let tl = &lf[pos..close];
        i = close;
        let a = attributes(tag);
        let name = attr(&a, "name").unwrap_or("").to_string();
        if tl.starts_with("<input") {
            let kind = attr(&a, "type").unwrap_or("text").to_ascii_lowercase();
            let value = attr(&a, "value").unwrap_or("").to_string();
            match kind.as_str() {
                "hidden" if !name.is_empty() => fields.push((name, value)),
                "checkbox"
                    if a.iter().any(|(k, _)| k == "checked") && !choice.untick.contains(&value) =>
                {
                    fields.push((name, value))
                }
                "password" => fields.push((name, "vital-link-sandbox".into())),
                "text" | "email" if !name.is_empty() => fields.push((
                    name,
                    if value.is_empty() {
                        "qa-user".into()
                    } else {
                        value
                    },
                )),
                "submit" if !name.is_empty() => submit = submit.or(Some((name, value))),
                _ => {}
            }
        } else if tl.starts_with("<button") && !name.is_empty() {
            let value = attr(&a, "value").unwrap_or("").to_string();
            let wanted = if choice.deny { "deny" } else { "allow" };
            if value.eq_ignore_ascii_case(wanted) || submit.is_none() {
                submit = Some((name, value));
            }
        }
    }
    fields.extend(submit);
    Some(Form {
        action: attr(&fattrs, "action").map(str::to_string),
        method: attr(&fattrs, "method")
            .unwrap_or("get")
            .to_ascii_lowercase(),
        fields,
    })
}

fn title_of(html: &str) -> String {
    html.split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or("")
        .to_string()
}

/// Completes the sign-in at `authorize_url`; returns the title of the page the loopback
/// listener answered with.
pub async fn complete(authorize_url: &str, choice: &Choice) -> AppResult<String> {
    let start = loopback_only(authorize_url)?;
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() > 10 || !loopback(attempt.url()) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .build()
        .map_err(|e| AppError::internal(e.to_string()))?;
    let net = |e: reqwest::Error| {
        let mut why = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            why = format!("{why}: {s}");
            src = s.source();
        }
        AppError::new("network_error", format!("sandbox browser: {why}"))
    };
    let mut resp = http.get(start).send().await.map_err(net)?;
    for _ in 0..8 {
        let here = resp.url().clone();
        let html = resp.text().await.map_err(net)?;
        if here.path().ends_with("/callback") {
            return Ok(title_of(&html));
        }
        let Some(form) = fill_form(&html, choice) else {
            return Ok(title_of(&html));
        };
        let target = match &form.action {
            Some(a) => here
                .join(a)
                .map_err(|e| AppError::bad_request("invalid_url", e.to_string()))?,
            None => here.clone(),
        };
        loopback_only(target.as_str())?;
        resp = if form.method == "post" {
            http.post(target)
                .form(&form.fields)
                .send()
                .await
                .map_err(net)?
        } else {
            http.get(target)
                .query(&form.fields)
                .send()
                .await
                .map_err(net)?
        };
    }
    Err(AppError::new(
        "browser_loop",
        "the sign-in pages did not lead back to the app",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_a_consent_form_as_asked() {
        let html = r#"<form method="post" action="/oauth/authorize/decision"><input type="hidden" name="request_id" value="R1">
            <label><input type="checkbox" name="scope" value="daily" checked> daily</label><input type="checkbox" name="scope" value="heartrate" checked>
            <button id="deny" name="action" value="deny">Deny</button><button id="allow" name="action" value="allow">Allow</button></form>"#;
        let f = fill_form(
            html,
            &Choice {
                deny: false,
                untick: vec!["heartrate".into()],
            },
        )
        .unwrap();
        assert_eq!(f.action.as_deref(), Some("/oauth/authorize/decision"));
        assert_eq!(
            f.fields,
            vec![
                ("request_id".into(), "R1".into()),
                ("scope".into(), "daily".into()),
                ("action".into(), "allow".into())
            ]
        );
        let f = fill_form(
            html,
            &Choice {
                deny: true,
                untick: vec![],
            },
        )
        .unwrap();
        assert_eq!(f.fields.last().unwrap(), &("action".into(), "deny".into()));
    }

    #[test]
    fn fills_a_login_form() {
        let html = r#"<form autocomplete="off" action="http://127.0.0.1:1/interaction/X" method="post"><input type="hidden" name="prompt" value="login"/>
            <input required type="text" name="login" placeholder="Enter any login"><input required type="password" name="password"><button type="submit">Sign-in</button></form>"#;
        let f = fill_form(html, &Choice::default()).unwrap();
        assert_eq!(f.method, "post");
        assert!(f.fields.contains(&("login".into(), "qa-user".into())));
        assert!(f.fields.iter().any(|(k, _)| k == "password"));
    }
}
