//! The core's constants the UI computes with, exported through ts-rs (`UiConstants.ts`, and the
//! values as `constants.ts`) so that the UI never types one again.

use rangedesk_domain::kinds;
use ts_rs::TS;

/// What the UI computes with, read from the core's own constants so that the UI never types one
/// again: `UiConstants.ts` is the type, `constants.ts` holds the values as `UI_CONSTANTS`.
#[derive(serde::Serialize, TS)]
pub struct UiConstants {
    /// The workspace version every program and package carries (`rangedesk --version`, the
    /// `.deb` and `.rpm`), shown in the window's About.
    pub version: &'static str,
    /// A running session is ending soon with this many minutes left or fewer; the board
    /// recomputes the state between pushes.
    pub ending_soon_minutes: f64,
    /// The ageing a board falls back to when it carries none (`board.ageing_*_seconds`).
    #[ts(type = "number")]
    pub default_ageing_amber_seconds: u64,
    #[ts(type = "number")]
    pub default_ageing_red_seconds: u64,
    /// The longest session the lane drawer may start, in minutes.
    #[ts(type = "number")]
    pub max_session_minutes: i64,
    /// The longest customer name a session may carry, in characters.
    #[ts(type = "number")]
    pub max_customer_name_chars: usize,
    /// Settings keys that take effect only after a restart (`SettingsChanged.applies_after_restart`).
    #[ts(type = "ReadonlyArray<string>")]
    pub restart_keys: Vec<&'static str>,
    /// The event types (`EventRow.type`) the core records itself and those each vendor documents.
    #[ts(inline)]
    pub event_kinds: EventKinds,
}

#[derive(serde::Serialize, TS)]
pub struct EventKinds {
    #[ts(type = "ReadonlyArray<string>")]
    pub desk: Vec<&'static str>,
    #[ts(type = "ReadonlyArray<string>")]
    pub action_target: Vec<&'static str>,
    #[ts(type = "ReadonlyArray<string>")]
    pub enviso: Vec<&'static str>,
    #[ts(type = "ReadonlyArray<string>")]
    pub samna: Vec<&'static str>,
}

/// The values the UI is generated with.
pub fn ui_constants() -> UiConstants {
    let ageing = crate::config::Board::default();
    UiConstants {
        version: env!("CARGO_PKG_VERSION"),
        ending_soon_minutes: crate::board::ENDING_SOON_MINUTES,
        default_ageing_amber_seconds: ageing.ageing_amber_seconds,
        default_ageing_red_seconds: ageing.ageing_red_seconds,
        max_session_minutes: crate::sessions::MAX_SESSION_MINUTES,
        max_customer_name_chars: crate::sessions::MAX_CUSTOMER_NAME_CHARS,
        restart_keys: crate::settings::RESTART_KEYS.to_vec(),
        event_kinds: EventKinds {
            desk: vec![
                kinds::RANGE_SETUP,
                kinds::SESSION_OBSERVED,
                kinds::SESSION_VANISHED,
                kinds::HELP_ACKNOWLEDGED,
                kinds::HELP_RESOLVED,
                kinds::purchase::HELD,
                kinds::purchase::APPROVED,
                kinds::purchase::DECLINED,
                kinds::purchase::MISSED,
                kinds::purchase::TAB_ITEM_ADDED,
                kinds::purchase::ITEM_DELIVERED,
                kinds::purchase::SESSION_EXTENDED,
                kinds::session::START,
                kinds::session::MODIFY,
                kinds::session::STOP,
                kinds::SETTINGS_CHANGED,
                crate::ingest::TEST_EVENT_ACTION_TARGET,
            ],
            action_target: crate::vendors::action_target::KNOWN_EVENTS.to_vec(),
            enviso: crate::vendors::enviso::KNOWN_EVENTS.to_vec(),
            samna: crate::vendors::samna::KNOWN_EVENTS.to_vec(),
        },
    }
}
