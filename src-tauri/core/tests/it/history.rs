//! History reports (issue 12), checked against scenarios whose figures are known by
//! construction. The deliveries go through the core's real ingest (`Desk::receive`, what the
//! webhook handler calls) with their time passed in, since the HTTP handler stamps "now"; one
//! scenario goes over loopback HTTP as vendors send it, for today. Reports are read over HTTP.

use crate::support::{ENVISO_KEY, Running, config_text, start_with};
use rangedesk_core::domain::{Client, Source, Staff};
use rangedesk_core::testing::enviso;
use rangedesk_core::testing::store::{self, events};
use rangedesk_core::{Inbound, Outcome};
use serde_json::{Value, json};

pub(crate) const ZONE: &str = "Europe/Amsterdam";

pub(crate) async fn start_range() -> Running {
    let config = format!("{}\n[server]\ntime_zone = \"{ZONE}\"\n\n[carrier_hits]\nfee = 2.5\n", config_text());
    start_with(&config, store::Options::default()).await
}

/// `2026-06-10 10:00` in Amsterdam, as an instant.
pub(crate) fn local(s: &str) -> jiff::Timestamp {
    jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", if s.len() == 16 { format!("{s}:00") } else { s.to_owned() })
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get(ZONE).unwrap())
        .unwrap()
        .timestamp()
}

pub(crate) async fn deliver(r: &Running, source: Source, at: jiff::Timestamp, body: String) -> Outcome {
    let inbound =
        Inbound { source, headers: http::HeaderMap::new(), body: body.into_bytes(), remote_addr: None, now: at };
    r.app.receive(inbound).await.unwrap()
}

async fn lane(r: &Running, at: &str, event: &str, lane: &str, session: &str) -> Outcome {
    deliver(
        r,
        Source::ActionTarget,
        local(at),
        json!({"event": event, "lane_id": lane, "session_id": session}).to_string(),
    )
    .await
}

async fn buy(r: &Running, at: &str, session: &str, item: &str, qty: i64) -> Outcome {
    let body = json!({"event": "purchaseRequest", "lane_id": "L3", "session_id": session, "items": [{"id": item, "qty": qty}]});
    deliver(r, Source::ActionTarget, local(at), body.to_string()).await
}

pub(crate) fn enviso_at(id: &str, event: &str, at: jiff::Timestamp, signed: bool) -> String {
    let ts = at.to_string();
    let sig = if signed {
        enviso::sign_double(ENVISO_KEY, &enviso::signed_string(id, "TENANT", event, &ts))
    } else {
        "bad".into()
    };
    json!({"id": id, "tenant": "TENANT", "event": event, "timestamp": ts, "data": {"id": format!("ord-{id}")}, "signature": sig})
        .to_string()
}

/// What the reconciler's poll records, written as it writes it.
pub(crate) async fn poll(r: &Running, at: &str, kind: &str, lane: &str, session: &str, data: Value) {
    let e = rangedesk_core::domain::NewEvent {
        kind: kind.into(),
        known: true,
        lane_id: Some(lane.into()),
        session_id: Some(session.into()),
        subject: None,
        vendor_time: None,
        data,
    };
    let at = local(at);
    r.app
        .store()
        .writer()
        .write(move |t| events::insert(t, None, at, Source::ActionTarget, events::Origin::Poll, &e).map(|_| ()))
        .await
        .unwrap();
}

pub(crate) fn last_id(r: &Running, kind: &str) -> i64 {
    crate::support::count(r.dir.path(), &format!("SELECT max(id) FROM events WHERE kind = '{kind}'"))
}

