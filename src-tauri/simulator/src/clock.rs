//! The simulation clock: every vendor timer in the simulator (minutes remaining, Enviso's and
//! Samna's retry delays, the scenario's day) runs on it, never on the wall clock directly.
//!
//! It runs `speed` times faster than real time, or, once [`SimClock::pause`]d, only when a test or
//! the scenario moves it with [`SimClock::advance`]. Sleepers wake on either, so a test can walk a
//! session through an hour without sleeping.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// A cheap `Clone` handle; all clones share one clock.
#[derive(Clone, Debug)]
pub struct SimClock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    /// Bumped whenever time jumps or the speed changes, so sleepers recompute their deadline.
    changed: watch::Sender<u64>,
    /// Wall-clock instant at simulated second zero: lets the simulator stamp `created_at` and
    /// `began_at` with a date that moves with the simulated day.
    epoch: jiff::Timestamp,
}

#[derive(Debug)]
struct State {
    /// Simulated seconds at `anchor`.
    base: f64,
    /// Real instant that `base` was read at; `None` while paused (time moves only by `advance`).
    anchor: Option<Instant>,
    speed: f64,
}

impl SimClock {
    /// A running clock at `speed` × real time (values ≤ 0 or not finite mean 1.0).
    pub fn new(speed: f64) -> SimClock {
        let speed = sane_speed(speed);
        let (changed, _) = watch::channel(0);
        let state = State { base: 0.0, anchor: Some(Instant::now()), speed };
        SimClock { inner: Arc::new(Inner { state: Mutex::new(state), changed, epoch: jiff::Timestamp::now() }) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned clock is still a valid clock: the state is two numbers, always consistent.
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Simulated seconds since the simulator started.
    pub fn now(&self) -> f64 {
        let s = self.lock();
        match s.anchor {
            Some(at) => s.base + at.elapsed().as_secs_f64() * s.speed,
            None => s.base,
        }
    }

    /// The simulated instant as a UTC timestamp (start-up wall time plus simulated seconds).
    pub fn wall(&self) -> jiff::Timestamp {
        let nanos = (self.now() * 1e9) as i64;
        self.inner.epoch.checked_add(jiff::SignedDuration::from_nanos(nanos)).unwrap_or(self.inner.epoch)
    }

    pub fn speed(&self) -> f64 {
        self.lock().speed
    }

    pub fn set_speed(&self, speed: f64) {
        {
            let mut s = self.lock();
            rebase(&mut s);
            s.speed = sane_speed(speed);
        }
        self.notify();
    }

    /// Stops time; from now on only [`advance`](Self::advance) moves it.
    pub fn pause(&self) {
        let mut s = self.lock();
        rebase(&mut s);
        s.anchor = None;
    }

    /// Lets time run again at the current speed.
    pub fn resume(&self) {
        {
            let mut s = self.lock();
            if s.anchor.is_none() {
                s.anchor = Some(Instant::now());
            }
        }
        self.notify();
    }

    pub fn is_paused(&self) -> bool {
        self.lock().anchor.is_none()
    }

    /// Moves simulated time forward (works whether paused or running) and wakes sleepers.
    pub fn advance(&self, by: Duration) {
        {
            let mut s = self.lock();
            s.base += by.as_secs_f64();
        }
        self.notify();
    }

    /// Moves simulated time forward to `t` seconds; never backwards.
    pub fn advance_to(&self, t: f64) {
        let now = self.now();
        if t > now {
            self.advance(Duration::from_secs_f64(t - now));
        }
    }

    fn notify(&self) {
        self.inner.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Sleeps `d` of simulated time.
    pub async fn sleep(&self, d: Duration) {
        self.sleep_until(self.now() + d.as_secs_f64()).await;
    }

    /// Sleeps until simulated second `t`.
    pub async fn sleep_until(&self, t: f64) {
        let mut changed = self.inner.changed.subscribe();
        loop {
            let (now, speed, running) = {
                let s = self.lock();
                let now = match s.anchor {
                    Some(at) => s.base + at.elapsed().as_secs_f64() * s.speed,
                    None => s.base,
                };
                (now, s.speed, s.anchor.is_some())
            };
            if now >= t {
                return;
            }
            if running {
                let real = Duration::from_secs_f64(((t - now) / speed).max(0.0005));
                tokio::select! {
                    _ = tokio::time::sleep(real) => {}
                    _ = changed.changed() => {}
                }
            } else if changed.changed().await.is_err() {
                // The clock is gone; nobody can ever advance it.
                return;
            }
        }
    }
}

fn rebase(s: &mut State) {
    if let Some(at) = s.anchor {
        s.base += at.elapsed().as_secs_f64() * s.speed;
        s.anchor = Some(Instant::now());
    }
}

fn sane_speed(speed: f64) -> f64 {
    if speed.is_finite() && speed > 0.0 { speed } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn paused_clock_moves_only_when_advanced_and_wakes_sleepers() {
        let c = SimClock::new(1.0);
        c.pause();
        let t0 = c.now();
        let sleeper = tokio::spawn({
            let c = c.clone();
            async move { c.sleep(Duration::from_secs(3600)).await }
        });
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "an hour has not passed on a paused clock");
        c.advance(Duration::from_secs(3600));
        tokio::time::timeout(Duration::from_secs(2), sleeper).await.unwrap().unwrap();
        assert!((c.now() - t0 - 3600.0).abs() < 1e-6, "advance moves exactly by the amount asked");
    }

    #[tokio::test]
    async fn speed_compresses_real_time() {
        let c = SimClock::new(10_000.0);
        let started = Instant::now();
        c.sleep(Duration::from_secs(600)).await;
        assert!(started.elapsed() < Duration::from_secs(1), "600 s at 10 000x is 60 ms");
        assert!(c.now() >= 600.0);
    }

    #[test]
    fn wall_time_follows_simulated_time() {
        let c = SimClock::new(1.0);
        c.pause();
        let before = c.wall();
        c.advance(Duration::from_secs(7200));
        let after = c.wall();
        assert_eq!(after.duration_since(before).as_secs(), 7200, "two simulated hours show as two hours on the dates");
    }
}
