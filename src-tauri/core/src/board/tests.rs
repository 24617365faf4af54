use super::*;
use crate::store::events::{EventRow, Origin};
use rangedesk_domain::kinds::{self, purchase};
use serde_json::json;

const T0: i64 = 1_764_000_000_000;

struct Log {
    events: Vec<EventRow>,
}

impl Log {
    fn new() -> Self {
        Log { events: Vec::new() }
    }
    fn push(
        &mut self,
        at_min: f64,
        origin: Origin,
        kind: &str,
        lane: Option<&str>,
        session: Option<&str>,
        data: serde_json::Value,
    ) {
        let id = self.events.len() as i64 + 1;
        self.events.push(EventRow {
            id,
            delivery_id: None,
            at: crate::store::events::rfc3339(T0 + (at_min * 60_000.0) as i64),
            source: Source::ActionTarget,
            origin,
            kind: kind.into(),
            known: true,
            lane_id: lane.map(Into::into),
            session_id: session.map(Into::into),
            subject: None,
            vendor_time: None,
            data,
        });
    }
    fn hook(&mut self, at_min: f64, kind: &str, lane: &str, session: &str) {
        self.push(at_min, Origin::Webhook, kind, Some(lane), Some(session), json!({"event": kind}));
    }
    fn board(&self) -> Board {
        let mut b = Board::default();
        for e in &self.events {
            b.apply(e);
        }
        b
    }
}

fn at(min: f64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(T0 + (min * 60_000.0) as i64).unwrap()
}

fn setup(log: &mut Log) {
    let lanes = json!([
        {"lane_id": "L2", "bay_id": "B1", "readable_name": "Lane 2", "is_accessible": true, "is_usable": true},
        {"lane_id": "L1", "bay_id": "B1", "readable_name": "Lane 1", "is_accessible": true, "is_usable": true},
        {"lane_id": "L3", "bay_id": "B2", "readable_name": "Lane 3", "is_accessible": true, "is_usable": false},
    ]);
    let bays = json!([{"bay_id": "B1", "name": "Pistol bay"}, {"bay_id": "B2", "name": "Rifle bay"}]);
    log.push(0.0, Origin::Poll, kinds::RANGE_SETUP, None, None, json!({"lanes": lanes, "bays": bays, "groups": []}));
}

#[test]
fn lanes_keep_vendor_order_bays_and_unusable() {
    let mut log = Log::new();
    setup(&mut log);
    let v = log.board().view(at(1.0));
    let names: Vec<_> = v.lanes.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["Lane 2", "Lane 1", "Lane 3"], "the vendor's display order, not sorted");
    assert_eq!(v.lanes[0].bay.as_deref(), Some("Pistol bay"));
    assert_eq!(v.lanes[2].state, LaneState::Unusable);
    assert_eq!(v.lanes[0].state, LaneState::Free);
}

#[test]
fn session_lifecycle_and_countdown() {
    let mut log = Log::new();
    setup(&mut log);
    log.hook(1.0, "sessionCreated", "L1", "S1");
    assert_eq!(log.board().view(at(1.5)).lanes[1].state, LaneState::Waiting);
    log.push(
        1.1,
        Origin::Poll,
        kinds::SESSION_OBSERVED,
        Some("L1"),
        Some("S1"),
        json!({"session": {"session_id": "S1", "lane_id": "L1", "duration": 30, "customer_name": "Dana"}}),
    );
    log.hook(2.0, "sessionStarted", "L1", "S1");
    let b = log.board();
    let lane = &b.view(at(12.0)).lanes[1];
    assert_eq!(lane.state, LaneState::Active);
    assert_eq!(lane.customer_name.as_deref(), Some("Dana"));
    assert!((lane.minutes_remaining.unwrap() - 20.0).abs() < 1e-9, "30 min booked, 10 gone");
    assert_eq!(b.view(at(28.0)).lanes[1].state, LaneState::EndingSoon);
    assert_eq!(b.view(at(33.0)).lanes[1].state, LaneState::Overtime);
    log.hook(10.0, "sessionPaused", "L1", "S1");
    let paused = log.board().view(at(50.0));
    assert_eq!(paused.lanes[1].state, LaneState::Paused);
    assert!((paused.lanes[1].minutes_remaining.unwrap() - 22.0).abs() < 1e-9, "the clock stops while paused");
    log.hook(60.0, "sessionResumed", "L1", "S1");
    let resumed = log.board().view(at(62.0));
    assert!((resumed.lanes[1].minutes_remaining.unwrap() - 20.0).abs() < 1e-9);
    log.hook(70.0, "sessionStopped", "L1", "S1");
    assert_eq!(log.board().view(at(71.0)).lanes[1].state, LaneState::Free);
}