/// Lane 3 from 10:00 to 11:30 and 12:00 to 12:05; a help call at 10:15 acknowledged after 45 s
/// and resolved 120 s after it was raised; targets bought and approved by rule, ammo held and
/// missed; a carrier hit (2.50); lane 5 told of only by the poll (14:00, 30 minutes booked,
/// gone at 14:45: 15 minutes over); an Enviso order delivered twice and two refused.
pub(crate) async fn busy_day(r: &Running) {
    lane(r, "2026-06-10 10:00", "sessionStarted", "L3", "s1").await;
    lane(r, "2026-06-10 10:15", "help", "L3", "s1").await;
    let help = last_id(r, "help");
    let sam = || Staff::new("Sam", Client::Loopback);
    rangedesk_core::testing::help::acknowledge(r.app.store(), r.app.live(), help, sam(), local("2026-06-10 10:15:45"))
        .await
        .unwrap();
    rangedesk_core::testing::help::resolve(r.app.store(), help, sam(), local("2026-06-10 10:17:00")).await.unwrap();
    assert!(matches!(buy(r, "2026-06-10 10:30", "s1", "TARGET-B27", 2).await, Outcome::Purchase { .. }));
    let Outcome::Purchase { trace_id, .. } = buy(r, "2026-06-10 10:40", "s1", "AMMO-9MM", 1).await else { panic!() };
    let waiters = r.app.ingest().purchase_waiters().clone();
    rangedesk_core::testing::purchases::expire(r.app.store(), &waiters, trace_id, local("2026-06-10 10:40:20"))
        .await
        .unwrap();
    lane(r, "2026-06-10 10:50", "carrierHit", "L3", "s1").await;
    lane(r, "2026-06-10 11:30", "sessionStopped", "L3", "s1").await;
    lane(r, "2026-06-10 12:00", "sessionStarted", "L3", "s3").await;
    let named = json!({"session": {"session_id": "s3", "lane_id": "L3", "customer_name": "Ada, \"Ace\"\nLovelace"}});
    poll(r, "2026-06-10 12:01", "sessionObserved", "L3", "s3", named).await;
    lane(r, "2026-06-10 12:05", "sessionStopped", "L3", "s3").await;
    let began = local("2026-06-10 14:00").to_string();
    let s2 = json!({"session": {"session_id": "s2", "lane_id": "L5", "began_at": began, "duration": 30,
        "customer_name": "=HYPERLINK(\"http://evil\")"}});
    poll(r, "2026-06-10 14:10", "sessionObserved", "L5", "s2", s2).await;
    poll(r, "2026-06-10 14:45", "sessionVanished", "L5", "s2", json!({"session_id": "s2"})).await;
    let order = enviso_at("n-1", "ORDER_CREATED", local("2026-06-10 12:00"), true);
    assert!(matches!(
        deliver(r, Source::Enviso, local("2026-06-10 12:00"), order.clone()).await,
        Outcome::Accepted { duplicate: false, .. }
    ));
    assert!(matches!(
        deliver(r, Source::Enviso, local("2026-06-10 12:02"), order).await,
        Outcome::Accepted { duplicate: true, .. }
    ));
    for (n, at) in [(2, "2026-06-10 12:05"), (3, "2026-06-10 12:06")] {
        let bad = enviso_at(&format!("n-{n}"), "ORDER_CREATED", local(at), false);
        assert!(matches!(deliver(r, Source::Enviso, local(at), bad).await, Outcome::Refused { status: 401, .. }));
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn a_busy_day_adds_up_to_what_was_built() {
    let r = start_range().await;
    busy_day(&r).await;
    let d = r.get_json(&r.board("/api/history/2026-06-10")).await;
    assert_eq!(
        (d["from"].as_str(), d["to"].as_str(), d["hours"].as_u64()),
        (Some("2026-06-10T00:00:00+02:00"), Some("2026-06-11T00:00:00+02:00"), Some(24))
    );
    let stats = d["lanes"]["stats"].as_array().unwrap();
    let lane = |id: &str| stats.iter().find(|s| s["lane_id"] == id).unwrap_or_else(|| panic!("lane {id}: {stats:?}"));
    let (l3, l5) = (lane("L3"), lane("L5"));
    assert_eq!(f(&l3["lane_minutes"]), 95.0, "10:00–11:30 and 12:00–12:05");
    assert_eq!((f(&l3["sessions"]), l3["short_sessions"].as_u64()), (2.0, Some(1)), "the 5-minute one is short");
    assert_eq!(f(&l3["median_turnaround_minutes"]), 30.0, "free from 11:30 to 12:00");
    assert_eq!(l3["revenue_cents"], 2 * 150 + 250, "two B-27 targets and one carrier hit");
    assert!(close(f(&l3["revenue_per_lane_hour_cents"]), 550.0 / (95.0 / 60.0)));
    assert_eq!(
        (f(&l5["lane_minutes"]), f(&l5["overtime_minutes"])),
        (45.0, 15.0),
        "30 booked, gone 45 minutes after it began"
    );
    let cap = &d["lanes"]["capacity"];
    assert_eq!(
        (cap["open_from"].as_str(), cap["open_to"].as_str()),
        (Some("2026-06-10T10:00:00+02:00"), Some("2026-06-10T15:00:00+02:00"))
    );
    assert_eq!(
        (f(&cap["open_minutes"]), cap["lanes"].as_u64(), f(&cap["usable_lane_minutes"])),
        (300.0, Some(2), 600.0)
    );
    assert!(close(f(&l3["utilization"]), 95.0 / 300.0));
    assert!(close(f(&d["summary"]["utilization"]), 140.0 / 600.0), "lane-minutes over open minutes × usable lanes");
    let heat = &d["lanes"]["heatmap"];
    let row = heat["lanes"].as_array().unwrap().iter().position(|l| l == "L3").unwrap();
    let cells: Vec<f64> = heat["minutes"][row].as_array().unwrap().iter().map(f).collect();
    assert_eq!((cells.len(), cells[10], cells[11], cells[12], cells[13]), (24, 60.0, 30.0, 5.0, 0.0));
    let band = d["lanes"]["bands"].as_array().unwrap().iter().find(|b| b["lane_id"] == "L3").unwrap().clone();
    let states: Vec<(&str, &str)> = band["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["from"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("2026-06-10T00:00:00+02:00", "free"),
            ("2026-06-10T10:00:00+02:00", "active"),
            ("2026-06-10T11:30:00+02:00", "free"),
            ("2026-06-10T12:00:00+02:00", "active"),
            ("2026-06-10T12:05:00+02:00", "free")
        ]
    );
    let marks: Vec<&str> = band["marks"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(marks, ["help", "purchase", "purchase", "hit"]);

    let desk = &d["desk"];
    assert_eq!(desk["help_calls"].as_array().unwrap().len(), 1);
    assert_eq!(
        (f(&desk["ack"]["median"]), f(&desk["ack"]["worst"]), f(&desk["resolve"]["median"])),
        (45.0, 45.0, 120.0)
    );
    assert_eq!(
        (desk["over_amber"].as_u64(), desk["over_red"].as_u64()),
        (Some(0), Some(0)),
        "45 s is under the 60 s amber"
    );
    assert_eq!(desk["by_staff"][0]["key"], "Sam");
    assert_eq!(desk["by_hour"][0]["key"], "10");
    assert_eq!(desk["held_purchases"].as_array().unwrap().len(), 1, "only the ammo asked the desk");
    assert_eq!(
        (desk["missed"][0]["status"].as_str(), desk["missed"][0]["items"].as_str()),
        (Some("missed"), Some("AMMO-9MM×1"))
    );
    assert_eq!(f(&desk["missed"][0]["decision_seconds"]), 20.0);

    let sales = &d["sales"];
    assert_eq!(sales["purchases"], json!({"requested": 2, "approved": 1, "declined": 0, "missed": 1}));
    let by_rule: Vec<(Value, Value, Value)> = sales["by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rule"].clone(), s["product_type"].clone(), s["counts"]["requested"].clone()))
        .collect();
    assert_eq!(by_rule, [(json!("approve"), json!("targets"), json!(1)), (json!("ask"), json!("ammo"), json!(1))]);
    assert_eq!(
        sales["revenue"],
        json!([{"product_type": "carrier_hit", "quantity": 1, "cents": 250}, {"product_type": "targets", "quantity": 2, "cents": 300}])
    );
    assert_eq!((sales["revenue_cents"].as_i64(), f(&sales["overtime_minutes"])), (Some(550), 15.0));

    assert_eq!(d["arrivals"]["bookings"], 1, "the order delivered twice is one booking");
    let vendors = d["deliveries"]["by_vendor"].as_array().unwrap();
    let v = |s: &str| vendors.iter().find(|v| v["source"] == s).unwrap().clone();
    assert_eq!(
        (v("enviso")["accepted"].as_u64(), v("enviso")["duplicate"].as_u64(), v("enviso")["refused"].as_u64()),
        (Some(1), Some(1), Some(2))
    );
    assert_eq!(v("enviso")["refused_by_reason"].as_array().unwrap().len(), 1, "both refused for one reason");
    assert_eq!(v("enviso")["refused_by_reason"][0]["count"], 2);
    assert_eq!(v("action_target")["accepted"], 8, "eight lane webhooks");
    assert_eq!(v("action_target")["corrections"], 3, "two sessionObserved and a sessionVanished from the poll");
    assert_eq!(d["summary"]["corrections"], 3);
    assert_eq!(d["tables"].as_array().unwrap()[1]["path"], "/api/history/2026-06-10/lanes.csv");
}

