//! The dates and instants Vital's API takes in `start_date`/`end_date`, read as tolerantly as
//! the official SDKs (pydantic) write them.
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

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
}
