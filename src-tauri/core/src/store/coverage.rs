//! Which days hold which data, for the coverage answers (UTC days, as the API's ranges are).
use super::Store;
use crate::error::AppResult;

impl Store {
    /// `(resource or metric, day)` for every day in `from_day..=to_day` that holds any of it.
    pub fn covered_days(
        &self,
        user_id: &str,
        from_day: &str,
        to_day: &str,
    ) -> AppResult<Vec<(String, String)>> {
        let args = (
            user_id.to_string(),
            from_day.to_string(),
            to_day.to_string(),
        );
        self.read(move |c| {
            let mut out = vec![];
            let mut st = c.prepare(
                "SELECT DISTINCT resource, calendar_date FROM summaries
                 WHERE user_id = ?1 AND calendar_date BETWEEN ?2 AND ?3 AND resource != 'profile'",
            )?;
            for r in st.query_map([&args.0, &args.1, &args.2], |r| Ok((r.get(0)?, r.get(1)?)))? {
                out.push(r?);
            }
            // Days of samples from each series' key range, so the scan stays on the primary key.
            let mut st = c.prepare(
                "SELECT DISTINCT se.metric, date(s.ts / 1000, 'unixepoch') FROM series se
                 JOIN series_samples s ON s.series_id = se.id
                 WHERE se.user_id = ?1
                   AND s.ts >= unixepoch(?2) * 1000 AND s.ts < (unixepoch(?3) + 86400) * 1000",
            )?;
            for r in st.query_map([&args.0, &args.1, &args.2], |r| Ok((r.get(0)?, r.get(1)?)))? {
                out.push(r?);
            }
            out.sort();
            out.dedup();
            Ok(out)
        })
    }
}
