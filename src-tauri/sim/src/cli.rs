//! The command line. Each subcommand parses its flags and calls one library function; a bad
//! command line exits 2 with one line on stderr, a failed run exits 1.

use crate::deliveries::{Pool, Secrets, Sequence, Vendor};
use crate::usage::Usage;
use crate::{bench, load, noop, report};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(name = "rangedesk-sim", version, about = "rangedesk's vendor simulator, load generator and ingest benchmark")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// A fake Action Target API, with the playground's `simulate` endpoints, until ctrl-c
    Serve {
        #[command(flatten)]
        sim: crate::vendors::SimArgs,
        #[command(flatten)]
        target: crate::vendors::TargetArgs,
    },
    /// Drive a scenario's deliveries from all three vendors at a running rangedesk
    Scenario {
        /// The scenario: busy-saturday
        name: String,
        #[command(flatten)]
        sim: crate::vendors::SimArgs,
        #[command(flatten)]
        target: crate::vendors::TargetArgs,
    },
    /// Send signed deliveries of one vendor at a running rangedesk and report rate and latency
    Load(LoadArgs),
    /// Print signed deliveries of one vendor, one a line: path, TAB, the Samna signature header
    /// (`-` for none), TAB, the body (JSON on one line)
    Requests(RequestsArgs),
    /// The benchmark's baseline: the webhook routes answering 200 without verifying or storing
    Noop {
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8797")]
        listen: SocketAddr,
    },
    /// Benchmark webhook ingest against the no-op route, in one run; prints markdown
    Bench(bench::Options),
    /// Fill a store with a year of a range through the core's real ingest, time passed in
    Year(crate::year::Options),
    /// Measure the history reports on a store `year` filled, beside a recomputation from the raw log
    HistoryBench(crate::history_bench::Options),
    /// The durable floor: the no-op routes, but each body appended to a file and answered after a
    /// group fdatasync. Takes rangedesk-server's --config and --data-dir, for `bench --server`
    Floor {
        #[arg(long, value_name = "FILE")]
        config: std::path::PathBuf,
        #[arg(long, value_name = "DIR")]
        data_dir: std::path::PathBuf,
    },
    /// The bare ceiling: the no-op routes, but each body inserted as one row into SQLite (WAL,
    /// synchronous=FULL) by one writer that commits every body waiting at once, answered after
    /// the commit. Takes rangedesk-server's --config and --data-dir, as `floor` does
    Bare {
        #[arg(long, value_name = "FILE")]
        config: std::path::PathBuf,
        #[arg(long, value_name = "DIR")]
        data_dir: std::path::PathBuf,
    },
}

/// The keys the server under test was configured with (its defaults are the demo's).
#[derive(Args, Debug)]
struct KeyArgs {
    /// `action_target.hook_token` of the server (required for action-target)
    #[arg(long, default_value = "")]
    hook_token: String,
    #[arg(long, default_value = rangedesk_demo::DEMO_ENVISO_KEY)]
    enviso_key: String,
    #[arg(long, default_value = rangedesk_demo::DEMO_SAMNA_SECRET)]
    samna_secret: String,
}

impl KeyArgs {
    /// The keys for `vendor`'s deliveries; action-target needs the hook token.
    fn secrets(self, vendor: Vendor) -> anyhow::Result<Secrets> {
        if vendor == Vendor::ActionTarget && self.hook_token.is_empty() {
            return Err(Usage("--hook-token is required for action-target".into()).into());
        }
        Ok(Secrets { hook_token: self.hook_token, enviso_key: self.enviso_key, samna_secret: self.samna_secret })
    }
}

/// Pre-signed deliveries for another load generator (`wrk` in `scripts/ingest-wrk`).
#[derive(Args, Debug)]
struct RequestsArgs {
    #[arg(long, value_enum)]
    vendor: Vendor,
    /// How many; each Enviso and Samna delivery carries an id never used before
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    #[command(flatten)]
    keys: KeyArgs,
}

