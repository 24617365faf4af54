//! The ingest benchmark in one run. It builds nothing: it starts the `rangedesk-server` binary it
//! is given (a fresh data directory and config per vendor) and `rangedesk-sim noop` beside it, and
//! measures both with the same generator, alternating between them in short rounds (ABBA order)
//! so that drift on a noisy machine falls on both sides alike. Results are ratios to the no-op
//! route measured in the same run, never absolute numbers to compare across machines.

use crate::deliveries::{Pool, Sequence, Vendor};
use crate::latency::Latencies;
use crate::load::{self, Tally, Target};
use crate::storage::{self, Footprint};
use crate::{machine, servers};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// The `rangedesk-server` binary to measure [default: beside this one]
    #[arg(long, value_name = "PATH")]
    pub server: Option<PathBuf>,
    /// Where the temporary data directories go; put it on the disk you care about, since every
    /// delivery waits for an fsync there [default: the system temp directory]
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Keep the temporary directory (stores and server logs) afterwards
    #[arg(long)]
    pub keep: bool,
    #[arg(long, value_delimiter = ',', default_values = ["action-target", "enviso", "samna"])]
    pub vendors: Vec<Vendor>,
    #[arg(long, value_delimiter = ',', default_values_t = [1, 16, 64])]
    pub concurrency: Vec<usize>,
    /// Rounds per concurrency; each round measures both servers once
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Seconds each server is loaded per round
    #[arg(long, default_value_t = 3.0)]
    pub round_seconds: f64,
    /// Deliveries per second in the steady (open-loop) test
    #[arg(long, default_value_t = 500.0)]
    pub rate: f64,
    /// Seconds of steady load per server, split over the rounds
    #[arg(long, default_value_t = 12.0)]
    pub steady_seconds: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Rangedesk,
    Noop,
}

/// Both servers at one vendor and concurrency, over all rounds.
#[derive(Debug, Default)]
pub struct Pair {
    pub rangedesk: Tally,
    pub noop: Tally,
    /// rangedesk's rate over the no-op route's, round by round.
    pub round_ratios: Vec<f64>,
}

impl Pair {
    pub fn ratio(&self) -> Option<f64> {
        let noop = self.noop.rate();
        (noop > 0.0).then(|| self.rangedesk.rate() / noop)
    }
}

#[derive(Debug)]
pub struct VendorResult {
    pub vendor: Vendor,
    pub closed: Vec<(usize, Pair)>,
    pub steady: Pair,
    pub storage: Footprint,
}

#[derive(Debug)]
pub struct Results {
    pub options: Options,
    pub command: String,
    pub started: jiff::Zoned,
    pub load_before: String,
    pub load_after: String,
    pub work_dir: PathBuf,
    /// The disk's fsync latency before and after the run.
    pub fsync: [Latencies; 2],
    pub vendors: Vec<VendorResult>,
}

/// Runs the whole benchmark; progress goes to stderr.
pub async fn run(options: Options, command: String) -> anyhow::Result<Results> {
    anyhow::ensure!(
        options.rounds > 0 && options.round_seconds > 0.0 && options.rate > 0.0,
        "rounds, seconds and rate must be above zero"
    );
    let sim = std::env::current_exe()?;
    let server = options.server.clone().unwrap_or_else(|| sim.with_file_name("rangedesk-server"));
    anyhow::ensure!(
        server.is_file(),
        "{}: no such file; build it with `cargo build --release -p rangedesk-server` or pass --server",
        server.display()
    );
    let parent = options.work_dir.clone().unwrap_or_else(std::env::temp_dir);
    let work = tempfile::Builder::new().prefix("rangedesk-bench-").tempdir_in(&parent)?;
    let (started, load_before) = (jiff::Zoned::now(), machine::load_average());
    eprintln!("work directory {}; load average {load_before}", work.path().display());
    let fsync = machine::fsync_floor(work.path(), 200)?;
    let noop = servers::start_noop(&sim, work.path()).await?;
    let seq = Sequence::default();
    let mut vendors = Vec::new();
    for &vendor in &options.vendors {
        let dir = work.path().join(vendor.name());
        std::fs::create_dir_all(&dir)?;
        let real = servers::start_rangedesk(&server, &dir).await?;
        let mut bench = VendorBench {
            vendor,
            options: &options,
            seq: &seq,
            real: Target { addr: real.process.addr },
            noop: Target { addr: noop.addr },
            noop_pool: Arc::new(Pool::cycling(vendor, &real.secrets, &seq)?),
            secrets: &real.secrets,
            best_real: 0.0,
        };
        let result = bench.run().await?;
        // A server under test that keeps no store (the durable floor, `rangedesk-sim floor`) has
        // no footprint to report.
        let storage = if real.database.exists() { storage::measure(&real.database)? } else { Footprint::default() };
        real.process.stop()?;
        vendors.push(VendorResult { storage, ..result });
    }
    noop.stop()?;
    let fsync = [fsync, machine::fsync_floor(work.path(), 200)?];
    let work_dir = if options.keep { work.keep() } else { work.path().to_owned() };
    Ok(Results {
        options,
        command,
        started,
        load_before,
        load_after: machine::load_average(),
        work_dir,
        fsync,
        vendors,
    })
}

