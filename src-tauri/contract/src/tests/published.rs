//! The contracts in tests/contracts/ themselves.
use serde_json::{json, Value};

use crate::*;

#[test]
fn every_contract_loads_and_states_rules() {
    let mut total = 0;
    for slug in SLUGS {
        let c = Contract::load(slug).unwrap_or_else(|e| panic!("{slug}: {e}"));
        assert_eq!(c.provider, *slug);
        assert!(!c.routes.is_empty(), "{slug}: no routes");
        assert!(
            c.source.url.is_some() || !c.source.pages.is_empty(),
            "{slug}: no source"
        );
        println!(
            "{slug}: {} routes, {} rules ({})",
            c.routes.len(),
            c.rule_count(),
            c.source.kind
        );
        total += c.rule_count();
    }
    println!("total: {total} rules");
}

#[test]
fn every_published_example_passes_its_contract() {
    let mut checked = 0;
    for slug in SLUGS {
        let c = Contract::load(slug).unwrap();
        for r in &c.routes {
            if let Some(ex) = &r.response.body.example {
                let v = c.check_body_of(&r.id, ex);
                assert!(v.is_empty(), "{slug} {}: {:#?}", r.id, v);
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "only {checked} examples");
}

fn example(slug: &str, id: &str) -> (Contract, Value) {
    let c = Contract::load(slug).unwrap();
    let ex = c
        .routes
        .iter()
        .find(|r| r.id == id)
        .and_then(|r| r.response.body.example.clone())
        .unwrap();
    (c, ex)
}

#[test]
fn an_undocumented_parameter_to_a_real_route_fails_naming_it() {
    let c = Contract::load("oura").unwrap();
    let ok = c.check_request(
        "GET",
        "/v2/usercollection/sleep",
        &[("start_date", "2024-10-01"), ("end_date", "2024-10-31")],
    );
    assert!(ok.is_empty(), "{ok:?}");
    let v = c.check_request(
        "GET",
        "/v2/usercollection/sleep",
        &[("start_date", "2024-10-01"), ("limit", "10")],
    );
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        (v[0].field.as_str(), &v[0].kind),
        ("limit", &Kind::UndocumentedParameter)
    );
    assert_eq!(v[0].route, "GET /v2/usercollection/sleep");
    // The sandbox prefix is the same route.
    assert!(c
        .check_request(
            "GET",
            "/v2/sandbox/usercollection/sleep",
            &[("start_date", "2024-10-01")]
        )
        .is_empty());
    // Heart rate takes date-times: a date is the wrong format, `start_date` is not its parameter.
    let v = c.check_request(
        "GET",
        "/v2/usercollection/heartrate",
        &[
            ("start_datetime", "2024-10-01"),
            ("start_date", "2024-10-01"),
        ],
    );
    let kinds: Vec<_> = v
        .iter()
        .map(|v| (v.field.as_str(), v.kind.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("start_datetime", Kind::WrongParameterFormat),
            ("start_date", Kind::UndocumentedParameter)
        ]
    );
}

#[test]
fn a_published_example_missing_a_required_field_fails_naming_it() {
    let (c, mut ex) = example("oura", "daily_sleep.list");
    ex["data"][0].as_object_mut().unwrap().remove("day");
    let v = c.check_response("GET", "/v2/usercollection/daily_sleep", &[], 200, &ex);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        (v[0].field.as_str(), &v[0].kind),
        ("data[].day", &Kind::MissingField)
    );
    let (c, mut ex) = example("whoop_v2", "recovery.list");
    ex["records"][0]["score"]
        .as_object_mut()
        .unwrap()
        .remove("recovery_score");
    ex["records"][0]["score_state"] = json!("PENDING");
    let v = c.check_response("GET", "/developer/v2/recovery", &[], 200, &ex);
    let kinds: Vec<_> = v
        .iter()
        .map(|v| (v.field.as_str(), v.kind.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("records[].score_state", Kind::OutsideEnum),
            ("records[].score.recovery_score", Kind::MissingField)
        ]
    );
}

