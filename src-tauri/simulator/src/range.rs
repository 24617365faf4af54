//! The vendor's truth about one range: lanes, bays, access groups and the active sessions, with
//! every state change the SRA allows (from the POS API or from its Control Screen).
//!
//! Plain data and functions of `now` (simulated seconds) and `wall` (its date): no I/O, no locks.
//! Each change returns the webhook events it causes, in order, for the caller to send.

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub lane_id: Uuid,
    pub bay_id: Uuid,
    pub readable_name: String,
    pub is_accessible: bool,
    pub is_usable: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bay {
    pub bay_id: Uuid,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
}

/// The vendor's SessionView. `began_at` and `minutes_remaining` stay null until the shooter
/// enters the lane.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub session_id: Uuid,
    pub lane_id: Uuid,
    pub group_id: Uuid,
    pub duration: i64,
    pub began_at: Option<String>,
    pub created_at: String,
    pub minutes_remaining: Option<f64>,
    pub enable_purchasing: bool,
}

/// Body of `POST /sessions`.
#[derive(Clone, Debug, Deserialize)]
pub struct NewSession {
    pub customer_name: String,
    pub lane_id: Uuid,
    pub group_id: Uuid,
    pub duration: i64,
    #[serde(default)]
    pub enable_purchasing: bool,
    #[serde(default)]
    pub auto_start: bool,
}

/// One webhook the range owes the integrator.
#[derive(Clone, Debug, PartialEq)]
pub struct AtEvent {
    pub event: &'static str,
    pub session_id: Uuid,
    pub lane_id: Uuid,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RangeError {
    #[error("session not found")]
    UnknownSession,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
}

pub type Change<T> = Result<(T, Vec<AtEvent>), RangeError>;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Created, shooter not yet on the lane: the timer has not started.
    Waiting,
    Running {
        since: f64,
    },
    Paused,
}

#[derive(Clone, Debug)]
struct Session {
    id: Uuid,
    lane_id: Uuid,
    group_id: Uuid,
    customer_name: String,
    duration: i64,
    created_at: Timestamp,
    began_at: Option<Timestamp>,
    phase: Phase,
    /// Simulated seconds run before the current running stretch (pauses do not count).
    used: f64,
    enable_purchasing: bool,
}

impl Session {
    fn used_at(&self, now: f64) -> f64 {
        match self.phase {
            Phase::Running { since } => self.used + (now - since).max(0.0),
            _ => self.used,
        }
    }

    fn event(&self, event: &'static str) -> AtEvent {
        AtEvent { event, session_id: self.id, lane_id: self.lane_id }
    }

    fn view(&self, now: f64) -> SessionView {
        let remaining = (self.duration as f64 * 60.0 - self.used_at(now)).max(0.0) / 60.0;
        SessionView {
            session_id: self.id,
            lane_id: self.lane_id,
            group_id: self.group_id,
            duration: self.duration,
            began_at: self.began_at.map(stamp),
            created_at: stamp(self.created_at),
            minutes_remaining: self.began_at.map(|_| (remaining * 100.0).round() / 100.0),
            enable_purchasing: self.enable_purchasing,
        }
    }
}

fn stamp(t: Timestamp) -> String {
    format!("{t:.3}")
}

pub struct Range {
    lanes: Vec<Lane>,
    bays: Vec<Bay>,
    groups: Vec<Group>,
    /// Active sessions in creation order; a stopped session leaves this list, as it leaves `GET /sessions`.
    sessions: Vec<Session>,
    rng: StdRng,
}