#[tokio::test]
async fn csv_exports_are_rfc_4180_with_a_bom_and_no_formulas() {
    let r = start_range().await;
    busy_day(&r).await;
    for table in ["lanes", "timeline", "help_calls", "sales", "refusals"] {
        let resp = r.http.get(r.board(&format!("/api/history/2026-06-10/{table}.csv"))).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
        let cd = resp.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert_eq!(cd, format!("attachment; filename=\"rangedesk-2026-06-10-{table}.csv\""));
        let bytes = resp.bytes().await.unwrap();
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM, so spreadsheets read UTF-8");
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.ends_with("\r\n"), "CRLF rows");
        insta::assert_snapshot!(format!("day_{table}"), text.replace("\r\n", "⏎\n"));
    }
    let timeline =
        r.http.get(r.board("/api/history/2026-06-10/timeline.csv")).send().await.unwrap().text().await.unwrap();
    assert!(
        timeline.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\"\r\n"),
        "the formula is neutralised, then quoted: {timeline}"
    );
    assert!(timeline.contains(",\"Ada, \"\"Ace\"\"\nLovelace\"\r\n"), "comma, quote and newline quoted: {timeline}");
    let period = r.http.get(r.board("/api/history/summary.csv?from=2026-06-09&to=2026-06-10")).send().await.unwrap();
    assert_eq!(period.status(), 200);
    assert_eq!(period.text().await.unwrap().lines().count(), 3, "a header and one row per day");
    let unknown = r.http.get(r.board("/api/history/2026-06-10/secrets.csv")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}

