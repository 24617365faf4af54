//! What the board's clients ask of the core: the queries and answers shared by the browser API and
//! the desktop window's IPC commands, so both call the same functions and see the same types.

use crate::store::{self, Store, deliveries, events};
use crate::vendors::Source;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An error a client can act on: a stable `code` to switch on and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ApiErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorCode {
    BadRequest,
    NotFound,
    Forbidden,
    /// The state does not allow it (answered already, resolved already).
    Conflict,
    /// Action Target refused or did not answer.
    Upstream,
    StoreUnavailable,
    /// The request named another host (DNS rebinding, a proxy that rewrites `Host`): 421.
    WrongHost,
    /// Too many wrong PINs from one client: 429 with `Retry-After`.
    TooManyRequests,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError { code: ApiErrorCode::BadRequest, message: message.into() }
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError { code: ApiErrorCode::Conflict, message: message.into() }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError { code: ApiErrorCode::NotFound, message: message.into() }
    }
    pub fn status(&self) -> u16 {
        match self.code {
            ApiErrorCode::BadRequest => 400,
            ApiErrorCode::NotFound => 404,
            ApiErrorCode::Forbidden => 403,
            ApiErrorCode::Conflict => 409,
            ApiErrorCode::Upstream => 502,
            ApiErrorCode::StoreUnavailable => 503,
            ApiErrorCode::WrongHost => 421,
            ApiErrorCode::TooManyRequests => 429,
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        tracing::error!(error = %e, "store query failed");
        ApiError { code: ApiErrorCode::StoreUnavailable, message: "the store is unavailable".into() }
    }
}

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

/// The URLs to paste into each vendor's portal.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HookUrls {
    pub action_target: String,
    pub action_target_products: String,
    pub enviso: String,
    pub samna: String,
}

/// Counts of deliveries by source and verdict, and of refusals that leave no row.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Status {
    pub store_ok: bool,
    pub public_addr: String,
    pub board_addr: String,
    pub data_dir: String,
    pub deliveries: Vec<DeliveryCount>,
    #[ts(type = "number")]
    pub refused_not_found: i64,
    pub action_target_api: crate::reconciler::ApiHealth,
    /// Refused deliveries counted without a row in the delivery log: past a client's rate of
    /// refusals, or while the disk was below its free-space floor.
    #[ts(type = "number")]
    pub refused_unlogged: i64,
    /// Whether refused deliveries are logged now.
    pub refusals_logging: crate::refusals::RefusalLogging,
    /// Free bytes on the data directory's filesystem, as last read; null when it cannot say.
    #[ts(type = "number | null")]
    pub data_free_bytes: Option<u64>,
    /// Below this many free bytes refusals are counted, not logged.
    #[ts(type = "number")]
    pub refusal_floor_bytes: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DeliveryCount {
    pub source: String,
    pub verdict: String,
    #[ts(type = "number")]
    pub count: i64,
}
