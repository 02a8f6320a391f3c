use serde_json::json;

use super::*;

const TOY: &str = r#"{
  "provider": "toy",
  "source": {"kind": "openapi", "url": "https://example.invalid/openapi.json", "version": "1"},
  "aliases": [["/sandbox/v1/", "/v1/"]],
  "error_bodies": {"fault": {"fields": [{"path": "message", "type": "string", "required": true}]}},
  "routes": [
    {"id": "items.list", "method": "GET", "path": "/v1/items",
     "params": [
       {"name": "start_date", "type": "string", "format": "date", "required": true},
       {"name": "start_datetime", "type": "string", "format": "date-time"},
       {"name": "after", "type": "integer", "format": "epoch-seconds"},
       {"name": "kind", "type": "string", "enum": ["a", "b"]},
       {"name": "keys", "type": "string", "format": "csv", "enum": ["time", "heartrate"]}
     ],
     "response": {"fields": [
       {"path": "data", "type": "array", "required": true},
       {"path": "data[]", "type": "object"},
       {"path": "data[].id", "type": "string", "required": true},
       {"path": "data[].score", "type": "integer", "nullable": true},
       {"path": "data[].type", "type": "string", "enum": ["long_sleep", "rest"]},
       {"path": "data[].day", "type": "string", "format": "date", "required": true},
       {"path": "data[].extra", "type": "object"},
       {"path": "next_token", "type": "string", "nullable": true}
     ], "open": ["data[].extra"]},
     "errors": [{"status": 401, "body_ref": "fault"}, {"status": 429}]},
    {"id": "items.one", "method": "GET", "path": "/v1/items/{item_id}",
     "params": [{"name": "item_id", "in": "path", "type": "integer", "required": true}],
     "response": {"fields": [{"path": "id", "type": "string", "required": true}]}},
    {"id": "m.get", "method": "POST", "path": "/m", "discriminator": {"name": "action", "value": "get"},
     "params": [{"name": "startdate", "in": "form", "type": "integer", "required": true, "unless": ["lastupdate"]},
                {"name": "lastupdate", "in": "form", "type": "integer"}],
     "response": {"fields": [{"path": "status", "type": "integer", "required": true}]}},
    {"id": "list.root", "method": "GET", "path": "/v1/list",
     "response": {"fields": [{"path": "[]", "type": "object"}, {"path": "[].id", "type": "integer", "required": true}]}}
  ]
}"#;

fn toy() -> Contract {
    Contract::from_json(TOY).unwrap()
}

fn kinds(v: &[Violation]) -> Vec<(String, Kind)> {
    v.iter()
        .map(|v| (v.field.clone(), v.kind.clone()))
        .collect()
}

#[test]
fn a_correct_request_passes() {
    let c = toy();
    let v = c.check_request(
        "GET",
        "/v1/items",
        &[
            ("start_date", "2024-10-10"),
            ("start_datetime", "2024-10-10T00:00:00+02:00"),
            ("keys", "time,heartrate"),
        ],
    );
    assert!(v.is_empty(), "{v:?}");
    // The sandbox alias is checked as the route it stands for.
    assert!(c
        .check_request("GET", "/sandbox/v1/items", &[("start_date", "2024-10-10")])
        .is_empty());
}

#[test]
fn an_undocumented_parameter_fails_naming_it() {
    let v = toy().check_request(
        "GET",
        "/v1/items",
        &[("start_date", "2024-10-10"), ("page", "2")],
    );
    assert_eq!(
        kinds(&v),
        vec![("page".into(), Kind::UndocumentedParameter)]
    );
    assert_eq!(v[0].route, "GET /v1/items");
    assert!(v[0].to_string().contains("`page`"));
}

#[test]
fn wrong_types_formats_enums_and_missing_parameters_fail() {
    let c = toy();
    let v = c.check_request(
        "GET",
        "/v1/items",
        &[
            ("start_datetime", "2024-10-10"),
            ("after", "yesterday"),
            ("kind", "c"),
            ("keys", "time,watts"),
        ],
    );
    assert_eq!(
        kinds(&v),
        vec![
            ("start_datetime".into(), Kind::WrongParameterFormat),
            ("after".into(), Kind::WrongParameterType),
            ("kind".into(), Kind::ParameterOutsideEnum),
            ("keys".into(), Kind::ParameterOutsideEnum),
            ("start_date".into(), Kind::MissingParameter),
        ]
    );
    let v = c.check_request("GET", "/v1/items/abc", &[]);
    assert_eq!(
        kinds(&v),
        vec![("item_id".into(), Kind::WrongParameterType)]
    );
}

#[test]
fn unknown_routes_fail() {
    let c = toy();
    assert_eq!(
        kinds(&c.check_request("GET", "/v1/nothing", &[])),
        vec![("".into(), Kind::UnknownRoute)]
    );
    assert_eq!(
        kinds(&c.check_request("DELETE", "/v1/items", &[])),
        vec![("".into(), Kind::UnknownRoute)]
    );
    // A discriminated route needs its discriminator.
    assert_eq!(
        kinds(&c.check_request("POST", "/m", &[("action", "other")])),
        vec![("".into(), Kind::UnknownRoute)]
    );
}

