//! Sends a day's plan: its chains (one per session) side by side from many tasks, each chain's
//! actions in their order, so a session's events are recorded in the order they happened and a
//! desk answer always finds the help call or purchase it answers.

use super::Options;
use super::plan::{self, Chain, Send, What};
use crate::deliveries::Secrets;
use crate::signing;
use rangedesk_core::domain::{Client, NewEvent, Source, Staff};
use rangedesk_core::testing::purchases;
use rangedesk_core::testing::store::events::{self, Origin};
use rangedesk_core::testing::{Ingest, Live, help};
use rangedesk_core::{Inbound, Outcome};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Feed {
    ingest: Ingest,
    live: Live,
    secrets: Secrets,
    concurrency: usize,
    counts: Counts,
}

#[derive(Debug, Default)]
struct Counts {
    deliveries: AtomicU64,
    accepted: AtomicU64,
    duplicates: AtomicU64,
    refused: AtomicU64,
    polled: AtomicU64,
    help_answers: AtomicU64,
    decisions: AtomicU64,
    desk_refused: AtomicU64,
}

/// The counts so far.
#[derive(Debug, Clone, Copy)]
pub struct Totals {
    pub deliveries: u64,
    pub accepted: u64,
    pub duplicates: u64,
    pub refused: u64,
    pub polled: u64,
    pub help_answers: u64,
    pub decisions: u64,
    pub desk_refused: u64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Feed {
    pub fn new(ingest: Ingest, live: Live, secrets: Secrets, concurrency: usize) -> Feed {
        Feed { ingest, live, secrets, concurrency: concurrency.max(1), counts: Counts::default() }
    }

    pub fn counts(&self) -> Totals {
        let c = &self.counts;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Totals {
            deliveries: l(&c.deliveries),
            accepted: l(&c.accepted),
            duplicates: l(&c.duplicates),
            refused: l(&c.refused),
            polled: l(&c.polled),
            help_answers: l(&c.help_answers),
            decisions: l(&c.decisions),
            desk_refused: l(&c.desk_refused),
        }
    }

    /// The lanes as the poll first sees them; one lane out of use for a week if the run is long.
    pub async fn setup(&self, o: &Options, tz: &jiff::tz::TimeZone) -> anyhow::Result<()> {
        let morning = |days: u32| -> anyhow::Result<jiff::Timestamp> {
            let date = o.start.checked_add(jiff::Span::new().days(i64::from(days)))?;
            Ok(date.at(7, 0, 0, 0).to_zoned(tz.clone())?.timestamp())
        };
        self.range_setup(morning(0)?, plan::setup(o.lanes, None)).await?;
        if o.days > 110 && o.lanes >= 7 {
            self.range_setup(morning(100)?, plan::setup(o.lanes, Some(7))).await?;
            self.range_setup(morning(107)?, plan::setup(o.lanes, None)).await?;
        }
        Ok(())
    }

    async fn range_setup(&self, at: jiff::Timestamp, data: serde_json::Value) -> anyhow::Result<()> {
        let e = NewEvent {
            kind: "rangeSetup".into(),
            known: true,
            lane_id: None,
            session_id: None,
            subject: None,
            vendor_time: None,
            data,
        };
        self.write_poll(at, e).await
    }

    async fn write_poll(&self, at: jiff::Timestamp, e: NewEvent) -> anyhow::Result<()> {
        let write = move |t: &rusqlite::Transaction<'_>| {
            events::insert(t, None, at, Source::ActionTarget, Origin::Poll, &e).map(|_| ())
        };
        self.ingest.store().writer().write(write).await?;
        bump(&self.counts.polled);
        Ok(())
    }

