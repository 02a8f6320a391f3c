//! Request extractors that read input as tolerantly as Vital (FastAPI/pydantic) does, and answer
//! bad input the way it does: 422 with a `detail` list naming the field, instead of axum's
//! plain-text rejections. Every route reads its query and its dates through here.
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::de::DeserializeOwned;
use serde_json::json;

pub struct Unprocessable {
    loc: &'static str,
    msg: String,
}

impl IntoResponse for Unprocessable {
    fn into_response(self) -> Response {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"detail": [{"loc": [self.loc], "msg": self.msg, "type": "value_error"}]})),
        )
            .into_response()
    }
}

/// A JSON body. Gzip bodies are already inflated by the decompression layer.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                let status = e.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    crate::error::AppError::new(
                        "payload_too_large",
                        413,
                        "the request body is too large",
                    )
                    .into_response()
                } else {
                    Unprocessable {
                        loc: "body",
                        msg: e.body_text(),
                    }
                    .into_response()
                }
            })?;
        let raw: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
        serde_json::from_slice(raw).map(Body).map_err(|e| {
            Unprocessable {
                loc: "body",
                msg: format!("invalid JSON body: {e}"),
            }
            .into_response()
        })
    }
}

/// Query parameters. An empty value (`provider=`, which the 1.x SDKs always send) means the
/// parameter was not given, as in FastAPI, rather than a filter that matches nothing.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let unprocessable = |e: &dyn std::fmt::Display| {
            Unprocessable {
                loc: "query",
                msg: e.to_string(),
            }
            .into_response()
        };
        let q = parts.uri.query().unwrap_or("");
        let given = without_empty(q).map_err(|e| unprocessable(&e))?;
        serde_urlencoded::from_str(&given)
            .map(Q)
            .map_err(|e| unprocessable(&e))
    }
}

/// The query string without its empty parameters.
fn without_empty(q: &str) -> Result<String, serde_urlencoded::ser::Error> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap_or_default();
    let given: Vec<_> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    serde_urlencoded::to_string(given)
}

/// A `start_date`/`end_date` value: a bare day, or an instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    Day(NaiveDate),
    Instant(DateTime<FixedOffset>),
}

/// Reads a date or date-time in every form pydantic accepts: `YYYY-MM-DD`; a date-time with `T`,
/// `t`, `_` or a space between date and time (Python's `str(datetime)`), seconds optional,
/// any number of fractional digits, and `Z`, `±HH`, `±HHMM` or `±HH:MM`, or none (read as UTC);
/// or a Unix timestamp in seconds (milliseconds above 2e10, as pydantic reads them).
pub fn parse_when(s: &str) -> Option<When> {
    let s = s.trim();
    if let Some(day) = parse_date(s) {
        return Some(When::Day(day));
    }
    parse_datetime(s)
        .or_else(|| parse_unix(s))
        .map(When::Instant)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let mut parts = s.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let year_ok = y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit());
    if !year_ok {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, small_number(m)?, small_number(d)?)
}

fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    let sep = s.find(['T', 't', ' ', '_'])?;
    let day = parse_date(&s[..sep])?;
    let rest = &s[sep + 1..];
    let (clock, offset) = split_offset(rest)?;
    let local = NaiveDateTime::new(day, parse_clock(clock)?);
    offset.from_local_datetime(&local).single()
}

/// Splits `HH:MM[:SS[.f]]` from its offset; no offset is UTC.
fn split_offset(s: &str) -> Option<(&str, FixedOffset)> {
    if let Some(clock) = s.strip_suffix(['Z', 'z']) {
        return Some((clock, FixedOffset::east_opt(0)?));
    }
    let Some(at) = s.rfind(['+', '-']) else {
        return Some((s, FixedOffset::east_opt(0)?));
    };
    let (clock, off) = s.split_at(at);
    let sign = if off.starts_with('-') { -1 } else { 1 };
    let hm = off[1..].replace(':', "");
    if !hm.bytes().all(|b| b.is_ascii_digit()) || !matches!(hm.len(), 2 | 4) {
        return None;
    }
    let hours: i32 = hm[..2].parse().ok()?;
    let minutes: i32 = hm
        .get(2..)
        .filter(|m| !m.is_empty())
        .map_or(Some(0), |m| m.parse().ok())?;
    Some((
        clock,
        FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?,
    ))
}

fn parse_clock(s: &str) -> Option<NaiveTime> {
    let (hms, fraction) = match s.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (s, None),
    };
    let fields: Vec<u32> = hms.split(':').map(small_number).collect::<Option<_>>()?;
    let (h, m, sec) = match fields[..] {
        [h, m] if fraction.is_none() => (h, m, 0),
        [h, m, sec] => (h, m, sec),
        _ => return None,
    };
    let nanos = match fraction {
        None => 0,
        // Beyond nanoseconds the digits carry nothing we keep; pydantic drops them too.
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{:0<9}", &f[..f.len().min(9)]).parse().ok()?
        }
        Some(_) => return None,
    };
    NaiveTime::from_hms_nano_opt(h, m, sec, nanos)
}

/// One or two digits.
fn small_number(p: &str) -> Option<u32> {
    let ok = (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| p.parse().ok()).flatten()
}

fn parse_unix(s: &str) -> Option<DateTime<FixedOffset>> {
    let n: f64 = s.parse().ok().filter(|n: &f64| n.is_finite())?;
    let seconds = if n.abs() > 2e10 { n / 1000.0 } else { n };
    let millis = (seconds * 1000.0).round() as i64;
    Utc.timestamp_millis_opt(millis)
        .single()
        .map(|t| t.fixed_offset())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(s: &str) -> String {
        match parse_when(s) {
            Some(When::Instant(t)) => t.with_timezone(&Utc).to_rfc3339(),
            other => panic!("{s:?} read as {other:?}"),
        }
    }

    #[test]
    fn every_spelling_of_one_instant_reads_alike() {
        let want = "2026-11-25T05:00:00+00:00";
        for s in [
            "2026-11-25 05:00:00",
            "2026-11-25T05:00",
            "2026-11-25t05:00:00z",
            "2026-11-25_05:00:00.000000",
            "2026-11-25T06:00:00+01",
            "2026-11-25T06:00:00+0100",
            "2026-11-25 00:00:00-05:00",
            "1795582800",
            "1795582800000",
        ] {
            assert_eq!(instant(s), want, "{s}");
        }
        assert_eq!(
            parse_when("2026-1-5"),
            NaiveDate::from_ymd_opt(2026, 1, 5).map(When::Day)
        );
    }

    #[test]
    fn what_pydantic_refuses_is_refused() {
        for s in [
            "",
            "2026-11-25T05",
            "2026-11-25T05:00.5",
            "2026-11-25T05:00:00.",
            "2026-11-25T05:00:00+1",
            "26-11-25",
            "today",
        ] {
            assert_eq!(parse_when(s), None, "{s:?}");
        }
    }

    #[test]
    fn empty_query_values_are_dropped() {
        assert_eq!(
            without_empty("provider=&start_date=2026-11-25+05%3A00&end_date=").unwrap(),
            "start_date=2026-11-25+05%3A00"
        );
    }
}
