//! The Action Target API client through real HTTP on loopback against a small fake of the vendor,
//! which records every request it sees: what each endpoint sends and reads, which failures are
//! retried and which never are, and the words staff see for each failure.

use axum::Router;
use axum::extract::{Json, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rangedesk_core::testing::action_target_api::{ApiConfig, AtError, Client, NewSession};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The fake serves under the same kind of path prefix as the real base URL, so the client is
/// shown to keep the base's path rather than replace it.
const PREFIX: &str = "/api/v2/pos";
const KEY: &str = "test-key-123";

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
}

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Seen>>>);

impl Log {
    fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

async fn record(State(log): State<Log>, req: Request, next: Next) -> Response {
    log.0.lock().unwrap().push(Seen {
        method: req.method().to_string(),
        path: req.uri().path().to_owned(),
        query: req.uri().query().map(str::to_owned),
        headers: req.headers().clone(),
    });
    next.run(req).await
}

/// Serves `routes` (paths relative to [`PREFIX`]) on 127.0.0.1:0; answers the base URL to give the
/// client and the log of requests.
async fn fake(routes: Router) -> (String, Log) {
    let log = Log::default();
    let app = Router::new().nest(PREFIX, routes).layer(middleware::from_fn_with_state(log.clone(), record));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}{PREFIX}"), log)
}

fn config(base: &str) -> ApiConfig {
    ApiConfig {
        base: base.to_owned(),
        api_key: KEY.into(),
        auth_header: "Authorization".into(),
        timeout: Duration::from_secs(2),
    }
}

fn client(base: &str) -> Client {
    Client::new(config(base)).unwrap()
}

fn session_json(id: &str) -> Value {
    json!({"session_id": id, "lane_id": "lane-1", "group_id": "g-1", "duration": 60,
           "began_at": null, "created_at": "2026-11-24T09:00:00Z", "enable_purchasing": true,
           "customer_name": "Dana", "a_field_from_next_year": {"x": 1}})
}

fn new_session() -> NewSession {
    NewSession {
        customer_name: "Dana".into(),
        lane_id: "lane-1".into(),
        group_id: "g-1".into(),
        duration: 60,
        enable_purchasing: true,
        auto_start: false,
    }
}

fn assert_keyed(seen: &[Seen]) {
    for s in seen {
        assert_eq!(
            s.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some(format!("Bearer {KEY}").as_str()),
            "{} {}: every call carries the key as integrations.md decides",
            s.method,
            s.path
        );
    }
}

#[tokio::test]
async fn lanes_bays_and_groups_are_read_in_order_with_the_key() {
    let lanes = json!([
        {"lane_id": "l-9", "bay_id": "b-1", "readable_name": "Lane 9", "is_accessible": true, "is_usable": true},
        {"lane_id": "l-2", "bay_id": null, "readable_name": "Lane 2", "is_accessible": false, "is_usable": true,
         "firmware": "4.1"},
        {"lane_id": "l-5", "readable_name": "Lane 5", "is_accessible": true, "is_usable": false},
    ]);
    let routes = Router::new()
        .route("/lanes", get(move || async move { Json(lanes) }))
        .route("/bays", get(|| async { Json(json!([{"bay_id": "b-1", "name": "Pistol bay"}])) }))
        .route("/groups", get(|| async { Json(json!([{"id": "g-1", "name": "Everyone"}])) }));
    let (base, log) = fake(routes).await;
    let c = client(&base);

    let lanes = c.lanes().await.unwrap();
    let ids: Vec<_> = lanes.iter().map(|l| l.lane_id.as_str()).collect();
    assert_eq!(ids, ["l-9", "l-2", "l-5"], "the vendor's display order is the board's order; never sorted");
    assert_eq!(lanes[1].bay_id, None, "a null bay is a lane without a bay");
    assert_eq!(lanes[2].bay_id, None, "an absent bay too");
    assert!(!lanes[2].is_usable && !lanes[1].is_accessible, "flags are read, not defaulted");
    assert_eq!(c.bays().await.unwrap()[0].name, "Pistol bay");
    assert_eq!(c.groups().await.unwrap()[0].id, "g-1");

    let seen = log.all();
    let paths: Vec<_> = seen.iter().map(|s| (s.method.as_str(), s.path.as_str())).collect();
    let want = [("GET", "/api/v2/pos/lanes"), ("GET", "/api/v2/pos/bays"), ("GET", "/api/v2/pos/groups")];
    assert_eq!(paths, want, "one request each, under the base URL's own path");
    assert_keyed(&seen);
}