struct VendorBench<'a> {
    vendor: Vendor,
    options: &'a Options,
    seq: &'a Sequence,
    secrets: &'a crate::deliveries::Secrets,
    real: Target,
    noop: Target,
    noop_pool: Arc<Pool>,
    /// rangedesk's fastest rate so far, to size the next send-once pool.
    best_real: f64,
}

impl VendorBench<'_> {
    async fn run(&mut self) -> anyhow::Result<VendorResult> {
        let o = self.options;
        let warm = Duration::from_secs(1);
        self.closed(Side::Noop, 16, warm).await?;
        self.closed(Side::Rangedesk, 16, warm).await?;
        let mut closed = Vec::new();
        for &c in &o.concurrency {
            let mut pair = Pair::default();
            for round in 0..o.rounds {
                let secs = Duration::from_secs_f64(o.round_seconds);
                let (mut real, mut noop) = (Tally::default(), Tally::default());
                for side in order(round) {
                    match side {
                        Side::Rangedesk => real = self.closed(side, c, secs).await?,
                        Side::Noop => noop = self.closed(side, c, secs).await?,
                    }
                }
                eprintln!(
                    "{} c={c} round {}/{}: rangedesk {} | no-op {}",
                    self.vendor.name(),
                    round + 1,
                    o.rounds,
                    real.line(),
                    noop.line()
                );
                if noop.rate() > 0.0 {
                    pair.round_ratios.push(real.rate() / noop.rate());
                }
                pair.rangedesk.merge(real);
                pair.noop.merge(noop);
            }
            closed.push((c, pair));
        }
        let mut steady = Pair::default();
        let per_round = ((o.steady_seconds / o.rounds as f64) * o.rate).ceil().max(1.0) as usize;
        for round in 0..o.rounds {
            for side in order(round) {
                let (target, pool) = self.side(side, per_round)?;
                let mut t = load::open(&target, pool, o.rate, per_round, 64).await?;
                eprintln!(
                    "{} steady {}/s round {}/{}: {side:?} {}",
                    self.vendor.name(),
                    o.rate,
                    round + 1,
                    o.rounds,
                    t.line()
                );
                match side {
                    Side::Rangedesk => steady.rangedesk.merge(t),
                    Side::Noop => steady.noop.merge(t),
                }
            }
        }
        Ok(VendorResult { vendor: self.vendor, closed, steady, storage: Footprint::default() })
    }

    async fn closed(&mut self, side: Side, concurrency: usize, secs: Duration) -> anyhow::Result<Tally> {
        // A send-once pool should outlast the run: size it well above rangedesk's fastest rate
        // yet (the no-op route's pool cycles). If it runs out anyway the round only ends early,
        // and its rate is still completed deliveries over the time they took.
        let rate_cap = if side == Side::Rangedesk { (self.best_real * 4.0).max(10_000.0) } else { 0.0 };
        let count = (rate_cap * secs.as_secs_f64()).ceil() as usize + 1000;
        let (target, pool) = self.side(side, count)?;
        let t = load::closed(&target, pool, concurrency, secs).await?;
        if t.exhausted {
            eprintln!(
                "warning: {} {side:?} c={concurrency}: the pool of {count} ran out; that round was shorter",
                self.vendor.name()
            );
        }
        if side == Side::Rangedesk {
            self.best_real = self.best_real.max(t.rate());
        }
        Ok(t)
    }

    fn side(&self, side: Side, count: usize) -> anyhow::Result<(Target, Arc<Pool>)> {
        Ok(match side {
            Side::Rangedesk => (self.real.clone(), Arc::new(Pool::fresh(self.vendor, self.secrets, self.seq, count)?)),
            Side::Noop => (self.noop.clone(), self.noop_pool.clone()),
        })
    }
}

/// ABBA: even rounds start with the no-op route, odd ones with rangedesk.
fn order(round: usize) -> [Side; 2] {
    if round.is_multiple_of(2) { [Side::Noop, Side::Rangedesk] } else { [Side::Rangedesk, Side::Noop] }
}
