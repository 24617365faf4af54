//! What can happen to a range: the POS API's calls, the SRA Control Screen's actions (start,
//! pause, ceasefire), and the lane screen's events (help, carrier hit, purchases).
//!
//! Every state change sends its webhook; the range lock is held while the webhooks are queued,
//! so they leave in the order the changes happened.

use uuid::Uuid;

use crate::range::{AtEvent, Bay, Change, Group, Lane, NewSession, Range, SessionView};
use crate::webhook::{Answer, Item, Payload, body_value};
use crate::{SimError, Simulator, lock};

/// The product types the lane screen asks for.
pub const PRODUCT_TYPES: [&str; 4] = ["time", "targets", "ammo", "rentals"];

impl Simulator {
    fn change<T>(&self, f: impl FnOnce(&mut Range, f64, jiff::Timestamp) -> Change<T>) -> Result<T, SimError> {
        let (now, wall) = (self.inner.clock.now(), self.inner.clock.wall());
        let mut range = lock(&self.inner.range);
        let expired = range.expire_due(now);
        self.send_all(expired);
        let (out, events) = f(&mut range, now, wall)?;
        self.send_all(events);
        Ok(out)
    }

    fn send_all(&self, events: Vec<AtEvent>) {
        for e in events {
            self.inner.hooks.enqueue(Payload {
                event: e.event.into(),
                session_id: e.session_id,
                lane_id: e.lane_id,
                items: None,
            });
        }
    }

    /// Stops the sessions whose time ran out; called by the ticker and before every change.
    pub fn expire_due(&self) {
        let now = self.inner.clock.now();
        let mut range = lock(&self.inner.range);
        let expired = range.expire_due(now);
        self.send_all(expired);
    }

    /// The vendor's truth: active sessions, as `GET /sessions` shows them.
    pub fn sessions(&self) -> Vec<SessionView> {
        self.expire_due();
        lock(&self.inner.range).sessions(self.inner.clock.now())
    }

    pub fn session(&self, id: Uuid) -> Option<SessionView> {
        self.expire_due();
        lock(&self.inner.range).session(id, self.inner.clock.now())
    }

    pub fn lanes(&self) -> Vec<Lane> {
        lock(&self.inner.range).lanes().to_vec()
    }

    pub fn bays(&self) -> Vec<Bay> {
        lock(&self.inner.range).bays().to_vec()
    }

    pub fn groups(&self) -> Vec<Group> {
        lock(&self.inner.range).groups().to_vec()
    }

    /// Renames a lane or a bay (the SRA set-up screen); no webhook tells the integrator.
    pub fn rename(&self, id: Uuid, name: &str) -> Result<(), SimError> {
        Ok(lock(&self.inner.range).rename(id, name)?)
    }

    pub fn customer_name(&self, session_id: Uuid) -> Option<String> {
        lock(&self.inner.range).customer_name(session_id).map(str::to_owned)
    }

    pub fn session_on(&self, lane_id: Uuid) -> Option<Uuid> {
        lock(&self.inner.range).session_on(lane_id)
    }

    pub fn create_session(&self, req: NewSession) -> Result<SessionView, SimError> {
        self.change(|r, now, wall| r.create(req, now, wall))
    }

    /// The shooter entered the lane: the timer starts (`sessionStarted`).
    pub fn start_session(&self, id: Uuid) -> Result<(), SimError> {
        self.change(|r, now, wall| r.start(id, now, wall))
    }

    pub fn pause_session(&self, id: Uuid) -> Result<(), SimError> {
        self.change(|r, now, _| r.pause(id, now))
    }

    pub fn resume_session(&self, id: Uuid) -> Result<(), SimError> {
        self.change(|r, now, _| r.resume(id, now))
    }

    /// Range-wide ceasefire from the Control Screen: every running session pauses. Returns how many.
    pub fn ceasefire(&self) -> usize {
        self.change(|r, now, _| {
            let e = r.pause_all(now);
            Ok((e.len(), e))
        })
        .unwrap_or(0)
    }

    /// Ends a ceasefire: every paused session resumes. Returns how many.
    pub fn resume_all(&self) -> usize {
        self.change(|r, now, _| {
            let e = r.resume_all(now);
            Ok((e.len(), e))
        })
        .unwrap_or(0)
    }

    pub fn modify_session(&self, id: Uuid, minutes: i64) -> Result<(), SimError> {
        self.change(|r, _, _| r.modify(id, minutes))
    }

    pub fn stop_session(&self, id: Uuid) -> Result<(), SimError> {
        self.change(|r, _, _| r.stop(id))
    }

    /// The session a lane event is about: the one named, or a random active one.
    fn pick(&self, session_id: Option<Uuid>) -> Result<(Uuid, Uuid), SimError> {
        self.expire_due();
        let mut range = lock(&self.inner.range);
        match session_id {
            Some(id) => {
                range.lane_of(id).map(|lane| (id, lane)).ok_or(SimError::Range(crate::RangeError::UnknownSession))
            }
            None => range.random_active().ok_or(SimError::NoActiveSession),
        }
    }

    /// A lane event through the lossy, fire-once path (help calls and carrier hits in a scenario).
    pub fn lane_event(&self, event: &str, session_id: Option<Uuid>) -> Result<Uuid, SimError> {
        let (session_id, lane_id) = self.pick(session_id)?;
        self.inner.hooks.enqueue(Payload { event: event.into(), session_id, lane_id, items: None });
        Ok(session_id)
    }

    /// The playground's `simulate`: posts `event` for a session now, never dropped, and returns
    /// our answer as the lane screen gets it. `purchaseRequest` without items buys 15 minutes.
    pub async fn simulate(
        &self,
        event: &str,
        session_id: Option<Uuid>,
        items: Option<Vec<Item>>,
    ) -> Result<(Payload, Answer), SimError> {
        let (session_id, lane_id) = self.pick(session_id)?;
        let items = match event {
            "purchaseRequest" => Some(items.unwrap_or_else(|| vec![Item { id: "time".into(), qty: 15 }])),
            _ => items,
        };
        let payload = Payload { event: event.into(), session_id, lane_id, items };
        // The lane cannot ask about a session before the webhooks announcing it have left.
        self.inner.hooks.flush().await;
        let answer = self.inner.hooks.post_now(payload.clone()).await?;
        Ok((payload, answer))
    }

    /// What a lane screen gets from our products URL for one product type.
    pub async fn fetch_products(&self, kind: &str, session_id: Option<Uuid>) -> Result<Answer, SimError> {
        let url = self.targets().action_target_products;
        if url.is_empty() {
            return Err(SimError::NoTarget("action_target_products"));
        }
        let session = match self.pick(session_id) {
            Ok((id, _)) => id,
            Err(SimError::NoActiveSession) => lock(&self.inner.range).new_id(),
            Err(e) => return Err(e),
        };
        let resp = self
            .client()
            .get(&url)
            .query(&[("type", kind)])
            .header("session-id", session.to_string())
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        Ok(Answer { status, body: body_value(&text) })
    }
}
