//! Deterministic synthetic physiology for the sandbox.
//!
//! Every value is a pure function of (account, local day): the same account and day give the
//! same night, activity, heart rate and workouts on any machine and for any requested range.
//! Provider fakes render these days in their own wire formats.
use chrono::{Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

/// A sandbox account: a stable id and a home time zone, both derived from the login name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub login: String,
    pub id: String,
    pub utc_offset_secs: i32,
}

const OFFSETS: [i32; 8] = [3600, 7200, 0, -18000, -28800, 19800, 32400, -10800];

impl Account {
    pub fn new(login: &str) -> Account {
        let digest = Sha256::digest(format!("vital-link-sandbox/{login}").as_bytes());
        Account {
            login: login.to_string(),
            id: hex::encode(&digest[..8]),
            utc_offset_secs: OFFSETS[digest[8] as usize % OFFSETS.len()],
        }
    }

    /// An IANA zone without daylight saving whose offset is the account's (providers such as
    /// Withings and Wahoo name zones rather than offsets).
    pub fn iana_zone(&self) -> &'static str {
        match self.utc_offset_secs {
            3600 => "Africa/Lagos",
            7200 => "Africa/Johannesburg",
            -18000 => "America/Panama",
            -28800 => "Pacific/Pitcairn",
            19800 => "Asia/Kolkata",
            32400 => "Asia/Tokyo",
            -10800 => "America/Sao_Paulo",
            _ => "UTC",
        }
    }

    pub fn tz(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_secs).expect("offsets in the table are valid")
    }

    pub fn rng(&self, kind: &str, day: NaiveDate) -> ChaCha8Rng {
        let digest = Sha256::digest(format!("{}/{kind}/{day}", self.id).as_bytes());
        ChaCha8Rng::from_seed(digest.into())
    }

    /// A uuid-shaped id that is stable for (account, kind, day, n).
    pub fn doc_id(&self, kind: &str, day: NaiveDate, n: u32) -> String {
        let d = Sha256::digest(format!("{}/{kind}/{day}/{n}/id", self.id).as_bytes());
        let mut b = [0u8; 16];
        b.copy_from_slice(&d[..16]);
        uuid::Builder::from_random_bytes(b).into_uuid().to_string()
    }

    /// Local midnight of `day` as epoch seconds.
    pub fn day_start(&self, day: NaiveDate) -> i64 {
        self.tz()
            .from_local_datetime(&day.and_time(NaiveTime::MIN))
            .single()
            .expect("fixed offsets have no gaps")
            .timestamp()
    }
}

/// Sleep stages in 5-minute blocks, as Oura encodes them: 1 deep, 2 light, 3 REM, 4 awake.
#[derive(Debug, Clone)]
pub struct Night {
    /// Epoch seconds.
    pub start: i64,
    pub blocks: Vec<u8>,
    /// One heart-rate value per block (None = gap), bpm.
    pub hr: Vec<Option<f64>>,
    /// One RMSSD value per block (None = gap), ms.
    pub hrv: Vec<Option<f64>>,
    pub breath: f64,
    pub temperature_deviation: f64,
    pub restless_periods: u32,
    /// A nap (`sleep` in Oura terms) rather than the main sleep.
    pub is_nap: bool,
}

impl Night {
    pub fn end(&self) -> i64 {
        self.start + self.blocks.len() as i64 * 300
    }
    pub fn seconds_in(&self, stage: u8) -> i64 {
        self.blocks.iter().filter(|b| **b == stage).count() as i64 * 300
    }
    pub fn latency(&self) -> i64 {
        self.blocks.iter().take_while(|b| **b == 4).count() as i64 * 300
    }
    pub fn total_sleep(&self) -> i64 {
        self.seconds_in(1) + self.seconds_in(2) + self.seconds_in(3)
    }
    pub fn efficiency(&self) -> i64 {
        (100 * self.total_sleep() / (self.blocks.len() as i64 * 300)).clamp(1, 100)
    }
    pub fn avg_hr(&self) -> f64 {
        mean(&self.hr)
    }
    pub fn lowest_hr(&self) -> i64 {
        self.hr.iter().flatten().fold(f64::MAX, |a, b| a.min(*b)) as i64
    }
    pub fn avg_hrv(&self) -> i64 {
        mean(&self.hrv).round() as i64
    }
    pub fn stage_at(&self, t: i64) -> Option<u8> {
        if t < self.start || t >= self.end() {
            return None;
        }
        self.blocks.get(((t - self.start) / 300) as usize).copied()
    }
}

