//! `rangedesk-sim history-bench`: the history reports on a store `rangedesk-sim year` filled,
//! measured over HTTP on loopback against the release `rangedesk-server` started on it, beside a
//! plain recomputation from the raw log in the same run: every event row of the period read with
//! its data (the delivery's body for a webhook event) and its JSON parsed, and the period's
//! delivery verdicts read, in this process. Also the app's start (spawn until the board answers
//! `/api/board`) and the store's footprint. Prints markdown with the targets.

use crate::latency::Latencies;
use crate::servers;
use crate::storage::{self, Footprint};
use crate::year::plan::Rng;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use jiff::civil::Date;
use rusqlite::{Connection, OpenFlags};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// A data directory `rangedesk-sim year` filled (its rangedesk.toml is used, on other ports)
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// The `rangedesk-server` binary [default: beside this one]
    #[arg(long, value_name = "PATH")]
    pub server: Option<PathBuf>,
    /// Random days to report
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub days: u32,
    /// Month-long periods (30 days) to report
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub months: u32,
    /// Starts of the app to time
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub starts: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The targets.
const DAY_P95_MS: f64 = 200.0;
const MONTH_MS: f64 = 1000.0;
const START_MS: f64 = 2000.0;
const STORE_BYTES: f64 = 1e9;

pub async fn run(o: Options, command: String) -> anyhow::Result<String> {
    let sim = std::env::current_exe()?;
    let server = o.server.clone().unwrap_or_else(|| sim.with_file_name("rangedesk-server"));
    anyhow::ensure!(server.is_file(), "{}: no such file; pass --server", server.display());
    let database = rangedesk_core::paths::database(&o.data_dir);
    anyhow::ensure!(database.is_file(), "{}: no store; fill one with `rangedesk-sim year`", database.display());
    let text = std::fs::read_to_string(rangedesk_core::paths::default_config(&o.data_dir))?;
    let zone = text
        .lines()
        .find_map(|l| l.strip_prefix("time_zone = \"").and_then(|v| v.strip_suffix('"')))
        .unwrap_or("UTC")
        .to_owned();
    let tz = jiff::tz::TimeZone::get(&zone)?;
    let work = tempfile::Builder::new().prefix("rangedesk-history-bench-").tempdir()?;
    let (first, last) = span(&database, &tz)?;
    eprintln!("store {} from {first} to {last} ({zone})", database.display());
    let footprint = storage::measure(&database)?;
    let objects = storage::objects(&database)?;

    // Start-up: spawn to the board's answer, a few times; the last one stays up for the reports.
    let mut starts = Latencies::default();
    let mut running = None;
    for n in 0..o.starts {
        let (listen, board) = (servers::free_port()?, servers::free_port()?);
        let config = work.path().join("rangedesk.toml");
        let ports = format!("[server]\nlisten = \"{listen}\"\nboard_listen = \"{board}\"\n");
        std::fs::write(&config, text.replacen("[server]\n", &ports, 1))?;
        let log = work.path().join(format!("server-{n}.log"));
        let began = Instant::now();
        let mut process = servers::spawn_rangedesk(&server, &config, &o.data_dir, listen, &log)?;
        loop {
            if process.exited() {
                anyhow::bail!("rangedesk-server exited at start; see {}", log.display());
            }
            if get(board, "/api/board").await.is_ok_and(|(status, _)| status == 200) {
                break;
            }
            anyhow::ensure!(began.elapsed() < Duration::from_secs(60), "no board after 60 s; see {}", log.display());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        starts.record(began.elapsed());
        eprintln!("start {}: {:.0} ms", n + 1, began.elapsed().as_secs_f64() * 1e3);
        if n + 1 < o.starts {
            process.stop()?;
        } else {
            running = Some((process, board));
        }
    }
    let Some((process, board)) = running else { anyhow::bail!("no start") };

    let mut rng = Rng::new(o.seed);
    let total = first.until(last)?.get_days().max(0);
    let pick = |rng: &mut Rng, len: i64| -> anyhow::Result<Date> {
        Ok(first.checked_add(jiff::Span::new().days(rng.range(0, (i64::from(total) - len).max(0))))?)
    };
    let days: Vec<Date> = (0..o.days).map(|_| pick(&mut rng, 0)).collect::<anyhow::Result<_>>()?;
    let months: Vec<Date> = (0..o.months).map(|_| pick(&mut rng, 29)).collect::<anyhow::Result<_>>()?;
    let (mut day, mut day_base, mut month, mut month_base, mut month_first) = Default::default();
    let baseline = Baseline::open(&database)?;
    // Warm both sides once, so neither pays for the first read of the file.
    get(board, &format!("/api/history/{}", days[0])).await?;
    baseline.period(days[0], days[0], &tz)?;
    for d in &days {
        time_get(&mut day, board, &format!("/api/history/{d}")).await?;
        time(&mut day_base, || baseline.period(*d, *d, &tz))?;
    }
    for from in &months {
        let to = from.checked_add(jiff::Span::new().days(29))?;
        // The first request of a period may fold days whose digests the server has not stored
        // yet (a store from before digests, or days the background has not reached); the
        // second reads them, as every later request does.
        time_get(&mut month_first, board, &format!("/api/history?from={from}&to={to}")).await?;
        time_get(&mut month, board, &format!("/api/history?from={from}&to={to}")).await?;
        time(&mut month_base, || baseline.period(*from, to, &tz))?;
        eprintln!("month from {from}: {:.0} ms", month.percentile_ms(100.0).unwrap_or(0.0));
    }
    process.stop()?;
    let mut months = [&mut day, &mut day_base, &mut month, &mut month_base, &mut month_first];
    Ok(markdown(&command, &footprint, &objects, &mut months, &mut starts))
}

async fn time_get(into: &mut Latencies, board: SocketAddr, path: &str) -> anyhow::Result<()> {
    let began = Instant::now();
    let (status, body) = get(board, path).await?;
    into.record(began.elapsed());
    anyhow::ensure!(status == 200, "{path}: {status}: {}", String::from_utf8_lossy(&body));
    Ok(())
}

fn time(into: &mut Latencies, f: impl FnOnce() -> anyhow::Result<usize>) -> anyhow::Result<()> {
    let began = Instant::now();
    f()?;
    into.record(began.elapsed());
    Ok(())
}

/// One GET on a fresh loopback connection; the whole body is read.
async fn get(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, Bytes)> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = http::Request::get(path).header(http::header::HOST, addr.to_string()).body(Empty::<Bytes>::new())?;
    let response = sender.send_request(req).await?;
    let status = response.status().as_u16();
    Ok((status, response.into_body().collect().await?.to_bytes()))
}

