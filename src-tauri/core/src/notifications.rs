//! Which board changes deserve a desktop notification, and how many toasts they make. Pure: the
//! caller passes the board as it is now, when each vendor was last heard from, the settings and
//! `now`; [`Notifier`] remembers what it has already announced and answers with the notices to
//! show. The desktop app only shows them (notify-rust) and turns their actions into staff actions.
//!
//! Promises:
//! - each help call, held purchase, carrier hit, session ending soon or running over, ceasefire and
//!   silent vendor is announced once, and nothing already on the board when the app starts is;
//! - a kind that is turned off is still tracked, so turning it on later does not replay old things;
//! - a burst is one toast: several notices of one kind at once become one summary (a ceasefire is
//!   one "Ceasefire" toast, never a toast per paused lane), and the kinds that are not urgent
//!   (carrier hits, ending soon, overtime) raise at most one toast per [`QUIET`], folding whatever
//!   arrives meanwhile into the next.

mod feed;
mod notice;

pub use feed::{Update, Watched, spawn};
pub use notice::{Action, FocusLane, Kind, Notice, Subject};

use crate::board::{BoardView, LaneState, LaneView};
use crate::config::Notifications;
use rangedesk_domain::Source;
use rangedesk_domain::purchase::Status;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The least time between two toasts of a kind that is not urgent.
pub const QUIET: jiff::SignedDuration = jiff::SignedDuration::from_secs(30);

/// When a vendor last reached the app (for Action Target: a webhook or an answered poll).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Heard {
    pub source: Source,
    pub last: Option<jiff::Timestamp>,
}

/// Open help calls and purchases waiting for the desk: what the tray shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waiting {
    pub help: usize,
    pub purchases: usize,
}

impl Waiting {
    pub fn of(board: &BoardView) -> Waiting {
        Waiting {
            help: board.help.iter().filter(|h| h.acknowledged_at.is_none()).count(),
            purchases: board.purchases.iter().filter(|p| waits_for_desk(p)).count(),
        }
    }

    /// One line for the tray's tooltip.
    pub fn label(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}, {}",
            plural(self.help, "help call", "help calls"),
            plural(self.purchases, "purchase waiting", "purchases waiting")
        )
    }
}

/// A purchase the desk must answer: pending and held (a rule that approves at once never holds).
fn waits_for_desk(p: &crate::board::PurchaseView) -> bool {
    p.status == Status::Pending && p.deadline.is_some()
}

/// What has been announced, so each thing is announced once.
#[derive(Debug, Default)]
pub struct Notifier {
    started: Option<jiff::Timestamp>,
    help: HashSet<i64>,
    purchases: HashSet<String>,
    hits: HashMap<String, u32>,
    ending: HashSet<String>,
    overtime: HashSet<String>,
    ceasefire: bool,
    /// Help calls not yet acknowledged, to tell when one is answered (anywhere).
    unanswered: HashSet<i64>,
    /// Help calls and purchases answered since the last `take_settled`.
    settled: Vec<Subject>,
    silent: HashSet<Source>,
    /// Notices of a quiet kind waiting for their [`QUIET`] gap, by kind.
    held: BTreeMap<Kind, Vec<Notice>>,
    last_shown: HashMap<Kind, jiff::Timestamp>,
    backup_overdue: bool,
}

impl Notifier {
    pub fn new() -> Notifier {
        Notifier::default()
    }

    /// The help calls acknowledged or resolved and the purchases answered since the last call,
    /// wherever that happened: their notifications have nothing left to ask.
    pub fn take_settled(&mut self) -> Vec<Subject> {
        std::mem::take(&mut self.settled)
    }

    /// The notice to show when backups have just become overdue (once until one succeeds again).
    pub fn backup(&mut self, overdue: bool) -> Option<Notice> {
        let fresh = overdue && !self.backup_overdue;
        self.backup_overdue = overdue;
        fresh.then(notice::backup_overdue)
    }

    /// Whether `source` has been announced silent and not heard from since.
    pub fn called_silent(&self, source: Source) -> bool {
        self.silent.contains(&source)
    }

    /// The notices to show now, given the board and vendors as they are at `now`.
    pub fn observe(
        &mut self,
        on: &Notifications,
        board: &BoardView,
        heard: &[Heard],
        now: jiff::Timestamp,
    ) -> Vec<Notice> {
        let first = self.started.is_none();
        let started = *self.started.get_or_insert(now);
        let mut fresh = self.changes(on, board, heard, now, started);
        if first {
            // What the board already shows at start is on screen; only what happens next is news.
            fresh.clear();
        }
        for n in fresh.into_iter().filter(|n| enabled(on, n.kind)) {
            self.held.entry(n.kind).or_default().push(n);
        }
        let mut out = Vec::new();
        let kinds: Vec<Kind> = self.held.keys().copied().collect();
        for kind in kinds {
            let quiet = !kind.urgent() && self.last_shown.get(&kind).is_some_and(|at| now.duration_since(*at) < QUIET);
            if quiet {
                continue;
            }
            if let Some(batch) = self.held.remove(&kind).filter(|b| !b.is_empty()) {
                self.last_shown.insert(kind, now);
                out.push(notice::merge(kind, batch));
            }
        }
        out
    }