fn mean(v: &[Option<f64>]) -> f64 {
    let vals: Vec<f64> = v.iter().flatten().copied().collect();
    if vals.is_empty() {
        return 0.0;
    }
    (vals.iter().sum::<f64>() / vals.len() as f64 * 100.0).round() / 100.0
}

#[derive(Debug, Clone)]
pub struct Workout {
    pub n: u32,
    pub activity: &'static str,
    pub start: i64,
    pub end: i64,
    pub calories: f64,
    pub distance: Option<f64>,
    pub intensity: &'static str,
    pub source: &'static str,
    pub avg_hr: f64,
}

#[derive(Debug, Clone)]
pub struct Activity {
    pub steps: i64,
    pub active_calories: i64,
    pub total_calories: i64,
    pub target_calories: i64,
    pub walking_distance: i64,
    pub high_secs: i64,
    pub medium_secs: i64,
    pub low_secs: i64,
    pub sedentary_secs: i64,
    pub resting_secs: i64,
    pub non_wear_secs: i64,
    /// One MET value per minute from 04:00 local.
    pub met: Vec<f64>,
    /// One activity class per 5 minutes from 04:00 local (0 non-wear .. 5 high).
    pub class_5_min: String,
    pub inactivity_alerts: i64,
}

/// The main night that *ends* on `day` (Oura's sleep day is the wake-up day).
pub fn night(acct: &Account, day: NaiveDate) -> Night {
    let mut rng = acct.rng("night", day);
    let start = acct.day_start(day) - 2 * 3600 + rng.gen_range(0..30) * 300; // 22:00–00:30
    let len = rng.gen_range(78..=108usize); // 6.5–9 h in bed
    let mut blocks = Vec::with_capacity(len);
    let latency = rng.gen_range(1..=5);
    blocks.extend(std::iter::repeat_n(4u8, latency));
    let mut cycle = 0;
    while blocks.len() < len - 2 {
        let deep = if cycle < 2 {
            rng.gen_range(3..=7)
        } else {
            rng.gen_range(0..=2)
        };
        let rem = if cycle < 2 {
            rng.gen_range(1..=3)
        } else {
            rng.gen_range(3..=7)
        };
        for (stage, n) in [
            (2u8, rng.gen_range(3..=6)),
            (1, deep),
            (2, rng.gen_range(2..=4)),
            (3, rem),
        ] {
            blocks.extend(std::iter::repeat_n(stage, n));
        }
        if rng.gen_bool(0.4) {
            blocks.push(4);
        }
        cycle += 1;
    }
    blocks.truncate(len - 2);
    blocks.extend([4, 4]);
    let base = rng.gen_range(50.0..60.0);
    let hr = blocks
        .iter()
        .map(|s| {
            if rng.gen_bool(0.02) {
                return None;
            }
            let adj = match s {
                1 => -3.0,
                2 => 0.0,
                3 => 4.0,
                _ => 9.0,
            };
            Some((base + adj + rng.gen_range(-2.0f64..2.0)).round())
        })
        .collect();
    let hrv_base = rng.gen_range(30.0..70.0);
    let hrv = blocks
        .iter()
        .map(|s| {
            if rng.gen_bool(0.03) {
                return None;
            }
            let adj = if *s == 1 { 12.0 } else { 0.0 };
            Some(
                (hrv_base + adj + rng.gen_range(-10.0f64..10.0))
                    .round()
                    .max(5.0),
            )
        })
        .collect();
    Night {
        start,
        blocks,
        hr,
        hrv,
        breath: (rng.gen_range(12.5f64..16.5) * 8.0).round() / 8.0,
        temperature_deviation: (rng.gen_range(-0.6f64..0.6) * 100.0).round() / 100.0,
        restless_periods: rng.gen_range(80..300),
        is_nap: false,
    }
}