/// The first and last day with events, in the range's zone.
fn span(database: &Path, tz: &jiff::tz::TimeZone) -> anyhow::Result<(Date, Date)> {
    let c = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let (lo, hi): (i64, i64) =
        c.query_row("SELECT min(at), max(at) FROM events", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let date =
        |ms: i64| -> anyhow::Result<Date> { Ok(jiff::Timestamp::from_millisecond(ms)?.to_zoned(tz.clone()).date()) };
    Ok((date(lo)?, date(hi)?))
}

/// The plain recomputation: the raw log of a period, every row with its data parsed.
struct Baseline {
    conn: Connection,
}

const BASELINE_EVENTS: &str = "SELECT e.id, e.at, e.source, e.origin, e.kind, e.lane_id, e.session_id, e.subject,
    coalesce(e.data, CAST(d.body AS TEXT)) FROM events e LEFT JOIN deliveries d ON d.id = e.delivery_id
    WHERE e.at >= ?1 AND e.at < ?2 ORDER BY e.at, e.id";
const BASELINE_DELIVERIES: &str =
    "SELECT source, verdict, reason FROM deliveries WHERE received_at >= ?1 AND received_at < ?2";

impl Baseline {
    fn open(database: &Path) -> anyhow::Result<Baseline> {
        let conn = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(Baseline { conn })
    }

    /// Rows read for the days `from..=to`.
    fn period(&self, from: Date, to: Date, tz: &jiff::tz::TimeZone) -> anyhow::Result<usize> {
        let start = from.to_zoned(tz.clone())?.timestamp().as_millisecond();
        let end = to.to_zoned(tz.clone())?.tomorrow()?.timestamp().as_millisecond();
        let mut stmt = self.conn.prepare_cached(BASELINE_EVENTS)?;
        let mut rows = stmt.query([start, end])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let (_, _, _, _): (i64, i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let (_, _, _, _): (String, Option<String>, Option<String>, Option<String>) =
                (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
            if let Some(data) = r.get_ref(8)?.as_str_or_null()? {
                let v: serde_json::Value = serde_json::from_str(data)?;
                std::hint::black_box(v);
            }
            n += 1;
        }
        let mut stmt = self.conn.prepare_cached(BASELINE_DELIVERIES)?;
        let mut rows = stmt.query([start, end])?;
        while let Some(r) = rows.next()? {
            let (_, _, _): (String, String, Option<String>) = (r.get(0)?, r.get(1)?, r.get(2)?);
            n += 1;
        }
        Ok(n)
    }
}

fn ms(l: &mut Latencies, q: f64) -> f64 {
    l.percentile_ms(q).unwrap_or(f64::NAN)
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "**not met**" }
}

fn markdown(
    command: &str,
    f: &Footprint,
    objects: &[(String, String, u64)],
    [day, day_base, month, month_base, month_first]: &mut [&mut Latencies; 5],
    starts: &mut Latencies,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "`{command}`\n");
    let _ = writeln!(
        s,
        "Store: {} events, {} deliveries; {:.0} MB ({:.0} bytes per event). Machine: {} cores, {}.\n",
        f.events,
        f.deliveries,
        f.bytes as f64 / 1e6,
        f.bytes as f64 / f.events.max(1) as f64,
        crate::machine::cores(),
        crate::machine::cpu_model()
    );
    let _ = writeln!(s, "| figure | rangedesk | raw-log baseline | ratio | target | |");
    let _ = writeln!(s, "|---|---:|---:|---:|---|---|");
    let mut row = |name: &str, a: f64, b: f64, target: &str, ok: bool| {
        let _ = writeln!(s, "| {name} | {a:.1} ms | {b:.1} ms | {:.2}× | {target} | {} |", a / b, met(ok));
    };
    let (d50, d95, dmax) = (ms(day, 50.0), ms(day, 95.0), ms(day, 100.0));
    row(&format!("day p50 ({} days)", day.len()), d50, ms(day_base, 50.0), "", true);
    row("day p95", d95, ms(day_base, 95.0), "≤ 200 ms", d95 <= DAY_P95_MS);
    row("day max", dmax, ms(day_base, 100.0), "", true);
    let (m50, mmax) = (ms(month, 50.0), ms(month, 100.0));
    row(&format!("30 days p50 ({} runs)", month.len()), m50, ms(month_base, 50.0), "", true);
    row("30 days max", mmax, ms(month_base, 100.0), "≤ 1 s", mmax <= MONTH_MS);
    let first = ms(month_first, 100.0);
    row("30 days, first request, max (days folded)", first, ms(month_base, 100.0), "", true);
    let (s50, smax) = (ms(starts, 50.0), ms(starts, 100.0));
    let _ = writeln!(
        s,
        "| start p50 / max ({} starts) | {s50:.0} / {smax:.0} ms | | | ≤ 2 s | {} |",
        starts.len(),
        met(smax <= START_MS)
    );
    let _ = writeln!(
        s,
        "| store | {:.0} MB | | | ≤ 1 GB | {} |\n",
        f.bytes as f64 / 1e6,
        met((f.bytes as f64) <= STORE_BYTES)
    );
    let _ = writeln!(s, "| table or index | of table | MB |\n|---|---|---:|");
    for (name, table, bytes) in objects {
        let _ = writeln!(s, "| {name} | {table} | {:.1} |", *bytes as f64 / 1e6);
    }
    s
}
