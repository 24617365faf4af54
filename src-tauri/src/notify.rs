//! Shows the core's notices as desktop notifications through notify-rust (freedesktop D-Bus on
//! Linux), and carries out their buttons: Approve / Decline a held purchase and Acknowledge a help
//! call call the same core functions as the window, as "desk"; a click on the notification brings
//! the window forward and asks the board to open that lane (Tauri event `focus-lane`). A help call
//! or purchase answered elsewhere (the window, a browser) closes its notification, so no button
//! is left that could only meet a refusal.
//!
//! Sound, when `notifications.sound` is on, is the freedesktop `sound-name` hint: the notification
//! server plays the desktop's own "message-new-instant" sound from the theme the staff already
//! hear, so the app needs no audio stack (ALSA/PulseAudio bindings, decoders) for one chime, and
//! the webview plays nothing.

use notify_rust::{Hint, Notification, Timeout, Urgency};
use rangedesk_core::app::App;
use rangedesk_core::domain::Staff;
use rangedesk_core::{Action, Notice, Subject, Update};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tauri::{AppHandle, Emitter as _};

/// The Tauri event the board listens for to bring a lane into view (ui/src/lib/desktop.ts).
pub const FOCUS_LANE: &str = "focus-lane";
/// Who the notification's buttons act as: the same name as the window's.
const DESK: &str = "desk";
const SOUND: &str = "message-new-instant";

/// The notifications on screen that have buttons, by what they ask about: their server ids.
type Open = Arc<Mutex<HashMap<Subject, u32>>>;

/// Shows each notice as it comes and closes those answered elsewhere, until the core stops.
pub fn start(app: AppHandle, core: App) {
    tauri::async_runtime::spawn(async move {
        // Started inside the runtime: the core spawns its feed with tokio.
        let mut updates = core.notices();
        let open: Open = Arc::default();
        while let Some(update) = updates.recv().await {
            let (app, core, open) = (app.clone(), core.clone(), open.clone());
            // Talking D-Bus blocks, and waiting for a button blocks until the notification
            // closes: a thread of its own, never the async runtime.
            let spawned = std::thread::Builder::new().name("notification".into()).spawn(move || match update {
                Update::Show(notice) => show(&notice, &app, &core, &open),
                Update::Settled(subject) => settle(&subject, &open),
            });
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "cannot start a thread for a notification");
            }
        }
    });
}

fn lock(open: &Open) -> std::sync::MutexGuard<'_, HashMap<Subject, u32>> {
    match open.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Closes the notification about `subject`, if one is still on screen.
fn settle(subject: &Subject, open: &Open) {
    let Some(id) = lock(open).remove(subject) else { return };
    let closed = zbus::blocking::Connection::session().and_then(|bus| {
        bus.call_method(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            Some("org.freedesktop.Notifications"),
            "CloseNotification",
            &(id,),
        )
    });
    match closed {
        Ok(_) => tracing::info!(id, "notification closed: answered elsewhere"),
        Err(e) => tracing::warn!(id, error = %e, "cannot close an answered notification"),
    }
}

fn show(notice: &Notice, app: &AppHandle, core: &App, open: &Open) {
    let sound = core.config().notifications.sound;
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
    // Someone is waiting for this one: it stays until answered (here or elsewhere) or expires.
    let subject = notice.subject();
    if subject.is_some() {
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
            let id = handle.id();
            tracing::info!(kind = ?notice.kind, id, "notification shown");
            if let Some(s) = &subject {
                lock(open).insert(s.clone(), id);
            }
            handle.wait_for_action(|key| act(key, notice, app, core));
            if let Some(s) = &subject {
                lock(open).remove(s);
            }
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
            tauri::async_runtime::block_on(core.acknowledge_help(id, Staff::window(DESK))).map(drop)
        }
        (Action::Approve | Action::Decline, _, Some(trace)) => {
            let approve = action == Action::Approve;
            tauri::async_runtime::block_on(core.decide_purchase(trace, approve, Staff::window(DESK), None)).map(drop)
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
