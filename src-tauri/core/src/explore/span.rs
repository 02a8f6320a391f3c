//! The day ranges an assistant asks for: a calendar date or a relative phrase, read against
//! today, with errors that say what is accepted (a model retries with what the message offers).
use chrono::{Duration, NaiveDate};

use crate::error::{AppError, AppResult};
use crate::shapes::{self, Range};

/// The longest range one call may cover. A decade of daily points is still small, and a longer
/// span is almost always a wrong year rather than a question.
pub const MAX_SPAN_DAYS: i64 = 3660;

const ACCEPTED: &str =
    "use YYYY-MM-DD, 'today', 'yesterday', 'N days ago', or 'last N days' / 'last N weeks' / 'last N months'";

/// Days `from`..=`to`, both inclusive, as the local API reads them (UTC days). A relative
/// `from` ("last 7 days") fixes both ends; `to` defaults to today.
pub fn parse_span(from: &str, to: Option<&str>, today: NaiveDate) -> AppResult<Range> {
    let (first, implied_last) = start_of(from, today)?;
    let last = match to.map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => end_of(t, today)?,
        None => implied_last,
    };
    if first > last {
        return Err(AppError::new(
            "invalid_date",
            format!("the range is reversed: from {first} is after to {last}; swap them"),
        ));
    }
    let days = (last - first).num_days() + 1;
    if days > MAX_SPAN_DAYS {
        return Err(AppError::new(
            "invalid_date",
            format!("{first} to {last} is {days} days; ask for at most {MAX_SPAN_DAYS} days (about ten years) at a time"),
        ));
    }
    shapes::parse_range(&first.to_string(), Some(&last.to_string()), today)
}

fn start_of(s: &str, today: NaiveDate) -> AppResult<(NaiveDate, NaiveDate)> {
    let t = s.trim().to_ascii_lowercase();
    match t.as_str() {
        "today" => return Ok((today, today)),
        "yesterday" => return Ok((today - Duration::days(1), today - Duration::days(1))),
        "last week" => return Ok((today - Duration::days(6), today)),
        "last month" => return Ok((today - Duration::days(29), today)),
        "last year" => return Ok((today - Duration::days(364), today)),
        _ => {}
    }
    if let Some(days) = relative_days(&t) {
        let days = days?;
        return Ok((today - Duration::days(days - 1), today));
    }
    if let Some(ago) = days_ago(&t) {
        let d = today - Duration::days(ago?);
        return Ok((d, today));
    }
    Ok((date(s)?, today))
}

fn end_of(s: &str, today: NaiveDate) -> AppResult<NaiveDate> {
    let t = s.trim().to_ascii_lowercase();
    match t.as_str() {
        "today" => Ok(today),
        "yesterday" => Ok(today - Duration::days(1)),
        _ => match days_ago(&t) {
            Some(ago) => Ok(today - Duration::days(ago?)),
            None => date(s),
        },
    }
}

/// `N days ago` (also weeks); `None` when it is not that phrase.
fn days_ago(t: &str) -> Option<AppResult<i64>> {
    let rest = t.strip_suffix(" ago")?;
    relative_days(&format!("last {rest}")).map(|r| r.map(|d| d.min(MAX_SPAN_DAYS * 2)))
}

/// `last N days|weeks|months|years` as a day count; `None` when it is not that phrase.
fn relative_days(t: &str) -> Option<AppResult<i64>> {
    let rest = t
        .strip_prefix("last ")
        .or_else(|| t.strip_prefix("past "))?;
    let (n, unit) = rest.trim().split_once(' ')?;
    let n: i64 = match n.parse() {
        Ok(n) if n > 0 => n,
        _ => {
            return Some(Err(AppError::new(
                "invalid_date",
                format!("{t:?}: the count must be a whole number above 0; {ACCEPTED}"),
            )))
        }
    };
    let per = match unit.trim_end_matches('s') {
        "day" => 1,
        "week" => 7,
        "month" => 30,
        "year" => 365,
        _ => return None,
    };
    Some(Ok(n.saturating_mul(per)))
}

fn date(s: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::new("invalid_date", format!("{s:?} is not a date; {ACCEPTED}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn dates_and_relative_phrases_become_inclusive_day_ranges() {
        let today = d("2026-03-10");
        let r = parse_span("last 7 days", None, today).unwrap();
        assert_eq!((r.from_day, r.to_day), (d("2026-03-04"), today));
        let r = parse_span("2026-01-01", Some("2026-01-31"), today).unwrap();
        assert_eq!((r.from_day, r.to_day), (d("2026-01-01"), d("2026-01-31")));
        let r = parse_span("yesterday", None, today).unwrap();
        assert_eq!((r.from_day, r.to_day), (d("2026-03-09"), d("2026-03-09")));
        let r = parse_span("Last 2 weeks", None, today).unwrap();
        assert_eq!(r.from_day, d("2026-02-25"));
        let r = parse_span("last 14 days", Some("8 days ago"), today).unwrap();
        assert_eq!((r.from_day, r.to_day), (d("2026-02-25"), d("2026-03-02")));
    }

    #[test]
    fn bad_ranges_say_what_was_wrong_and_what_is_accepted() {
        let today = d("2026-03-10");
        let msg = |f: &str, t: Option<&str>| parse_span(f, t, today).unwrap_err().message;
        assert!(msg("next tuesday", None).contains("YYYY-MM-DD"));
        assert!(msg("2026-02-01", Some("2026-01-01")).contains("reversed"));
        assert!(msg("1926-01-01", Some("2026-01-01")).contains("at most"));
        assert!(msg("last 0 days", None).contains("above 0"));
        assert!(msg("2026-02-30", None).contains("not a date"));
    }
}