/// The window saves a table where the user keeps downloads: the same bytes a browser downloads,
/// under the same name, and never over a file already there.
#[tokio::test]
async fn the_window_saves_a_table_as_the_browser_downloads_it_never_over_a_file() {
    let r = start_range().await;
    busy_day(&r).await;
    let downloads = tempfile::tempdir().unwrap();
    let day = rangedesk_core::HistoryPeriod::Day("2026-06-10".into());
    let first = r.app.save_history_csv(&day, "lanes", downloads.path()).await.unwrap();
    let second = r.app.save_history_csv(&day, "lanes", downloads.path()).await.unwrap();
    let name = |p: &str| std::path::Path::new(p).file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(name(&first.path), "rangedesk-2026-06-10-lanes.csv");
    assert_eq!(name(&second.path), "rangedesk-2026-06-10-lanes (1).csv", "the first file is kept");
    let browser = r.http.get(r.board("/api/history/2026-06-10/lanes.csv")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(std::fs::read(&first.path).unwrap(), browser.to_vec());
    assert_eq!(first.bytes, browser.len() as u64);
    let range = rangedesk_core::HistoryPeriod::Range { from: "2026-06-09".into(), to: "2026-06-10".into() };
    let summary = r.app.save_history_csv(&range, "summary", downloads.path()).await.unwrap();
    assert_eq!(name(&summary.path), "rangedesk-2026-06-09_2026-06-10-summary.csv");
    let unknown = r.app.save_history_csv(&day, "../secrets", downloads.path()).await.unwrap_err();
    assert_eq!(unknown.code, rangedesk_core::ApiErrorCode::NotFound);
    let gone = downloads.path().join("missing");
    let refused = r.app.save_history_csv(&day, "lanes", &gone).await.unwrap_err();
    assert_eq!(refused.code, rangedesk_core::ApiErrorCode::CannotSave, "{refused:?}");
    assert_eq!(std::fs::read_dir(downloads.path()).unwrap().count(), 3, "nothing else was written");
}

/// Active minutes of a lane on a day, read from its report.
async fn lane_minutes(r: &Running, day: &str, lane: &str) -> (f64, f64, Value) {
    let d = r.get_json(&r.board(&format!("/api/history/{day}"))).await;
    let s = d["lanes"]["stats"].as_array().unwrap().iter().find(|s| s["lane_id"] == lane).cloned().unwrap_or(json!({}));
    (s["lane_minutes"].as_f64().unwrap_or(0.0), s["sessions"].as_f64().unwrap_or(0.0), d)
}

#[tokio::test]
async fn dst_days_have_23_and_25_hours_and_count_real_minutes() {
    let r = start_range().await;
    // 01:30 CET to 03:30 CEST on the spring day: one real hour (02:00–03:00 never happens).
    lane(&r, "2026-03-29 01:30", "sessionStarted", "L1", "spring").await;
    lane(&r, "2026-03-29 03:30", "sessionStopped", "L1", "spring").await;
    let (minutes, sessions, d) = lane_minutes(&r, "2026-03-29", "L1").await;
    assert_eq!(
        (d["hours"].as_u64(), d["from"].as_str(), d["to"].as_str()),
        (Some(23), Some("2026-03-29T00:00:00+01:00"), Some("2026-03-30T00:00:00+02:00"))
    );
    assert_eq!((minutes, sessions), (60.0, 1.0));
    let hours = d["lanes"]["heatmap"]["hours"].as_array().unwrap();
    assert_eq!((hours.len(), hours[2].as_str()), (23, Some("2026-03-29T03:00:00+02:00")), "the heatmap skips 02:00");
    assert_eq!(
        d["lanes"]["heatmap"]["minutes"][0],
        json!([
            0.0, 30.0, 30.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
            0.0, 0.0
        ])
    );

    // 01:30 CEST to 02:30 CET on the autumn day: two real hours, one hour on the wall clock.
    let autumn_start = jiff::Timestamp::from_second(local("2026-10-25 01:30").as_second()).unwrap();
    let autumn_end = autumn_start + jiff::SignedDuration::from_hours(2);
    for (at, event) in [(autumn_start, "sessionStarted"), (autumn_end, "sessionStopped")] {
        let body = json!({"event": event, "lane_id": "L1", "session_id": "autumn"}).to_string();
        deliver(&r, Source::ActionTarget, at, body).await;
    }
    assert_eq!(
        autumn_end.to_zoned(jiff::tz::TimeZone::get(ZONE).unwrap()).strftime("%H:%M%:z").to_string(),
        "02:30+01:00"
    );
    let (minutes, _, d) = lane_minutes(&r, "2026-10-25", "L1").await;
    assert_eq!((d["hours"].as_u64(), d["to"].as_str()), (Some(25), Some("2026-10-26T00:00:00+01:00")));
    assert_eq!(minutes, 120.0);
    assert_eq!(d["lanes"]["heatmap"]["hours"].as_array().unwrap().len(), 25);
}

#[tokio::test]
async fn a_session_across_midnight_counts_in_both_days_by_its_share() {
    let r = start_range().await;
    lane(&r, "2026-06-11 23:00", "sessionStarted", "L1", "late").await;
    lane(&r, "2026-06-12 00:30", "help", "L1", "late").await;
    lane(&r, "2026-06-12 01:00", "sessionStopped", "L1", "late").await;
    let (m11, s11, d11) = lane_minutes(&r, "2026-06-11", "L1").await;
    let (m12, s12, d12) = lane_minutes(&r, "2026-06-12", "L1").await;
    assert_eq!((m11, s11, m12, s12), (60.0, 0.5, 60.0, 0.5), "an hour and half the session in each");
    assert_eq!(d11["lanes"]["capacity"]["open_to"], "2026-06-12T00:00:00+02:00", "the open span is clipped to the day");
    assert_eq!((d11["summary"]["help_calls"].as_u64(), d12["summary"]["help_calls"].as_u64()), (Some(0), Some(1)));
    let p = r.get_json(&r.board("/api/history?from=2026-06-11&to=2026-06-12")).await;
    assert_eq!(
        (f(&p["summary"]["sessions"]), f(&p["summary"]["lane_minutes"])),
        (1.0, 120.0),
        "whole over the two days"
    );
    assert_eq!((p["days"].as_u64(), p["hours"].as_u64()), (Some(2), Some(48)));
    let series: Vec<(Value, f64)> =
        p["series"].as_array().unwrap().iter().map(|d| (d["date"].clone(), f(&d["summary"]["lane_minutes"]))).collect();
    assert_eq!(series, [(json!("2026-06-11"), 60.0), (json!("2026-06-12"), 60.0)]);
    assert_eq!(
        (p["previous"]["from"].as_str(), p["previous"]["to"].as_str()),
        (Some("2026-06-04"), Some("2026-06-05")),
        "a week earlier, same weekdays"
    );
    assert_eq!(f(&p["previous"]["summary"]["lane_minutes"]), 0.0);
    assert!(close(f(&p["summary"]["utilization"]), 1.0), "the lane ran all of its open span, 23:00–01:00");
}

#[tokio::test]
async fn the_previous_period_is_counted_like_this_one() {
    let r = start_range().await;
    lane(&r, "2026-06-03 10:00", "sessionStarted", "L1", "before").await;
    lane(&r, "2026-06-03 10:20", "sessionStopped", "L1", "before").await;
    lane(&r, "2026-06-10 10:00", "sessionStarted", "L1", "now").await;
    lane(&r, "2026-06-10 10:45", "sessionStopped", "L1", "now").await;
    let p = r.get_json(&r.board("/api/history?from=2026-06-08&to=2026-06-14")).await;
    assert_eq!((f(&p["summary"]["lane_minutes"]), f(&p["previous"]["summary"]["lane_minutes"])), (45.0, 20.0));
    assert_eq!(p["previous"]["series"].as_array().unwrap().len(), 7);
    assert_eq!(p["lanes"]["heatmap"]["hours"].as_array().unwrap().len(), 24, "a period's heatmap is by local hour");
    assert_eq!(f(&p["lanes"]["heatmap"]["minutes"][0][10]), 45.0);
}

#[tokio::test]
async fn a_day_with_nothing_is_all_zeros_not_an_error() {
    let r = start_range().await;
    let d = r.get_json(&r.board("/api/history/2026-06-20")).await;
    assert_eq!(d["hours"], 24);
    let s = &d["summary"];
    for key in [
        "sessions",
        "lane_minutes",
        "capacity_minutes",
        "utilization",
        "help_calls",
        "revenue_cents",
        "bookings",
        "corrections",
    ] {
        assert_eq!(f(&s[key]), 0.0, "{key}");
    }
    assert_eq!(s["ack_median_seconds"], Value::Null);
    assert_eq!(d["lanes"]["capacity"]["open_from"], Value::Null);
    assert_eq!(d["desk"]["ack"], json!({"count": 0, "median": null, "p90": null, "worst": null}));
}

#[tokio::test]
async fn bad_dates_and_periods_are_400_with_the_error_json() {
    let r = start_range().await;
    for path in [
        "/api/history/2026-02-30",
        "/api/history/2026-13-01",
        "/api/history/tomorrow",
        "/api/history?from=2026-06-10",
        "/api/history?from=2026-06-10&to=2026-06-09",
        "/api/history?from=2025-01-01&to=2026-01-02",
        "/api/history?from=2026-06-01&to=2026-06-31",
        "/api/history/lanes.csv?from=2026-06-01",
    ] {
        let resp = r.http.get(r.board(path)).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "bad_request", "{path}: {body}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{path}");
    }
    let year = r.http.get(r.board("/api/history?from=2025-01-01&to=2025-12-31")).send().await.unwrap();
    assert_eq!(year.status(), 200, "a year is allowed");
}

