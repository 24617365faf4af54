use super::*;
use crate::board::{HelpView, PurchaseItemView, PurchaseView, SessionState, SessionView};

fn t(secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_764_000_000 + secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn lane(n: usize, state: LaneState, remaining: Option<f64>) -> LaneView {
    LaneView {
        lane_id: format!("lane-{n}"),
        name: format!("Lane {n}"),
        bay: None,
        bay_id: None,
        state,
        session_id: (state != LaneState::Free).then(|| format!("s-{n}")),
        known: true,
        customer_name: (state != LaneState::Free).then(|| format!("Shooter {n}")),
        minutes_remaining: remaining,
        open_help: 0,
        carrier_hits: 0,
        pending_purchases: 0,
        waiting_since: None,
    }
}

fn session(n: usize, hits: u32) -> SessionView {
    SessionView {
        session_id: format!("s-{n}"),
        lane_id: format!("lane-{n}"),
        state: SessionState::Active,
        customer_name: Some(format!("Shooter {n}")),
        duration: Some(60),
        minutes_remaining: Some(30.0),
        began_at: None,
        carrier_hits: hits,
    }
}

fn help(id: i64, n: usize) -> HelpView {
    HelpView {
        help_id: id,
        session_id: Some(format!("s-{n}")),
        lane_id: Some(format!("lane-{n}")),
        raised_at: t(0).to_string(),
        acknowledged_at: None,
        acknowledged_by: None,
    }
}

fn held(trace: &str, n: usize, deadline: jiff::Timestamp) -> PurchaseView {
    PurchaseView {
        trace_id: trace.into(),
        session_id: Some(format!("s-{n}")),
        lane_id: Some(format!("lane-{n}")),
        status: Status::Pending,
        items: vec![PurchaseItemView {
            id: "AMMO-9MM".into(),
            qty: 2,
            display_name: Some("9mm FMJ 115 gr, box of 50".into()),
            product_type: Some("ammo".into()),
        }],
        requested_at: t(0).to_string(),
        deadline: Some(deadline.to_string()),
        decided_at: None,
        decided_by: None,
        user_message: None,
        time_extension: None,
    }
}

/// A range of `n` active lanes, each with a session, nothing waiting.
fn range(n: usize) -> BoardView {
    BoardView {
        lanes: (1..=n).map(|i| lane(i, LaneState::Active, Some(30.0))).collect(),
        sessions: (1..=n).map(|i| session(i, 0)).collect(),
        help: vec![],
        purchases: vec![],
        tab: vec![],
        ceasefire: false,
        stale: false,
        last_event_id: 0,
        run: String::new(),
        as_of: t(0).to_string(),
        ageing_amber_seconds: 60,
        ageing_red_seconds: 180,
        vendor_silent_minutes: 30,
        vendors: vec![],
    }
}

fn on() -> Notifications {
    Notifications::default()
}

/// A notifier that has seen `board` once (the start, which announces nothing).
fn started(board: &BoardView) -> Notifier {
    let mut n = Notifier::new();
    assert!(n.observe(&on(), board, &[], t(0)).is_empty());
    n
}

#[test]
fn what_the_board_shows_at_start_is_not_announced() {
    let mut board = range(3);
    board.help.push(help(1, 1));
    board.purchases.push(held("p1", 2, t(20)));
    let mut n = Notifier::new();
    assert!(n.observe(&on(), &board, &[], t(0)).is_empty(), "staff see these on the board already");
    assert!(n.observe(&on(), &board, &[], t(5)).is_empty(), "and they are not news a moment later either");
}

#[test]
fn a_help_call_is_announced_once_with_acknowledge() {
    let mut board = range(3);
    let mut n = started(&board);
    board.help.push(help(7, 2));
    let out = n.observe(&on(), &board, &[], t(1));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].summary, "Help: Lane 2");
    assert_eq!(out[0].body, "Shooter 2 is calling for help.");
    assert_eq!(out[0].help_id, Some(7));
    assert_eq!(out[0].actions(), vec![Action::Show, Action::Acknowledge]);
    assert_eq!(out[0].focus().lane_id.as_deref(), Some("lane-2"), "a click opens the caller's lane");
    assert!(n.observe(&on(), &board, &[], t(2)).is_empty(), "the same call is not announced again");
}

