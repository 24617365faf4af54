//! The desktop app: the core in a window. Parses the same flags as `rangedesk-server`, checks the
//! config before any window opens, lets a second launch hand over to the first (single instance),
//! then starts the core on Tauri's async runtime (with `--demo`, the simulator beside it, from
//! `rangedesk-demo`), serves the window's IPC commands from it, shows its notifications and tray,
//! and drains the core before the process exits, whether the window was closed, Quit was chosen in
//! the tray, or the process was told to stop.

mod autostart;
mod commands;
mod instance;
#[cfg(all(unix, not(target_os = "macos")))]
mod notify;
mod push;
mod settings;
mod tray;
mod webview;

/// Notifications are written against the freedesktop specification (actions, hints, waiting for
/// a button); elsewhere the app runs without them and says so once.
#[cfg(not(all(unix, not(target_os = "macos"))))]
mod notify {
    pub fn start(_: tauri::AppHandle, _: rangedesk_core::app::App) {
        tracing::warn!("desktop notifications are only implemented for freedesktop desktops (Linux)");
    }
}

use clap::Parser;
use rangedesk_core::DesktopStatus;
use rangedesk_core::app::{self, App, Launch, StartError};
use std::process::ExitCode;
use tauri::{AppHandle, Manager as _};

#[derive(Parser, Debug)]
#[command(name = "rangedesk", version, about = "Front-desk software for shooting ranges")]
struct Flags {
    #[command(flatten)]
    launch: Launch,
    /// Started by the autostart entry with the PC (see `autostart`).
    #[arg(long = "autostarted", hide = true)]
    autostarted: bool,
}

/// The window's label in tauri.conf.json.
const WINDOW: &str = "rangedesk";

/// Runs the app until its window closes or it receives ctrl-c or SIGTERM.
pub fn run() -> ExitCode {
    commands::STARTED.get_or_init(std::time::Instant::now);
    // A bad command line makes clap print its message and exit 2.
    let flags = Flags::parse();
    let launch = flags.launch;
    let data_dir = match app::data_dir(&launch) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let _logs = rangedesk_core::logging::init(&rangedesk_core::paths::log_dir(&data_dir));
    // A bad config must stop the app with its one line before anything needs a display, and before
    // a second launch would hand over to the first as if all were well.
    let config = launch.config_path.clone().unwrap_or_else(|| rangedesk_core::paths::default_config(&data_dir));
    if let Err(e) = rangedesk_core::config::load(&config) {
        return fail(&StartError::from(e));
    }

    let hidden = autostart::start_hidden(&data_dir, flags.autostarted);
    let mut desktop = DesktopStatus { single_instance: true, notices: Vec::new() };
    let mut builder = tauri::Builder::default();
    match instance::missing_session_bus() {
        None => {
            // First, so a second launch stops before it opens the store or binds a port.
            builder = builder.plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
                tracing::info!("rangedesk was started again: showing this window instead");
                show_window(app);
            }));
        }
        Some(why) => {
            tracing::warn!(problem = %why, "single instance is off: a second launch will run a second copy");
            desktop.single_instance = false;
            desktop.notices.push(instance::notice(&why));
        }
    }

    // Building runs the plugins' set-up: a second launch hands over to the first and exits here,
    // before it opens the store or binds a port.
    let built = builder
        // Size, position and maximized state, saved when the app exits, restored when it opens.
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(
            // The launch agent is the builder's default on macOS.
            tauri_plugin_autostart::Builder::new().args([autostart::FLAG]).build(),
        )
        .manage(desktop)
        .manage(autostart::Choice(data_dir.clone()))
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
            commands::history_day,
            commands::history_range,
            commands::save_history_csv,
            commands::save_diagnostics,
            commands::backup_status,
            commands::back_up_now,
            commands::restore_backup,
            commands::desktop_status,
            commands::board_painted,
            commands::api_health,
            autostart::autostart,
            autostart::set_autostart,
        ])
        .setup(move |tauri_app| {
            let handle = tauri_app.app_handle().clone();
            let core = tauri_app.state::<App>().inner().clone();
            // Created here rather than from the config, so its first IPC call finds the core managed.
            if let Some(config) = tauri_app.config().app.windows.iter().find(|w| w.label == WINDOW) {
                let window = tauri::WebviewWindowBuilder::from_config(&handle, config)?.visible(!hidden).build()?;
                webview::configure(&window);
                if hidden {
                    // Started with the PC and asked to wait in the tray: Show board opens it.
                    window.hide()?;
                    tracing::info!("started with the PC: waiting in the tray");
                }
            }
            push::board_changes(handle.clone(), core.clone());
            notify::start(handle.clone(), core.clone());
            if let Err(e) = tray::start(&handle, core) {
                // A desktop without a tray (or its library) still has the window and notifications.
                tracing::warn!(error = %e, "no tray icon");
            }
            tauri::async_runtime::spawn(async move {
                rangedesk_core::shutdown_signal().await;
                tracing::info!("asked to stop");
                handle.exit(0);
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    let window = match built {
        Ok(window) => window,
        Err(e) => {
            eprintln!("rangedesk: cannot open the window: {e}");
            return ExitCode::from(1);
        }
    };
    // The core's tasks are spawned on Tauri's runtime, so they keep running while the window does.
    let core = match tauri::async_runtime::block_on(rangedesk_demo::start(launch)) {
        Ok(core) => core,
        Err(e) => return fail(&e),
    };
    window.manage(core.clone());
    let code = window.run_return(|_, _| {});
    tracing::info!("shutting down: finishing in-flight deliveries");
    core.shutdown();
    tauri::async_runtime::block_on(core.stopped());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Brings the window forward: a second launch, the tray's Show board, a click on a notification.
pub(crate) fn show_window(app: &AppHandle) {
    let Some(w) = app.get_webview_window(WINDOW) else { return };
    for r in [w.show(), w.unminimize(), w.set_focus()] {
        if let Err(e) = r {
            tracing::warn!(error = %e, "cannot bring the window forward");
        }
    }
}

/// One line on stderr naming what to fix, and the core's exit status (2), as `rangedesk-server` does.
fn fail(e: &StartError) -> ExitCode {
    eprintln!("rangedesk: {e}");
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}
