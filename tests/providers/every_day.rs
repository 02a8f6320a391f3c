//! A backfill of 120 days across window boundaries stores every day the sandbox account has
//! data for, per provider and resource (the fakes apply each provider's real date semantics).
//! Oura's own test is in `oura.rs`.
use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use vital_link::fake::synth::{self, Account};

use crate::common::*;
use crate::support::*;

struct Days {
    sleep: BTreeSet<NaiveDate>,
    activity: BTreeSet<NaiveDate>,
    workouts: BTreeSet<NaiveDate>,
}

/// The days from `first` to the account's local today with a finished night, an activity day
/// begun, a finished workout (the generator's days, which the fakes serve as the local day).
fn generated(acct: &Account, first: NaiveDate, scoring_secs: i64) -> Days {
    // Records the provider is still scoring are not served with their values yet (WHOOP).
    let now_s = now().timestamp() - scoring_secs;
    let local_today = now().with_timezone(&acct.tz()).date_naive();
    let days = days_of(first, local_today);
    Days {
        sleep: days
            .iter()
            .copied()
            .filter(|d| synth::sleeps(acct, *d).iter().any(|n| n.end() <= now_s))
            .collect(),
        activity: days
            .iter()
            .copied()
            .filter(|d| acct.day_start(*d) <= now_s)
            .collect(),
        workouts: days
            .iter()
            .copied()
            .filter(|d| synth::workouts(acct, *d).iter().any(|w| w.end <= now_s))
            .collect(),
    }
}

async fn every_day(slug: &str, history: i64, resources: &[&str]) {
    let h = start(120).await;
    let login = format!("{slug}-every-day");
    let acct = Account::new(&login);
    connected(&h.app, &login, slug).await;
    let first = now().date_naive() - Duration::days(history.min(120) - 1);
    let scoring = match slug {
        "whoop_v2" => vital_link::fake::whoop_v2::SCORING_SECS,
        _ => 0,
    };
    let want = generated(&acct, first, scoring);
    for r in resources {
        let days = match *r {
            "sleep" => &want.sleep,
            "activity" => &want.activity,
            "workouts" => &want.workouts,
            other => panic!("{other}"),
        };
        assert_every_day(&h.app, &login, r, days);
    }
}

#[tokio::test]
async fn withings_backfill_of_120_days_stores_every_day() {
    every_day("withings", 120, &["sleep", "activity", "workouts"]).await;
}

#[tokio::test]
async fn whoop_backfill_of_120_days_stores_every_day() {
    every_day("whoop_v2", 120, &["sleep", "workouts"]).await;
}

#[tokio::test]
async fn strava_backfill_of_120_days_stores_every_workout_day() {
    every_day("strava", 120, &["workouts"]).await;
}

/// Polar's API keeps 28 days: the backfill is capped there, and every one of them is stored.
/// Exercises are left out: AccessLink lists only those uploaded after the user's registration
/// (`polar_full_cycle` checks them ten days later).
#[tokio::test]
async fn polar_backfill_stores_every_day_of_its_28() {
    every_day("polar", 28, &["sleep", "activity"]).await;
}
