//! The benchmark's results as markdown to paste into docs/PERFORMANCE.md: the run's facts, one
//! table per test, and each target of the issue checked against this run's numbers.

use crate::bench::{Pair, Results};
use crate::latency::Latencies;
use crate::load::Tally;
use crate::machine;
use std::fmt::Write as _;

/// Throughput targets: rangedesk's rate over the no-op route's, at a concurrency.
const RATIO_TARGETS: [(usize, f64); 2] = [(16, 0.40), (64, 0.60)];
/// Steady-load target: p99 in milliseconds.
const STEADY_P99_MS: f64 = 2.0;

fn ms(l: &mut Latencies, q: f64) -> String {
    l.percentile_ms(q).map_or("–".into(), |v| format!("{v:.2}"))
}

fn errors(t: &Tally) -> String {
    if t.errors() == 0 {
        return "0".into();
    }
    let mut parts: Vec<String> = t.refused.iter().map(|(s, n)| format!("{n}×{s}")).collect();
    if t.failed > 0 {
        parts.push(format!("{} no answer", t.failed));
    }
    parts.join(", ")
}

fn ratio(p: &Pair) -> String {
    p.ratio().map_or("–".into(), |r| format!("{:.0}%", r * 100.0))
}

fn spread(p: &Pair) -> String {
    let lo = p.round_ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = p.round_ratios.iter().copied().fold(0.0, f64::max);
    if p.round_ratios.is_empty() { "–".into() } else { format!("{:.0}–{:.0}%", lo * 100.0, hi * 100.0) }
}

pub fn markdown(r: &mut Results) -> String {
    let mut s = String::new();
    let o = &r.options;
    let _ = writeln!(s, "### Run\n");
    let _ = writeln!(s, "- command: `{}`", r.command);
    let _ = writeln!(s, "- started: {}", r.started.strftime("%Y-%m-%d %H:%M:%S %Z"));
    let _ = writeln!(
        s,
        "- machine: {} cores ({}), CPU `{}`",
        machine::cores(),
        std::env::consts::ARCH,
        machine::cpu_model()
    );
    let _ = writeln!(s, "- load average (1, 5, 15 min): {} before, {} after", r.load_before, r.load_after);
    let busy = r.load_before.split_whitespace().next().and_then(|l| l.parse::<f64>().ok()).is_some_and(|l| l > 0.5);
    if busy {
        let _ =
            writeln!(s, "- **warning**: the machine was busy when the run started; other processes shared its cores");
    }
    let [before, after] = &mut r.fsync;
    let _ = writeln!(
        s,
        "- disk under the store (`{}`): `fdatasync` after a 4 KiB append, 200 times: p50 {} / p99 {} ms before the run, {} / {} ms after",
        r.work_dir.display(),
        ms(before, 50.0),
        ms(before, 99.0),
        ms(after, 50.0),
        ms(after, 99.0)
    );
    let _ = writeln!(
        s,
        "- closed loop: {} rounds × {} s per server per concurrency, ABBA order; steady: {}/s, {} s per server in the same rounds",
        o.rounds, o.round_seconds, o.rate, o.steady_seconds
    );
    let _ = writeln!(s, "\n### Throughput (closed loop, keep-alive, one connection per worker)\n");
    let _ = writeln!(
        s,
        "| vendor | concurrency | rangedesk deliveries/s | no-op deliveries/s | ratio | ratio by round | rangedesk p50 / p99 ms | no-op p50 / p99 ms | errors rangedesk / no-op |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for v in &mut r.vendors {
        for (c, p) in &mut v.closed {
            let _ = writeln!(
                s,
                "| {} | {c} | {:.0} | {:.0} | **{}** | {} | {} / {} | {} / {} | {} / {} |",
                v.vendor.name(),
                p.rangedesk.rate(),
                p.noop.rate(),
                ratio(p),
                spread(p),
                ms(&mut p.rangedesk.latencies, 50.0),
                ms(&mut p.rangedesk.latencies, 99.0),
                ms(&mut p.noop.latencies, 50.0),
                ms(&mut p.noop.latencies, 99.0),
                errors(&p.rangedesk),
                errors(&p.noop),
            );
        }
    }
    let _ = writeln!(s, "\n### Steady {}/s (open loop; latency from each request's scheduled send time)\n", o.rate);
    let _ = writeln!(
        s,
        "| vendor | sent/s | rangedesk p50 / p99 / max ms | no-op p50 / p99 / max ms | errors rangedesk / no-op |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---|");
    for v in &mut r.vendors {
        let p = &mut v.steady;
        let sent = (p.rangedesk.ok + p.rangedesk.errors()) as f64 / p.rangedesk.elapsed.as_secs_f64().max(1e-9);
        let _ = writeln!(
            s,
            "| {} | {sent:.0} | {} / **{}** / {} | {} / {} / {} | {} / {} |",
            v.vendor.name(),
            ms(&mut p.rangedesk.latencies, 50.0),
            ms(&mut p.rangedesk.latencies, 99.0),
            ms(&mut p.rangedesk.latencies, 100.0),
            ms(&mut p.noop.latencies, 50.0),
            ms(&mut p.noop.latencies, 99.0),
            ms(&mut p.noop.latencies, 100.0),
            errors(&p.rangedesk),
            errors(&p.noop),
        );
    }
    let _ = writeln!(s, "\n### Bytes stored (pages in use after the run, WAL included, per vendor's own store)\n");
    let _ = writeln!(
        s,
        "| vendor | events | deliveries | mean raw body B | bytes per event | **per 1,000,000 events** | by table (with its indexes) |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---|");
    for v in &r.vendors {
        let f = &v.storage;
        let per_event = if f.events > 0 { f.bytes as f64 / f.events as f64 } else { 0.0 };
        let split: Vec<String> =
            f.by_table.iter().map(|(t, b)| format!("{t} {:.0}%", *b as f64 * 100.0 / f.bytes.max(1) as f64)).collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.0} | {per_event:.0} | {} | {} |",
            v.vendor.name(),
            f.events,
            f.deliveries,
            f.mean_body,
            f.per_million_events().map_or("–".into(), |b| format!("{:.0} MB", b / 1e6)),
            split.join(", "),
        );
    }
    targets(&mut s, r);
    s
}

fn targets(s: &mut String, r: &mut Results) {
    let _ = writeln!(s, "\n### Against the targets\n");
    let _ = writeln!(s, "| target | vendor | this run | met |");
    let _ = writeln!(s, "|---|---|---:|---|");
    for v in &mut r.vendors {
        for (c, want) in RATIO_TARGETS {
            if let Some((_, p)) = v.closed.iter().find(|(k, _)| *k == c) {
                let got = p.ratio().unwrap_or(0.0);
                let verdict =
                    if got >= want { "yes".into() } else { format!("no, {:.0} points short", (want - got) * 100.0) };
                let _ = writeln!(
                    s,
                    "| ≥ {:.0}% of no-op at concurrency {c} | {} | {:.0}% | {verdict} |",
                    want * 100.0,
                    v.vendor.name(),
                    got * 100.0
                );
            }
        }
        if let Some(p99) = v.steady.rangedesk.latencies.percentile_ms(99.0) {
            let verdict = if p99 <= STEADY_P99_MS {
                "yes".into()
            } else {
                format!("no, {:.1}× the target", p99 / STEADY_P99_MS)
            };
            let _ = writeln!(
                s,
                "| p99 ≤ {STEADY_P99_MS} ms at {}/s | {} | {p99:.2} ms | {verdict} |",
                r.options.rate,
                v.vendor.name()
            );
        }
    }
}
