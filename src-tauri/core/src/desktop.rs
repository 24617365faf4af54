//! What the desktop app tells its window about itself, beside the board. Plain data: the core opens
//! no window, but the types that cross to the UI are generated from here like every other.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The IPC answer `desktop_status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct DesktopStatus {
    /// A second launch focuses this window instead of running a second app (false without a
    /// D-Bus session bus, where a second copy cannot be detected).
    pub single_instance: bool,
    /// Problems with the desktop itself that staff should see on screen, in words.
    pub notices: Vec<String>,
}

/// The IPC answer `save_history_csv`: where the window saved a report table.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SavedFile {
    /// The file's whole path, to show staff.
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// Whether the desktop app starts with the PC (`autostart`, `set_autostart`), and whether it then
/// starts in the tray with its window hidden.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Autostart {
    pub enabled: bool,
    /// Started with the PC, it waits in the tray (Show board opens it); notifications still come.
    pub minimised: bool,
}