#[test]
fn a_held_purchase_has_approve_and_decline_and_lasts_until_its_deadline() {
    let mut board = range(2);
    let mut n = started(&board);
    board.purchases.push(held("tr-1", 1, t(21)));
    let out = n.observe(&on(), &board, &[], t(1));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].summary, "Purchase waiting: Lane 1");
    assert_eq!(out[0].body, "9mm FMJ 115 gr, box of 50 × 2. Answer within 20 s.");
    assert_eq!(out[0].actions(), vec![Action::Show, Action::Approve, Action::Decline]);
    assert_eq!(
        out[0].expires_in,
        Some(std::time::Duration::from_secs(20)),
        "after the deadline the lane has its answer"
    );
}

#[test]
fn a_purchase_approved_by_rule_is_not_announced() {
    let mut board = range(2);
    let mut n = started(&board);
    let mut p = held("tr-2", 1, t(21));
    p.deadline = None; // pending for an instant, never held for the desk
    board.purchases.push(p);
    assert!(n.observe(&on(), &board, &[], t(1)).is_empty());
}

#[test]
fn a_ceasefire_is_one_notification_not_one_per_lane() {
    let mut board = range(24);
    let mut n = started(&board);
    for l in &mut board.lanes {
        l.state = LaneState::Paused;
    }
    board.ceasefire = true;
    let out = n.observe(&on(), &board, &[], t(1));
    assert_eq!(out.len(), 1, "24 paused sessions: {out:?}");
    assert_eq!(out[0].kind, Kind::Ceasefire);
    assert_eq!(out[0].body, "Every active session is paused (24 lanes).");
    assert!(n.observe(&on(), &board, &[], t(2)).is_empty(), "the same ceasefire is not announced again");
}

#[test]
fn lanes_ending_together_make_one_summary_without_buttons() {
    let mut board = range(5);
    let mut n = started(&board);
    for i in 0..3 {
        board.lanes[i].state = LaneState::EndingSoon;
        board.lanes[i].minutes_remaining = Some(4.2);
    }
    let out = n.observe(&on(), &board, &[], t(1));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].summary, "3 sessions ending soon");
    assert_eq!(out[0].body, "Lane 1, Lane 2, Lane 3");
    assert_eq!(out[0].actions(), vec![Action::Show], "one button for three lanes would be a guess");
    assert_eq!(out[0].lane_id.as_deref(), Some("lane-1"));
}

#[test]
fn a_single_lane_ending_soon_says_how_long_is_left() {
    let mut board = range(2);
    let mut n = started(&board);
    board.lanes[1].state = LaneState::EndingSoon;
    board.lanes[1].minutes_remaining = Some(4.2);
    let out = n.observe(&on(), &board, &[], t(1));
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].summary.as_str(), out[0].body.as_str()), ("Ending soon: Lane 2", "Shooter 2: 5 min left."));
    // Running over is news of its own; ending soon is not said again.
    board.lanes[1].state = LaneState::Overtime;
    board.lanes[1].minutes_remaining = Some(-0.1);
    let out = n.observe(&on(), &board, &[], t(60));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].summary, "Overtime: Lane 2");
}

#[test]
fn quiet_kinds_wait_their_gap_and_fold_what_came_meanwhile() {
    let mut board = range(4);
    let mut n = started(&board);
    board.sessions[0].carrier_hits = 1;
    assert_eq!(n.observe(&on(), &board, &[], t(1)).len(), 1);
    board.sessions[1].carrier_hits = 1;
    assert!(n.observe(&on(), &board, &[], t(5)).is_empty(), "a second carrier hit within 30 s waits");
    board.sessions[2].carrier_hits = 1;
    assert!(n.observe(&on(), &board, &[], t(10)).is_empty());
    let out = n.observe(&on(), &board, &[], t(31));
    assert_eq!(out.len(), 1, "both waiting hits become one toast: {out:?}");
    assert_eq!((out[0].summary.as_str(), out[0].body.as_str()), ("2 carrier hits", "Lane 2, Lane 3"));
}

#[test]
fn urgent_kinds_are_never_held_back() {
    let mut board = range(4);
    let mut n = started(&board);
    board.help.push(help(1, 1));
    assert_eq!(n.observe(&on(), &board, &[], t(1)).len(), 1);
    board.help.push(help(2, 2));
    let out = n.observe(&on(), &board, &[], t(2));
    assert_eq!(out.len(), 1, "a second help call a second later is shown at once");
    assert_eq!(out[0].help_id, Some(2));
}

