//! `rangedesk-sim year`: fills a store with a year of a range through the core's real ingest, with
//! time passed in. Each delivery is signed as its vendor signs it and goes through
//! `Ingest::deliver` (verify, parse, record in the writer's transaction), so it is stored exactly
//! as the live app stores it; the desk's own steps go through the core's operations (help calls
//! acknowledged and resolved, held purchases decided or missed) and the poll's corrections are
//! written as the reconciler writes them. Many tasks deliver at once, so the writer group-commits.
//!
//! Beside this file: `plan` (what a day brings, deterministic for a seed) and `feed` (sending it).

mod feed;
pub mod plan;

use crate::deliveries::Secrets;
use crate::storage;
use rangedesk_core::testing::{Ingest, Keys, Live, PurchaseSettings, store};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Where the store and its rangedesk.toml go (must not hold a store yet)
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub lanes: u32,
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// The first day, in the range's time zone
    #[arg(long, default_value = "2025-12-01")]
    pub start: jiff::civil::Date,
    #[arg(long, default_value = "Europe/Amsterdam")]
    pub time_zone: String,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Deliveries in flight at once
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub concurrency: u32,
}

/// What a run stored.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub days: u32,
    pub deliveries: u64,
    pub accepted: u64,
    pub duplicates: u64,
    pub refused: u64,
    pub polled: u64,
    pub help_answers: u64,
    pub decisions: u64,
    /// Desk steps the core refused (a help call already closed on the board, say).
    pub desk_refused: u64,
    pub seconds: f64,
    pub storage: storage::Footprint,
}

/// The config a server needs to read this store: the keys the deliveries were signed with.
pub fn config_text(secrets: &Secrets, time_zone: &str) -> String {
    format!(
        "[server]\ntime_zone = \"{time_zone}\"\n\n[action_target]\nhook_token = \"{}\"\npoll_seconds = 0\n\n\
         [enviso]\nhmac_keys = [\"{}\"]\n\n[samna]\nsecrets = [\"{}\"]\n\n[carrier_hits]\nfee = 2.5\n",
        secrets.hook_token, secrets.enviso_key, secrets.samna_secret
    )
}

pub async fn run(o: Options) -> anyhow::Result<Summary> {
    let tz = jiff::tz::TimeZone::get(&o.time_zone)
        .map_err(|e| crate::usage::Usage(format!("--time-zone {}: {e}", o.time_zone)))?;
    std::fs::create_dir_all(&o.data_dir)?;
    let database = rangedesk_core::paths::database(&o.data_dir);
    if database.exists() {
        return Err(crate::usage::Usage(format!("{}: a store is there already", database.display())).into());
    }
    let secrets = Secrets {
        hook_token: rangedesk_core::config::new_hook_token(),
        enviso_key: format!("year-enviso-{}", o.seed),
        samna_secret: format!("wh_sec_year{}", o.seed),
    };
    std::fs::write(rangedesk_core::paths::default_config(&o.data_dir), config_text(&secrets, &o.time_zone))?;
    let store = store::open(&database, store::Options::default())?;
    let live = Live::start(&store).await?;
    let keys = Keys {
        hook_token: secrets.hook_token.clone(),
        enviso_hmac_keys: vec![secrets.enviso_key.clone()],
        samna_secrets: vec![secrets.samna_secret.clone()],
        samna_tolerance_seconds: 300,
    };
    let purchases = PurchaseSettings { window_seconds: 20, carrier_hit_fee_cents: 250, ..Default::default() };
    let ingest = Ingest::new(store.clone(), keys, purchases);
    let feed = Arc::new(feed::Feed::new(ingest, live, secrets, o.concurrency as usize));
    let started = Instant::now();
    let mut summary = Summary { days: o.days, ..Default::default() };
    feed.setup(&o, &tz).await?;
    for index in 0..o.days {
        let date = o.start.checked_add(jiff::Span::new().days(i64::from(index)))?;
        let chains = plan::day(o.seed, index, date, &tz, o.lanes)?;
        feed.day(chains).await?;
        let midnight = date.to_zoned(tz.clone())?;
        let hours = midnight.tomorrow()?.timestamp().duration_since(midnight.timestamp()).as_hours();
        if index % 10 == 9 || index + 1 == o.days || hours != 24 {
            let c = feed.counts();
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{date} ({} h): day {}/{}, {} deliveries, {:.0}/s, {secs:.0} s",
                hours,
                index + 1,
                o.days,
                c.deliveries,
                c.deliveries as f64 / secs.max(1e-3)
            );
        }
    }
    let c = feed.counts();
    summary.deliveries = c.deliveries;
    summary.accepted = c.accepted;
    summary.duplicates = c.duplicates;
    summary.refused = c.refused;
    summary.polled = c.polled;
    summary.help_answers = c.help_answers;
    summary.decisions = c.decisions;
    summary.desk_refused = c.desk_refused;
    store.close().await;
    drop(feed);
    summary.seconds = started.elapsed().as_secs_f64();
    summary.storage = storage::measure(&database)?;
    Ok(summary)
}

impl Summary {
    pub fn text(&self) -> String {
        let f = &self.storage;
        let mut s = format!(
            "{} days: {} events, {} deliveries ({} accepted, {} duplicates, {} refused), {} poll corrections, \
             {} help steps and {} purchase decisions at the desk ({} refused), in {:.1} s ({:.0} deliveries/s)\n\
             store: {:.1} MB ({:.0} bytes per event)\n",
            self.days,
            f.events,
            self.deliveries,
            self.accepted,
            self.duplicates,
            self.refused,
            self.polled,
            self.help_answers,
            self.decisions,
            self.desk_refused,
            self.seconds,
            self.deliveries as f64 / self.seconds.max(1e-3),
            f.bytes as f64 / 1e6,
            f.bytes as f64 / (f.events.max(1) as f64),
        );
        for (table, bytes) in &f.by_table {
            s.push_str(&format!("  {table}: {:.1} MB\n", *bytes as f64 / 1e6));
        }
        s
    }
}
