//! Start with the PC: an autostart entry (tauri-plugin-autostart: an XDG autostart `.desktop`
//! file on Linux, the Run key on Windows, a launch agent on macOS) that launches the app with
//! `--autostarted`, and the choice to wait in the tray then rather than open the window. The
//! choice is a small file in the data directory (`autostart.json`), read before the window opens.
//! The page gets two commands, never the plugin's own.

use rangedesk_core::{ApiError, ApiErrorCode, Autostart};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt as _;

/// What the autostart entry passes; hidden from `--help`.
pub const FLAG: &str = "--autostarted";

/// Where the app keeps the tray choice, beside the config.
pub struct Choice(pub PathBuf);

fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("autostart.json")
}

fn minimised(data_dir: &Path) -> bool {
    std::fs::read(file(data_dir))
        .ok()
        .and_then(|b| serde_json::from_slice::<Autostart>(&b).ok())
        .is_some_and(|a| a.minimised)
}

/// Whether this launch starts in the tray: the PC started it and the choice says so.
pub fn start_hidden(data_dir: &Path, autostarted: bool) -> bool {
    autostarted && minimised(data_dir)
}

fn failed(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError { code: ApiErrorCode::CannotSave, message: format!("{what}: {e}") }
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app, choice), err(level = "warn", Debug))]
pub fn autostart(app: AppHandle, choice: State<'_, Choice>) -> Result<Autostart, ApiError> {
    let enabled = app.autolaunch().is_enabled().map_err(|e| failed("cannot read the autostart entry", e))?;
    Ok(Autostart { enabled, minimised: minimised(&choice.0) })
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app, choice), err(level = "warn", Debug))]
pub fn set_autostart(
    app: AppHandle,
    choice: State<'_, Choice>,
    enabled: bool,
    minimised: bool,
) -> Result<Autostart, ApiError> {
    let wanted = Autostart { enabled, minimised };
    let json = serde_json::to_vec(&wanted).map_err(|e| failed("cannot save the choice", e))?;
    rangedesk_core::files::write_private(&file(&choice.0), &json).map_err(|e| failed("cannot save the choice", e))?;
    #[cfg(target_os = "linux")]
    if enabled {
        // The launcher writes into ~/.config/autostart but creates only its last folder: a new
        // account may have no ~/.config yet.
        if let Some(home) = std::env::var_os("HOME") {
            let dir = Path::new(&home).join(".config").join("autostart");
            std::fs::create_dir_all(&dir).map_err(|e| failed(&format!("cannot create {}", dir.display()), e))?;
        }
    }
    let launcher = app.autolaunch();
    let done = if enabled { launcher.enable() } else { launcher.disable() };
    done.map_err(|e| failed("cannot change the autostart entry", e))?;
    tracing::info!(enabled, minimised, "start with the PC changed");
    autostart(app, choice)
}