#[test]
fn poll_corrects_the_board() {
    let mut log = Log::new();
    setup(&mut log);
    // A session no webhook announced, with the vendor's remaining time.
    log.push(5.0, Origin::Poll, kinds::SESSION_OBSERVED, Some("L2"), Some("S9"), json!({"session": {"session_id": "S9", "lane_id": "L2", "duration": 60, "began_at": "2025-11-24T16:00:00Z", "minutes_remaining": 42.5}}));
    let v = log.board().view(at(5.0));
    assert_eq!(v.lanes[0].state, LaneState::Active);
    assert_eq!(v.lanes[0].minutes_remaining, Some(42.5));
    log.push(6.0, Origin::Poll, kinds::SESSION_VANISHED, Some("L2"), Some("S9"), json!({}));
    assert_eq!(log.board().view(at(6.0)).lanes[0].state, LaneState::Free, "ended silently, and the board follows");
}

#[test]
fn help_is_open_until_resolved_and_acknowledged_once() {
    let mut log = Log::new();
    setup(&mut log);
    log.hook(1.0, "sessionCreated", "L1", "S1");
    log.hook(2.0, "help", "L1", "S1");
    let help_id = log.events.last().unwrap().id;
    let v = log.board().view(at(3.0));
    assert_eq!(v.help.len(), 1);
    assert_eq!(v.lanes[1].open_help, 1);
    log.push(3.0, Origin::Staff, kinds::HELP_ACKNOWLEDGED, None, None, json!({"help_id": help_id, "by": "Sam"}));
    log.push(3.5, Origin::Staff, kinds::HELP_ACKNOWLEDGED, None, None, json!({"help_id": help_id, "by": "Kim"}));
    let h = &log.board().view(at(4.0)).help[0];
    assert_eq!(h.acknowledged_by.as_deref(), Some("Sam"), "the first acknowledgement stands");
    log.push(5.0, Origin::Staff, kinds::HELP_RESOLVED, None, None, json!({"help_id": help_id, "by": "Sam"}));
    assert!(log.board().view(at(6.0)).help.is_empty());
}

#[test]
fn unknown_lanes_are_shown_not_dropped() {
    let mut log = Log::new();
    setup(&mut log);
    log.hook(1.0, "sessionCreated", "L-NEW-123456", "S1");
    let v = log.board().view(at(2.0));
    let last = v.lanes.last().unwrap();
    assert!(!last.known);
    assert_eq!(last.lane_id, "L-NEW-123456");
    assert_eq!(last.state, LaneState::Waiting);
}

#[test]
fn ceasefire_is_every_active_session_paused() {
    let mut log = Log::new();
    setup(&mut log);
    for (lane, s) in [("L1", "S1"), ("L2", "S2")] {
        log.hook(1.0, "sessionCreated", lane, s);
        log.hook(2.0, "sessionStarted", lane, s);
    }
    log.hook(3.0, "sessionPaused", "L1", "S1");
    assert!(!log.board().view(at(4.0)).ceasefire, "one paused lane is not a ceasefire");
    log.hook(3.0, "sessionPaused", "L2", "S2");
    assert!(log.board().view(at(4.0)).ceasefire);
}

#[test]
fn rebuilding_from_the_log_gives_the_same_board_and_replays_are_harmless() {
    let mut log = Log::new();
    setup(&mut log);
    log.hook(1.0, "sessionCreated", "L1", "S1");
    log.hook(2.0, "sessionStarted", "L1", "S1");
    log.hook(3.0, "carrierHit", "L1", "S1");
    log.hook(4.0, "help", "L2", "S7");
    let once = log.board();
    let mut twice = log.board();
    for e in &log.events {
        twice.apply(e);
    }
    assert_eq!(once, twice, "applying old events again changes nothing");
    assert_eq!(once.view(at(5.0)), log.board().view(at(5.0)));
    assert_eq!(once.view(at(5.0)).lanes[1].carrier_hits, 1);
}

