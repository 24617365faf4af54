//! The desktop app: the core in a window. Parses the same flags as `rangedesk-server`, starts the
//! core on Tauri's async runtime, serves the window's IPC commands from it, and drains the core
//! before the process exits, whether the window was closed or the process was told to stop.

mod commands;
mod push;
mod settings;

use clap::Parser;
use rangedesk_core::app::{self, App, Launch, StartError};
use std::process::ExitCode;
use tauri::Manager as _;

#[derive(Parser, Debug)]
#[command(name = "rangedesk", version, about = "Front-desk software for shooting ranges")]
struct Flags {
    #[command(flatten)]
    launch: Launch,
}

/// Runs the app until its window closes or it receives ctrl-c or SIGTERM.
pub fn run() -> ExitCode {
    // A bad command line makes clap print its message and exit 2.
    let launch = Flags::parse().launch;
    let data_dir = match app::data_dir(&launch) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let _logs = rangedesk_core::logging::init(&rangedesk_core::paths::log_dir(&data_dir));
    // The core's tasks are spawned on Tauri's runtime, so they keep running while the window does.
    let core = match tauri::async_runtime::block_on(App::start(launch)) {
        Ok(core) => core,
        Err(e) => return fail(&e),
    };
    let core_for_push = core.clone();
    let window = tauri::Builder::default()
        .manage(core.clone())
        .invoke_handler(tauri::generate_handler![
            commands::hook_urls,
            commands::status,
            commands::deliveries,
            commands::events,
            commands::board,
            commands::acknowledge_help,
            commands::resolve_help,
            commands::decide_purchase,
            commands::tick_off,
            settings::settings,
            settings::change_settings,
            settings::send_test_delivery,
            settings::products,
            settings::replace_products,
            settings::check_products,
            settings::upload_picture,
            commands::start_session,
            commands::modify_session,
            commands::stop_session,
            commands::visits,
        ])
        .setup(|tauri_app| {
            push::board_changes(tauri_app.app_handle().clone(), core_for_push);
            let handle = tauri_app.app_handle().clone();
            tauri::async_runtime::spawn(async move {
                rangedesk_core::shutdown_signal().await;
                tracing::info!("asked to stop");
                handle.exit(0);
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    let code = match window {
        Ok(window) => window.run_return(|_, _| {}),
        Err(e) => {
            eprintln!("rangedesk: cannot open the window: {e}");
            1
        }
    };
    tracing::info!("shutting down: finishing in-flight deliveries");
    core.shutdown();
    tauri::async_runtime::block_on(core.stopped());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// One line on stderr naming what to fix, and the core's exit status (2), as `rangedesk-server` does.
fn fail(e: &StartError) -> ExitCode {
    eprintln!("rangedesk: {e}");
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}
