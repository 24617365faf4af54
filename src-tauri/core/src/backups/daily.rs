//! The daily backup: when it is due (the time in the range's zone, or the first minute after it
//! the app runs), and the task that runs it.

use super::{Backups, RETRY, Trigger, lock};
use crate::config::Backup as BackupConfig;
use crate::store::backups;
use std::sync::Arc;

impl Backups {
    /// Whether the daily backup is due at `now`: a folder and a time are set, today's time in
    /// `tz` has passed, nothing has been backed up since, and no attempt failed within the hour.
    pub async fn daily_due(
        &self,
        config: &BackupConfig,
        tz: &jiff::tz::TimeZone,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        let Some(due) = due_at(config, tz, now) else { return Ok(false) };
        if lock(&self.inner.failure).as_ref().is_some_and(|(at, _)| *at >= due && now.duration_since(*at) < RETRY) {
            return Ok(false);
        }
        Ok(!self.inner.store.read(move |c| backups::any_since(c, due)).await?)
    }
}

/// How often the daily schedule looks at the clock.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs the daily backup when it is due (see [`Backups::daily_due`]), with the settings in force
/// each minute, until `shutdown`.
pub async fn run_daily(
    backups: Backups,
    config: tokio::sync::watch::Receiver<Arc<crate::config::Config>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(LOOK_EVERY) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        let c = config.borrow().clone();
        let tz = crate::visits::time_zone(&c.server.time_zone);
        match backups.daily_due(&c.backup, &tz, jiff::Timestamp::now()).await {
            Ok(true) => {
                tokio::select! {
                    // Its failure is logged and shown on Status by `back_up`.
                    _ = backups.back_up(&c.backup, Trigger::Daily) => {}
                    _ = shutdown.wait_for(|s| *s) => return,
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "cannot tell whether the daily backup is due"),
        }
    }
}

/// Today's daily backup time in `tz`, if a folder and a time are set and it has passed by `now`.
fn due_at(config: &BackupConfig, tz: &jiff::tz::TimeZone, now: jiff::Timestamp) -> Option<jiff::Timestamp> {
    if config.folder.is_empty() {
        return None;
    }
    let at = crate::config::daily_at(&config.daily_at)?;
    let today = now.to_zoned(tz.clone()).date();
    // A time that a DST change skips is taken as the instant after the gap (jiff's compatible rule).
    let due = today.to_datetime(at).to_zoned(tz.clone()).ok()?.timestamp();
    (now >= due).then_some(due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(folder: &str, at: &str) -> BackupConfig {
        BackupConfig { folder: folder.into(), keep: 3, daily_at: at.into() }
    }

    #[test]
    fn the_daily_time_is_the_ranges_and_a_pc_that_was_off_backs_up_when_it_runs() {
        let tz = jiff::tz::TimeZone::get("Europe/Brussels").unwrap();
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let c = cfg("/b", "03:00");
        // 03:00 in Brussels in winter is 02:00 UTC.
        assert_eq!(due_at(&c, &tz, t("2026-12-02T01:59:00Z")), None, "not yet");
        assert_eq!(due_at(&c, &tz, t("2026-12-02T02:00:00Z")), Some(t("2026-12-02T02:00:00Z")));
        assert_eq!(due_at(&c, &tz, t("2026-12-02T09:30:00Z")), Some(t("2026-12-02T02:00:00Z")), "off at night");
        // 29 March 2026: 02:00–03:00 does not exist in Brussels; 02:30 is taken as 03:30 CEST.
        assert_eq!(due_at(&cfg("/b", "02:30"), &tz, t("2026-03-29T12:00:00Z")), Some(t("2026-03-29T01:30:00Z")));
        assert_eq!(due_at(&cfg("", "03:00"), &tz, t("2026-12-02T09:30:00Z")), None, "no folder, no schedule");
        assert_eq!(due_at(&cfg("/b", ""), &tz, t("2026-12-02T09:30:00Z")), None, "no time, no schedule");
    }
}
