//! Ingest: one vendor delivery in, one verdict out. Verify, parse, then record the delivery and its
//! events in one writer transaction; the caller answers the vendor only with what this returns,
//! which is only ever returned after the commit. Refusals are recorded too (as rejected deliveries,
//! never as events, within the bounds `refusals` sets), except unknown paths, which are only counted.

use crate::purchases;
use crate::refusals::{self, Admission, RefusalLog};
use crate::store::{Store, StoreError, counters, deliveries};
use crate::vendors::{Parsed, Refusal, action_target, enviso, samna};
use deliveries::Verdict;
use rangedesk_domain::Source;
use record::{new_delivery, record_accepted};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Largest body we read, as INTERFACES.md fixes it.
pub const MAX_BODY: usize = 64 * 1024;

/// The verification material, swapped whole when settings change.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub hook_token: String,
    pub enviso_hmac_keys: Vec<String>,
    pub samna_secrets: Vec<String>,
    pub samna_tolerance_seconds: u64,
}

/// One request as it reached a vendor route.
#[derive(Debug)]
pub struct Inbound {
    pub source: Source,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    pub remote_addr: Option<String>,
    pub now: jiff::Timestamp,
}

/// The answer to give the vendor.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored (or recognised as a repeat of a stored delivery, which changes nothing).
    Accepted { trace_id: String, duplicate: bool },
    /// A lane purchase, stored with what the rules made of it: answered, or held for the desk.
    Purchase { trace_id: String, verdict: purchases::Verdict },
    /// Refused and recorded as rejected.
    Refused { status: u16, reason: String },
}

#[derive(Clone)]
pub struct Ingest {
    store: Store,
    keys: Arc<std::sync::RwLock<Keys>>,
    /// Swapped whole when the settings change; each delivery takes a copy of it.
    purchases: Arc<std::sync::RwLock<PurchaseSettings>>,
    waiters: purchases::Waiters,
    not_found: Arc<AtomicU64>,
    refusals: RefusalLog,
    /// What a delivery calls for after its commit; `None` only stores (some tests).
    follow_ups: Option<FollowUps>,
}

/// How lane purchases are answered.
#[derive(Clone, Default)]
pub struct PurchaseSettings {
    pub rules: rangedesk_domain::purchase::Rules,
    pub window_seconds: u64,
    pub waiters: purchases::Waiters,
    /// What a carrier hit adds to the session's tab, in cents; 0 adds nothing.
    pub carrier_hit_fee_cents: i64,
}

/// The event kind of a test delivery sent from the settings screen. No vendor sends it, so it is
/// stored as an unknown event and raises nothing on the board.
pub const TEST_EVENT_ACTION_TARGET: &str = "rangedeskTest";

/// Marks a test delivery sent from the settings screen; kept with the delivery so the log shows it.
pub const TEST_HEADER: &str = "x-rangedesk-test";

impl Ingest {
    pub fn new(store: Store, keys: Keys, purchases: PurchaseSettings) -> Ingest {
        Ingest {
            store,
            keys: Arc::new(std::sync::RwLock::new(keys)),
            waiters: purchases.waiters.clone(),
            purchases: Arc::new(std::sync::RwLock::new(purchases)),
            not_found: Arc::new(AtomicU64::new(0)),
            refusals: RefusalLog::default(),
            follow_ups: None,
        }
    }

    /// The same ingest, starting what each delivery calls for after its commit (see
    /// [`follow_up`]). The app always builds its ingest this way.
    pub fn with_follow_ups(mut self, follow_ups: FollowUps) -> Ingest {
        self.follow_ups = Some(follow_ups);
        self
    }

    pub fn purchase_waiters(&self) -> &purchases::Waiters {
        &self.waiters
    }

    /// New verification material, used from the next delivery on (settings changed).
    pub fn set_keys(&self, keys: Keys) {
        if let Ok(mut k) = self.keys.write() {
            *k = keys;
        }
    }