/// Today's report sees the sessions still running, as the board does: one started 40 minutes ago
/// with no word since counts as a session of 40 minutes so far, not as nothing. A day whose window
/// has passed keeps the rule for sessions nobody heard end (they ran to their last word).
#[tokio::test]
async fn a_session_still_running_counts_in_todays_report_up_to_now() {
    let r = start_range().await;
    let zone = jiff::tz::TimeZone::get(ZONE).unwrap();
    let now = jiff::Timestamp::now();
    // Far enough from midnight that the 40 minutes fall in one day.
    let start = if now.to_zoned(zone.clone()).hour() >= 1 { now - jiff::SignedDuration::from_mins(40) } else { now };
    let body = json!({"event": "sessionStarted", "lane_id": "L7", "session_id": "running"}).to_string();
    deliver(&r, Source::ActionTarget, start, body).await;
    let just_now = now - jiff::SignedDuration::from_mins(2);
    let body = json!({"event": "sessionStarted", "lane_id": "L9", "session_id": "new"}).to_string();
    deliver(&r, Source::ActionTarget, just_now, body).await;
    let today = start.to_zoned(zone).date();
    let d = r.get_json(&r.board(&format!("/api/history/{today}"))).await;
    let l7 = d["lanes"]["stats"].as_array().unwrap().iter().find(|l| l["lane_id"] == "L7").unwrap().clone();
    assert!(close(f(&l7["sessions"]), 1.0), "{l7}");
    let l9 = d["lanes"]["stats"].as_array().unwrap().iter().find(|l| l["lane_id"] == "L9").unwrap().clone();
    assert_eq!(l9["short_sessions"], 0, "two minutes in and running: not short (a likely fault) yet: {l9}");
    let want = now.duration_since(start).as_secs_f64() / 60.0;
    let got = f(&l7["lane_minutes"]);
    assert!((got - want).abs() < 1.0, "ran {got} minutes so far, want about {want}");
    let bands = d["lanes"]["bands"].as_array().unwrap();
    let band = bands.iter().find(|b| b["lane_id"] == "L7").unwrap();
    assert!(band["segments"].as_array().unwrap().iter().any(|s| s["state"] == "active"), "{band}");

    // The same session on a day long past, never heard of again: it ran to its last word.
    lane(&r, "2026-06-10 10:00", "sessionStarted", "L8", "lost").await;
    lane(&r, "2026-06-10 10:20", "carrierHit", "L8", "lost").await;
    let (minutes, _, _) = lane_minutes(&r, "2026-06-10", "L8").await;
    assert!(close(minutes, 20.0), "{minutes}");
}