#[tokio::test]
async fn the_configured_header_name_carries_the_key() {
    let routes = Router::new().route("/groups", get(|| async { Json(json!([])) }));
    let (base, log) = fake(routes).await;
    let c = Client::new(ApiConfig { auth_header: "X-Api-Key".into(), ..config(&base) }).unwrap();
    c.groups().await.unwrap();
    let seen = &log.all()[0];
    assert_eq!(
        seen.headers.get("x-api-key").unwrap(),
        &format!("Bearer {KEY}"),
        "the header is configurable because Action Target does not document it"
    );
    assert!(seen.headers.get("authorization").is_none(), "the key goes in one header only");
}

#[tokio::test]
async fn sessions_are_listed_and_read_one_by_one() {
    let routes = Router::new()
        .route(
            "/sessions",
            get(|| async { Json(json!([session_json("s-1"), {"session_id": "s-2", "lane_id": "l", "duration": 30}])) }),
        )
        .route(
            "/sessions/{id}",
            get(|Path(id): Path<String>| async move {
                if id == "s-1" {
                    Json(session_json("s-1")).into_response()
                } else {
                    (StatusCode::NOT_FOUND, Json(json!({"error": "no such session"}))).into_response()
                }
            }),
        );
    let (base, log) = fake(routes).await;
    let c = client(&base);

    let all = c.sessions().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].customer_name.as_deref(), Some("Dana"));
    assert!(all[0].enable_purchasing);
    let bare = &all[1];
    assert_eq!(
        (bare.began_at.as_deref(), bare.minutes_remaining, bare.group_id.as_deref(), bare.enable_purchasing),
        (None, None, None, false),
        "a session the shooter has not entered yet leaves these out, and that is no error"
    );

    let one = c.session("s-1").await.unwrap().unwrap();
    assert_eq!((one.session_id.as_str(), one.duration), ("s-1", 60));
    assert_eq!(c.session("gone").await.unwrap(), None, "404 is an answer: the session is over, not a failure");
    assert_eq!(log.count(), 3, "a 404 is not retried");
    assert_eq!(log.all()[2].path, "/api/v2/pos/sessions/gone");
    assert_keyed(&log.all());
}

#[tokio::test]
async fn create_posts_the_session_and_reads_the_answer() {
    let body = Arc::new(Mutex::new(Value::Null));
    let got = body.clone();
    let routes = Router::new().route(
        "/sessions",
        post(move |Json(v): Json<Value>| async move {
            *got.lock().unwrap() = v;
            Json(session_json("s-new"))
        }),
    );
    let (base, log) = fake(routes).await;
    let c = client(&base);

    let made = c.create_session(&new_session()).await.unwrap();
    assert_eq!(made.session_id, "s-new", "the vendor's id is the one we track");
    assert_eq!(
        *body.lock().unwrap(),
        json!({"customer_name": "Dana", "lane_id": "lane-1", "group_id": "g-1", "duration": 60,
               "enable_purchasing": true, "auto_start": false}),
        "the documented POST /sessions fields, exactly"
    );
    let seen = log.all();
    assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("POST", "/api/v2/pos/sessions"));
    assert_eq!(seen[0].headers.get("content-type").unwrap(), "application/json");
    assert_keyed(&seen);
}

#[tokio::test]
async fn create_is_checked_before_anything_is_sent() {
    let (base, log) = fake(Router::new().route("/sessions", post(|| async { Json(session_json("s")) }))).await;
    let c = client(&base);
    for (bad, why) in [
        (NewSession { duration: 0, ..new_session() }, "1 to 480"),
        (NewSession { duration: 481, ..new_session() }, "1 to 480"),
        (NewSession { customer_name: "  ".into(), ..new_session() }, "customer name"),
        (NewSession { lane_id: String::new(), ..new_session() }, "no lane"),
    ] {
        let e = c.create_session(&bad).await.unwrap_err();
        assert_eq!(e.code(), "refused");
        assert!(e.to_string().contains(why), "staff read what to fix: {e}");
    }
    assert_eq!(log.count(), 0, "a session that cannot be valid never reaches the lanes");
    for edge in [1, 480] {
        c.create_session(&NewSession { duration: edge, ..new_session() }).await.unwrap();
    }
    assert_eq!(log.count(), 2, "1 and 480 minutes are inside the vendor's range");
}

