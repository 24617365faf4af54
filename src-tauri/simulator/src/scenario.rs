//! Scenarios: a day at the range as a timed list of steps (a pure function of the seed), played
//! against the simulator on its clock.
//!
//! On a running clock the steps wait for their time, `speed` times faster than real. On a paused
//! clock the runner moves the clock itself from step to step, so a whole day plays as fast as the
//! receiver answers and, the webhook order being fixed, the same seed gives the same day.

mod busy_saturday;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::Serialize;
use uuid::Uuid;

use crate::range::NewSession;
use crate::webhook::Item;
use crate::{SimError, Simulator};

pub const BUSY_SATURDAY: &str = "busy-saturday";
pub const NAMES: [&str; 1] = [BUSY_SATURDAY];

pub(crate) enum Step {
    /// A session on the lane at this display index. A lane still busy (a session that ran over)
    /// is cleared first, as the desk would.
    Create {
        plan: usize,
        lane: usize,
        name: &'static str,
        duration: i64,
        auto_start: bool,
    },
    Enter {
        plan: usize,
    },
    Help {
        plan: usize,
    },
    CarrierHit {
        plan: usize,
    },
    Purchase {
        plan: usize,
        items: Vec<Item>,
    },
    /// The desk adds (or takes) time.
    Modify {
        plan: usize,
        minutes: i64,
    },
    Stop {
        plan: usize,
    },
    Ceasefire,
    ResumeAll,
    Enviso {
        event: &'static str,
        data: serde_json::Value,
    },
    PassScan {
        pass: String,
    },
    Samna {
        event: &'static str,
        context: serde_json::Value,
    },
}

pub(crate) struct Timed {
    /// Simulated seconds from the start of the scenario.
    pub at: f64,
    pub step: Step,
}

/// A lane purchase and what we answered.
#[derive(Clone, Debug, Serialize)]
pub struct PurchaseOutcome {
    pub session_id: Uuid,
    pub items: Vec<Item>,
    pub status: Option<u16>,
    pub body: serde_json::Value,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ScenarioReport {
    pub scenario: String,
    /// False when the shutdown future resolved first.
    pub completed: bool,
    pub simulated_seconds: f64,
    pub sessions_created: usize,
    /// Action Target webhooks sent (not dropped), by event.
    pub action_target: BTreeMap<String, usize>,
    pub dropped: usize,
    /// Enviso notifications by event, duplicates not counted.
    pub enviso: BTreeMap<String, usize>,
    pub enviso_duplicates: usize,
    pub samna: BTreeMap<String, usize>,
    pub purchases: Vec<PurchaseOutcome>,
    /// Steps about a session that had already ended, or for a vendor with no target.
    pub skipped: usize,
}

struct Run<'a> {
    sim: &'a Simulator,
    sessions: HashMap<usize, Uuid>,
    report: ScenarioReport,
}

impl Simulator {
    /// Plays scenario `name` until it ends or `shutdown` resolves.
    pub async fn run_scenario(
        &self,
        name: &str,
        shutdown: impl Future<Output = ()>,
    ) -> Result<ScenarioReport, SimError> {
        let steps = match name {
            BUSY_SATURDAY => {
                let usable: Vec<usize> =
                    self.lanes().iter().enumerate().filter(|(_, l)| l.is_usable).map(|(i, _)| i).collect();
                let mut s = busy_saturday::plan(&usable, self.config().seed);
                s.sort_by(|a, b| a.at.total_cmp(&b.at));
                s
            }
            other => return Err(SimError::UnknownScenario(other.into())),
        };
        let (hooks0, enviso0, samna0) = (self.webhook_log().len(), self.enviso().log().len(), self.samna().log().len());
        let clock = self.clock();
        let t0 = clock.now();
        let mut run = Run { sim: self, sessions: HashMap::new(), report: ScenarioReport::default() };
        let completed = {
            let play = async {
                for t in steps {
                    if clock.is_paused() {
                        clock.advance_to(t0 + t.at);
                        self.expire_due();
                    } else {
                        clock.sleep_until(t0 + t.at).await;
                    }
                    run.step(t.step).await;
                }
            };
            tokio::select! {
                _ = play => true,
                _ = shutdown => false,
            }
        };
        self.settle().await;
        let mut report = run.report;
        report.scenario = name.into();
        report.completed = completed;
        report.simulated_seconds = clock.now() - t0;
        for w in self.webhook_log().into_iter().skip(hooks0) {
            if w.dropped {
                report.dropped += 1;
            } else {
                *report.action_target.entry(w.payload.event).or_default() += 1;
            }
        }
        for d in self.enviso().log().into_iter().skip(enviso0) {
            if d.duplicate {
                report.enviso_duplicates += 1;
            } else {
                *report.enviso.entry(d.event).or_default() += 1;
            }
        }
        for d in self.samna().log().into_iter().skip(samna0) {
            *report.samna.entry(d.event).or_default() += 1;
        }
        Ok(report)
    }