#[test]
fn a_kind_turned_off_stays_quiet_and_does_not_replay_when_turned_on() {
    let mut board = range(2);
    let mut n = started(&board);
    let off = Notifications { help: false, ..Notifications::default() };
    board.help.push(help(3, 1));
    assert!(n.observe(&off, &board, &[], t(1)).is_empty());
    assert!(n.observe(&on(), &board, &[], t(2)).is_empty(), "turning it on announces only new calls");
    board.help.push(help(4, 2));
    assert_eq!(n.observe(&on(), &board, &[], t(3)).len(), 1);
}

#[test]
fn a_vendor_silent_for_the_set_minutes_is_announced_once_and_again_after_it_returns() {
    let board = range(1);
    let settings = Notifications { vendor_silent_minutes: 10, ..Notifications::default() };
    let heard = |last: i64| {
        [Heard { source: Source::Enviso, last: Some(t(last)) }, Heard { source: Source::Samna, last: None }]
    };
    let mut n = Notifier::new();
    assert!(n.observe(&settings, &board, &heard(-3600), t(0)).is_empty(), "silence before the start is not counted");
    assert!(n.observe(&settings, &board, &heard(-3600), t(599)).is_empty());
    let out = n.observe(&settings, &board, &heard(-3600), t(600));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].summary, "Enviso is silent");
    assert_eq!(out[0].body, "no delivery for 10 min. Check the connection under Status.");
    assert!(n.observe(&settings, &board, &heard(-3600), t(900)).is_empty(), "once");
    assert!(n.observe(&settings, &board, &heard(1000), t(1001)).is_empty(), "it is back");
    assert_eq!(n.observe(&settings, &board, &heard(1000), t(1600)).len(), 1, "silent again");
}

#[test]
fn tray_counts_open_help_and_purchases_waiting_for_the_desk() {
    let mut board = range(3);
    board.help.push(help(1, 1));
    let mut acked = help(2, 2);
    acked.acknowledged_at = Some(t(1).to_string());
    board.help.push(acked);
    board.purchases.push(held("a", 1, t(20)));
    let mut decided = held("b", 2, t(20));
    decided.status = Status::Approved;
    board.purchases.push(decided);
    let w = Waiting::of(&board);
    assert_eq!(w, Waiting { help: 1, purchases: 1 });
    assert_eq!(w.label(), "1 help call, 1 purchase waiting");
    assert_eq!(Waiting { help: 2, purchases: 0 }.label(), "2 help calls, 0 purchases waiting");
}

#[test]
fn action_keys_round_trip() {
    for a in [Action::Show, Action::Acknowledge, Action::Approve, Action::Decline] {
        assert_eq!(Action::from_key(a.key()), Some(a));
    }
    assert_eq!(Action::Show.key(), "default", "the spec's key for a click on the notification");
    assert_eq!(Action::from_key("__closed"), None);
}

#[test]
fn answered_help_and_purchases_are_settled_wherever_they_were_answered() {
    let mut board = range(3);
    let mut n = started(&board);
    board.help.push(help(1, 1));
    board.purchases.push(held("tr", 2, t(30)));
    assert_eq!(n.observe(&on(), &board, &[], t(1)).len(), 2);
    assert!(n.take_settled().is_empty(), "nothing answered yet");
    board.help[0].acknowledged_at = Some(t(2).to_string());
    board.purchases[0].status = Status::Approved;
    assert!(n.observe(&on(), &board, &[], t(3)).is_empty());
    assert_eq!(n.take_settled(), vec![Subject::Help(1), Subject::Purchase("tr".into())]);
    assert!(n.take_settled().is_empty(), "each is settled once");
}

#[test]
fn overdue_backups_are_announced_once_until_one_succeeds_again() {
    let mut n = Notifier::new();
    assert_eq!(n.backup(false), None);
    let first = n.backup(true).expect("overdue: announced");
    assert_eq!((first.kind, first.summary.as_str()), (Kind::BackupOverdue, "No backup for 2 days"));
    assert!(first.kind.urgent(), "shown at once, not folded into a quiet batch");
    assert_eq!(n.backup(true), None, "once per episode, not every look");
    assert_eq!(n.backup(false), None, "a backup succeeded");
    assert!(n.backup(true).is_some(), "and a new episode is announced again");
}
