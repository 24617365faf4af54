//! The board is a projection of the event log: DESIGN.md promises that rebuilding it from the log
//! gives the same board. This is the safety net for moving the board's code (issue 11, point 7):
//! random streams of Action Target lane events, some lost, some repeated, some out of order, mixed
//! with the reconciler's poll corrections and with staff acting on help calls, purchases and tab
//! lines, all recorded through the real store, ingest and staff functions. After every step the
//! live board (fed by the writer's after-commit hook) must equal `Board::default()` with every
//! stored row applied in id order; at the end, a board started afresh from the store (`Live::start`,
//! as at a restart: from the snapshot saved halfway, then the log after it) must be that board too,
//! and show the same `BoardView` at the same instants.
//!
//! It catches the live board and its log parting ways (a value that does not survive being stored,
//! state the log does not hold, the live path skipping or repeating rows), not a rule that is wrong
//! the same way on both: the other board tests say what each event must do.
//!
//! Prints `property board_rebuilt_from_the_log: N cases passed` (run with `--nocapture`).

use crate::support;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use rangedesk_core::BoardView;
use rangedesk_core::Inbound;
use rangedesk_core::domain::kinds;
use rangedesk_core::domain::purchase::{Rule, Rules, Status};
use rangedesk_core::domain::{Client, NewEvent, Source, Staff};
use rangedesk_core::testing::action_target_api::ApiSession;
use rangedesk_core::testing::help;
use rangedesk_core::testing::purchases;
use rangedesk_core::testing::store::{self, Store, events};
use rangedesk_core::testing::{Board, Live};
use rangedesk_core::testing::{Ingest, Keys, PurchaseSettings};
use support::property::property;

/// Cases run; each is a fresh store and up to `STEPS` steps (about 14 s in debug on two cores).
const CASES: u32 = 384;
const STEPS: usize = 64;
const START: i64 = 1_764_000_000;

/// A few sessions and lanes, so events keep meeting the same ones; lane 3 stands for none given.
const SESSIONS: u8 = 4;
const LANES: u8 = 4;

fn session(i: u8) -> String {
    format!("s-{i}")
}

fn lane(i: u8) -> Option<String> {
    (i < 3).then(|| format!("l-{i}"))
}