#[tokio::test]
async fn modify_sends_signed_minutes_and_stop_posts() {
    let times = Arc::new(Mutex::new(Vec::new()));
    let got = times.clone();
    let routes = Router::new()
        .route(
            "/sessions/{id}/modify",
            post(move |Query(q): Query<HashMap<String, String>>| async move {
                got.lock().unwrap().push(q.get("time").cloned());
                StatusCode::NO_CONTENT
            }),
        )
        // Any 2xx is success: a 200 with a body must not be mistaken for a failure.
        .route("/sessions/{id}/stop", post(|| async { (StatusCode::OK, "{}") }));
    let (base, log) = fake(routes).await;
    let c = client(&base);

    c.modify_session("s-1", 15).await.unwrap();
    c.modify_session("s-1", -10).await.unwrap();
    c.stop_session("s-1").await.unwrap();
    assert_eq!(
        *times.lock().unwrap(),
        [Some("+15".to_owned()), Some("-10".to_owned())],
        "the server decodes time=+15 and time=-10: the plus is escaped so it is not read as a space"
    );
    let seen = log.all();
    assert_eq!(seen[0].query.as_deref(), Some("time=%2B15"), "on the wire a literal + would decode as a space");
    assert_eq!(seen[1].query.as_deref(), Some("time=-10"));
    assert_eq!(seen[2].query, None, "stop takes no parameters");
    let paths: Vec<_> = seen.iter().map(|s| (s.method.as_str(), s.path.as_str())).collect();
    assert_eq!(
        paths,
        [
            ("POST", "/api/v2/pos/sessions/s-1/modify"),
            ("POST", "/api/v2/pos/sessions/s-1/modify"),
            ("POST", "/api/v2/pos/sessions/s-1/stop")
        ]
    );
    assert_keyed(&seen);
}

