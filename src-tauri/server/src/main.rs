//! `rangedesk-server`: the core without a window, and with `--demo` the simulator beside it
//! (`rangedesk-demo`). A package of its own because the core library cannot depend on the demo crate
//! that depends on it.

use clap::Parser;
use rangedesk_core::app::{self, Launch};
use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: every delivery is allocated on a tokio thread and freed on
/// the store's writer thread, which glibc handles slowly (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "rangedesk-server",
    version,
    about = "rangedesk without a window: vendor webhooks, the store and the browser API"
)]
struct Flags {
    #[command(flatten)]
    launch: Launch,
}

fn main() -> ExitCode {
    let launch = Flags::parse().launch;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rangedesk-server: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(launch))
}

async fn run(launch: Launch) -> ExitCode {
    let data_dir = match app::data_dir(&launch) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let _logs = rangedesk_core::logging::init(&rangedesk_core::paths::log_dir(&data_dir));
    let signal = rangedesk_core::shutdown_signal();
    let app = match rangedesk_demo::start(launch).await {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    let urls = app.hook_urls();
    tracing::info!(enviso = %urls.enviso, samna = %urls.samna, "webhook URLs (the Action Target URL holds the hook token; see the config file)");
    tracing::info!(board = %app.board_url(), "the board: open it in a browser on this computer");
    signal.await;
    tracing::info!("shutting down: finishing in-flight deliveries");
    app.shutdown();
    app.stopped().await;
    ExitCode::SUCCESS
}

fn fail(e: &app::StartError) -> ExitCode {
    eprintln!("rangedesk-server: {e}");
    ExitCode::from(e.exit_code() as u8)
}