/// Deliveries as vendors send them, over loopback HTTP: they are stamped now, so today's report.
#[tokio::test]
async fn webhooks_over_http_count_once_in_todays_report() {
    let r = start_range().await;
    let zone = jiff::tz::TimeZone::get(ZONE).unwrap();
    let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
    let post =
        |url: String, body: String| r.http.post(url).header("content-type", "application/json").body(body).send();
    let help = json!({"event": "help", "lane_id": "L2", "session_id": "h1"}).to_string();
    assert_eq!(post(r.at_hook(), help).await.unwrap().status(), 200);
    let order = enviso_at("web-1", "ORDER_CREATED", jiff::Timestamp::now(), true);
    assert_eq!(post(r.public("/hooks/enviso"), order.clone()).await.unwrap().status(), 200);
    assert_eq!(
        post(r.public("/hooks/enviso"), order).await.unwrap().status(),
        200,
        "a duplicate is answered 200 again"
    );
    let forged = enviso_at("web-2", "ORDER_CREATED", jiff::Timestamp::now(), false);
    assert_eq!(post(r.public("/hooks/enviso"), forged).await.unwrap().status(), 401);
    if jiff::Timestamp::now().to_zoned(zone).date() != today {
        return; // midnight passed in between: the deliveries are split over two days
    }
    let d = r.get_json(&r.board(&format!("/api/history/{today}"))).await;
    let enviso =
        d["deliveries"]["by_vendor"].as_array().unwrap().iter().find(|v| v["source"] == "enviso").unwrap().clone();
    assert_eq!(
        (enviso["accepted"].as_u64(), enviso["duplicate"].as_u64(), enviso["refused"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(d["arrivals"]["bookings"], 1, "the duplicate did not count twice");
    assert_eq!(d["summary"]["help_calls"], 1);
    assert_eq!(d["desk"]["over_red"], 1, "never acknowledged: over every threshold");
}

/// The range set-up as the poll records it.
async fn setup(r: &Running, at: &str, lanes: Value) {
    let e = rangedesk_core::domain::NewEvent {
        kind: "rangeSetup".into(),
        known: true,
        lane_id: None,
        session_id: None,
        subject: None,
        vendor_time: None,
        data: json!({"lanes": lanes, "bays": [], "groups": []}),
    };
    let at = local(at);
    r.app
        .store()
        .writer()
        .write(move |t| events::insert(t, None, at, Source::ActionTarget, events::Origin::Poll, &e).map(|_| ()))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unusable_lane_leaves_the_capacity_and_pauses_show_on_the_band() {
    let r = start_range().await;
    let lanes = |one: bool| json!([{"lane_id": "L2", "readable_name": "Lane 2"}, {"lane_id": "L1", "readable_name": "Lane 1", "is_usable": one}]);
    setup(&r, "2026-06-09 18:00", lanes(true)).await;
    setup(&r, "2026-06-10 09:00", lanes(false)).await;
    setup(&r, "2026-06-10 13:00", lanes(true)).await;
    lane(&r, "2026-06-10 10:00", "sessionStarted", "L2", "p").await;
    lane(&r, "2026-06-10 10:20", "sessionPaused", "L2", "p").await;
    lane(&r, "2026-06-10 10:30", "sessionResumed", "L2", "p").await;
    lane(&r, "2026-06-10 11:00", "sessionStopped", "L2", "p").await;
    let d = r.get_json(&r.board("/api/history/2026-06-10")).await;
    let stats = d["lanes"]["stats"].as_array().unwrap();
    let order: Vec<(&str, &str)> =
        stats.iter().map(|s| (s["lane_id"].as_str().unwrap(), s["name"].as_str().unwrap())).collect();
    assert_eq!(order, [("L2", "Lane 2"), ("L1", "Lane 1")], "the vendor's order and names");
    assert_eq!(
        (f(&stats[0]["lane_minutes"]), f(&stats[0]["paused_minutes"]), f(&stats[0]["usable_minutes"])),
        (60.0, 10.0, 60.0)
    );
    assert_eq!(
        (f(&stats[1]["unusable_minutes"]), f(&stats[1]["usable_minutes"])),
        (60.0, 0.0),
        "not usable all of 10:00–11:00"
    );
    assert_eq!(f(&d["summary"]["capacity_minutes"]), 60.0, "one usable lane for the open hour");
    assert!(close(f(&d["summary"]["utilization"]), 1.0));
    let bands = d["lanes"]["bands"].as_array().unwrap();
    let states = |b: &Value| -> Vec<(String, String)> {
        b["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["from"].as_str().unwrap()[11..16].to_owned(), s["state"].as_str().unwrap().to_owned()))
            .collect()
    };
    let want = |v: &[(&str, &str)]| v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect::<Vec<_>>();
    assert_eq!(
        states(&bands[0]),
        want(&[("00:00", "free"), ("10:00", "active"), ("10:20", "paused"), ("10:30", "active"), ("11:00", "free")])
    );
    assert_eq!(states(&bands[1]), want(&[("00:00", "free"), ("09:00", "unusable"), ("13:00", "free")]));
}
