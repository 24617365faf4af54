//! The board snapshot: a start from it equals a start from the whole log, a snapshot that does
//! not fit is set aside, and its shape is pinned so a change to `Board` is seen.

use super::*;
use crate::store::events::Origin;
use rangedesk_domain::{NewEvent, Source, kinds};
use serde_json::json;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = store::open(&dir.path().join("r.db"), store::Options::default()).unwrap();
    (dir, s)
}

async fn record(s: &Store, at_s: i64, kind: &str, lane: Option<&str>, session: Option<&str>, data: serde_json::Value) {
    let e = NewEvent {
        kind: kind.into(),
        known: true,
        lane_id: lane.map(Into::into),
        session_id: session.map(Into::into),
        subject: None,
        vendor_time: None,
        data,
    };
    let at = jiff::Timestamp::from_second(1_764_000_000 + at_s).unwrap();
    s.writer()
        .write(move |t| events::insert(t, None, at, Source::ActionTarget, Origin::Poll, &e).map(|_| ()))
        .await
        .unwrap();
}

async fn a_range(s: &Store) {
    let lanes = json!({"lanes": [
        {"lane_id": "L1", "bay_id": "B1", "readable_name": "Lane 1", "is_accessible": true, "is_usable": true},
        {"lane_id": "L2", "bay_id": "B1", "readable_name": "Lane 2", "is_accessible": true, "is_usable": true}
    ], "bays": [{"bay_id": "B1", "readable_name": "Bay"}], "groups": [{"group_id": "G1"}]});
    record(s, 0, kinds::RANGE_SETUP, None, None, lanes).await;
    let session = json!({"session": {"session_id": "s1", "lane_id": "L1", "duration": 60,
        "began_at": "2025-11-24T16:00:00Z", "customer_name": "Ada"}});
    record(s, 10, kinds::SESSION_OBSERVED, Some("L1"), Some("s1"), session).await;
}

async fn fresh(s: &Store) -> Board {
    s.read(|c| {
        let mut b = Board::default();
        for e in events::after(c, 0, u32::MAX)? {
            b.apply(&e);
        }
        Ok(b)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_start_from_the_snapshot_is_a_start_from_the_log() {
    let (_d, s) = store();
    a_range(&s).await;
    let live = Live::start(&s).await.unwrap();
    assert!(live.save_snapshot(&s).await.unwrap(), "saved");
    assert!(!live.save_snapshot(&s).await.unwrap(), "nothing new: not saved again");
    // More log after the snapshot: a session on the other lane, the first one gone.
    let s2 =
        json!({"session": {"session_id": "s2", "lane_id": "L2", "duration": 30, "began_at": "2025-11-24T16:05:00Z"}});
    record(&s, 20, kinds::SESSION_OBSERVED, Some("L2"), Some("s2"), s2).await;
    record(&s, 30, kinds::SESSION_VANISHED, Some("L1"), Some("s1"), json!({"session_id": "s1"})).await;
    let restarted = Live::start(&s).await.unwrap();
    let want = fresh(&s).await;
    assert!(want.knows_session("s2") && !want.knows_session("s1"), "{want:?}");
    assert_eq!(restarted.with(Board::clone), want);
    assert_eq!(live.with(Board::clone), want, "the running board followed the same log");
}

#[tokio::test]
async fn the_start_uses_the_snapshot_and_sets_aside_one_that_does_not_fit() {
    let (_d, s) = store();
    a_range(&s).await;
    let live = Live::start(&s).await.unwrap();
    live.save_snapshot(&s).await.unwrap();
    let stored = s.read(snapshot::load).await.unwrap().unwrap();
    // A snapshot that says something the log does not: a start showing it started from it.
    let marked = Snapshot { board: stored.board.replace("Lane 1", "Lane One (snapshot)"), ..stored.clone() };
    let names = |l: &Live| l.view(jiff::Timestamp::now()).lanes.iter().map(|l| l.name.clone()).collect::<Vec<_>>();
    let put = |snap: Snapshot| {
        let s = s.clone();
        async move { s.writer().write(move |t| snapshot::save(t, &snap, 0)).await.unwrap() }
    };
    put(marked.clone()).await;
    let started = Live::start(&s).await.unwrap();
    assert!(
        names(&started).contains(&"Lane One (snapshot)".to_owned()),
        "started from the snapshot: {:?}",
        names(&started)
    );
    let ahead = marked.board.replace(
        &format!("\"last_event_id\":{}", stored.last_event_id),
        &format!("\"last_event_id\":{}", stored.last_event_id + 50),
    );
    for (why, bad) in [
        ("from another build", Snapshot { version: "0.0.0/board-0".into(), ..marked.clone() }),
        ("ahead of the log", Snapshot { last_event_id: stored.last_event_id + 50, board: ahead, ..marked.clone() }),
        ("that does not parse", Snapshot { board: "{".into(), ..marked.clone() }),
        ("not of its own event", Snapshot { last_event_id: stored.last_event_id - 1, ..marked.clone() }),
    ] {
        put(bad).await;
        let started = Live::start(&s).await.unwrap();
        assert_eq!(started.with(Board::clone), fresh(&s).await, "a snapshot {why} is set aside");
        assert!(names(&started).contains(&"Lane 1".to_owned()), "{why}: {:?}", names(&started));
    }
}

/// The snapshot is `Board` as JSON: when its fields change, this fails, and `SNAPSHOT_VERSION`'s
/// suffix must be bumped with the new snapshot, so that a store's old snapshot is not misread.
#[tokio::test]
async fn the_snapshot_shape_is_pinned() {
    let (_d, s) = store();
    a_range(&s).await;
    record(&s, 20, "help", Some("L1"), Some("s1"), json!({"event": "help"})).await;
    let live = Live::start(&s).await.unwrap();
    let json = serde_json::to_string_pretty(&live.with(Board::clone)).unwrap();
    insta::assert_snapshot!(format!("{SNAPSHOT_VERSION}\n{json}").replace(env!("CARGO_PKG_VERSION"), "VERSION"));
}