    /// Waits (at most 10 s real) until every webhook is out and no delivery is being retried.
    async fn settle(&self) {
        self.flush_webhooks().await;
        let clock = self.clock();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.enviso().pending() + self.samna().pending() > 0 && Instant::now() < deadline {
            if clock.is_paused() {
                // Retries wait on this clock; move it so they can happen.
                clock.advance(Duration::from_secs(30));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Run<'_> {
    fn session(&mut self, plan: usize) -> Option<Uuid> {
        self.sessions.get(&plan).copied().filter(|id| self.sim.session(*id).is_some())
    }

    async fn step(&mut self, step: Step) {
        let sim = self.sim;
        let ok = match step {
            Step::Create { plan, lane, name, duration, auto_start } => {
                let (Some(lane), Some(group)) = (sim.lanes().get(lane).cloned(), sim.groups().first().cloned()) else {
                    return;
                };
                if let Some(old) = sim.session_on(lane.lane_id) {
                    let _ = sim.stop_session(old);
                }
                let req = NewSession {
                    customer_name: name.into(),
                    lane_id: lane.lane_id,
                    group_id: group.id,
                    duration,
                    enable_purchasing: true,
                    auto_start,
                };
                let created = sim.create_session(req);
                if let Ok(v) = &created {
                    self.sessions.insert(plan, v.session_id);
                    self.report.sessions_created += 1;
                }
                created.is_ok()
            }
            Step::Enter { plan } => self.session(plan).is_some_and(|id| sim.start_session(id).is_ok()),
            Step::Help { plan } => self.session(plan).is_some_and(|id| sim.lane_event("help", Some(id)).is_ok()),
            Step::CarrierHit { plan } => {
                self.session(plan).is_some_and(|id| sim.lane_event("carrierHit", Some(id)).is_ok())
            }
            Step::Purchase { plan, items } => {
                let Some(id) = self.session(plan) else {
                    self.report.skipped += 1;
                    return;
                };
                let outcome = match sim.simulate("purchaseRequest", Some(id), Some(items.clone())).await {
                    Ok((_, a)) => {
                        PurchaseOutcome { session_id: id, items, status: Some(a.status), body: a.body, error: None }
                    }
                    Err(e) => PurchaseOutcome {
                        session_id: id,
                        items,
                        status: None,
                        body: serde_json::Value::Null,
                        error: Some(e.to_string()),
                    },
                };
                self.report.purchases.push(outcome);
                true
            }
            Step::Modify { plan, minutes } => {
                self.session(plan).is_some_and(|id| sim.modify_session(id, minutes).is_ok())
            }
            Step::Stop { plan } => self.session(plan).is_some_and(|id| sim.stop_session(id).is_ok()),
            Step::Ceasefire => {
                sim.ceasefire();
                true
            }
            Step::ResumeAll => {
                sim.resume_all();
                true
            }
            Step::Enviso { event, data } => sim.enviso().send(event, data).is_ok(),
            Step::PassScan { pass } => {
                let scanned = format!("{:.3}", sim.clock().wall());
                sim.enviso().send("PASS_SCANNED", serde_json::json!({ "id": pass, "scannedDate": scanned })).is_ok()
            }
            Step::Samna { event, context } => sim.samna().send(event, context).is_ok(),
        };
        if !ok {
            self.report.skipped += 1;
        }
    }
}
