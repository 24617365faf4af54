//! Sends a day's plan: first every delivery and poll correction, from many tasks at once; then
//! what follows them — the repeats (duplicates) and the desk's answers, which need the help call's
//! event id or the held purchase's trace id the first pass got back.

use super::Options;
use super::plan::{self, Decision, HelpAnswer, Send, Step};
use crate::deliveries::Secrets;
use crate::signing;
use rangedesk_core::domain::{Client, NewEvent, Source, Staff};
use rangedesk_core::testing::purchases::{self, Verdict};
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

/// What the second pass does.
enum Next {
    Repeat(jiff::Timestamp, Send),
    Help(String, HelpAnswer),
    Held(String, Decision),
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

    /// Sends one day's plan, both passes.
    pub async fn day(self: &std::sync::Arc<Self>, steps: Vec<Step>) -> anyhow::Result<()> {
        let next = self.all(steps, |f, s| async move { f.first(s).await }).await?;
        self.all(next, |f, n| async move { f.second(n).await.map(|()| None::<Next>) }).await?;
        Ok(())
    }

    /// Runs `job` on every item from `concurrency` tasks; collects what they hand on.
    async fn all<J, F, Fut>(self: &std::sync::Arc<Self>, jobs: Vec<J>, job: F) -> anyhow::Result<Vec<Next>>
    where
        J: std::marker::Send + 'static,
        F: Fn(std::sync::Arc<Feed>, J) -> Fut + Clone + std::marker::Send + 'static,
        Fut: std::future::Future<Output = anyhow::Result<Option<Next>>> + std::marker::Send,
    {
        let queue = std::sync::Arc::new(Mutex::new(jobs.into_iter()));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..self.concurrency {
            let (queue, feed, job) = (queue.clone(), self.clone(), job.clone());
            tasks.spawn(async move {
                let mut handed = Vec::new();
                loop {
                    let Some(item) = queue.lock().ok().and_then(|mut q| q.next()) else {
                        return anyhow::Ok(handed);
                    };
                    if let Some(n) = job(feed.clone(), item).await? {
                        handed.push(n);
                    }
                }
            });
        }
        let mut next = Vec::new();
        while let Some(done) = tasks.join_next().await {
            next.extend(done??);
        }
        Ok(next)
    }

    async fn first(&self, step: Step) -> anyhow::Result<Option<Next>> {
        match step {
            Step::Poll { at, kind, lane, session, data } => {
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
                Ok(None)
            }
            Step::Deliver { at, send, repeat, help, held } => {
                let outcome = self.send(at, &send).await?;
                Ok(match (outcome, repeat, help, held) {
                    (_, Some(again), _, _) => Some(Next::Repeat(again, send)),
                    (Outcome::Accepted { trace_id, .. }, None, Some(h), _) => Some(Next::Help(trace_id, h)),
                    (Outcome::Purchase { trace_id, verdict: Verdict::Held { .. } }, None, _, Some(d)) => {
                        Some(Next::Held(trace_id, d))
                    }
                    _ => None,
                })
            }
        }
    }

    async fn second(&self, next: Next) -> anyhow::Result<()> {
        let store = self.ingest.store();
        let staff = |by: &str| Staff::new(by, Client::Window);
        match next {
            Next::Repeat(at, send) => {
                self.send(at, &send).await?;
            }
            Next::Help(trace_id, h) => {
                let help_id = store
                    .read(move |c| {
                        Ok(c.query_row(
                            "SELECT e.id FROM events e JOIN deliveries d ON d.id = e.delivery_id WHERE d.trace_id = ?1",
                            [trace_id],
                            |r| r.get::<_, i64>(0),
                        )?)
                    })
                    .await?;
                if let Some(at) = h.acknowledged {
                    let done = help::acknowledge(store, &self.live, help_id, staff(h.by), at).await;
                    self.desk(done.is_ok());
                }
                if let Some(at) = h.resolved {
                    self.desk(help::resolve(store, help_id, staff(h.by), at).await.is_ok());
                }
            }
            Next::Held(trace_id, d) => {
                let waiters = self.ingest.purchase_waiters();
                match d {
                    Decision::Approve(at, by) | Decision::Decline(at, by) => {
                        let approve = matches!(d, Decision::Approve(..));
                        let done =
                            purchases::staff_decision(store, waiters, trace_id, approve, staff(by), None, at).await;
                        self.decided(done.is_ok());
                    }
                    Decision::Miss(at) => {
                        purchases::expire(store, waiters, trace_id, at).await?;
                        self.decided(true);
                    }
                }
            }
        }
        Ok(())
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
