//! The event kinds rangedesk records itself, beside the vendors' own (kept exactly as received).
//! One place, so the board that reads an event and the operation that writes it cannot disagree
//! on a name; the strings are stored and shown, so never rename them.

/// Poll: the vendor's lanes, bays and groups `{lanes, bays, groups}`.
pub const RANGE_SETUP: &str = "rangeSetup";
/// Poll: a session as `GET /sessions` shows it `{session: {...}}`, new or changed.
pub const SESSION_OBSERVED: &str = "sessionObserved";
/// Poll: a session on the board that the vendor no longer lists (it ended silently).
pub const SESSION_VANISHED: &str = "sessionVanished";
/// Staff: `{help_id, by, client}`.
pub const HELP_ACKNOWLEDGED: &str = "helpAcknowledged";
pub const HELP_RESOLVED: &str = "helpResolved";
/// A saved settings change: who, which keys, never a secret's value.
pub const SETTINGS_CHANGED: &str = "settingsChanged";

/// Lane purchases and the session's tab.
pub mod purchase {
    pub const HELD: &str = "purchaseHeld";
    pub const APPROVED: &str = "purchaseApproved";
    pub const DECLINED: &str = "purchaseDeclined";
    pub const MISSED: &str = "purchaseMissed";
    pub const TAB_ITEM_ADDED: &str = "tabItemAdded";
    pub const ITEM_DELIVERED: &str = "itemDelivered";
    pub const SESSION_EXTENDED: &str = "sessionExtended";
}

/// Sessions started, changed and stopped by staff through Action Target's API.
pub mod session {
    pub const START: &str = "staffStartSession";
    pub const MODIFY: &str = "staffModifySession";
    pub const STOP: &str = "staffStopSession";
}