    /// New purchase rules, approval window and carrier-hit fee, used from the next delivery on.
    /// Requests already held keep the window they were given.
    pub fn set_purchase_settings(
        &self,
        rules: rangedesk_domain::purchase::Rules,
        window_seconds: u64,
        carrier_hit_fee_cents: i64,
    ) {
        if let Ok(mut p) = self.purchases.write() {
            p.rules = rules;
            p.window_seconds = window_seconds;
            p.carrier_hit_fee_cents = carrier_hit_fee_cents;
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn keys(&self) -> Keys {
        self.keys.read().map(|k| k.clone()).unwrap_or_default()
    }

    /// Whether `token` is this install's Action Target hook token.
    pub fn hook_token_matches(&self, token: &str) -> bool {
        self.keys.read().is_ok_and(|k| action_target::token_matches(&k.hook_token, token))
    }

    /// Counts a request refused with 404 (unknown path or wrong token); it leaves no row.
    pub fn count_not_found(&self) {
        self.not_found.fetch_add(1, Ordering::Relaxed);
    }

    /// 404s counted since start, including those not yet saved.
    pub fn not_found_since_start(&self) -> u64 {
        self.not_found.load(Ordering::Relaxed)
    }

    /// What is kept of refused deliveries, and what was counted instead.
    pub fn refusal_log(&self) -> &RefusalLog {
        &self.refusals
    }

    /// Saves the 404 count and the refusals counted without a row since the last call, and prunes
    /// old refusals when that is due (the first call after start, then hourly). The app calls this
    /// every few seconds and at shutdown.
    pub async fn flush_counters(&self) -> Result<(), StoreError> {
        let refusals = self.refusals.flush(&self.store).await;
        if let Err(e) = self.refusals.prune_if_due(&self.store, jiff::Timestamp::now()).await {
            tracing::warn!(error = %e, "could not prune old refused deliveries; trying again at the next flush");
        }
        let n = self.not_found.swap(0, Ordering::Relaxed);
        if n == 0 {
            return refusals;
        }
        let result = self.store.writer().write(move |t| counters::add(t, "refused_not_found", n as i64)).await;
        if result.is_err() {
            self.not_found.fetch_add(n, Ordering::Relaxed);
        }
        result.and(refusals)
    }

    /// Records a delivery refused before its body was read (too large, too slow).
    pub async fn refuse_unread(
        &self,
        source: Source,
        headers: &http::HeaderMap,
        remote_addr: Option<String>,
        status: u16,
        reason: &str,
        now: jiff::Timestamp,
    ) -> Result<Outcome, StoreError> {
        self.refuse(source, headers, None, remote_addr, now, status, reason.to_owned()).await
    }

    /// Logs a refused delivery (never as an event), or only counts it past the rate of refusals
    /// or below the free-space floor, and says what to answer: the same either way.
    #[allow(clippy::too_many_arguments)]
    async fn refuse(
        &self,
        source: Source,
        headers: &http::HeaderMap,
        body: Option<Vec<u8>>,
        remote_addr: Option<String>,
        now: jiff::Timestamp,
        status: u16,
        reason: String,
    ) -> Result<Outcome, StoreError> {
        match self.refusals.admit(&self.store, remote_addr.as_deref(), now) {
            Admission::Row => {}
            Admission::RateLimited | Admission::LowDisk => return Ok(Outcome::Refused { status, reason }),
        }
        let (body, digest) = body.map(refusals::cut).unzip();
        let mut d = new_delivery(
            source,
            headers,
            body,
            remote_addr,
            now,
            Verdict::Rejected,
            status,
            Some(reason.clone()),
            None,
        );
        d.digest = digest;
        self.store.writer().write(move |t| deliveries::insert(t, &d)).await?;
        Ok(Outcome::Refused { status, reason })
    }

    /// Verifies, parses and records one delivery, then starts what it calls for. `Err` means the
    /// store could not commit (503).
    pub async fn deliver(&self, inbound: Inbound) -> Result<Outcome, StoreError> {
        let verdict = self.verify_and_parse(&inbound);
        let follow_ups = self.follow_ups.as_ref();
        let lane = follow_ups.zip(verdict.as_ref().ok()).and_then(|(f, p)| f.before(inbound.source, p));
        let outcome = self.record(inbound, verdict).await?;
        if let Some(f) = follow_ups {
            f.after(&self.store, &outcome, lane);
        }
        Ok(outcome)
    }

    async fn record(&self, inbound: Inbound, verdict: Result<Parsed, Refusal>) -> Result<Outcome, StoreError> {
        let Inbound { source, headers, body, remote_addr, now } = inbound;
        match verdict {
            Err(refusal) => {
                let (status, reason) = match refusal {
                    Refusal::Unauthorized(r) => (401, r),
                    Refusal::BadRequest(r) => (400, r),
                };
                tracing::debug!(%source, status, %reason, "delivery refused");
                self.refuse(source, &headers, Some(body), remote_addr, now, status, reason).await
            }
            Ok(parsed) => {
                let d = new_delivery(
                    source,
                    &headers,
                    Some(body),
                    remote_addr,
                    now,
                    Verdict::Accepted,
                    200,
                    None,
                    parsed.dedup_key.clone(),
                );
                let mut settings = self.purchases.read().map(|p| p.clone()).unwrap_or_default();
                settings.waiters = self.waiters.clone();
                self.store.writer().write(move |t| record_accepted(t, d, parsed, &settings)).await
            }
        }
    }

    fn verify_and_parse(&self, inbound: &Inbound) -> Result<Parsed, Refusal> {
        let keys = self.keys.read().map_err(|_| Refusal::unauthorized("keys unavailable"))?;
        match inbound.source {
            // The token was checked by the route (a wrong one is a 404, not a delivery).
            Source::ActionTarget => action_target::parse(&inbound.body),
            Source::Enviso => enviso::verify_and_parse(&inbound.body, &keys.enviso_hmac_keys),
            Source::Samna => {
                let header = inbound.headers.get(samna::SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
                let now = inbound.now.as_second();
                samna::verify(header, &inbound.body, &keys.samna_secrets, keys.samna_tolerance_seconds, now)?;
                samna::parse(&inbound.body)
            }
        }
    }
}

mod follow_up;
mod record;

pub use follow_up::FollowUps;

#[cfg(test)]
mod tests;
