//! The two logs staff read back: the delivery log (every request a vendor made, with its verdict
//! and raw body) and the event log, newest first, a page at a time.

use crate::error::ApiError;
use crate::store::{Store, deliveries, events};
use rangedesk_domain::Source;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One page of a newest-first list; pass `next_before` as `before` for the next page.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Page<T: TS> {
    pub items: Vec<T>,
    #[ts(type = "number | null")]
    pub next_before: Option<i64>,
}

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 1000;

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryQuery {
    /// The board PIN may ride in the query string; it is checked by the guard, not here.
    #[ts(skip)]
    pub pin: Option<String>,
    pub source: Option<String>,
    pub verdict: Option<String>,
    /// RFC 3339 instant, inclusive.
    pub from: Option<String>,
    /// RFC 3339 instant, exclusive.
    pub to: Option<String>,
    #[ts(type = "number | null")]
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct EventQuery {
    /// The board PIN may ride in the query string; it is checked by the guard, not here.
    #[ts(skip)]
    pub pin: Option<String>,
    pub source: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub lane: Option<String>,
    pub session: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    #[ts(type = "number | null")]
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

fn source(s: Option<&str>) -> Result<Option<Source>, ApiError> {
    s.map(|s| {
        Source::parse(s)
            .ok_or_else(|| ApiError::bad_request(format!("unknown source {s:?}; use action_target, enviso or samna")))
    })
    .transpose()
}

fn instant(name: &str, s: Option<&str>) -> Result<Option<jiff::Timestamp>, ApiError> {
    s.map(|s| {
        s.parse().map_err(|_| {
            ApiError::bad_request(format!("`{name}` is not an RFC 3339 instant such as 2026-11-24T09:00:00Z"))
        })
    })
    .transpose()
}

fn limit(l: Option<u32>) -> Result<u32, ApiError> {
    match l {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(format!("`limit` must be between 1 and {MAX_LIMIT}"))),
    }
}

fn page<T: TS>(items: Vec<T>, limit: u32, id: impl Fn(&T) -> i64) -> Page<T> {
    let next_before = if items.len() as u32 == limit { items.last().map(&id) } else { None };
    Page { items, next_before }
}

pub async fn list_deliveries(store: &Store, q: DeliveryQuery) -> Result<Page<deliveries::DeliveryRow>, ApiError> {
    let verdict = q
        .verdict
        .as_deref()
        .map(|v| {
            deliveries::Verdict::parse(v).ok_or_else(|| {
                ApiError::bad_request(format!("unknown verdict {v:?}; use accepted, duplicate or rejected"))
            })
        })
        .transpose()?;
    let filter = deliveries::Filter {
        source: source(q.source.as_deref())?,
        verdict,
        from: instant("from", q.from.as_deref())?,
        to: instant("to", q.to.as_deref())?,
        before: q.before,
        limit: limit(q.limit)?,
    };
    let n = filter.limit;
    let items = store.read(move |c| deliveries::list(c, &filter)).await?;
    Ok(page(items, n, |d| d.id))
}

pub async fn list_events(store: &Store, q: EventQuery) -> Result<Page<events::EventRow>, ApiError> {
    let filter = events::Filter {
        source: source(q.source.as_deref())?,
        kind: q.kind,
        lane_id: q.lane,
        session_id: q.session,
        from: instant("from", q.from.as_deref())?,
        to: instant("to", q.to.as_deref())?,
        before: q.before,
        limit: limit(q.limit)?,
    };
    let n = filter.limit;
    let items = store.read(move |c| events::list(c, &filter)).await?;
    Ok(page(items, n, |e| e.id))
}
