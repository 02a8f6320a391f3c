//! The contract check across the suite: every exchange between the app's clients and its
//! sandbox fakes (recorded by `vital_link::fake::record`) is checked against
//! `tests/contracts/<slug>.json` with `vital-link-contract`. The helpers that read what a test
//! synced (`connect`, `summaries`, `samples`, `stored_days`) fail on any violation, naming the
//! route and the field. Cumulative numbers per provider go to `target/contract-check.txt`.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use vital_link::fake::record::{self, Exchange};
use vital_link::App;
use vital_link_contract::{Contract, Kind, Violation};

#[derive(Default)]
struct Stats {
    requests: usize,
    routes: BTreeSet<String>,
    rules: usize,
}

#[derive(Default)]
struct State {
    /// Hosts (`127.0.0.1:<port>`) of the sandboxes of apps under test: only their traffic is
    /// the clients'; conformance tests poke fakes with bad requests on purpose.
    hosts: BTreeSet<String>,
    violations: HashMap<String, Vec<Violation>>,
    stats: BTreeMap<&'static str, Stats>,
}

fn state() -> &'static Mutex<State> {
    static S: OnceLock<Mutex<State>> = OnceLock::new();
    S.get_or_init(Default::default)
}

fn contract(slug: &str) -> Option<&'static Contract> {
    static C: OnceLock<HashMap<String, Contract>> = OnceLock::new();
    C.get_or_init(|| {
        Contract::load_all()
            .expect("tests/contracts loads")
            .into_iter()
            .map(|c| (c.provider.clone(), c))
            .collect()
    })
    .get(slug)
}

/// Routes of the OAuth dance and the fakes' own switches: not part of the data contracts.
fn outside_contract(path: &str) -> bool {
    [
        "oauth",
        "authorize",
        "/token",
        "revoke",
        "deauthorize",
        "faults",
        "/favicon",
    ]
    .iter()
    .any(|p| path.contains(p))
}

/// Checks one exchange; the violations found (also used by the deliberate-breakage test).
pub fn check(e: &Exchange) -> (Vec<Violation>, Option<String>) {
    let Some(c) = contract(e.provider) else {
        return (vec![], None);
    };
    if outside_contract(&e.path) {
        return (vec![], None);
    }
    let pairs: Vec<(&str, &str)> = e
        .pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut v = c.check_request(&e.method, &e.path, &pairs);
    let route = c
        .route_for(&e.method, &e.path, &pairs)
        .map(|r| r.id.clone());
    match &e.body {
        Some(b) => v.extend(c.check_response(&e.method, &e.path, &pairs, e.status, b)),
        None if e.status < 300 => v.push(Violation {
            provider: e.provider.to_string(),
            route: format!("{} {}", e.method, e.path),
            field: String::new(),
            kind: Kind::NotJson,
            detail: format!(
                "status {} with a body that is not JSON ({})",
                e.status, e.content_type
            ),
        }),
        None => {}
    }
    (v, route)
}

/// Discrepancies between a fake and its contract found by this check and not fixed yet, each
/// `(provider, route, field, kind)`: listed here so that everything else fails the suite. Each
/// is a fake (or client) bug to fix, then to remove from this list (issue 13): Dexcom's `null`s
/// where the document states no nullability, Polar's continuous-HR wrapper, Wahoo's extra
/// fields, Google Health's missing `name`.
const KNOWN: &[(&str, &str, &str, Kind)] = &[
    (
        "dexcom_v3",
        "GET /v3/users/self/dataRange",
        "calibrations",
        Kind::NullNotAllowed,
    ),
    (
        "dexcom_v3",
        "GET /v3/users/self/dataRange",
        "events",
        Kind::NullNotAllowed,
    ),
    (
        "dexcom_v3",
        "GET /v3/users/self/egvs",
        "records[].status",
        Kind::NullNotAllowed,
    ),
    (
        "google_health",
        "GET /v4/users/{user}/dataTypes/{dataType}/dataPoints",
        "dataPoints[].name",
        Kind::MissingField,
    ),
    (
        "polar",
        "GET /v3/users/continuous-heart-rate",
        "heart_rates",
        Kind::UndocumentedField,
    ),
    (
        "wahoo",
        "GET /v1/workouts",
        "workouts[].route_id",
        Kind::UndocumentedField,
    ),
    (
        "wahoo",
        "GET /v1/workouts",
        "workouts[].workout_summary.started_at",
        Kind::UndocumentedField,
    ),
];

fn known(v: &Violation) -> bool {
    KNOWN
        .iter()
        .any(|(p, r, f, k)| *p == v.provider && *r == v.route && *f == v.field && *k == v.kind)
}

fn sink(e: Exchange) {
    let mut s = state().lock().unwrap();
    if !s.hosts.contains(&e.host) {
        return;
    }
    let (v, route) = check(&e);
    if outside_contract(&e.path) || contract(e.provider).is_none() {
        return;
    }
    let st = s.stats.entry(e.provider).or_default();
    st.requests += 1;
    if let Some(id) = route {
        if st.routes.insert(id.clone()) {
            let c = contract(e.provider).unwrap();
            st.rules += c
                .routes
                .iter()
                .find(|r| r.id == id)
                .map_or(0, |r| c.route_rule_count(r));
        }
    }
    let v: Vec<Violation> = v.into_iter().filter(|v| !known(v)).collect();
    if !v.is_empty() {
        s.violations.entry(e.host.clone()).or_default().extend(v);
    }
}