    /// Sends one day's chains.
    pub async fn day(self: &std::sync::Arc<Self>, chains: Vec<Chain>) -> anyhow::Result<()> {
        let queue = std::sync::Arc::new(Mutex::new(chains.into_iter()));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..self.concurrency {
            let (queue, feed) = (queue.clone(), self.clone());
            tasks.spawn(async move {
                loop {
                    let Some(chain) = queue.lock().ok().and_then(|mut q| q.next()) else {
                        return anyhow::Ok(());
                    };
                    feed.chain(chain).await?;
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        Ok(())
    }

    async fn chain(&self, chain: Chain) -> anyhow::Result<()> {
        let mut traces: Vec<Option<(String, jiff::Timestamp)>> = vec![None; chain.tags()];
        let store = self.ingest.store();
        let staff = |by: &str| Staff::new(by, Client::Window);
        let trace = |traces: &[Option<(String, jiff::Timestamp)>], tag: usize| traces.get(tag).cloned().flatten();
        for action in chain.actions {
            let at = action.at;
            match action.what {
                What::Deliver { send, tag } => {
                    let outcome = self.send(at, &send).await?;
                    if let (Some(tag), Outcome::Accepted { trace_id, .. } | Outcome::Purchase { trace_id, .. }) =
                        (tag, outcome)
                        && let Some(slot) = traces.get_mut(tag)
                    {
                        *slot = Some((trace_id, at));
                    }
                }
                What::Poll { kind, lane, session, data } => {
                    let e = NewEvent {
                        kind: kind.into(),
                        known: true,
                        lane_id: Some(lane),
                        session_id: Some(session),
                        subject: None,
                        vendor_time: None,
                        data,
                    };
                    self.write_poll(at, e).await?;
                }
                What::Acknowledge { help, by } => {
                    let Some(id) = self.help_id(trace(&traces, help)).await? else { continue };
                    self.desk(help::acknowledge(store, &self.live, id, staff(by), at).await.is_ok());
                }
                What::Resolve { help, by } => {
                    let Some(id) = self.help_id(trace(&traces, help)).await? else { continue };
                    self.desk(help::resolve(store, id, staff(by), at).await.is_ok());
                }
                What::Decide { purchase, approve, by } => {
                    let Some((t, _)) = trace(&traces, purchase) else { continue };
                    let waiters = self.ingest.purchase_waiters();
                    let done = purchases::staff_decision(store, waiters, t, approve, staff(by), None, at).await;
                    self.decided(done.is_ok());
                }
                What::Miss { purchase } => {
                    let Some((t, _)) = trace(&traces, purchase) else { continue };
                    purchases::expire(store, self.ingest.purchase_waiters(), t, at).await?;
                    self.decided(true);
                }
                What::TickOff { purchase, by } => {
                    let Some((t, _)) = trace(&traces, purchase) else { continue };
                    let done = purchases::tick_off(store, &self.live, format!("{t}:0"), staff(by), at).await;
                    self.decided(done.is_ok());
                }
            }
        }
        Ok(())
    }

    /// The event id of the help call the delivery `trace_id` recorded at `at` (found by its time,
    /// on `events_at`: nothing indexes an event's delivery).
    async fn help_id(&self, trace: Option<(String, jiff::Timestamp)>) -> anyhow::Result<Option<i64>> {
        let Some((trace_id, at)) = trace else { return Ok(None) };
        let sql = "SELECT e.id FROM events e WHERE e.at = ?1 AND e.kind = 'help'
                   AND e.delivery_id = (SELECT id FROM deliveries WHERE trace_id = ?2)";
        let at = at.as_millisecond();
        let id =
            self.ingest.store().read(move |c| Ok(c.query_row(sql, rusqlite::params![at, trace_id], |r| r.get(0))?));
        Ok(Some(id.await?))
    }

    fn desk(&self, ok: bool) {
        bump(if ok { &self.counts.help_answers } else { &self.counts.desk_refused });
    }

    fn decided(&self, ok: bool) {
        bump(if ok { &self.counts.decisions } else { &self.counts.desk_refused });
    }

    /// Signs and delivers one, as the vendor would have sent it at `at`.
    async fn send(&self, at: jiff::Timestamp, send: &Send) -> anyhow::Result<Outcome> {
        let s = &self.secrets;
        let mut headers = http::HeaderMap::new();
        let (source, body) = match send {
            Send::Lane(v) => (Source::ActionTarget, v.to_string().into_bytes()),
            Send::Enviso { id, event, data, signed } => {
                let key = if *signed { s.enviso_key.as_str() } else { "not-the-key" };
                let body = signing::enviso_body(key, id, "range", event, &at.to_string(), data.clone());
                (Source::Enviso, body)
            }
            Send::Samna { id, event, context, signed } => {
                let body =
                    serde_json::json!({"id": id, "event_name": event, "timestamp": at.to_string(), "context": context})
                        .to_string()
                        .into_bytes();
                let secret = if *signed { s.samna_secret.as_str() } else { "wh_sec_not_the_secret" };
                let header = signing::samna_header(secret, at.as_second(), &body);
                headers.insert(rangedesk_core::signing::SAMNA_SIGNATURE_HEADER, header.parse()?);
                (Source::Samna, body)
            }
        };
        let inbound = Inbound { source, headers, body, remote_addr: Some("203.0.113.10".into()), now: at };
        let outcome = self.ingest.deliver(inbound).await?;
        bump(&self.counts.deliveries);
        bump(match &outcome {
            Outcome::Accepted { duplicate: true, .. } => &self.counts.duplicates,
            Outcome::Accepted { .. } | Outcome::Purchase { .. } => &self.counts.accepted,
            Outcome::Refused { .. } => &self.counts.refused,
        });
        Ok(outcome)
    }
}
