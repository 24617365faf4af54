//! One app per desk. tauri-plugin-single-instance makes a second launch focus the first, but on
//! Linux it does so through the D-Bus session bus, and without one it lets a second copy run
//! without a word. So the bus is tried first: without it the plugin is left out, and the log and
//! the window say that a second launch will not be caught.

/// How long a session bus may take to answer before it counts as missing.
#[cfg(target_os = "linux")]
const BUS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Why a second launch cannot be detected, or `None` when it can. Only Linux needs a session bus.
#[cfg(not(target_os = "linux"))]
pub fn missing_session_bus() -> Option<String> {
    None
}

/// Why a second launch cannot be detected, or `None` when the session bus answers.
#[cfg(target_os = "linux")]
pub fn missing_session_bus() -> Option<String> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none_or(|a| a.is_empty()) {
        return Some("DBUS_SESSION_BUS_ADDRESS is not set".into());
    }
    // A stale address can hang in the handshake: ask from a thread and stop waiting after a while.
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("session-bus-check".into()).spawn(move || {
        let _ = tx.send(zbus::blocking::Connection::session().map(drop).map_err(|e| e.to_string()));
    });
    if let Err(e) = spawned {
        return Some(format!("cannot check the session bus: {e}"));
    }
    match rx.recv_timeout(BUS_TIMEOUT) {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("the D-Bus session bus cannot be reached: {e}")),
        Err(_) => Some("the D-Bus session bus did not answer".into()),
    }
}

/// The notice the window shows without a session bus: no single instance, no notifications.
pub fn notice(why: &str) -> String {
    format!(
        "No desktop session bus ({why}): desktop notifications cannot be shown, and starting \
         rangedesk again will open a second copy instead of this window. Close any second copy; \
         both would compete for the same ports and data."
    )
}