#[derive(Args, Debug)]
struct LoadArgs {
    #[arg(long, value_enum)]
    vendor: Vendor,
    /// The public listener, e.g. http://127.0.0.1:8787 (plain HTTP); the vendor's path is added
    #[arg(long, value_name = "URL")]
    target: String,
    #[command(flatten)]
    keys: KeyArgs,
    /// Closed loop: workers sending back to back, one connection each
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds to run
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Open loop instead: deliveries per second on a fixed schedule
    #[arg(long)]
    rate: Option<f64>,
    /// Open loop: connections to spread the schedule over
    #[arg(long, default_value_t = 64)]
    connections: usize,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rangedesk-sim: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { sim, target } => crate::vendors::serve(sim, target).await,
            Command::Scenario { name, sim, target } => crate::vendors::scenario(name, sim, target).await,
            Command::Load(args) => load_command(args).await,
            Command::Requests(args) => requests_command(args),
            Command::Noop { listen } => {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .map_err(|e| Usage(format!("--listen {listen}: {e}")))?;
                noop::run(listener, rangedesk_core::shutdown_signal()).await;
                Ok(())
            }
            Command::Year(options) => {
                let summary = crate::year::run(options).await?;
                print!("{}", summary.text());
                Ok(())
            }
            Command::HistoryBench(options) => {
                let results = crate::history_bench::run(options, command).await?;
                print!("{results}");
                Ok(())
            }
            Command::Floor { config, data_dir } => {
                crate::floor::run(&config, &data_dir, crate::floor::Sink::File).await
            }
            Command::Bare { config, data_dir } => {
                crate::floor::run(&config, &data_dir, crate::floor::Sink::Sqlite).await
            }
            Command::Bench(options) => {
                // On ctrl-c or SIGTERM the run is dropped, and dropping it kills the servers it
                // started and removes its temporary directory.
                let mut results = tokio::select! {
                    r = bench::run(options, command) => r?,
                    () = rangedesk_core::shutdown_signal() => anyhow::bail!("interrupted; the servers were stopped"),
                };
                print!("{}", report::markdown(&mut results));
                if results.options.keep {
                    eprintln!("kept {}", results.work_dir.display());
                }
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rangedesk-sim: {e:#}");
            ExitCode::from(if e.is::<Usage>() { 2 } else { 1 })
        }
    }
}

async fn load_command(a: LoadArgs) -> anyhow::Result<()> {
    let secrets = a.keys.secrets(a.vendor)?;
    let addr = resolve(&a.target).await?;
    let seq = Sequence::default();
    let target = load::Target { addr };
    let mut tally = match a.rate {
        Some(rate) => {
            let count = (rate * a.duration).ceil().max(1.0) as usize;
            let pool = Arc::new(Pool::fresh(a.vendor, &secrets, &seq, count)?);
            load::open(&target, pool, rate, count, a.connections).await?
        }
        None => {
            // Generous: the pool must outlast the run, and a used-up pool only ends it early.
            let count = (40_000.0 * a.duration).ceil() as usize;
            let pool = Arc::new(Pool::fresh(a.vendor, &secrets, &seq, count)?);
            load::closed(&target, pool, a.concurrency, Duration::from_secs_f64(a.duration)).await?
        }
    };
    let mode = a.rate.map_or(format!("closed loop, concurrency {}", a.concurrency), |r| format!("open loop, {r}/s"));
    println!("{} {mode}: {}", a.vendor.name(), tally.line());
    Ok(())
}

fn requests_command(a: RequestsArgs) -> anyhow::Result<()> {
    use std::io::Write as _;
    let secrets = a.keys.secrets(a.vendor)?;
    let pool = Pool::fresh(a.vendor, &secrets, &Sequence::default(), a.count)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for i in 0..a.count {
        let Some(d) = pool.get(i) else { break };
        let signature = d.signature.as_ref().map_or(Ok("-"), |h| h.to_str())?;
        out.write_all(pool.uri.path().as_bytes())?;
        write!(out, "\t{signature}\t")?;
        out.write_all(&d.body)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// `http://host:port[/…]` to a socket address.
async fn resolve(url: &str) -> anyhow::Result<SocketAddr> {
    let uri: http::Uri = url.parse().map_err(|_| Usage(format!("--target {url}: not a URL")))?;
    if uri.scheme_str() != Some("http") {
        return Err(Usage(format!("--target {url}: only http:// is supported")).into());
    }
    let host = uri.host().ok_or_else(|| Usage(format!("--target {url}: no host")))?;
    let port = uri.port_u16().unwrap_or(80);
    tokio::net::lookup_host((host, port))
        .await?
        .next()
        .ok_or_else(|| Usage(format!("--target {url}: {host} does not resolve")).into())
}
