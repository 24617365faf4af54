//! The back-off on wrong PINs, per client address: [`MAX_WRONG`] in a minute start a lockout, each
//! twice as long as the one before (30 s up to an hour), forgiven after an hour without a wrong
//! PIN. The clients remembered are bounded, the oldest forgotten first.

use super::{BoardAccess, MAX_ENTRIES, lock};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Wrong PINs a client may try in [`WRONG_WINDOW`] before it must wait.
pub const MAX_WRONG: u32 = 5;
const WRONG_WINDOW: Duration = Duration::from_secs(60);
/// The first wait; each lockout after it doubles, up to [`MAX_LOCKOUT`].
const FIRST_LOCKOUT: Duration = Duration::from_secs(30);
const MAX_LOCKOUT: Duration = Duration::from_secs(3600);
/// A client that guessed nothing wrong for this long starts again from the first wait.
const FORGIVE_AFTER: Duration = Duration::from_secs(3600);

impl BoardAccess {
    /// How long `ip` must still wait before it may try a PIN again.
    pub(super) fn locked_for(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        lock(&self.guesses).get(&ip).and_then(|g| g.locked_for(now))
    }

    pub(super) fn wrong_pin(&self, ip: IpAddr, now: Instant) {
        let mut guesses = lock(&self.guesses);
        if guesses.len() >= MAX_ENTRIES && !guesses.contains_key(&ip) {
            guesses.retain(|_, g| !g.forgotten(now));
            if guesses.len() >= MAX_ENTRIES
                && let Some(oldest) = guesses.iter().min_by_key(|(_, g)| g.last_wrong).map(|(k, _)| *k)
            {
                guesses.remove(&oldest);
            }
        }
        guesses.entry(ip).or_insert_with(|| Guesses::new(now)).wrong(now);
    }

    pub(super) fn right_pin(&self, ip: IpAddr) {
        lock(&self.guesses).remove(&ip);
    }
}

/// One client's wrong PINs: a count in the current minute and the lockouts so far.
#[derive(Debug, Clone)]
pub struct Guesses {
    window_start: Instant,
    wrong: u32,
    lockouts: u32,
    locked_until: Option<Instant>,
    last_wrong: Instant,
}

impl Guesses {
    pub fn new(now: Instant) -> Guesses {
        Guesses { window_start: now, wrong: 0, lockouts: 0, locked_until: None, last_wrong: now }
    }

    /// Counts a wrong PIN at `now`; the [`MAX_WRONG`]th in a minute starts a lockout, each one
    /// twice as long as the one before.
    pub fn wrong(&mut self, now: Instant) {
        if now.duration_since(self.last_wrong) >= FORGIVE_AFTER {
            self.lockouts = 0;
        }
        if now.duration_since(self.window_start) >= WRONG_WINDOW {
            self.window_start = now;
            self.wrong = 0;
        }
        self.last_wrong = now;
        self.wrong += 1;
        if self.wrong >= MAX_WRONG {
            let wait = FIRST_LOCKOUT.saturating_mul(1u32 << self.lockouts.min(16)).min(MAX_LOCKOUT);
            self.lockouts = self.lockouts.saturating_add(1);
            self.locked_until = Some(now + wait);
            self.wrong = 0;
            self.window_start = now;
        }
    }

    /// The wait left at `now`, if locked.
    pub fn locked_for(&self, now: Instant) -> Option<Duration> {
        self.locked_until.filter(|until| *until > now).map(|until| until - now)
    }

    fn forgotten(&self, now: Instant) -> bool {
        self.locked_for(now).is_none() && now.duration_since(self.last_wrong) >= FORGIVE_AFTER
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_wrong_pins_in_a_minute_lock_out_for_longer_each_time() {
        let t0 = Instant::now();
        let mut g = Guesses::new(t0);
        for i in 0..MAX_WRONG - 1 {
            g.wrong(t0 + Duration::from_secs(u64::from(i)));
            assert!(g.locked_for(t0 + Duration::from_secs(u64::from(i))).is_none(), "{i} wrong is still allowed");
        }
        let t5 = t0 + Duration::from_secs(10);
        g.wrong(t5);
        assert_eq!(g.locked_for(t5), Some(FIRST_LOCKOUT));
        let t_free = t5 + FIRST_LOCKOUT;
        assert!(g.locked_for(t_free).is_none(), "the wait ends");
        for i in 0..MAX_WRONG {
            g.wrong(t_free + Duration::from_secs(u64::from(i)));
        }
        let t10 = t_free + Duration::from_secs(u64::from(MAX_WRONG - 1));
        assert_eq!(g.locked_for(t10), Some(FIRST_LOCKOUT * 2), "the second lockout is twice the first");
    }

    #[test]
    fn wrong_pins_spread_over_more_than_a_minute_never_lock() {
        let t0 = Instant::now();
        let mut g = Guesses::new(t0);
        for i in 0..20u64 {
            let t = t0 + Duration::from_secs(i * 16);
            g.wrong(t);
            assert!(g.locked_for(t).is_none(), "4 a minute is a person mistyping, not a guesser ({i})");
        }
    }
}