#[tokio::test]
async fn refusals_are_told_in_words_and_never_retried() {
    let long = "x".repeat(500);
    let routes = Router::new()
        .route("/lanes", get(|| async { StatusCode::UNAUTHORIZED }))
        .route("/groups", get(|| async { StatusCode::FORBIDDEN }))
        .route("/sessions/{id}/stop", post(|| async { (StatusCode::NOT_FOUND, "nope") }))
        .route(
            "/sessions/{id}/modify",
            post(move || async move { (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": long}))) }),
        );
    let (base, log) = fake(routes).await;
    let c = client(&base);

    let e = c.lanes().await.unwrap_err();
    assert_eq!((e.code(), e.to_string().as_str()), ("unauthorized", "Action Target refused the key"));
    assert_eq!(c.groups().await.unwrap_err(), AtError::Unauthorized, "403 is the same story for staff");
    assert_eq!(log.count(), 2, "a 4xx GET is not retried: asking again with the same key changes nothing");

    let e = c.stop_session("s-404").await.unwrap_err();
    assert_eq!((e.code(), e.to_string().as_str()), ("not_found", "Action Target does not know that session"));

    let e = c.modify_session("s-1", 5).await.unwrap_err();
    assert_eq!(e.code(), "refused");
    let text = e.to_string();
    assert!(text.starts_with("Action Target refused: xxx"), "their reason, not the JSON around it: {text}");
    assert_eq!(text.chars().count(), "Action Target refused: ".len() + 201, "trimmed to 200 and an ellipsis");
}

#[tokio::test]
async fn a_failing_get_is_retried_until_the_third_attempt() {
    let n = Arc::new(AtomicUsize::new(0));
    let calls = n.clone();
    let routes = Router::new()
        .route(
            "/bays",
            get(move || async move {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                } else {
                    Json(json!([{"bay_id": "b", "name": "Rifle"}])).into_response()
                }
            }),
        )
        .route("/groups", get(|| async { StatusCode::BAD_GATEWAY }));
    let (base, log) = fake(routes).await;
    let c = client(&base);

    assert_eq!(c.bays().await.unwrap()[0].name, "Rifle", "two blips of the vendor do not fail a read");
    assert_eq!(log.count(), 3, "two failures and the success");

    let e = c.groups().await.unwrap_err();
    assert_eq!(e.to_string(), "Action Target had an internal error (HTTP 502)");
    assert_eq!(e.code(), "server_error");
    assert_eq!(log.count(), 6, "three attempts at most, then the error");
}

#[tokio::test]
async fn a_failing_post_is_never_retried() {
    let routes = Router::new()
        .route("/sessions", post(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/sessions/{id}/stop", post(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let (base, log) = fake(routes).await;
    let c = client(&base);

    let e = c.create_session(&new_session()).await.unwrap_err();
    assert_eq!(e, AtError::ServerError(500));
    assert_eq!(log.count(), 1, "the 500 may have come after the session started: a retry could start a second one");
    assert_eq!(c.stop_session("s").await.unwrap_err().code(), "server_error");
    assert_eq!(log.count(), 2, "no POST is retried; staff decide whether to press again");
}

#[tokio::test]
async fn a_slow_vendor_times_out_with_the_configured_seconds() {
    let slow = || async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Json(json!([]))
    };
    let routes = Router::new().route("/lanes", get(slow)).route("/sessions", post(slow));
    let (base, log) = fake(routes).await;
    let c = Client::new(ApiConfig { timeout: Duration::from_millis(300), ..config(&base) }).unwrap();

    let started = std::time::Instant::now();
    let e = c.lanes().await.unwrap_err();
    assert_eq!(e.code(), "timeout");
    assert_eq!(e.to_string(), "Action Target did not answer in 0.3 s", "the configured time, not a fixed 5 s");
    assert_eq!(log.count(), 3, "a timed-out GET is retried");
    assert!(
        started.elapsed() < Duration::from_millis(1900),
        "each attempt gives up at 300 ms: {:?}",
        started.elapsed()
    );

    assert!(c.create_session(&new_session()).await.unwrap_err().to_string().contains("did not answer in"));
    assert_eq!(log.count(), 4, "a timed-out POST may still have happened: never retried");
}

#[tokio::test]
async fn a_closed_port_is_could_not_be_reached() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = client(&format!("http://{addr}{PREFIX}"));
    let e = c.sessions().await.unwrap_err();
    assert_eq!(e.code(), "unreachable");
    assert_eq!(
        e.to_string(),
        "Action Target could not be reached (connection refused)",
        "staff can tell a dead network from a vendor that answers badly"
    );
}

#[tokio::test]
async fn without_a_key_or_base_nothing_is_sent() {
    let (base, log) = fake(Router::new().route("/lanes", get(|| async { Json(json!([])) }))).await;
    for cfg in
        [ApiConfig { api_key: String::new(), ..config(&base) }, ApiConfig { base: String::new(), ..config(&base) }]
    {
        let c = Client::new(cfg).unwrap();
        let e = c.lanes().await.unwrap_err();
        assert_eq!(e, AtError::NotConfigured);
        assert_eq!(e.code(), "not_configured");
        assert_eq!(e.to_string(), "Action Target is not set up: add the API key in settings");
        assert!(c.create_session(&new_session()).await.unwrap_err() == AtError::NotConfigured);
    }
    assert_eq!(log.count(), 0, "no key means no request: the vendor would only count our failures");
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_bad_answer() {
    let routes = Router::new()
        .route("/lanes", get(|| async { "<html>maintenance</html>" }))
        .route("/bays", get(|| async { Json(json!({"bays": []})) }))
        .route("/sessions", post(|| async { Json(json!({"session_id": "s"})) }))
        .route("/sessions/{id}", get(|| async { Json(json!({"session_id": 7, "lane_id": "l", "duration": 5})) }));
    let (base, log) = fake(routes).await;
    let c = client(&base);

    for e in [
        c.lanes().await.unwrap_err(),
        c.bays().await.unwrap_err(),
        c.create_session(&new_session()).await.unwrap_err(),
        c.session("s").await.unwrap_err(),
    ] {
        assert_eq!(e.code(), "bad_answer", "{e}");
        assert!(e.to_string().starts_with("Action Target gave an answer rangedesk does not understand"), "{e}");
    }
    assert_eq!(log.count(), 4, "the same answer would come again: not retried");
}

#[tokio::test]
async fn redirects_are_not_followed_so_the_key_stays_home() {
    let (elsewhere, other_log) = fake(Router::new().route("/lanes", get(|| async { Json(json!([])) }))).await;
    let to = format!("{elsewhere}/lanes");
    let routes = Router::new()
        .route("/lanes", get(move || async move { (StatusCode::FOUND, [("location", to)]).into_response() }));
    let (base, _) = fake(routes).await;
    let e = client(&base).lanes().await.unwrap_err();
    assert_eq!(e.code(), "bad_answer", "{e}");
    assert_eq!(other_log.count(), 0, "a custom auth header is not stripped on redirect; the key must not follow");
}