#[test]
fn reconcile_finds_what_webhooks_missed() {
    let mut log = Log::new();
    setup(&mut log);
    log.hook(1.0, "sessionCreated", "L1", "S1");
    log.push(
        1.0,
        Origin::Poll,
        kinds::SESSION_OBSERVED,
        Some("L1"),
        Some("S1"),
        json!({"session": {"session_id": "S1", "lane_id": "L1", "duration": 30}}),
    );
    log.hook(2.0, "sessionStarted", "L1", "S1");
    log.hook(2.0, "sessionCreated", "L3", "S3");
    let b = log.board();
    let api = vec![
        // S1 unchanged: 30 booked, started at 2, so 20 left at 12.
        json!({"session_id": "S1", "lane_id": "L1", "duration": 30, "began_at": "x", "minutes_remaining": 20.2}),
        // S2: no webhook announced it.
        json!({"session_id": "S2", "lane_id": "L2", "duration": 60, "began_at": null, "minutes_remaining": null}),
    ];
    let events = b.reconcile(&api, at(12.0));
    let found: Vec<(String, Option<String>)> = events.iter().map(|e| (e.kind.clone(), e.session_id.clone())).collect();
    assert_eq!(
        found,
        [
            (kinds::SESSION_OBSERVED.to_owned(), Some("S2".to_owned())),
            (kinds::SESSION_VANISHED.to_owned(), Some("S3".to_owned()))
        ],
        "a new session is observed, a silent end is recorded, an unchanged one is left alone"
    );
    let longer =
        vec![json!({"session_id": "S1", "lane_id": "L1", "duration": 45, "began_at": "x", "minutes_remaining": 35.0})];
    let events = b.reconcile(&longer, at(12.0));
    assert_eq!(events[0].kind, kinds::SESSION_OBSERVED, "a changed duration is recorded");
    // Applying what the reconciler recorded makes the board agree: nothing more to record.
    let mut log2 = log;
    for e in b.reconcile(&api, at(12.0)) {
        log2.push(12.0, Origin::Poll, &e.kind, e.lane_id.as_deref(), e.session_id.as_deref(), e.data);
    }
    assert!(log2.board().reconcile(&api, at(12.0)).is_empty(), "the board follows the vendor");
}

/// The board holds the desk's present, not the store's past: a purchase decided more than 12 hours
/// before the latest event, and a delivered tab line whose session has left, are let go of, while
/// what the desk still acts on (a pending purchase, an item still to take to the lane) stays,
/// however old. No view changes for it: views never showed those.
#[test]
fn the_board_lets_go_of_what_no_view_can_show() {
    let mut log = Log::new();
    setup(&mut log);
    log.hook(1.0, "sessionStarted", "L1", "S1");
    let purchase = |log: &mut Log, at: f64, trace: &str| {
        log.push(
            at,
            Origin::Webhook,
            "purchaseRequest",
            Some("L1"),
            Some("S1"),
            json!({"items": [{"id": "AMMO-9MM", "qty": 1}]}),
        );
        log.events.last_mut().unwrap().subject = Some(trace.into());
    };
    purchase(&mut log, 2.0, "T-decided");
    purchase(&mut log, 2.5, "T-pending");
    log.push(3.0, Origin::Rangedesk, purchase::APPROVED, Some("L1"), Some("S1"), json!({"by": "Sam"}));
    log.events.last_mut().unwrap().subject = Some("T-decided".into());
    let line = |id: &str, to_deliver: bool| json!({"item_id": id, "trace_id": "T-decided", "product_id": "AMMO-9MM", "name": "9mm", "qty": 1, "total_cents": 1899, "to_deliver": to_deliver});
    log.push(3.0, Origin::Rangedesk, purchase::TAB_ITEM_ADDED, Some("L1"), Some("S1"), line("I-done", false));
    log.push(3.0, Origin::Rangedesk, purchase::TAB_ITEM_ADDED, Some("L1"), Some("S1"), line("I-waiting", true));
    log.hook(60.0, "sessionStopped", "L1", "S1");
    let before = log.board();
    assert!(before.purchase("T-decided").is_some() && before.tab_item("I-done").is_some());
    // Thirteen hours on, any event: the board lets go.
    log.hook(13.0 * 60.0, "laneRebooted", "L2", "S9");
    let after = log.board();
    assert!(after.purchase("T-decided").is_none(), "decided 13 h ago: let go");
    assert!(after.tab_item("I-done").is_none(), "delivered, its session gone: let go");
    assert!(after.purchase("T-pending").is_some(), "pending: kept, however old");
    assert!(after.tab_item("I-waiting").is_some(), "still to deliver: kept");
    for t in [13.0 * 60.0, 14.0 * 60.0] {
        let (a, b) = (before.view(at(t)), after.view(at(t)));
        assert_eq!((a.purchases, a.tab), (b.purchases, b.tab), "at {t} min no view shows the difference");
    }
}
