//! Ingest: one vendor delivery in, one verdict out. Verify, parse, then record the delivery and its
//! events in one writer transaction; the caller answers the vendor only with what this returns,
//! which is only ever returned after the commit. Refusals are recorded too (as rejected deliveries,
//! never as events, within the bounds `refusals` sets), except unknown paths, which are only counted.

use crate::purchases;
use crate::refusals::{self, Admission, RefusalLog};
use crate::store::{self, Store, StoreError, counters, deliveries, events};
use crate::vendors::{Parsed, Refusal, action_target, enviso, samna};
use deliveries::{NewDelivery, Verdict};
use rangedesk_domain::Source;
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

/// Headers kept with a delivery: enough to explain a verdict later, nothing secret.
const KEPT_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "user-agent",
    "x-samna-signature",
    "x-forwarded-for",
    "x-real-ip",
    "forwarded",
    TEST_HEADER,
];

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
        }
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

    /// Verifies, parses and records one delivery. `Err` means the store could not commit (503).
    pub async fn deliver(&self, inbound: Inbound) -> Result<Outcome, StoreError> {
        let verdict = self.verify_and_parse(&inbound);
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
                // Serialized here, on the request's own task, not on the one writer thread.
                let data_json: Vec<String> = parsed.events.iter().map(|e| e.data.to_string()).collect();
                self.store.writer().write(move |t| record_accepted(t, d, parsed, data_json, &settings)).await
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

/// Inside the writer's transaction: a repeat is logged as a duplicate and changes nothing else;
/// a new delivery is stored with its events, and a lane purchase with what its rules decide.
fn record_accepted(
    t: &rusqlite::Transaction<'_>,
    mut d: NewDelivery,
    parsed: Parsed,
    data_json: Vec<String>,
    settings: &PurchaseSettings,
) -> store::Result<Outcome> {
    if let Some(key) = &parsed.dedup_key
        && let Some(original) = deliveries::accepted_with_key(t, d.source, key)?
    {
        d.verdict = Verdict::Duplicate;
        d.reason = Some(format!("repeat of {original}"));
        deliveries::insert(t, &d)?;
        return Ok(Outcome::Accepted { trace_id: original, duplicate: true });
    }
    let delivery_id = deliveries::insert(t, &d)?;
    let mut outcome = Outcome::Accepted { trace_id: d.trace_id.clone(), duplicate: false };
    for (mut e, json) in parsed.events.into_iter().zip(data_json) {
        let is_purchase = d.source == Source::ActionTarget && e.kind == action_target::PURCHASE_REQUEST;
        if is_purchase {
            // The purchase is known by our trace id everywhere: board, history, the lane's answer.
            e.subject = Some(d.trace_id.clone());
        }
        let charged_hit = (d.source == Source::ActionTarget
            && e.kind == CARRIER_HIT
            && e.session_id.is_some()
            && settings.carrier_hit_fee_cents > 0)
            .then(|| e.clone());
        let purchase = is_purchase.then(|| {
            (action_target::purchase_items(&e.data).unwrap_or_default(), e.lane_id.clone(), e.session_id.clone())
        });
        events::insert_owned(t, Some(delivery_id), d.received_at, d.source, events::Origin::Webhook, e, json)?;
        if let Some(hit) = charged_hit {
            charge_carrier_hit(t, &d, delivery_id, &hit, settings.carrier_hit_fee_cents)?;
        }
        if let Some((items, lane_id, session_id)) = purchase {
            let request = purchases::Request {
                trace_id: &d.trace_id,
                delivery_id,
                at: d.received_at,
                lane_id,
                session_id,
                items: &items,
            };
            let verdict =
                purchases::on_request(t, &request, &settings.rules, settings.window_seconds, &settings.waiters)?;
            outcome = Outcome::Purchase { trace_id: d.trace_id.clone(), verdict };
        }
    }
    Ok(outcome)
}

const CARRIER_HIT: &str = "carrierHit";

/// A carrier hit with a fee set: one "Carrier hit" line on the session's tab, priced at the fee
/// in force when the hit arrived, recorded in the same transaction as the hit.
fn charge_carrier_hit(
    t: &rusqlite::Transaction<'_>,
    d: &NewDelivery,
    delivery_id: i64,
    hit: &rangedesk_domain::NewEvent,
    fee_cents: i64,
) -> store::Result<()> {
    let line = rangedesk_domain::NewEvent {
        kind: rangedesk_domain::kinds::purchase::TAB_ITEM_ADDED.into(),
        known: true,
        lane_id: hit.lane_id.clone(),
        session_id: hit.session_id.clone(),
        subject: Some(d.trace_id.clone()),
        vendor_time: None,
        data: serde_json::json!({
            "item_id": format!("{}:carrier-hit", d.trace_id),
            "trace_id": d.trace_id,
            "product_id": "carrier_hit",
            "product_type": "carrier_hit",
            "name": "Carrier hit",
            "qty": 1,
            "unit_price_cents": fee_cents,
            "total_cents": fee_cents,
            "to_deliver": false,
        }),
    };
    events::insert(t, Some(delivery_id), d.received_at, d.source, events::Origin::Rangedesk, &line)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn new_delivery(
    source: Source,
    headers: &http::HeaderMap,
    body: Option<Vec<u8>>,
    remote_addr: Option<String>,
    now: jiff::Timestamp,
    verdict: Verdict,
    status: u16,
    reason: Option<String>,
    dedup_key: Option<String>,
) -> NewDelivery {
    let kept: serde_json::Map<String, serde_json::Value> = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let v = headers.get(*name)?;
            Some(((*name).to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned().into()))
        })
        .collect();
    NewDelivery {
        // Time-ordered (v7): each new id lands at the end of the unique index instead of dirtying
        // a random page of it, which measured as the largest single cost per delivery.
        trace_id: uuid::Uuid::now_v7().to_string(),
        received_at: now,
        source,
        verdict,
        status,
        reason,
        dedup_key,
        remote_addr,
        headers: serde_json::Value::Object(kept),
        body,
        digest: None,
    }
}

#[cfg(test)]
mod tests;
