//! One notification as staff see it: its words, the lane it is about, and what its buttons do.
//! Vendor text (customer names, item ids) goes into the body as plain text; notification servers
//! that understand markup are told nothing is markup by escaping it in the desktop app.

use crate::board::{HelpView, LaneView, PurchaseView, SessionView};
use rangedesk_domain::Source;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Help,
    Purchase,
    Ceasefire,
    VendorSilent,
    /// No backup has succeeded for two days (`crate::backups::OVERDUE`).
    BackupOverdue,
    CarrierHit,
    EndingSoon,
    Overtime,
}

impl Kind {
    /// Urgent kinds are shown at once; someone is waiting (or the range stopped, or data stopped).
    pub fn urgent(self) -> bool {
        matches!(self, Kind::Help | Kind::Purchase | Kind::Ceasefire | Kind::VendorSilent | Kind::BackupOverdue)
    }

    /// The freedesktop category hint.
    pub fn category(self) -> &'static str {
        match self {
            Kind::VendorSilent => "network.error",
            Kind::BackupOverdue => "device.error",
            _ => "im.received",
        }
    }
}

/// A button on a notification. `Show` is the click on the notification itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Show,
    Acknowledge,
    Approve,
    Decline,
}

impl Action {
    /// The action key sent to the notification server ("default" is the click, by the spec).
    pub fn key(self) -> &'static str {
        match self {
            Action::Show => "default",
            Action::Acknowledge => "acknowledge",
            Action::Approve => "approve",
            Action::Decline => "decline",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Show => "Show lane",
            Action::Acknowledge => "Acknowledge",
            Action::Approve => "Approve",
            Action::Decline => "Decline",
        }
    }

    pub fn from_key(key: &str) -> Option<Action> {
        [Action::Show, Action::Acknowledge, Action::Approve, Action::Decline].into_iter().find(|a| a.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub kind: Kind,
    pub summary: String,
    pub body: String,
    /// The lane a click opens on the board.
    pub lane_id: Option<String>,
    /// A single help call: Acknowledge works from the notification.
    pub help_id: Option<i64>,
    /// A single held purchase: Approve and Decline work from the notification.
    pub trace_id: Option<String>,
    /// How long the notification is useful (a held purchase is answered by its deadline anyway).
    pub expires_in: Option<std::time::Duration>,
}

impl Notice {
    pub fn actions(&self) -> Vec<Action> {
        let mut out = vec![Action::Show];
        if self.trace_id.is_some() {
            out.extend([Action::Approve, Action::Decline]);
        } else if self.help_id.is_some() {
            out.push(Action::Acknowledge);
        }
        out
    }

    /// The one thing this notification's buttons answer, if it has buttons.
    pub fn subject(&self) -> Option<Subject> {
        match (&self.trace_id, self.help_id) {
            (Some(t), _) => Some(Subject::Purchase(t.clone())),
            (None, Some(id)) => Some(Subject::Help(id)),
            (None, None) => None,
        }
    }

    /// What the window is asked to show when the notification is clicked.
    pub fn focus(&self) -> FocusLane {
        FocusLane { lane_id: self.lane_id.clone(), help_id: self.help_id, trace_id: self.trace_id.clone() }
    }
}

/// What a notification with buttons is about; once it is answered the notification can go.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Help(i64),
    Purchase(String),
}

/// The Tauri event `focus-lane`: bring this lane (and its queue item) into view.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FocusLane {
    pub lane_id: Option<String>,
    #[ts(type = "number | null")]
    pub help_id: Option<i64>,
    pub trace_id: Option<String>,
}

fn name(lane: Option<&LaneView>, id: Option<&str>) -> String {
    match (lane, id) {
        (Some(l), _) => l.name.clone(),
        (None, Some(id)) => format!("Lane {}", id.chars().take(8).collect::<String>()),
        (None, None) => "A lane".into(),
    }
}

fn base(kind: Kind, summary: String, body: String, lane_id: Option<String>) -> Notice {
    Notice { kind, summary, body, lane_id, help_id: None, trace_id: None, expires_in: None }
}

pub(super) fn help(h: &HelpView, lane: Option<&LaneView>) -> Notice {
    let who = lane.and_then(|l| l.customer_name.clone()).unwrap_or_else(|| "The shooter".into());
    let mut n = base(
        Kind::Help,
        format!("Help: {}", name(lane, h.lane_id.as_deref())),
        format!("{who} is calling for help."),
        h.lane_id.clone(),
    );
    n.help_id = Some(h.help_id);
    n
}