#[test]
fn discriminated_routes_and_alternatives() {
    let c = toy();
    assert!(c
        .check_request("POST", "/m", &[("action", "get"), ("startdate", "1")])
        .is_empty());
    assert!(c
        .check_request("POST", "/m", &[("action", "get"), ("lastupdate", "1")])
        .is_empty());
    assert_eq!(
        kinds(&c.check_request("POST", "/m", &[("action", "get")])),
        vec![("startdate".into(), Kind::MissingParameter)]
    );
}

#[test]
fn a_correct_response_passes() {
    let c = toy();
    let body = json!({"data": [{"id": "x", "score": null, "type": "rest", "day": "2024-10-10", "extra": {"anything": 1}}], "next_token": null});
    assert!(c
        .check_response("GET", "/v1/items", &[], 200, &body)
        .is_empty());
    assert!(c
        .check_response("GET", "/v1/list", &[], 200, &json!([{"id": 1}]))
        .is_empty());
    assert!(c
        .check_response("GET", "/v1/items", &[], 401, &json!({"message": "no"}))
        .is_empty());
    // A documented status without a documented body: nothing to check.
    assert!(c
        .check_response("GET", "/v1/items", &[], 429, &json!("whatever"))
        .is_empty());
}

#[test]
fn a_response_missing_a_required_field_fails_naming_it() {
    let c = toy();
    let body = json!({"data": [{"id": "x", "day": "2024-10-10"}, {"id": "y"}]});
    let v = c.check_response("GET", "/v1/items", &[], 200, &body);
    assert_eq!(kinds(&v), vec![("data[].day".into(), Kind::MissingField)]);
    let v = c.check_response("GET", "/v1/list", &[], 200, &json!([{"name": 1}]));
    assert_eq!(
        kinds(&v),
        vec![
            ("[].id".into(), Kind::MissingField),
            ("[].name".into(), Kind::UndocumentedField)
        ]
    );
    let v = c.check_response("GET", "/v1/items", &[], 200, &json!({}));
    assert_eq!(kinds(&v), vec![("data".into(), Kind::MissingField)]);
}

#[test]
fn wrong_types_enums_nulls_and_undocumented_fields_fail() {
    let c = toy();
    let body = json!({"data": [{"id": 7, "type": "nap", "day": "10/10/2024", "calories": 5}], "next_token": 3});
    let v = c.check_response("GET", "/v1/items", &[], 200, &body);
    assert_eq!(
        kinds(&v),
        vec![
            ("data[].id".into(), Kind::WrongType),
            ("data[].type".into(), Kind::OutsideEnum),
            ("data[].day".into(), Kind::WrongFormat),
            ("data[].calories".into(), Kind::UndocumentedField),
            ("next_token".into(), Kind::WrongType),
        ]
    );
    let v = c.check_response(
        "GET",
        "/v1/items",
        &[],
        200,
        &json!({"data": [{"id": null, "day": "2024-10-10"}]}),
    );
    assert_eq!(kinds(&v), vec![("data[].id".into(), Kind::NullNotAllowed)]);
    let v = c.check_response("GET", "/v1/items", &[], 500, &json!({}));
    assert_eq!(kinds(&v), vec![("".into(), Kind::UndocumentedStatus)]);
    let v = c.check_response("GET", "/v1/items", &[], 401, &json!({"detail": "no"}));
    assert_eq!(
        kinds(&v),
        vec![
            ("message".into(), Kind::MissingField),
            ("detail".into(), Kind::UndocumentedField)
        ]
    );
}

#[test]
fn formats() {
    assert!(format_ok("date", "2024-02-29"));
    assert!(!format_ok("date", "2024-2-29"));
    assert!(!format_ok("date", "2024-02-29T00:00:00Z"));
    assert!(format_ok("date-time", "2024-10-10T01:01:59+02:00"));
    assert!(format_ok("date-time", "2024-10-10T01:01:59.000Z"));
    assert!(!format_ok("date-time", "2024-10-10T01:01:59"));
    assert!(!format_ok("date-time", "2024-10-10"));
    assert!(format_ok("date-time-local", "2024-10-10T01:01:59"));
    assert!(format_ok("date-time-local", "2024-10-10T01:01:59.123"));
    assert!(format_ok("epoch-seconds", "1717970400"));
    assert!(!format_ok("epoch-seconds", "1717970400000"));
    assert!(format_ok("date|date-time", "2024-10-10"));
    assert!(format_ok("csv", "a,b"));
    assert!(!format_ok("csv", "a,,b"));
}

#[test]
fn rules_are_counted() {
    let c = toy();
    assert!(c.rule_count() > 30, "{}", c.rule_count());
}

mod published;