pub fn uuid_from(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

impl Range {
    /// `lanes` lanes in bays of 8. The display order is not grouped by bay (the vendor warns of
    /// this): the last lane is the accessible one and stands in the first bay. The middle lane is
    /// out of order, so every range has one lane that is not usable.
    pub fn new(lanes: usize, seed: u64) -> Range {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = lanes.max(1);
        let bays: Vec<Bay> = (0..n.div_ceil(8))
            .map(|b| Bay { bay_id: uuid_from(&mut rng), name: format!("Bay {}", (b'A' + (b % 26) as u8) as char) })
            .collect();
        let lanes = (0..n)
            .map(|i| {
                let accessible = n > 8 && i == n - 1;
                let bay = if accessible { 0 } else { i / 8 };
                Lane {
                    lane_id: uuid_from(&mut rng),
                    bay_id: bays[bay].bay_id,
                    readable_name: format!("Lane {}", i + 1),
                    is_accessible: accessible,
                    is_usable: n < 2 || i != n / 2,
                }
            })
            .collect();
        let groups = ["General", "Members"].map(|name| Group { id: uuid_from(&mut rng), name: name.into() }).to_vec();
        Range { lanes, bays, groups, sessions: Vec::new(), rng }
    }

    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    pub fn bays(&self) -> &[Bay] {
        &self.bays
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The range manager renames a lane or a bay in the SRA set-up; integrators see it at their
    /// next `GET /lanes` or `GET /bays`. Names are the vendor's free text: any 1–100 characters.
    pub fn rename(&mut self, id: Uuid, name: &str) -> Result<(), RangeError> {
        if name.is_empty() || name.chars().count() > 100 {
            return Err(RangeError::Invalid("name must be 1 to 100 characters".into()));
        }
        if let Some(lane) = self.lanes.iter_mut().find(|l| l.lane_id == id) {
            lane.readable_name = name.to_owned();
        } else if let Some(bay) = self.bays.iter_mut().find(|b| b.bay_id == id) {
            bay.name = name.to_owned();
        } else {
            return Err(RangeError::Invalid("no lane or bay with that id".into()));
        }
        Ok(())
    }

    pub fn new_id(&mut self) -> Uuid {
        uuid_from(&mut self.rng)
    }

    pub fn sessions(&self, now: f64) -> Vec<SessionView> {
        self.sessions.iter().map(|s| s.view(now)).collect()
    }

    pub fn session(&self, id: Uuid, now: f64) -> Option<SessionView> {
        self.sessions.iter().find(|s| s.id == id).map(|s| s.view(now))
    }

    pub fn customer_name(&self, id: Uuid) -> Option<&str> {
        self.sessions.iter().find(|s| s.id == id).map(|s| s.customer_name.as_str())
    }

    /// The active session on `lane_id`, if any.
    pub fn session_on(&self, lane_id: Uuid) -> Option<Uuid> {
        self.sessions.iter().find(|s| s.lane_id == lane_id).map(|s| s.id)
    }

    pub fn random_active(&mut self) -> Option<(Uuid, Uuid)> {
        if self.sessions.is_empty() {
            return None;
        }
        let s = &self.sessions[self.rng.random_range(0..self.sessions.len())];
        Some((s.id, s.lane_id))
    }

    pub fn lane_of(&self, session_id: Uuid) -> Option<Uuid> {
        self.sessions.iter().find(|s| s.id == session_id).map(|s| s.lane_id)
    }

    /// Stops every running session whose time is used up, as the lane does when the timer hits zero.
    pub fn expire_due(&mut self, now: f64) -> Vec<AtEvent> {
        let mut events = Vec::new();
        self.sessions.retain(|s| {
            let done = matches!(s.phase, Phase::Running { .. }) && s.used_at(now) >= s.duration as f64 * 60.0;
            if done {
                events.push(s.event("sessionStopped"));
            }
            !done
        });
        events
    }

    pub fn create(&mut self, req: NewSession, now: f64, wall: Timestamp) -> Change<SessionView> {
        let name = req.customer_name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(RangeError::Invalid("customer_name must be 1 to 100 characters".into()));
        }
        if !(1..=480).contains(&req.duration) {
            return Err(RangeError::Invalid("duration must be between 1 and 480 minutes".into()));
        }
        if !self.groups.iter().any(|g| g.id == req.group_id) {
            return Err(RangeError::Invalid("unknown group_id".into()));
        }
        let lane = self.lanes.iter().find(|l| l.lane_id == req.lane_id);
        match lane {
            None => return Err(RangeError::Invalid("unknown lane_id".into())),
            Some(l) if !l.is_usable => return Err(RangeError::Conflict("lane is not usable".into())),
            Some(_) if self.session_on(req.lane_id).is_some() => {
                return Err(RangeError::Conflict("lane already has an active session".into()));
            }
            Some(_) => {}
        }
        let session = Session {
            id: self.new_id(),
            lane_id: req.lane_id,
            group_id: req.group_id,
            customer_name: name.to_owned(),
            duration: req.duration,
            created_at: wall,
            began_at: None,
            phase: Phase::Waiting,
            used: 0.0,
            enable_purchasing: req.enable_purchasing,
        };
        let id = session.id;
        let mut events = vec![session.event("sessionCreated")];
        self.sessions.push(session);
        if req.auto_start {
            events.extend(self.start(id, now, wall)?.1);
        }
        let view = self.session(id, now).ok_or(RangeError::UnknownSession)?;
        Ok((view, events))
    }

    fn find(&mut self, id: Uuid) -> Result<&mut Session, RangeError> {
        self.sessions.iter_mut().find(|s| s.id == id).ok_or(RangeError::UnknownSession)
    }

    /// The shooter entered the lane: the timer starts.
    pub fn start(&mut self, id: Uuid, now: f64, wall: Timestamp) -> Change<()> {
        let s = self.find(id)?;
        if s.phase != Phase::Waiting {
            return Err(RangeError::Conflict("session already started".into()));
        }
        s.phase = Phase::Running { since: now };
        s.began_at = Some(wall);
        Ok(((), vec![s.event("sessionStarted")]))
    }

    pub fn pause(&mut self, id: Uuid, now: f64) -> Change<()> {
        let s = self.find(id)?;
        let Phase::Running { since } = s.phase else {
            return Err(RangeError::Conflict("session is not running".into()));
        };
        s.used += (now - since).max(0.0);
        s.phase = Phase::Paused;
        Ok(((), vec![s.event("sessionPaused")]))
    }

    pub fn resume(&mut self, id: Uuid, now: f64) -> Change<()> {
        let s = self.find(id)?;
        if s.phase != Phase::Paused {
            return Err(RangeError::Conflict("session is not paused".into()));
        }
        s.phase = Phase::Running { since: now };
        Ok(((), vec![s.event("sessionResumed")]))
    }

    /// A range-wide ceasefire: every running session pauses at once.
    pub fn pause_all(&mut self, now: f64) -> Vec<AtEvent> {
        let running: Vec<Uuid> =
            self.sessions.iter().filter(|s| matches!(s.phase, Phase::Running { .. })).map(|s| s.id).collect();
        running.into_iter().filter_map(|id| self.pause(id, now).ok()).flat_map(|(_, e)| e).collect()
    }

    pub fn resume_all(&mut self, now: f64) -> Vec<AtEvent> {
        let paused: Vec<Uuid> = self.sessions.iter().filter(|s| s.phase == Phase::Paused).map(|s| s.id).collect();
        paused.into_iter().filter_map(|id| self.resume(id, now).ok()).flat_map(|(_, e)| e).collect()
    }

    /// `POST /sessions/{id}/modify?time=±minutes`.
    pub fn modify(&mut self, id: Uuid, minutes: i64) -> Change<()> {
        if minutes == 0 || minutes.abs() > 480 {
            return Err(RangeError::Invalid(
                "time must be a non-zero number of minutes, at most 480 either way".into(),
            ));
        }
        let s = self.find(id)?;
        let duration = s.duration + minutes;
        if duration < 1 {
            return Err(RangeError::Invalid("the session would have no time left".into()));
        }
        s.duration = duration;
        Ok(((), vec![s.event("sessionModified")]))
    }

    pub fn stop(&mut self, id: Uuid) -> Change<()> {
        let at = self.sessions.iter().position(|s| s.id == id).ok_or(RangeError::UnknownSession)?;
        let s = self.sessions.remove(at);
        Ok(((), vec![s.event("sessionStopped")]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(r: &Range, lane: usize, duration: i64) -> NewSession {
        NewSession {
            customer_name: "Ada".into(),
            lane_id: r.lanes()[lane].lane_id,
            group_id: r.groups()[0].id,
            duration,
            enable_purchasing: true,
            auto_start: false,
        }
    }

    #[test]
    fn busy_range_layout() {
        let r = Range::new(24, 1);
        assert_eq!(r.bays().len(), 3);
        assert_eq!(r.lanes().iter().filter(|l| !l.is_usable).count(), 1, "one lane is out of order");
        let last = &r.lanes()[23];
        assert!(last.is_accessible && last.bay_id == r.bays()[0].bay_id, "display order is not grouped by bay");
        assert_eq!(Range::new(24, 1).lanes(), r.lanes(), "the same seed gives the same ids");
    }

    #[test]
    fn lanes_and_bays_take_any_name_of_1_to_100_characters() {
        let mut r = Range::new(8, 1);
        let (lane, bay) = (r.lanes()[2].lane_id, r.bays()[0].bay_id);
        r.rename(lane, "<img src=x onerror=alert(1)>").unwrap();
        r.rename(bay, "Bay \"Ω\"").unwrap();
        assert_eq!(r.lanes()[2].readable_name, "<img src=x onerror=alert(1)>", "vendor text is kept as given");
        assert_eq!(r.bays()[0].name, "Bay \"Ω\"");
        assert!(r.rename(lane, "").is_err());
        assert!(r.rename(lane, &"x".repeat(101)).is_err());
        assert!(r.rename(Uuid::nil(), "Lane").is_err(), "an unknown id is refused");
    }

    #[test]
    fn timer_runs_only_while_running() {
        let mut r = Range::new(8, 1);
        let wall = Timestamp::UNIX_EPOCH;
        let (v, ev) = r.create(req(&r, 0, 60), 0.0, wall).unwrap();
        assert_eq!(ev[0].event, "sessionCreated");
        assert_eq!(v.minutes_remaining, None, "no countdown before the shooter enters");
        r.start(v.session_id, 100.0, wall).unwrap();
        r.pause(v.session_id, 100.0 + 600.0).unwrap();
        let left = r.session(v.session_id, 5000.0).unwrap().minutes_remaining.unwrap();
        assert_eq!(left, 50.0, "ten minutes ran, the pause does not count");
        r.resume(v.session_id, 5000.0).unwrap();
        assert!(r.expire_due(5000.0 + 2999.0).is_empty());
        let ev = r.expire_due(5000.0 + 3000.0);
        assert_eq!(ev[0].event, "sessionStopped", "time used up stops the session");
        assert!(r.session(v.session_id, 9000.0).is_none(), "a stopped session disappears");
    }

    #[test]
    fn validation() {
        let mut r = Range::new(8, 1);
        let wall = Timestamp::UNIX_EPOCH;
        assert!(matches!(r.create(req(&r, 0, 0), 0.0, wall), Err(RangeError::Invalid(_))));
        assert!(matches!(r.create(req(&r, 0, 481), 0.0, wall), Err(RangeError::Invalid(_))));
        assert!(matches!(r.create(req(&r, 4, 30), 0.0, wall), Err(RangeError::Conflict(_))), "lane 5 is out of order");
        let (v, _) = r.create(req(&r, 0, 30), 0.0, wall).unwrap();
        assert!(matches!(r.create(req(&r, 0, 30), 0.0, wall), Err(RangeError::Conflict(_))), "lane busy");
        assert!(r.modify(v.session_id, -30).is_err(), "cannot take all the time away");
        r.modify(v.session_id, 15).unwrap();
        assert_eq!(r.session(v.session_id, 0.0).unwrap().duration, 45);
    }
}