/// One thing that happens to the range, as the app receives it.
#[derive(Debug, Clone)]
enum Step {
    /// A lane event as Action Target posts it to the webhook.
    Lane {
        event: &'static str,
        session: u8,
        lane: u8,
        items: Vec<(&'static str, i64)>,
    },
    /// The reconciler's poll: `GET /sessions` lists these sessions.
    Poll(Vec<Listed>),
    /// The reconciler asks about one session (after a `sessionModified` or an event for a session
    /// the board does not know); `None`: the vendor no longer knows it.
    PollOne(u8, Option<Listed>),
    /// The range set-up read from the API: these lanes, usable or not.
    Setup(Vec<(u8, bool)>),
    /// Staff at the desk, on the n-th help call, purchase or tab line the board shows.
    Acknowledge(Index),
    Resolve(Index),
    Decide(Index, bool),
    /// A held purchase's approval window ran out.
    Expire(Index),
    Deliver(Index),
    /// The app started again with requests held: they are marked missed.
    MissAbandoned,
}

/// A session as the vendor's API lists it.
#[derive(Debug, Clone)]
struct Listed {
    session: u8,
    lane: u8,
    duration: i64,
    began: bool,
    remaining: Option<f64>,
    customer: Option<&'static str>,
}

fn listed() -> impl Strategy<Value = Listed> {
    let remaining = prop_oneof![
        Just(None),
        // Any float, not only tenths: what the vendor computes is stored as JSON text and read back.
        (-5.0f64..150.0).prop_map(Some),
        (0u32..1500).prop_map(|t| Some(f64::from(t) / 10.0)),
    ];
    let customer = prop::option::of(prop::sample::select(vec!["Ann", "Bo", "Cy"]));
    (0..SESSIONS, 0..3u8, prop::sample::select(vec![30i64, 45, 60, 90]), any::<bool>(), remaining, customer).prop_map(
        |(session, lane, duration, began, remaining, customer)| Listed {
            session,
            lane,
            duration,
            began,
            remaining,
            customer,
        },
    )
}

fn step() -> impl Strategy<Value = Step> {
    let session_event = prop::sample::select(vec![
        "sessionCreated",
        "sessionStarted",
        "sessionPaused",
        "sessionResumed",
        "sessionModified",
        "sessionStopped",
    ]);
    let other_event = prop::sample::select(vec!["help", "carrierHit", "laneRebooted"]);
    // Mostly quantities the catalogue sells (lane time in 15-minute steps), some it does not.
    let qty = prop_oneof![6 => 1i64..=2, 2 => prop::sample::select(vec![15i64, 30]), 1 => prop::sample::select(vec![0i64, 200])];
    let item =
        (prop::sample::select(vec!["time", "TARGET-B27", "AMMO-9MM", "AMMO-22LR", "RENTAL-EYE-EAR", "GIFT-CARD"]), qty);
    let lane_event = prop_oneof![
        6 => (session_event, 0..SESSIONS, 0..LANES),
        3 => (other_event, 0..SESSIONS, 0..LANES),
    ]
    .prop_map(|(event, session, lane)| Step::Lane { event, session, lane, items: vec![] });
    let purchase = (0..SESSIONS, 0..LANES, prop::collection::vec(item, 1..3))
        .prop_map(|(session, lane, items)| Step::Lane { event: "purchaseRequest", session, lane, items });
    prop_oneof![
        10 => lane_event,
        3 => purchase,
        2 => prop::collection::vec(listed(), 0..4).prop_map(Step::Poll),
        1 => (0..SESSIONS, prop::option::of(listed())).prop_map(|(s, l)| Step::PollOne(s, l)),
        1 => prop::collection::vec((0..3u8, any::<bool>()), 0..4).prop_map(Step::Setup),
        2 => any::<Index>().prop_map(Step::Acknowledge),
        1 => any::<Index>().prop_map(Step::Resolve),
        2 => (any::<Index>(), any::<bool>()).prop_map(|(i, a)| Step::Decide(i, a)),
        1 => any::<Index>().prop_map(Step::Expire),
        2 => any::<Index>().prop_map(Step::Deliver),
        1 => Just(Step::MissAbandoned),
    ]
}

/// Steps as they arrive: each sent step is lost (copies 0), received once, or twice; each copy is
/// moved a few places by its jitter, and `dt` seconds pass before it is handled.
fn arrivals() -> impl Strategy<Value = Vec<(Step, u32)>> {
    let copies = prop_oneof![1 => Just(0usize), 6 => Just(1), 1 => Just(2)];
    prop::collection::vec((step(), copies, 0..6usize, 0u32..120), 1..STEPS).prop_map(|sent| {
        let mut arrived: Vec<(usize, Step, u32)> = sent
            .into_iter()
            .enumerate()
            .flat_map(|(n, (step, copies, jitter, dt))| {
                (0..copies).map(move |c| (n * 2 + jitter + c * 3, step.clone(), dt))
            })
            .collect();
        arrived.sort_by_key(|a| a.0);
        arrived.into_iter().map(|(_, step, dt)| (step, dt)).collect()
    })
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// What the reconciler records, as `Reconciler::record` does: poll events, at `now`.
async fn record_poll(store: &Store, diff: Vec<NewEvent>, now: jiff::Timestamp) -> Result<(), TestCaseError> {
    if diff.is_empty() {
        return Ok(());
    }
    store
        .writer()
        .write(move |t| {
            for e in &diff {
                events::insert(t, None, now, Source::ActionTarget, events::Origin::Poll, e)?;
            }
            Ok(())
        })
        .await
        .map_err(fail)
}

/// The session as `GET /sessions` returns it, turned into JSON the way the reconciler does.
fn api_json(l: &Listed, now: jiff::Timestamp) -> serde_json::Value {
    let s = ApiSession {
        session_id: session(l.session),
        lane_id: lane(l.lane).unwrap_or_default(),
        group_id: None,
        duration: l.duration,
        began_at: l.began.then(|| (now - jiff::SignedDuration::from_mins(5)).to_string()),
        created_at: None,
        minutes_remaining: l.remaining,
        enable_purchasing: true,
        customer_name: l.customer.map(str::to_owned),
    };
    serde_json::to_value(&s).unwrap()
}

/// The `i`-th of the things still waiting (`waits`) when there are any, so staff mostly act on
/// what the desk would; otherwise the `i`-th of all, which the app refuses as already done.
fn pick<T>(all: Vec<T>, i: Index, waits: impl Fn(&T) -> bool) -> Option<T> {
    let waiting = all.iter().filter(|t| waits(t)).count();
    let n = if waiting > 0 { waiting } else { all.len() };
    if n == 0 {
        return None;
    }
    let at = i.index(n);
    all.into_iter().filter(|t| waiting == 0 || waits(t)).nth(at)
}

/// Handles one arrived step through the app's own functions. Staff actions that the app refuses
/// (already acknowledged, already decided, nothing to deliver) are part of the stream too.
async fn handle(
    step: &Step,
    store: &Store,
    live: &Live,
    ingest: &Ingest,
    now: jiff::Timestamp,
) -> Result<(), TestCaseError> {
    let staff = || Staff::new("Sam", Client::Loopback);
    let waiters = ingest.purchase_waiters();
    match step {
        Step::Lane { event, session: s, lane: l, items } => {
            let mut body = serde_json::json!({"event": event, "session_id": session(*s), "lane_id": lane(*l)});
            if !items.is_empty() {
                body["items"] = items.iter().map(|(id, qty)| serde_json::json!({"id": id, "qty": qty})).collect();
            }
            let inbound = Inbound {
                source: Source::ActionTarget,
                headers: http::HeaderMap::new(),
                body: body.to_string().into_bytes(),
                remote_addr: None,
                now,
            };
            ingest.deliver(inbound).await.map_err(fail)?;
        }
        Step::Poll(list) => {
            let api: Vec<serde_json::Value> = list.iter().map(|l| api_json(l, now)).collect();
            let diff = live.with(|b| b.reconcile(&api, now));
            record_poll(store, diff, now).await?;
        }
        Step::PollOne(s, found) => {
            let diff = match found {
                Some(l) => live.with(|b| b.reconcile_one(&api_json(&Listed { session: *s, ..l.clone() }, now), now)),
                None => live.with(|b| b.vanished(&session(*s))),
            };
            record_poll(store, diff, now).await?;
        }
        Step::Setup(lanes) => {
            let lanes: Vec<serde_json::Value> = lanes
                .iter()
                .map(|(l, usable)| serde_json::json!({"lane_id": lane(*l), "readable_name": format!("Lane {l}"), "bay_id": "b-1", "is_usable": usable}))
                .collect();
            let data = serde_json::json!({"lanes": lanes, "bays": [{"bay_id": "b-1", "name": "Bay A"}], "groups": [{"id": "g-1"}]});
            if live.with(|b| b.setup_differs(&data)) {
                let e = NewEvent {
                    kind: kinds::RANGE_SETUP.into(),
                    known: true,
                    lane_id: None,
                    session_id: None,
                    subject: None,
                    vendor_time: None,
                    data,
                };
                record_poll(store, vec![e], now).await?;
            }
        }
        Step::Acknowledge(i) | Step::Resolve(i) => {
            let Some(id) =
                live.with(|b| pick(b.view(now).help, *i, |h| h.acknowledged_at.is_none())).map(|h| h.help_id)
            else {
                return Ok(());
            };
            let _ = if matches!(step, Step::Acknowledge(_)) {
                help::acknowledge(store, live, id, staff(), now).await.map(|_| ())
            } else {
                help::resolve(store, id, staff(), now).await.map(|_| ())
            };
        }
        Step::Decide(i, _) | Step::Expire(i) => {
            let Some(trace) =
                live.with(|b| pick(b.purchases(None), *i, |p| p.status == Status::Pending)).map(|p| p.trace_id)
            else {
                return Ok(());
            };
            if let Step::Decide(_, approve) = step {
                let _ = purchases::staff_decision(store, waiters, trace, *approve, staff(), None, now).await;
            } else {
                purchases::expire(store, waiters, trace, now).await.map_err(fail)?;
            }
        }
        Step::Deliver(i) => {
            let Some(item) = live.with(|b| pick(b.view(now).tab, *i, |t| t.to_deliver)).map(|t| t.item_id) else {
                return Ok(());
            };
            let _ = purchases::tick_off(store, live, item, staff(), now).await;
        }
        Step::MissAbandoned => {
            purchases::miss_abandoned(store, now).await.map_err(fail)?;
        }
    }
    Ok(())
}

/// The top-level parts of two views that differ, for a readable failure.
fn differences(a: &BoardView, b: &BoardView) -> String {
    let (a, b) = (serde_json::to_value(a).unwrap(), serde_json::to_value(b).unwrap());
    let keys = a.as_object().unwrap().keys().filter(|k| a[k.as_str()] != b[k.as_str()]);
    keys.map(|k| format!("\n  {k}: live {} / rebuilt {}", a[k.as_str()], b[k.as_str()])).collect()
}

/// A temp dir in memory where there is one: the property is about the projection, not about
/// durability, and an fsync per step on a shared disk was most of the run time.
fn temp_dir() -> std::io::Result<tempfile::TempDir> {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }
}

async fn run_case(arrived: Vec<(Step, u32)>, seen: &Tally) -> Result<(), TestCaseError> {
    let dir = temp_dir().map_err(fail)?;
    let store = store::open(&dir.path().join("rangedesk.db"), store::Options::default()).map_err(fail)?;
    let live = Live::start(&store).await.map_err(fail)?;
    let rules = Rules {
        time: Rule::Approve,
        targets: Rule::Approve,
        ammo: Rule::Ask,
        rentals: Rule::Decline,
        unknown: Rule::Ask,
    };
    let settings = PurchaseSettings { rules, window_seconds: 20, carrier_hit_fee_cents: 250, ..Default::default() };
    let ingest = Ingest::new(store.clone(), Keys::default(), settings);
    // The log, replayed on its own: every stored row in id order, read back from the store.
    let mut replayed = Board::default();
    let mut now = jiff::Timestamp::from_second(START).unwrap();
    // Halfway, the board is saved as the snapshot the restart below begins from.
    let snapshot_after = arrived.len() / 2;
    for (n, (step, dt)) in arrived.iter().enumerate() {
        now += jiff::SignedDuration::from_secs(i64::from(*dt));
        handle(step, &store, &live, &ingest, now).await?;
        if n == snapshot_after {
            live.save_snapshot(&store).await.map_err(fail)?;
        }
        let after = replayed.last_event_id();
        let rows = store.read(move |c| events::after(c, after, u32::MAX)).await.map_err(fail)?;
        rows.iter().for_each(|e| replayed.apply(e));
        let board = live.with(Board::clone);
        prop_assert!(
            board == replayed,
            "after step {n} ({step:?}) the live board is not the log's:\nlive:   {board:?}\nreplay: {replayed:?}"
        );
    }
    // A restart: a board started from the store shows the same, now and once decided purchases
    // have aged off the board.
    let restarted = Live::start(&store).await.map_err(fail)?;
    let board = restarted.with(Board::clone);
    prop_assert!(
        board == replayed,
        "started from the snapshot and the log after it, the board is not the log's:\nstarted: {board:?}\nreplay:  {replayed:?}"
    );
    for at in [now, now + jiff::SignedDuration::from_hours(13)] {
        // Each start is a run of its own (`BoardView::run`): the rest must be the same.
        let (a, b) = (live.view(at), BoardView { run: live.view(at).run, ..restarted.view(at) });
        prop_assert!(a == b, "at {at} the restarted board differs:{}", differences(&a, &b));
    }
    let kinds = store
        .read(|c| events::list(c, &events::Filter { limit: u32::MAX, ..Default::default() }))
        .await
        .map_err(fail)?;
    if let Ok(mut seen) = seen.lock() {
        for e in kinds {
            *seen.entry(format!("{}/{}", e.origin.as_str(), e.kind)).or_default() += 1;
        }
    }
    store.close().await;
    Ok(())
}

/// Stored events by origin and kind over all cases, to show what the streams exercised.
type Tally = std::sync::Mutex<std::collections::BTreeMap<String, u32>>;

#[test]
fn the_live_board_is_the_board_rebuilt_from_the_log() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seen = Tally::default();
    property("board_rebuilt_from_the_log", CASES, arrivals(), |arrived| rt.block_on(run_case(arrived, &seen)));
    let seen = seen.into_inner().unwrap();
    println!("  stored events by origin/kind: {seen:?}");
    for kind in [
        "webhook/sessionStarted",
        "webhook/purchaseRequest",
        "poll/sessionObserved",
        "poll/sessionVanished",
        "poll/rangeSetup",
        "staff/helpAcknowledged",
        "staff/helpResolved",
        "staff/purchaseApproved",
        "staff/purchaseDeclined",
        "staff/itemDelivered",
        "rangedesk/purchaseHeld",
        "rangedesk/purchaseMissed",
        "rangedesk/tabItemAdded",
    ] {
        assert!(seen.get(kind).is_some_and(|n| *n > 0), "the streams never recorded {kind}: {seen:?}");
    }
}