/// An afternoon nap on roughly one day in seven.
pub fn nap(acct: &Account, day: NaiveDate) -> Option<Night> {
    let mut rng = acct.rng("nap", day);
    if !rng.gen_bool(1.0 / 7.0) {
        return None;
    }
    let start = acct.day_start(day) + 13 * 3600 + rng.gen_range(0..36) * 300;
    let len = rng.gen_range(4..=12usize);
    let mut blocks = vec![4u8];
    blocks.extend((1..len).map(|_| if rng.gen_bool(0.8) { 2u8 } else { 1 }));
    let hr = blocks
        .iter()
        .map(|_| Some(rng.gen_range(55.0f64..66.0).round()))
        .collect();
    let hrv = blocks
        .iter()
        .map(|_| Some(rng.gen_range(30.0f64..60.0).round()))
        .collect();
    Some(Night {
        start,
        blocks,
        hr,
        hrv,
        breath: 14.0,
        temperature_deviation: 0.0,
        restless_periods: rng.gen_range(5..30),
        is_nap: true,
    })
}

pub fn sleeps(acct: &Account, day: NaiveDate) -> Vec<Night> {
    let mut v = vec![night(acct, day)];
    v.extend(nap(acct, day));
    v
}

const SPORTS: [(&str, f64, Option<f64>); 5] = [
    ("walking", 5.0, Some(1.4)),
    ("running", 11.0, Some(2.9)),
    ("cycling", 9.0, Some(6.0)),
    ("yoga", 3.5, None),
    ("strength_training", 6.0, None),
];

/// Workouts on `day` (local), on about a third of days.
pub fn workouts(acct: &Account, day: NaiveDate) -> Vec<Workout> {
    let mut rng = acct.rng("workout", day);
    if !rng.gen_bool(0.35) {
        return vec![];
    }
    let (activity, kcal_per_min, speed) = SPORTS[rng.gen_range(0..SPORTS.len())];
    let minutes = rng.gen_range(20..=75i64);
    let start = acct.day_start(day) + 17 * 3600 + rng.gen_range(0..24) * 300;
    let intensity = ["easy", "moderate", "hard"][rng.gen_range(0..3)];
    vec![Workout {
        n: 0,
        activity,
        start,
        end: start + minutes * 60,
        calories: (kcal_per_min * minutes as f64 * rng.gen_range(0.85..1.15) * 1000.0).round()
            / 1000.0,
        distance: speed
            .map(|s| (s * minutes as f64 * 60.0 * rng.gen_range(0.9..1.1) * 100.0).round() / 100.0),
        intensity,
        source: ["autodetected", "confirmed", "manual"][rng.gen_range(0..3)],
        avg_hr: rng.gen_range(105.0f64..155.0).round(),
    }]
}

/// The daily activity of `day`, a 24-hour period from 04:00 local.
pub fn activity(acct: &Account, day: NaiveDate) -> Activity {
    let mut rng = acct.rng("activity", day);
    let steps = rng.gen_range(3000..16000i64);
    let bmr = rng.gen_range(1550..1950i64);
    let active = steps * 45 / 1000 + rng.gen_range(50..250);
    let high = rng.gen_range(0..40) * 60;
    let medium = rng.gen_range(20..90) * 60;
    let low = rng.gen_range(120..300) * 60;
    let non_wear = rng.gen_range(0..4) * 900;
    let resting = rng.gen_range(6 * 60..9 * 60) * 60;
    let sedentary = (86400 - high - medium - low - non_wear - resting).max(0);
    let met = (0..1440)
        .map(|_| (rng.gen_range(0.9f64..1.6) * 10.0).round() / 10.0)
        .collect();
    let class_5_min = (0..288)
        .map(|i| {
            let c = if (60..96).contains(&i) || i > 260 {
                1
            } else {
                rng.gen_range(2..=5)
            };
            char::from(b'0' + c)
        })
        .collect();
    Activity {
        steps,
        active_calories: active,
        total_calories: bmr + active,
        target_calories: 500,
        walking_distance: steps * 3 / 4,
        high_secs: high,
        medium_secs: medium,
        low_secs: low,
        sedentary_secs: sedentary,
        resting_secs: resting,
        non_wear_secs: non_wear,
        met,
        class_5_min,
        inactivity_alerts: rng.gen_range(0..3),
    }
}

