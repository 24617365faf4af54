//! Comparing the board with what the vendor's API shows, for the reconciler's polls: what the
//! board should record so it agrees (`sessionObserved`, `sessionVanished`), and whether a range
//! set-up would change it. Nothing here changes the board; the events it returns are recorded and
//! then applied like any other.

use super::{Board, s};
use rangedesk_domain::NewEvent;
use rangedesk_domain::kinds;

impl Board {
    /// What the vendor's session list says that the board does not: sessions no webhook announced
    /// or whose duration or remaining time changed (`sessionObserved`), and sessions that ended
    /// silently (`sessionVanished`). `api` holds the vendor's sessions as JSON objects.
    pub fn reconcile(&self, api: &[serde_json::Value], now: jiff::Timestamp) -> Vec<NewEvent> {
        let mut out: Vec<_> = api.iter().filter_map(|v| self.observed(v, now)).collect();
        let seen: std::collections::HashSet<String> = api.iter().filter_map(|v| s(v, "session_id")).collect();
        for id in self.sessions.keys().filter(|id| !seen.contains(*id)) {
            out.extend(self.vanished(id));
        }
        out
    }

    /// A `sessionObserved` event when the vendor's view of one session differs from the board's.
    fn observed(&self, v: &serde_json::Value, now: jiff::Timestamp) -> Option<NewEvent> {
        let (id, lane_id) = (s(v, "session_id")?, s(v, "lane_id")?);
        let changed = match self.sessions.get(&id) {
            None => true,
            Some(b) => {
                let duration = v.get("duration").and_then(|x| x.as_i64());
                let remaining = v.get("minutes_remaining").and_then(|x| x.as_f64());
                b.lane_id != lane_id
                    || (duration.is_some() && duration != b.duration)
                    || (s(v, "began_at").is_some() && b.began_at.is_none())
                    || match (remaining, b.remaining_at(now.as_millisecond())) {
                        (Some(r), Some(o)) => (r - o).abs() > 1.0,
                        (Some(_), None) => true,
                        _ => false,
                    }
            }
        };
        changed.then(|| poll_event(kinds::SESSION_OBSERVED, &id, &lane_id, serde_json::json!({"session": v})))
    }

    /// What one session as the vendor shows it changes on the board (see `reconcile`).
    pub fn reconcile_one(&self, v: &serde_json::Value, now: jiff::Timestamp) -> Vec<NewEvent> {
        self.observed(v, now).into_iter().collect()
    }

    /// The vendor no longer knows this session: record that it ended, if the board still has it.
    pub fn vanished(&self, id: &str) -> Vec<NewEvent> {
        self.sessions
            .get(id)
            .map(|b| vec![poll_event(kinds::SESSION_VANISHED, id, &b.lane_id, serde_json::json!({"session_id": id}))])
            .unwrap_or_default()
    }

    /// Whether a `rangeSetup` with this data would change the board's lanes or bays.
    pub fn setup_differs(&self, data: &serde_json::Value) -> bool {
        let mut probe = Board::default();
        probe.range_setup(data);
        probe.lanes != self.lanes || probe.bays != self.bays || probe.groups != self.groups
    }
}

fn poll_event(kind: &str, session_id: &str, lane_id: &str, data: serde_json::Value) -> NewEvent {
    NewEvent {
        kind: kind.into(),
        known: true,
        lane_id: Some(lane_id.into()),
        session_id: Some(session_id.into()),
        subject: None,
        vendor_time: None,
        data,
    }
}
