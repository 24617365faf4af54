//! Runs a [`Notifier`] against the live board: after each burst of board changes (settled for
//! [`SETTLE`], as the window's push does) and every [`TICK`] (countdowns and silence happen with no
//! event), with the settings as they are at that moment.

use super::{Heard, Notice, Notifier, Subject};
use crate::board::Live;
use crate::config::Config;
use crate::reconciler::Reconciler;
use crate::store::Store;
use rangedesk_domain::Source;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::mpsc;
use tokio::sync::watch;

/// Lets a burst (a ceasefire's 24 pauses) land before the board is looked at.
const SETTLE: Duration = Duration::from_millis(250);
/// How often the board is looked at when nothing happens.
const TICK: Duration = Duration::from_secs(2);
/// How often the store is asked when each vendor was last heard from (silence is counted in minutes).
const HEARD_EVERY: Duration = Duration::from_secs(20);
/// A vendor not heard from for this long is taken as one the range does not use.
const IN_USE: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// What the desktop is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// A notification to show.
    Show(Notice),
    /// This was answered (perhaps in the window or a browser): its notification can be closed.
    Settled(Subject),
}

/// What the feed watches: the board, the config in force, and when each vendor was last heard.
#[derive(Clone)]
pub struct Watched {
    pub live: Live,
    pub store: Store,
    pub reconciler: Reconciler,
    pub config: watch::Receiver<Arc<Config>>,
    pub backups: crate::backups::Backups,
}

impl Watched {
    fn config(&self) -> Arc<Config> {
        self.config.borrow().clone()
    }

    fn board(&self) -> crate::board::BoardView {
        self.live.view_for(jiff::Timestamp::now(), &self.config())
    }
}

/// Updates as they become due, until `stop` turns true or the receiver is dropped.
pub fn spawn(app: Watched, mut stop: watch::Receiver<bool>) -> mpsc::Receiver<Update> {
    let (tx, rx) = mpsc::channel(64);
    let mut changes = app.live.subscribe();
    // The baseline, taken before this returns: what the board shows now is not news, whatever
    // happens after is.
    let mut notifier = Notifier::new();
    let _ = notifier.observe(&app.config().notifications, &app.board(), &[], jiff::Timestamp::now());
    tokio::spawn(async move {
        let mut heard_at: Option<tokio::time::Instant> = None;
        let mut last_heard = Vec::new();
        loop {
            let config = app.config();
            let now = jiff::Timestamp::now();
            // The cache may be older than the vendor's last delivery: ask again before calling a
            // vendor silent on its word.
            let limit = jiff::SignedDuration::from_mins(config.notifications.vendor_silent_minutes as i64);
            let looks_silent = last_heard.iter().any(|h: &Heard| {
                h.last.is_some_and(|t| now.duration_since(t) >= limit) && !notifier.called_silent(h.source)
            });
            let mut backup = None;
            if looks_silent || heard_at.is_none_or(|at| at.elapsed() >= HEARD_EVERY) {
                heard_at = Some(tokio::time::Instant::now());
                match heard(&app).await {
                    Ok(h) => last_heard = h,
                    Err(e) => tracing::warn!(error = %e, "notifications: cannot read when vendors were last heard"),
                }
                match app.backups.is_overdue(&config.backup, now).await {
                    Ok(overdue) => backup = notifier.backup(overdue),
                    Err(e) => tracing::warn!(error = %e, "notifications: cannot read the last backup"),
                }
            }
            let mut notices = notifier.observe(&config.notifications, &app.board(), &last_heard, now);
            notices.extend(backup);
            let settled = notifier.take_settled().into_iter().map(Update::Settled);
            for update in notices.into_iter().map(Update::Show).chain(settled) {
                tracing::trace!(?update, "notification update");
                if tx.send(update).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                change = changes.recv() => {
                    if let Err(RecvError::Closed) = change {
                        return;
                    }
                    tokio::time::sleep(SETTLE).await;
                    while let Ok(_) | Err(TryRecvError::Lagged(_)) = changes.try_recv() {}
                }
                () = tokio::time::sleep(TICK) => {}
                () = stopped(&mut stop) => return,
            }
        }
    });
    rx
}

async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// The last accepted delivery of each vendor; for Action Target, the last answered poll counts.
async fn heard(app: &Watched) -> crate::store::Result<Vec<Heard>> {
    let since = jiff::Timestamp::now() - IN_USE;
    let last = app
        .store
        .read(move |conn| {
            Source::ALL
                .into_iter()
                .map(|s| Ok((s, crate::store::deliveries::last_accepted(conn, s, since)?)))
                .collect::<crate::store::Result<Vec<_>>>()
        })
        .await?;
    let polled = app.reconciler.health().last_poll_ok.and_then(|t| t.parse::<jiff::Timestamp>().ok());
    Ok(last
        .into_iter()
        .map(|(source, delivered)| Heard {
            source,
            last: if source == Source::ActionTarget { delivered.max(polled) } else { delivered },
        })
        .collect())
}