/// What the ring was doing at 5-minute sample `i` of local `day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HrSource {
    Awake,
    Rest,
    Sleep,
    Workout,
}

/// Heart rate every 5 minutes over local `day`, with one plausible gap (charging) per day.
/// Epoch seconds, bpm, source.
pub fn heart_rate(acct: &Account, day: NaiveDate) -> Vec<(i64, i64, HrSource)> {
    let mut rng = acct.rng("heartrate", day);
    let start = acct.day_start(day);
    let gap_start = start + rng.gen_range(9 * 12..21 * 12) * 300;
    let gap_len = rng.gen_range(0..=18) * 300;
    // Sleep that ends this morning, sleep that starts tonight, naps and workouts of the day.
    let mut nights = sleeps(acct, day);
    nights.push(night(acct, day + Duration::days(1)));
    let wos = workouts(acct, day);
    let resting = rng.gen_range(54.0..64.0);
    (0..288)
        .filter_map(|i| {
            let t = start + i * 300;
            if t >= gap_start && t < gap_start + gap_len {
                return None;
            }
            let (src, bpm) = if let Some(w) = wos.iter().find(|w| t >= w.start && t < w.end) {
                (HrSource::Workout, w.avg_hr + rng.gen_range(-12.0..12.0))
            } else if let Some(s) = nights.iter().find_map(|n| n.stage_at(t)) {
                let adj = [0.0, -3.0, 0.0, 4.0, 9.0][s as usize];
                (
                    HrSource::Sleep,
                    resting - 4.0 + adj + rng.gen_range(-2.0..2.0),
                )
            } else {
                let hour = (t - start) / 3600;
                if (6..23).contains(&hour) {
                    (HrSource::Awake, resting + 14.0 + rng.gen_range(-8.0..20.0))
                } else {
                    (HrSource::Rest, resting + rng.gen_range(-3.0..4.0))
                }
            };
            Some((t, bpm.round() as i64, src))
        })
        .collect()
}

/// One weighing on a smart scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Weighing {
    /// Epoch seconds.
    pub t: i64,
    /// Kilograms, to 10 g.
    pub kg: f64,
    /// Body fat, percent to 0.1.
    pub fat_pct: f64,
}

/// The morning weighing of `day`, on about five days in seven. The weight drifts slowly around
/// a per-account baseline.
pub fn weighing(acct: &Account, day: NaiveDate) -> Option<Weighing> {
    let mut rng = acct.rng("weight", day);
    if !rng.gen_bool(5.0 / 7.0) {
        return None;
    }
    let seed = u64::from_str_radix(&acct.id[..8], 16).unwrap_or(0);
    let base = 55.0 + (seed % 400) as f64 / 10.0;
    let drift = ((day.num_days_from_ce() as f64) / 23.0).sin() * 1.2;
    let kg = ((base + drift + rng.gen_range(-0.4..0.4)) * 100.0).round() / 100.0;
    let fat_pct =
        ((18.0 + (seed % 120) as f64 / 10.0 + rng.gen_range(-0.5..0.5)) * 10.0).round() / 10.0;
    Some(Weighing {
        t: acct.day_start(day) + 6 * 3600 + 45 * 60 + rng.gen_range(0..90) * 60,
        kg,
        fat_pct,
    })
}

