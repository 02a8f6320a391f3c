//! Reading how long a rate-limited server asks us to wait, from whichever header it uses.
use std::time::Duration;

/// How long a rate-limited provider asks us to wait: `Retry-After` (seconds or an HTTP date),
/// `retry-after-ms`, or the reset of the providers' own rate-limit headers (`X-RateLimit-Reset`,
/// `RateLimit-Reset`, `X-Rate-Limit-Reset`: seconds from now, or an epoch time).
pub fn retry_after(h: &reqwest::header::HeaderMap, now_secs: i64) -> Option<Duration> {
    let text = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(v) = text("retry-after") {
        if let Ok(s) = v.parse::<u64>() {
            return Some(Duration::from_secs(s));
        }
        if let Ok(d) = chrono::DateTime::parse_from_rfc2822(v) {
            return Some(Duration::from_secs((d.timestamp() - now_secs).max(0) as u64));
        }
    }
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_millis(ms));
    }
    ["x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset"]
        .iter()
        .find_map(|k| text(k).and_then(|v| v.parse::<f64>().ok()))
        .map(|n| {
            let secs = if n > 1_000_000_000.0 {
                n - now_secs as f64
            } else {
                n
            };
            Duration::from_secs_f64(secs.max(0.0))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn h(k: &'static str, v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(k, HeaderValue::from_str(v).unwrap());
        m
    }

    #[test]
    fn rate_limit_waits_are_read_from_every_common_header() {
        let now = 1_445_412_400; // Wed, 21 Oct 2015 07:26:40 GMT
        let s = Duration::from_secs;
        assert_eq!(retry_after(&h("retry-after", "120"), now), Some(s(120)));
        assert_eq!(
            retry_after(&h("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"), now),
            Some(s(80))
        );
        assert_eq!(
            retry_after(&h("retry-after-ms", "1500"), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(retry_after(&h("x-ratelimit-reset", "30"), now), Some(s(30)));
        assert_eq!(
            retry_after(&h("ratelimit-reset", &(now + 900).to_string()), now),
            Some(s(900))
        );
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