#[test]
fn strava_lists_carry_kilojoules_not_calories() {
    let (c, ex) = example("strava", "athlete.activities");
    assert!(c
        .check_response("GET", "/api/v3/athlete/activities", &[], 200, &ex)
        .is_empty());
    let mut with_calories = ex.clone();
    with_calories[0]["calories"] = json!(612.0);
    let v = c.check_response(
        "GET",
        "/api/v3/athlete/activities",
        &[],
        200,
        &with_calories,
    );
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        (v[0].field.as_str(), &v[0].kind),
        ("[].calories", &Kind::UndocumentedField)
    );
    // The detailed activity documents it.
    let r = c.routes.iter().find(|r| r.id == "activity.get").unwrap();
    assert!(r.response.body.fields.iter().any(|f| f.path == "calories"));
}

#[test]
fn withings_routes_are_told_apart_by_action_and_statuses_by_family() {
    let c = Contract::load("withings").unwrap();
    let q = [
        ("action", "getworkouts"),
        ("startdateymd", "2024-06-01"),
        ("enddateymd", "2024-06-30"),
    ];
    assert!(c.check_request("POST", "/v2/measure", &q).is_empty());
    let v = c.check_request("POST", "/v2/measure", &[("action", "getnothing")]);
    assert_eq!(v[0].kind, Kind::UnknownRoute);
    // getsummary: `offset` is not in the document but confirmed by Withings (kept, marked unverified).
    let q = [
        ("action", "getsummary"),
        ("startdateymd", "2024-06-01"),
        ("enddateymd", "2024-06-07"),
        ("offset", "10"),
    ];
    assert!(c.check_request("POST", "/v2/sleep", &q).is_empty());
    let r = c.route_for("POST", "/v2/sleep", &q).unwrap();
    assert!(r
        .params
        .iter()
        .any(|p| p.name == "offset" && p.unverified.is_some()));
    // A data field the document does not list is refused.
    let v = c.check_request(
        "POST",
        "/v2/sleep",
        &[
            ("action", "getsummary"),
            ("startdateymd", "2024-06-01"),
            ("enddateymd", "2024-06-07"),
            ("data_fields", "hr_average,sleep_stages"),
        ],
    );
    assert_eq!(
        (v[0].field.as_str(), &v[0].kind),
        ("data_fields", &Kind::ParameterOutsideEnum)
    );
    for code in [501, 505, 511, 523, 532] {
        assert_eq!(c.status_family(code), Some("Invalid params"), "{code}");
    }
    assert_eq!(c.status_family(522), Some("Timeout"));
    assert_eq!(c.status_family(601), Some("Too many request"));
    assert_eq!(c.status_family(401), Some("Authentication failed"));
}

#[test]
fn polar_paths_are_compared_as_written() {
    let c = Contract::load("polar").unwrap();
    assert!(c
        .check_request(
            "GET",
            "/v3/users/activities",
            &[("from", "2024-06-01"), ("to", "2024-06-28")]
        )
        .is_empty());
    let v = c.check_request("GET", "/v3/users/activities/", &[("from", "2024-06-01")]);
    assert_eq!(v[0].kind, Kind::UnknownRoute, "{v:?}");
}

#[test]
fn whoop_pages_hold_at_most_25() {
    let c = Contract::load("whoop_v2").unwrap();
    let q = |n: &'static str| {
        vec![
            ("limit", n),
            ("start", "2024-06-01T00:00:00.000Z"),
            ("end", "2024-07-01T00:00:00.000Z"),
        ]
    };
    assert!(c
        .check_request("GET", "/developer/v2/activity/sleep", &q("25"))
        .is_empty());
    let v = c.check_request("GET", "/developer/v2/activity/sleep", &q("26"));
    assert_eq!(v[0].field, "limit", "{v:?}");
}