/// Continuous glucose every 5 minutes over local `day`, mg/dL: a fasting baseline, a rise after
/// each meal, and a sensor warm-up gap on the first day of each 10-day sensor session.
pub fn glucose(acct: &Account, day: NaiveDate) -> Vec<(i64, i64)> {
    let mut rng = acct.rng("glucose", day);
    let start = acct.day_start(day);
    let base = rng.gen_range(85.0..105.0);
    let meals = [
        7 * 3600 + rng.gen_range(0..8) * 300,
        12 * 3600 + rng.gen_range(0..12) * 300,
        19 * 3600 + rng.gen_range(0..12) * 300,
    ];
    let peaks: Vec<f64> = meals.iter().map(|_| rng.gen_range(30.0..80.0)).collect();
    let warmup = if day.num_days_from_ce() % 10 == 0 {
        Some(start + 10 * 3600)
    } else {
        None
    };
    (0..288)
        .filter_map(|i| {
            let t = start + i * 300;
            if warmup.is_some_and(|w| t >= w && t < w + 2 * 3600) {
                return None;
            }
            let since_midnight = (t - start) as f64;
            let meal: f64 = meals
                .iter()
                .zip(&peaks)
                .map(|(m, p)| {
                    let dt = (since_midnight - *m as f64) / 60.0;
                    if dt < 0.0 {
                        0.0
                    } else {
                        p * (dt / 45.0) * (-(dt / 45.0 - 1.0)).exp()
                    }
                })
                .sum();
            let v = (base + meal + rng.gen_range(-4.0..4.0)).round() as i64;
            Some((t, v.clamp(40, 400)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn same_account_and_day_give_the_same_data() {
        let a = Account::new("alice");
        let n1 = night(&a, d("2026-03-01"));
        let n2 = night(&Account::new("alice"), d("2026-03-01"));
        assert_eq!(n1.blocks, n2.blocks);
        assert_eq!(n1.hr, n2.hr);
        assert_eq!(
            heart_rate(&a, d("2026-03-01")),
            heart_rate(&a, d("2026-03-01"))
        );
        assert_ne!(
            night(&Account::new("bob"), d("2026-03-01")).blocks,
            n1.blocks
        );
    }

    #[test]
    fn nights_are_plausible() {
        let a = Account::new("carol");
        for i in 0..60 {
            let day = d("2026-01-01") + Duration::days(i);
            let n = night(&a, day);
            let hours = n.blocks.len() as f64 / 12.0;
            assert!((6.4..=9.1).contains(&hours), "{hours}");
            assert!(n.efficiency() > 60, "{}", n.efficiency());
            assert!(n.seconds_in(1) > 0 && n.seconds_in(3) > 0);
            assert!(n.end() <= a.day_start(day) + 12 * 3600);
            let lo = n.lowest_hr();
            assert!((35..=75).contains(&lo), "{lo}");
        }
    }

    #[test]
    fn heart_rate_is_every_five_minutes_with_gaps() {
        let a = Account::new("dave");
        let mut total = 0;
        for i in 0..30 {
            let hr = heart_rate(&a, d("2026-02-01") + Duration::days(i));
            assert!(hr
                .windows(2)
                .all(|w| (w[1].0 - w[0].0) % 300 == 0 && w[1].0 > w[0].0));
            assert!(hr.iter().all(|(_, bpm, _)| (30..=210).contains(bpm)));
            total += hr.len();
        }
        assert!(total < 30 * 288, "some gaps expected");
        assert!(total > 30 * 270, "gaps stay small");
    }

    #[test]
    fn glucose_and_weight_are_plausible_and_deterministic() {
        let a = Account::new("erin");
        let mut days_with_weight = 0;
        for i in 0..30 {
            let day = d("2026-04-01") + Duration::days(i);
            let g = glucose(&a, day);
            assert_eq!(g, glucose(&a, day));
            assert!(g.len() >= 288 - 24 && g.len() <= 288);
            assert!(g.iter().all(|(_, v)| (40..=300).contains(v)), "{g:?}");
            if let Some(w) = weighing(&a, day) {
                days_with_weight += 1;
                assert!((50.0..100.0).contains(&w.kg) && (10.0..35.0).contains(&w.fat_pct));
                assert!(w.t > a.day_start(day) && w.t < a.day_start(day) + 12 * 3600);
            }
        }
        assert!((10..=30).contains(&days_with_weight));
    }
}
