//! The reconciler: Action Target's webhooks are fire-once, so every `poll_seconds` the vendor's
//! session list is compared with the board, and each difference (a session no webhook announced,
//! one that ended silently, a changed duration) is recorded as an event from the poll; the board
//! follows. `sessionModified` and events for unknown sessions ask the vendor about that one
//! session. While the vendor is unreachable the board keeps its last state, marked stale.

use crate::board::Live;
use crate::store::{self, Store, events};
use crate::vendors::action_target_api::{AtError, Client};
use rangedesk_domain::kinds;
use rangedesk_domain::{NewEvent, Source};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use ts_rs::TS;

/// How the app's link to Action Target's API is doing, as staff see it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct ApiHealth {
    /// Polling is configured (an API key is set and `poll_seconds` > 0).
    pub polling: bool,
    pub last_poll_ok: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// The last poll failed: the board shows its last known state, which may be out of date.
    pub stale: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Vendor(#[from] AtError),
    #[error("the store could not record what the vendor said: {0}")]
    Store(#[from] store::StoreError),
}

#[derive(Clone)]
pub struct Reconciler {
    inner: Arc<Inner>,
}

struct Inner {
    /// Replaced when the Action Target settings change (see [`Reconciler::run`]).
    client: Mutex<Client>,
    store: Store,
    live: Live,
    health: Mutex<ApiHealth>,
    /// Sessions being looked up right now, so a burst of events asks once.
    refreshing: Mutex<HashSet<String>>,
}

impl Reconciler {
    pub fn new(client: Client, store: Store, live: Live, polling: bool) -> Reconciler {
        let health = ApiHealth { polling, ..Default::default() };
        Reconciler {
            inner: Arc::new(Inner {
                client: Mutex::new(client),
                store,
                live,
                health: Mutex::new(health),
                refreshing: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// The API client for the settings in force; a cheap clone sharing one connection pool.
    pub fn client(&self) -> Client {
        match self.inner.client.lock() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set_client(&self, client: Client, polling: bool) {
        match self.inner.client.lock() {
            Ok(mut c) => *c = client,
            Err(p) => *p.into_inner() = client,
        }
        if let Ok(mut h) = self.inner.health.lock() {
            if h.polling && !polling {
                // Nothing will poll: the last poll's staleness says nothing any more.
                h.stale = false;
                self.inner.live.set_stale(false);
            }
            h.polling = polling;
        }
    }

    pub fn health(&self) -> ApiHealth {
        self.inner.health.lock().map(|h| h.clone()).unwrap_or_default()
    }

    fn note<T>(&self, result: &Result<T, ReconcileError>) {
        let now = jiff::Timestamp::now().to_string();
        self.inner.live.set_stale(result.is_err());
        if let Ok(mut h) = self.inner.health.lock() {
            match result {
                Ok(_) => {
                    h.last_poll_ok = Some(now);
                    h.stale = false;
                }
                Err(e) => {
                    h.last_error = Some(e.to_string());
                    h.last_error_at = Some(now);
                    h.stale = true;
                }
            }
        }
    }

    /// One poll of `GET /sessions`: records what differs. Returns how many events it recorded.
    pub async fn poll(&self) -> Result<usize, ReconcileError> {
        let result = self.poll_inner().await;
        self.note(&result);
        result
    }

    async fn poll_inner(&self) -> Result<usize, ReconcileError> {
        let sessions = self.client().sessions().await?;
        let api: Vec<serde_json::Value> = sessions.iter().filter_map(|s| serde_json::to_value(s).ok()).collect();
        let now = jiff::Timestamp::now();
        let diff = self.inner.live.with(|b| b.reconcile(&api, now));
        let n = diff.len();
        if n > 0 {
            tracing::info!(events = n, "reconciler: the board differed from Action Target");
            self.record(diff, now).await?;
        }
        Ok(n)
    }

    /// Reads lanes, bays and groups; records a `rangeSetup` when they differ from the board's.
    pub async fn refresh_setup(&self) -> Result<bool, ReconcileError> {
        let c = self.client();
        let (lanes, bays, groups) = tokio::try_join!(c.lanes(), c.bays(), c.groups())?;
        let data = serde_json::json!({"lanes": lanes, "bays": bays, "groups": groups});
        if !self.inner.live.with(|b| b.setup_differs(&data)) {
            return Ok(false);
        }
        let e = NewEvent {
            kind: kinds::RANGE_SETUP.into(),
            known: true,
            lane_id: None,
            session_id: None,
            subject: None,
            vendor_time: None,
            data,
        };
        self.record(vec![e], jiff::Timestamp::now()).await?;
        Ok(true)
    }

    /// Asks the vendor about one session and records what it says.
    pub async fn refresh_session(&self, id: &str) -> Result<(), ReconcileError> {
        let now = jiff::Timestamp::now();
        let found = self.client().session(id).await?;
        let diff = match found {
            Some(s) => {
                let v = serde_json::to_value(&s).map_err(|e| AtError::BadAnswer(e.to_string()))?;
                self.inner.live.with(|b| b.reconcile_one(&v, now))
            }
            None => self.inner.live.with(|b| b.vanished(id)),
        };
        if !diff.is_empty() {
            self.record(diff, now).await?;
        }
        Ok(())
    }

    /// Looks a session up in the background, once however many events ask at once.
    pub fn trigger_refresh(&self, id: String) {
        let fresh = self.inner.refreshing.lock().is_ok_and(|mut r| r.insert(id.clone()));
        if !fresh {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            if let Err(e) = me.refresh_session(&id).await {
                tracing::warn!(session = %id, error = %e, "could not look the session up at Action Target");
            }
            if let Ok(mut r) = me.inner.refreshing.lock() {
                r.remove(&id);
            }
        });
    }

    async fn record(&self, diff: Vec<NewEvent>, now: jiff::Timestamp) -> store::Result<()> {
        self.inner
            .store
            .writer()
            .write(move |t| {
                for e in &diff {
                    events::insert(t, None, now, Source::ActionTarget, events::Origin::Poll, e)?;
                }
                Ok(())
            })
            .await
    }

    /// Follows the Action Target settings in force: while an API key is set, reads the range
    /// set-up and polls (see [`Reconciler::poll_until_shutdown`]); when the key, address, header or
    /// period change, starts again with a new client, so a key pasted into the settings works
    /// without a restart.
    pub async fn run(
        self,
        mut config: watch::Receiver<Arc<crate::config::Config>>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut first = true;
        loop {
            let at = config.borrow_and_update().action_target.clone();
            let configured = !at.api_key.trim().is_empty();
            if !first {
                match Client::new(crate::vendors::action_target_api::ApiConfig::from_config(&at)) {
                    Ok(client) => self.set_client(client, configured && at.poll_seconds > 0),
                    Err(e) => tracing::error!(error = %e, "the new Action Target settings cannot be used"),
                }
            }
            first = false;
            if configured {
                tracing::info!(poll_seconds = at.poll_seconds, "Action Target's API: reading the range set-up");
            } else {
                tracing::info!("Action Target's API key is not set: no range set-up, no polling");
            }
            let changed = async {
                // Only a change to the Action Target settings restarts the loop.
                loop {
                    if config.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                    if config.borrow().action_target.api_key != at.api_key
                        || config.borrow().action_target.api_base != at.api_base
                        || config.borrow().action_target.api_auth_header != at.api_auth_header
                        || config.borrow().action_target.poll_seconds != at.poll_seconds
                    {
                        return;
                    }
                }
            };
            let (me, stop) = (self.clone(), shutdown.clone());
            let work = async move {
                if configured {
                    me.poll_until_shutdown(at.poll_seconds, stop).await;
                } else {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = changed => {}
                () = work => return,
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }

    /// Reads the range set-up at start (and daily), then polls until shutdown.
    pub async fn poll_until_shutdown(self, poll_seconds: u64, mut shutdown: watch::Receiver<bool>) {
        let day = Duration::from_secs(24 * 3600);
        let mut next_setup = tokio::time::Instant::now();
        let period = Duration::from_secs(poll_seconds.max(1));
        loop {
            if tokio::time::Instant::now() >= next_setup {
                match self.refresh_setup().await {
                    Ok(_) => next_setup = tokio::time::Instant::now() + day,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not read the range set-up from Action Target");
                        next_setup = tokio::time::Instant::now() + period;
                    }
                }
            }
            if poll_seconds > 0
                && let Err(e) = self.poll().await
            {
                tracing::warn!(error = %e, "reconciler: poll failed; the board is marked stale");
            }
            if poll_seconds == 0 && tokio::time::Instant::now() < next_setup {
                // Polling is off: only the daily set-up refresh remains.
                tokio::select! {
                    () = tokio::time::sleep_until(next_setup) => {}
                    _ = shutdown.wait_for(|s| *s) => return,
                }
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(period) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }
}
