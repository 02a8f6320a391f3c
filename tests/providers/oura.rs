//! Oura: a long backfill against the fake's real date semantics (date-only `end_date`
//! exclusive; `sleep`'s `start_date` exclusive too) stores every day of the range.
use std::collections::BTreeSet;

use chrono::Duration;
use vital_link::fake::synth::{self, Account};

use crate::common::*;
use crate::support::*;

const SLUG: &str = "oura";

#[tokio::test]
async fn oura_backfill_of_120_days_stores_every_day() {
    let h = start(120).await;
    let login = "oura-every-day";
    let acct = Account::new(login);
    connected(&h.app, login, SLUG).await;

    let now_s = now().timestamp();
    let first = now().date_naive() - Duration::days(119);
    let local_today = now().with_timezone(&acct.tz()).date_naive();
    let days = days_of(first, local_today);
    let sleep: BTreeSet<_> = days
        .iter()
        .copied()
        .filter(|d| synth::sleeps(&acct, *d).iter().any(|n| n.end() <= now_s))
        .collect();
    let activity: BTreeSet<_> = days
        .iter()
        .copied()
        .filter(|d| acct.day_start(*d) + 4 * 3600 <= now_s)
        .collect();
    let workouts: BTreeSet<_> = days
        .iter()
        .copied()
        .filter(|d| synth::workouts(&acct, *d).iter().any(|w| w.end <= now_s))
        .collect();
    // 120 days are five 30-day windows: four window boundaries to lose a day at.
    assert!(sleep.len() >= 115, "{}", sleep.len());
    assert_every_day(&h.app, login, "sleep", &sleep);
    assert_every_day(&h.app, login, "activity", &activity);
    assert_every_day(&h.app, login, "workouts", &workouts);
    // Nothing is stored twice although the padded windows overlap: one summary per record.
    let stored = summaries(&h.app, login, "sleep").len();
    let generated: usize = days
        .iter()
        .map(|d| {
            synth::sleeps(&acct, *d)
                .iter()
                .filter(|n| n.end() <= now_s)
                .count()
        })
        .sum();
    assert_eq!(stored, generated);
}
