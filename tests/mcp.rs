//! The MCP face as an assistant meets it: the protocol over a byte stream (newline-delimited
//! JSON-RPC, as over stdio), scoped participants, sized answers, clear errors, no secrets.
//! The official Python SDK and the inspector drive the real `vital-link mcp` binary in
//! tests/mcp/run.sh.
mod common;

use std::sync::Arc;

use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use vital_link::explore::Scope;
use vital_link::sandbox_browser::{complete, Choice};
use vital_link::App;

struct Session {
    write: tokio::io::WriteHalf<tokio::io::DuplexStream>,
    read: BufReader<tokio::io::ReadHalf<tokio::io::DuplexStream>>,
    next: u64,
}

impl Session {
    async fn open(app: Arc<App>, scope: Scope, allow_raw: bool) -> Session {
        let (client, server) = tokio::io::duplex(1 << 22);
        let (sr, sw) = tokio::io::split(server);
        tokio::spawn(vital_link::mcp::serve_io(app, scope, allow_raw, sr, sw));
        let (r, w) = tokio::io::split(client);
        let mut s = Session {
            write: w,
            read: BufReader::new(r),
            next: 0,
        };
        let init = s
            .request("initialize", json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}))
            .await;
        assert_eq!(init["result"]["serverInfo"]["name"], "vital-link", "{init}");
        s.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        s
    }

    async fn send(&mut self, msg: Value) {
        let mut line = msg.to_string();
        line.push('\n');
        self.write.write_all(line.as_bytes()).await.unwrap();
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(
                std::time::Duration::from_secs(30),
                self.read.read_line(&mut line),
            )
            .await
            .expect("the server answers within 30 s")
            .unwrap();
            assert!(n > 0, "the server closed the stream");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["id"] == json!(id) {
                return v;
            }
        }
    }

    /// A tool's structured answer, and whether it is an error.
    async fn call(&mut self, tool: &str, args: Value) -> (Value, bool) {
        let v = self
            .request("tools/call", json!({"name": tool, "arguments": args}))
            .await;
        let r = &v["result"];
        assert!(r.is_object(), "{tool}: {v}");
        (r["structuredContent"].clone(), r["isError"] == json!(true))
    }

    async fn tools(&mut self) -> Vec<String> {
        let v = self.request("tools/list", json!({})).await;
        v["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    }
}

async fn connect(h: &Harness, who: &str) -> String {
    let _port = port_lock("oura").await;
    let (token, url) = begin_link(&h.app, who).await;
    complete(&url, &Choice::default()).await.unwrap();
    assert_eq!(settle(&h.app, &token).await.state.as_str(), "success");
    h.app.wait_background().await;
    h.app.store.user_by_client_id(who).unwrap().user_id
}

#[tokio::test]
async fn a_scoped_server_shows_only_its_participants_and_no_secret() {
    let h = start(14).await;
    let alice = connect(&h, "alice").await;
    let bob = connect(&h, "bob").await;
    let mut s = Session::open(
        h.app.clone(),
        Scope {
            participants: vec!["alice".into()],
            cohort: None,
        },
        false,
    )
    .await;
    assert!(
        !s.tools().await.contains(&"get_raw".to_string()),
        "raw payloads are not offered without --allow-raw"
    );

    let (listed, _) = s.call("list_participants", json!({})).await;
    let ids: Vec<&str> = listed["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![alice.as_str()]);
    assert!(
        listed["participants"][0]["days_covered"].as_u64().unwrap() >= 7,
        "{listed}"
    );

    // Bob is invisible: by id, by client id, and indistinguishable from someone who does not exist.
    let (by_id, err1) = s
        .call(
            "get_sleep",
            json!({"participant": bob, "from": "last 7 days"}),
        )
        .await;
    let (by_name, err2) = s
        .call(
            "get_timeseries",
            json!({"participant": "bob", "metric": "heartrate", "from": "last 7 days"}),
        )
        .await;
    let (nobody, err3) = s
        .call(
            "get_sleep",
            json!({"participant": "nobody", "from": "last 7 days"}),
        )
        .await;
    assert!(err1 && err2 && err3);
    assert_eq!(by_id["error"], "user_not_found");
    assert_eq!(by_name["error"], nobody["error"]);
    let (cmp, err) = s.call("compare", json!({"a": {"participant": "alice", "from": "last 7 days"}, "b": {"participant": "bob", "from": "last 7 days"}})).await;
    assert!(err && cmp["error"] == "user_not_found", "{cmp}");

    let mut outputs = vec![listed];
    for (tool, args) in [
        (
            "get_sleep",
            json!({"participant": "alice", "from": "last 14 days"}),
        ),
        (
            "get_activity",
            json!({"participant": "alice", "from": "last 14 days"}),
        ),
        (
            "get_workouts",
            json!({"participant": "alice", "from": "last 14 days"}),
        ),
        (
            "get_body",
            json!({"participant": "alice", "from": "last 14 days"}),
        ),
        (
            "get_timeseries",
            json!({"participant": "alice", "metric": "heartrate", "from": "last 14 days"}),
        ),
        (
            "get_coverage",
            json!({"participant": "alice", "from": "last 14 days"}),
        ),
        (
            "compare",
            json!({"a": {"participant": "alice", "from": "last 14 days", "to": "8 days ago"}, "b": {"participant": "alice", "from": "last 7 days"}}),
        ),
    ] {
        let (v, err) = s.call(tool, args).await;
        assert!(!err, "{tool}: {v}");
        outputs.push(v);
    }
    let sleep = &outputs[1];
    assert!(sleep["count"].as_u64().unwrap() >= 7, "{sleep}");
    let hr = &outputs[5];
    assert!(
        hr["points"].as_u64().unwrap() <= 500 && hr["resolution"].is_string(),
        "{hr}"
    );
    let coverage = &outputs[6];
    assert!(
        coverage["resources"]["sleep"]["days"].as_u64().unwrap() >= 7,
        "{coverage}"
    );
    assert!(
        coverage["days_with_any_data"].as_u64() <= coverage["days_in_range"].as_u64(),
        "a day outside the range: {coverage}"
    );
    let compare = &outputs[7];
    assert!(
        compare["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["metric"] == "sleep_hours" && m["a"].is_number() && m["b"].is_number()),
        "{compare}"
    );

    // With --allow-raw the payloads are offered, and still carry no token.
    let mut raw = Session::open(h.app.clone(), Scope::default(), true).await;
    assert!(raw.tools().await.contains(&"get_raw".to_string()));
    let (payloads, err) = raw
        .call(
            "get_raw",
            json!({"participant": "alice", "resource": "sleep", "from": "last 14 days"}),
        )
        .await;
    assert!(
        !err && payloads["sleep"].as_array().is_some_and(|a| !a.is_empty()),
        "{payloads}"
    );
    outputs.push(payloads);
    let resources = raw.request("resources/list", json!({})).await;
    let uris: Vec<String> = resources["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap().to_string())
        .collect();
    assert!(
        uris.contains(&format!("vital-link://participants/{alice}/profile")),
        "{uris:?}"
    );
    let dictionary = raw
        .request(
            "resources/read",
            json!({"uri": "vital-link://data-dictionary"}),
        )
        .await;
    assert!(dictionary["result"]["contents"][0]["text"]
        .as_str()
        .unwrap()
        .contains("\"heartrate\""));
    outputs.push(dictionary);

    let dump = serde_json::to_string(&outputs).unwrap();
    let mut secrets = vec![
        h.app.api_key().unwrap(),
        vital_link::fake::oura::CLIENT_SECRET.to_string(),
    ];
    for u in [&alice, &bob] {
        let conn = h.app.store.connection_for(u, "oura").unwrap().unwrap();
        let t = h.app.store.tokens(&h.app.vault, conn.id).unwrap();
        secrets.push(t.access_token.clone());
        secrets.extend(t.refresh_token.clone());
    }
    for secret in &secrets {
        assert!(
            !dump.contains(secret.as_str()),
            "a tool answer holds a secret ({}…)",
            &secret[..4]
        );
    }
    assert!(!dump.contains(&bob), "bob's id leaked into alice's answers");

    // Every call is in the event log: tool, arguments, size (or the error).
    let events = h.app.events(500).unwrap();
    let calls: Vec<_> = events.iter().filter(|e| e.kind == "mcp_call").collect();
    assert!(calls.len() >= 12, "{} mcp_call events", calls.len());
    assert!(calls
        .iter()
        .any(|e| e.detail["tool"] == "get_timeseries" && e.detail["bytes"].as_u64().unwrap() > 0));
    assert!(calls
        .iter()
        .any(|e| e.detail["tool"] == "get_sleep" && e.detail["error"] == "user_not_found"));
}

#[tokio::test]
async fn bad_input_gets_an_error_that_says_what_is_valid_and_the_server_keeps_answering() {
    let h = start(3).await;
    h.app.store.create_user("carol").unwrap();
    let mut s = Session::open(h.app.clone(), Scope::default(), false).await;
    for (args, says) in [
        (
            json!({"participant": "carol", "metric": "pulse", "from": "last 7 days"}),
            "use one of heartrate",
        ),
        (
            json!({"participant": "carol", "metric": "heartrate", "from": "2026-02-01", "to": "2026-01-01"}),
            "reversed",
        ),
        (
            json!({"participant": "carol", "metric": "heartrate", "from": "1926-01-01", "to": "2026-01-01"}),
            "at most",
        ),
        (
            json!({"participant": "carol", "metric": "heartrate", "from": "next tuesday"}),
            "YYYY-MM-DD",
        ),
        (
            json!({"participant": "carol", "metric": "heartrate", "from": "last 7 days", "resolution": "fortnight"}),
            "auto, raw",
        ),
    ] {
        let (v, err) = s.call("get_timeseries", args.clone()).await;
        assert!(err, "{args}: {v}");
        assert!(v["message"].as_str().unwrap().contains(says), "{args}: {v}");
    }
    // A call that does not match the tool's schema is refused by the protocol layer, not a panic.
    let v = s
        .request(
            "tools/call",
            json!({"name": "get_sleep", "arguments": {"from": 7}}),
        )
        .await;
    assert!(
        v["error"].is_object() || v["result"]["isError"] == json!(true),
        "{v}"
    );
    let (listed, err) = s.call("list_participants", json!({})).await;
    assert!(!err && listed["participants"][0]["client_user_id"] == "carol");
}

#[tokio::test]
async fn a_year_of_five_minute_heart_rate_fits_the_budget_and_says_its_resolution() {
    let h = start(3).await;
    let user = h.app.store.create_user("dave").unwrap();
    h.app.receive_connection(&user.user_id, "oura").unwrap();
    let conn = h
        .app
        .store
        .connection_for(&user.user_id, "oura")
        .unwrap()
        .unwrap();
    let today = now().date_naive();
    let first = today - chrono::Duration::days(364);
    let start_ms = first
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let samples: Vec<_> = (0..365 * 288)
        .map(|i| vital_link::model::Sample {
            metric: "heartrate",
            ts: start_ms + i * 300_000,
            end_ts: None,
            value: 55.0 + (i % 40) as f64,
            unit: "bpm",
            tz_offset: Some(3600),
            source_type: None,
        })
        .collect();
    let n = samples.len();
    h.app
        .store
        .write_page(vital_link::store::readings::Page {
            connection_id: conn.id,
            resource: "heartrate".into(),
            user_id: user.user_id.clone(),
            provider: "oura".into(),
            raw: vec![],
            summaries: vec![],
            samples,
            cursor: None,
            daily: false,
            window: None,
        })
        .unwrap();
    let mut s = Session::open(h.app.clone(), Scope::default(), false).await;
    let (v, err) = s.call("get_timeseries", json!({"participant": "dave", "metric": "heartrate", "from": first.to_string(), "to": today.to_string()})).await;
    assert!(!err, "{v}");
    assert_eq!(v["resolution"], "day", "{}", v["resolution_reason"]);
    assert!(v["points"].as_u64().unwrap() <= v["budget_points"].as_u64().unwrap());
    assert!(
        v["resolution_reason"]
            .as_str()
            .unwrap()
            .contains(&format!("{n} samples")),
        "{}",
        v["resolution_reason"]
    );
    let points = v["series"][0]["points"].as_array().unwrap();
    let counted: u64 = points.iter().map(|p| p["count"].as_u64().unwrap()).sum();
    assert_eq!(counted as usize, n, "every sample is in exactly one bucket");
    let bytes = v.to_string().len();
    eprintln!(
        "a year of 5-minute heart rate: {n} samples -> {} {} points, {bytes} bytes",
        v["points"], v["resolution"]
    );
    assert!(bytes < 100_000, "{bytes} bytes");
    // Asked for raw, a year is refused with what to do instead.
    let (v, err) = s.call("get_timeseries", json!({"participant": "dave", "metric": "heartrate", "from": first.to_string(), "resolution": "raw"})).await;
    assert!(
        err && v["message"]
            .as_str()
            .unwrap()
            .contains("coarser resolution"),
        "{v}"
    );
}
