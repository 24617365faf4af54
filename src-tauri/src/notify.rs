//! Shows the core's notices as desktop notifications through notify-rust (freedesktop D-Bus on
//! Linux), and carries out their buttons: Approve / Decline a held purchase and Acknowledge a help
//! call call the same core functions as the window, as "desk"; a click on the notification brings
//! the window forward and asks the board to open that lane (Tauri event `focus-lane`).
//!
//! Sound, when `notifications.sound` is on, is the freedesktop `sound-name` hint: the notification
//! server plays the desktop's own "message-new-instant" sound from the theme the staff already
//! hear, so the app needs no audio stack (ALSA/PulseAudio bindings, decoders) for one chime, and
//! the webview plays nothing.

use notify_rust::{Hint, Notification, Timeout, Urgency};
use rangedesk_core::app::App;
use rangedesk_core::notifications::{Action, Kind, Notice};
use std::sync::OnceLock;
use tauri::{AppHandle, Emitter as _};

/// The Tauri event the board listens for to bring a lane into view (ui/src/lib/desktop.ts).
pub const FOCUS_LANE: &str = "focus-lane";
/// Who the notification's buttons act as: the same name as the window's.
const DESK: &str = "desk";
const SOUND: &str = "message-new-instant";

/// Shows each notice as it comes, until the core stops.
pub fn start(app: AppHandle, core: App) {
    tauri::async_runtime::spawn(async move {
        // Started inside the runtime: the core spawns its feed with tokio.
        let mut notices = core.notices();
        while let Some(notice) = notices.recv().await {
            let sound = core.config().notifications.sound;
            let (app, core) = (app.clone(), core.clone());
            // Showing talks D-Bus and waiting for a button blocks until the notification closes:
            // a thread of its own, never the async runtime.
            let spawned = std::thread::Builder::new()
                .name("notification".into())
                .spawn(move || show(&notice, sound, &app, &core));
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "cannot start a thread for a notification");
            }
        }
    });
}

fn show(notice: &Notice, sound: bool, app: &AppHandle, core: &App) {
    let mut toast = Notification::new();
    let body = if markup() { escape(&notice.body) } else { notice.body.clone() };
    toast
        .appname("rangedesk")
        .summary(&notice.summary)
        .body(&body)
        .icon("rangedesk")
        .hint(Hint::Category(notice.kind.category().into()))
        .hint(Hint::DesktopEntry("rangedesk".into()));
    for a in notice.actions() {
        toast.action(a.key(), a.label());
    }
    if matches!(notice.kind, Kind::Help | Kind::Purchase) {
        toast.urgency(Urgency::Critical);
    }
    if let Some(d) = notice.expires_in {
        toast.timeout(Timeout::Milliseconds(u32::try_from(d.as_millis()).unwrap_or(u32::MAX)));
    }
    if sound {
        toast.sound_name(SOUND);
    }
    match toast.show() {
        Ok(handle) => {
            tracing::info!(kind = ?notice.kind, id = handle.id(), "notification shown");
            handle.wait_for_action(|key| act(key, notice, app, core));
        }
        Err(e) => tracing::warn!(kind = ?notice.kind, error = %e, "cannot show a notification"),
    }
}

/// What a button or a click on the notification does.
fn act(key: &str, notice: &Notice, app: &AppHandle, core: &App) {
    let Some(action) = Action::from_key(key) else { return };
    tracing::info!(action = key, lane = ?notice.lane_id, "notification action");
    let outcome = match (action, notice.help_id, notice.trace_id.clone()) {
        (Action::Show, _, _) => {
            crate::show_window(app);
            if let Err(e) = app.emit(FOCUS_LANE, notice.focus()) {
                tracing::warn!(error = %e, "cannot ask the window to open the lane");
            }
            Ok(())
        }
        (Action::Acknowledge, Some(id), _) => {
            tauri::async_runtime::block_on(core.acknowledge_help(id, DESK.into())).map(drop)
        }
        (Action::Approve | Action::Decline, _, Some(trace)) => {
            let approve = action == Action::Approve;
            tauri::async_runtime::block_on(core.decide_purchase(trace, approve, DESK.into(), None)).map(drop)
        }
        _ => Ok(()),
    };
    // Someone may have answered in the window first: the core says so (409), nothing is lost.
    if let Err(e) = outcome {
        tracing::warn!(action = key, error = ?e, "the notification's action was refused");
    }
}

/// Whether the notification server reads the body as markup, so vendor text must be escaped to
/// stay text (the spec's `body-markup` capability). Asked once.
fn markup() -> bool {
    static MARKUP: OnceLock<bool> = OnceLock::new();
    *MARKUP.get_or_init(|| notify_rust::get_capabilities().is_ok_and(|c| c.iter().any(|c| c == "body-markup")))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
