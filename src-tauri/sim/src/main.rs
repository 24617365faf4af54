//! `rangedesk-sim`: the vendor simulator, load generator and ingest benchmark.

fn main() -> std::process::ExitCode {
    rangedesk_sim::cli::run()
}