    /// Everything new since the last observation, one notice per thing, whatever the settings.
    fn changes(
        &mut self,
        on: &Notifications,
        board: &BoardView,
        heard: &[Heard],
        now: jiff::Timestamp,
        started: jiff::Timestamp,
    ) -> Vec<Notice> {
        let lanes: HashMap<&str, &LaneView> = board.lanes.iter().map(|l| (l.lane_id.as_str(), l)).collect();
        let lane = |id: Option<&str>| id.and_then(|id| lanes.get(id).copied());
        let mut out = Vec::new();

        if board.ceasefire && !self.ceasefire {
            let paused = board.lanes.iter().filter(|l| l.state == LaneState::Paused).count();
            out.push(notice::ceasefire(paused));
        }
        self.ceasefire = board.ceasefire;

        let open: HashSet<i64> = board.help.iter().map(|h| h.help_id).collect();
        for h in board.help.iter().filter(|h| h.acknowledged_at.is_none() && !self.help.contains(&h.help_id)) {
            out.push(notice::help(h, lane(h.lane_id.as_deref())));
        }
        self.help = open;
        let unanswered: HashSet<i64> =
            board.help.iter().filter(|h| h.acknowledged_at.is_none()).map(|h| h.help_id).collect();
        self.settled.extend(self.unanswered.difference(&unanswered).map(|id| Subject::Help(*id)));
        self.unanswered = unanswered;

        let held: HashSet<String> =
            board.purchases.iter().filter(|p| waits_for_desk(p)).map(|p| p.trace_id.clone()).collect();
        for p in board.purchases.iter().filter(|p| waits_for_desk(p) && !self.purchases.contains(&p.trace_id)) {
            out.push(notice::purchase(p, lane(p.lane_id.as_deref()), now));
        }
        self.settled.extend(self.purchases.difference(&held).map(|t| Subject::Purchase(t.clone())));
        self.purchases = held;

        let mut hits = HashMap::new();
        for s in &board.sessions {
            let before = self.hits.get(&s.session_id).copied().unwrap_or(0);
            if s.carrier_hits > before {
                out.push(notice::carrier_hit(s, lane(Some(&s.lane_id))));
            }
            hits.insert(s.session_id.clone(), s.carrier_hits);
        }
        self.hits = hits;

        // During a ceasefire nothing counts down; the lanes say so when it ends.
        let mut ending = HashSet::new();
        let mut overtime = HashSet::new();
        for l in board.lanes.iter().filter(|_| !board.ceasefire) {
            let Some(session) = l.session_id.clone() else { continue };
            match l.state {
                LaneState::EndingSoon => {
                    if !self.ending.contains(&session) {
                        out.push(notice::ending_soon(l));
                    }
                    ending.insert(session);
                }
                LaneState::Overtime => {
                    if !self.overtime.contains(&session) {
                        out.push(notice::overtime(l));
                    }
                    // Running over follows ending soon: never announce that one afterwards.
                    ending.insert(session.clone());
                    overtime.insert(session);
                }
                LaneState::Paused => {
                    ending.extend(self.ending.get(&session).cloned());
                    overtime.extend(self.overtime.get(&session).cloned());
                }
                _ => {}
            }
        }
        if !board.ceasefire {
            self.ending = ending;
            self.overtime = overtime;
        }

        let limit = jiff::SignedDuration::from_mins(on.vendor_silent_minutes.max(1) as i64);
        for h in heard {
            let Some(last) = h.last else { continue };
            // Silence while the app was not running is not the vendor's: count from the start.
            if now.duration_since(last.max(started)) >= limit {
                if self.silent.insert(h.source) {
                    out.push(notice::vendor_silent(h.source, on.vendor_silent_minutes));
                }
            } else {
                self.silent.remove(&h.source);
            }
        }
        out
    }
}

fn enabled(on: &Notifications, kind: Kind) -> bool {
    match kind {
        Kind::Help => on.help,
        Kind::Purchase => on.purchase,
        Kind::CarrierHit => on.carrier_hit,
        Kind::EndingSoon => on.ending_soon,
        Kind::Overtime => on.overtime,
        Kind::Ceasefire => on.ceasefire,
        Kind::VendorSilent => on.vendor_silent,
        // Not a setting: a folder that is set says backups are wanted.
        Kind::BackupOverdue => true,
    }
}

#[cfg(test)]
mod tests;
