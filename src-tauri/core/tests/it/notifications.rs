//! The notification feed of a running app, fed by real webhooks over loopback: what a desktop
//! would show, before any notification server is involved (tests/desktop-notifications.sh then
//! checks what reaches one).

use crate::support;

use rangedesk_core::{Action, Notice, NoticeKind as Kind, Subject, Update};
use std::time::Duration;
use support::*;
use tokio::sync::mpsc::Receiver;

async fn hook(r: &Running, event: &str, lane: &str, session: &str) {
    let resp = r.http.post(r.at_hook()).body(at_body(event, lane, session)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{event}");
}

/// Every update that arrives within `quiet` of the last one (or of the call).
async fn updates(rx: &mut Receiver<Update>, quiet: Duration) -> Vec<Update> {
    let mut out = Vec::new();
    while let Ok(Some(u)) = tokio::time::timeout(quiet, rx.recv()).await {
        out.push(u);
    }
    out
}

/// The notices to show among the next updates.
async fn drain(rx: &mut Receiver<Update>, quiet: Duration) -> Vec<Notice> {
    let shown = updates(rx, quiet).await.into_iter().filter_map(|u| match u {
        Update::Show(n) => Some(n),
        Update::Settled(_) => None,
    });
    shown.collect()
}

#[tokio::test]
async fn a_help_call_is_one_notice_and_a_ceasefire_of_six_lanes_is_one_more() {
    let r = start().await;
    // A session already running when notifications start is on screen, not news.
    hook(&r, "sessionStarted", "lane-0", "s-0").await;
    let mut notices = r.app.notices();
    for i in 1..=5 {
        hook(&r, "sessionStarted", &format!("lane-{i}"), &format!("s-{i}")).await;
    }
    hook(&r, "help", "lane-2", "s-2").await;
    let got = drain(&mut notices, Duration::from_secs(3)).await;
    assert_eq!(got.len(), 1, "starting sessions is not news; the help call is: {got:?}");
    assert_eq!(got[0].kind, Kind::Help);
    assert_eq!(got[0].lane_id.as_deref(), Some("lane-2"), "a click opens the caller's lane");
    assert!(got[0].help_id.is_some());
    assert_eq!(got[0].actions(), vec![Action::Show, Action::Acknowledge]);

    for i in 0..=5 {
        hook(&r, "sessionPaused", &format!("lane-{i}"), &format!("s-{i}")).await;
    }
    let got = drain(&mut notices, Duration::from_secs(3)).await;
    let summaries: Vec<&str> = got.iter().map(|n| n.summary.as_str()).collect();
    assert_eq!(summaries, vec!["Ceasefire"], "six pauses, one notice");
    assert_eq!(got[0].body, "Every active session is paused (6 lanes).");
    r.stop().await;
}

#[tokio::test]
async fn a_help_call_acknowledged_in_a_browser_settles_its_notification() {
    let r = start().await;
    let mut notices = r.app.notices();
    hook(&r, "sessionStarted", "lane-1", "s-1").await;
    hook(&r, "help", "lane-1", "s-1").await;
    let got = drain(&mut notices, Duration::from_secs(3)).await;
    let id = got[0].help_id.expect("a help notice names its call");
    let ack = r.act(&format!("/api/help/{id}/ack")).await;
    assert_eq!(ack.status(), 200);
    let after = updates(&mut notices, Duration::from_secs(3)).await;
    // Its Acknowledge button would now only meet a 409: the desktop closes it.
    assert_eq!(after, vec![Update::Settled(Subject::Help(id))]);
    r.stop().await;
}

#[tokio::test]
async fn a_kind_turned_off_raises_nothing() {
    let config = format!("{}\n[notifications]\nhelp = false\n", config_text());
    let r = start_with(&config, rangedesk_core::testing::store::Options::default()).await;
    let mut notices = r.app.notices();
    hook(&r, "sessionStarted", "lane-1", "s-1").await;
    hook(&r, "help", "lane-1", "s-1").await;
    hook(&r, "carrierHit", "lane-1", "s-1").await;
    let got = drain(&mut notices, Duration::from_secs(3)).await;
    let kinds: Vec<Kind> = got.iter().map(|n| n.kind).collect();
    assert_eq!(kinds, vec![Kind::CarrierHit], "help is off, carrier hits are not");
    r.stop().await;
}