pub(super) fn purchase(p: &PurchaseView, lane: Option<&LaneView>, now: jiff::Timestamp) -> Notice {
    let items: Vec<String> =
        p.items.iter().map(|i| format!("{} × {}", i.display_name.as_deref().unwrap_or(&i.id), i.qty)).collect();
    let left = p
        .deadline
        .as_deref()
        .and_then(|d| d.parse::<jiff::Timestamp>().ok())
        .map(|d| d.duration_since(now).as_secs().max(0) as u64);
    let body = match left {
        Some(s) => format!("{}. Answer within {s} s.", items.join(", ")),
        None => items.join(", "),
    };
    let mut n = base(
        Kind::Purchase,
        format!("Purchase waiting: {}", name(lane, p.lane_id.as_deref())),
        body,
        p.lane_id.clone(),
    );
    n.trace_id = Some(p.trace_id.clone());
    n.expires_in = left.map(std::time::Duration::from_secs);
    n
}

pub(super) fn carrier_hit(s: &SessionView, lane: Option<&LaneView>) -> Notice {
    let who = s.customer_name.clone().unwrap_or_else(|| "The shooter".into());
    let hits = if s.carrier_hits == 1 { "1 carrier hit".into() } else { format!("{} carrier hits", s.carrier_hits) };
    base(
        Kind::CarrierHit,
        format!("Carrier hit: {}", name(lane, Some(&s.lane_id))),
        format!("{who}: {hits} this session."),
        Some(s.lane_id.clone()),
    )
}

fn who(l: &LaneView) -> String {
    l.customer_name.clone().unwrap_or_else(|| "The session".into())
}

pub(super) fn ending_soon(l: &LaneView) -> Notice {
    let left = l.minutes_remaining.map(|m| m.ceil().max(1.0) as i64).unwrap_or(5);
    base(
        Kind::EndingSoon,
        format!("Ending soon: {}", l.name),
        format!("{}: {left} min left.", who(l)),
        Some(l.lane_id.clone()),
    )
}

pub(super) fn overtime(l: &LaneView) -> Notice {
    base(
        Kind::Overtime,
        format!("Overtime: {}", l.name),
        format!("{}: the time is up and the session still runs.", who(l)),
        Some(l.lane_id.clone()),
    )
}

pub(super) fn ceasefire(paused: usize) -> Notice {
    base(Kind::Ceasefire, "Ceasefire".into(), format!("Every active session is paused ({paused} lanes)."), None)
}

pub(super) fn vendor_silent(source: Source, minutes: u64) -> Notice {
    let (vendor, what) = match source {
        Source::ActionTarget => ("Action Target", "no webhook and no answered poll"),
        Source::Enviso => ("Enviso", "no delivery"),
        Source::Samna => ("Samna", "no delivery"),
    };
    base(
        Kind::VendorSilent,
        format!("{vendor} is silent"),
        format!("{what} for {minutes} min. Check the connection under Status."),
        None,
    )
}

pub(super) fn backup_overdue() -> Notice {
    base(
        Kind::BackupOverdue,
        "No backup for 2 days".into(),
        "No backup of the range's data has succeeded for two days. See Status: Back up now, or check the backup folder.".into(),
        None,
    )
}

/// One toast for a batch of one kind: the notice itself when alone, else a summary naming the
/// lanes, which opens the first of them and has no per-item buttons.
pub(super) fn merge(kind: Kind, mut batch: Vec<Notice>) -> Notice {
    if batch.len() == 1 {
        return batch.remove(0);
    }
    let n = batch.len();
    let summary = match kind {
        Kind::Help => format!("{n} help calls"),
        Kind::Purchase => format!("{n} purchases waiting"),
        Kind::CarrierHit => format!("{n} carrier hits"),
        Kind::EndingSoon => format!("{n} sessions ending soon"),
        Kind::Overtime => format!("{n} sessions in overtime"),
        Kind::Ceasefire => "Ceasefire".into(),
        Kind::VendorSilent => format!("{n} vendors are silent"),
        Kind::BackupOverdue => "No backup for 2 days".into(),
    };
    let mut places: Vec<String> =
        batch.iter().map(|b| b.summary.split_once(": ").map_or(b.summary.clone(), |(_, l)| l.to_owned())).collect();
    places.dedup();
    let expires_in = batch.iter().filter_map(|b| b.expires_in).max();
    let lane_id = batch.iter().find_map(|b| b.lane_id.clone());
    let mut out = base(kind, summary, places.join(", "), lane_id);
    out.expires_in = expires_in;
    out
}