fn hosts_of(app: &Arc<App>) -> Vec<String> {
    vital_link::sandbox(app)
        .fakes
        .values()
        .map(|f| f.base_url.trim_start_matches("http://").to_string())
        .collect()
}

/// Starts checking the exchanges of `app`'s sandbox (idempotent).
pub fn watch(app: &Arc<App>) {
    static INSTALL: OnceLock<()> = OnceLock::new();
    INSTALL.get_or_init(|| record::install(Arc::new(sink)));
    state().lock().unwrap().hosts.extend(hosts_of(app));
}

/// The violations recorded so far for `app`'s sandbox (taken: reported once).
pub fn take_violations(app: &Arc<App>) -> Vec<Violation> {
    let mut s = state().lock().unwrap();
    hosts_of(app)
        .iter()
        .flat_map(|h| s.violations.remove(h).unwrap_or_default())
        .collect()
}

/// Fails the test on any violation of `app`'s traffic, naming each route and field.
pub fn assert_clean(app: &Arc<App>) {
    write_report();
    let v = take_violations(app);
    if !v.is_empty() {
        let mut seen = BTreeSet::new();
        let lines: Vec<String> = v
            .iter()
            .filter(|v| seen.insert((v.route.clone(), v.field.clone(), format!("{:?}", v.kind))))
            .map(|v| v.to_string())
            .take(60)
            .collect();
        panic!(
            "{} contract violation(s) in the traffic between the app and its fakes:\n  {}",
            v.len(),
            lines.join("\n  ")
        );
    }
}

/// Per provider: contract rules of the routes exercised / of the whole contract, routes
/// exercised, requests validated (cumulative over the test process).
pub fn report() -> String {
    let s = state().lock().unwrap();
    let mut out = String::from(
        "provider\trules checked\trules in contract\troutes exercised\trequests validated\n",
    );
    for (p, st) in &s.stats {
        let c = contract(p).unwrap();
        out.push_str(&format!(
            "{p}\t{}\t{}\t{}/{}\t{}\n",
            st.rules,
            c.total_rules(),
            st.routes.len(),
            c.routes.len(),
            st.requests
        ));
    }
    out
}

fn write_report() {
    let r = report();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let _ = std::fs::write(dir.join("contract-check.txt"), &r);
}

/// The check catches what it is for: the client sending an undocumented parameter, and a fake
/// answering a body that drops a required field or is not JSON (broken on purpose here).
#[tokio::test]
async fn the_contract_check_fails_on_a_broken_exchange() {
    let h = crate::common::start(3).await;
    let conn = crate::support::connect(&h.app, "contract-breaker", "oura").await;
    let ctx = crate::support::ctx(&h.app, &conn);
    let base = vital_link::sandbox(&h.app)
        .base_url("oura")
        .unwrap()
        .to_string();
    // An undocumented parameter (`page`) on a documented route, through the app's sandbox.
    let r = reqwest::Client::new()
        .get(format!("{base}/v2/usercollection/sleep"))
        .bearer_auth(&ctx.access_token)
        .query(&[
            ("start_date", "2026-11-10"),
            ("end_date", "2026-11-12"),
            ("page", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v = take_violations(&h.app);
    assert!(
        v.iter()
            .any(|v| v.field == "page" && v.kind == Kind::UndocumentedParameter),
        "{v:?}"
    );
    // A response body without a required field, as a broken fake would send it.
    let e = Exchange {
        provider: "oura",
        host: String::new(),
        method: "GET".into(),
        path: "/v2/usercollection/daily_activity".into(),
        pairs: vec![("start_date".into(), "2026-11-10".into())],
        status: 200,
        body: Some(
            serde_json::json!({"data": [{"id": "x", "day": "2026-11-10"}], "next_token": null}),
        ),
        content_type: "application/json".into(),
    };
    let (v, _) = check(&e);
    for f in ["data[].timestamp", "data[].met", "data[].contributors"] {
        assert!(
            v.iter()
                .any(|v| v.field == f && v.kind == Kind::MissingField),
            "{f}: {v:?}"
        );
    }
    // The malformed-JSON fault of a fake: a 200 that is not JSON is a violation.
    crate::support::faults(
        &h.app,
        "oura",
        vital_link::fake::faults::Faults {
            malformed_json: true,
            ..Default::default()
        },
    );
    let _ = reqwest::Client::new()
        .get(format!("{base}/v2/usercollection/personal_info"))
        .bearer_auth(&ctx.access_token)
        .send()
        .await
        .unwrap();
    let v = take_violations(&h.app);
    assert!(v.iter().any(|v| v.kind == Kind::NotJson), "{v:?}");
    // And `assert_clean` fails the test naming the field.
    let _ = reqwest::Client::new()
        .get(format!("{base}/v2/usercollection/workout"))
        .bearer_auth(&ctx.access_token)
        .query(&[("start_date", "2026-11-10"), ("limit", "5")])
        .send()
        .await
        .unwrap();
    let app = h.app.clone();
    let failed = std::thread::spawn(move || assert_clean(&app))
        .join()
        .unwrap_err();
    let msg = failed.downcast_ref::<String>().unwrap();
    assert!(msg.contains("`limit`"), "{msg}");
}
