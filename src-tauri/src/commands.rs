//! The window's IPC commands. Each is one call into the core, which the browser API's handlers
//! share, so the window and a browser on the LAN always see the same answers.

use rangedesk_core::ApiError;
use rangedesk_core::DesktopStatus;
use rangedesk_core::HookUrls;
use rangedesk_core::Resolved;
use rangedesk_core::Status;
use rangedesk_core::VisitsView;
use rangedesk_core::app::App;
use rangedesk_core::domain::Staff;
use rangedesk_core::{BackupDone, BackupStatus, RestoreStaged};
use rangedesk_core::{BoardView, HelpView, PurchaseView, SessionView, TabItemView};
use rangedesk_core::{DayReport, HistoryPeriod, PeriodReport, SavedFile};
use rangedesk_core::{DeliveryQuery, EventQuery, Page};
use rangedesk_core::{DeliveryRow, EventRow};
use rangedesk_core::{ModifySession, StartSession};
use tauri::{Manager as _, State};

// A bad filter is the caller's mistake, not the app's: warn, as the HTTP side logs 4xx.

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app))]
pub fn hook_urls(app: State<'_, App>) -> HookUrls {
    app.hook_urls()
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn status(app: State<'_, App>) -> Result<Status, ApiError> {
    app.status().await
}

/// Action Target's API as the last poll found it (the board's chips; `status` counts every delivery).
#[tauri::command]
#[tracing::instrument(level = "debug", skip(app))]
pub fn api_health(app: State<'_, App>) -> rangedesk_core::ApiHealth {
    app.api_health()
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn deliveries(app: State<'_, App>, query: DeliveryQuery) -> Result<Page<DeliveryRow>, ApiError> {
    app.deliveries(query).await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn events(app: State<'_, App>, query: EventQuery) -> Result<Page<EventRow>, ApiError> {
    app.events(query).await
}

/// Who the window acts as. The desk has no sign-in yet, so the window records what the browser API
/// records for a body without `by`.
const DESK: &str = "desk";

#[tauri::command]
#[tracing::instrument(level = "trace", skip(app))]
pub fn board(app: State<'_, App>) -> BoardView {
    app.board(jiff::Timestamp::now())
}

// Arguments keep the wire names of the browser API (`help_id`, `trace_id`), not Tauri's camelCase.

#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn acknowledge_help(app: State<'_, App>, help_id: i64) -> Result<HelpView, ApiError> {
    app.acknowledge_help(help_id, Staff::window(DESK)).await
}

#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn resolve_help(app: State<'_, App>, help_id: i64) -> Result<Resolved, ApiError> {
    app.resolve_help(help_id, Staff::window(DESK)).await
}

#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn decide_purchase(
    app: State<'_, App>,
    trace_id: String,
    approve: bool,
    user_message: Option<String>,
) -> Result<PurchaseView, ApiError> {
    app.decide_purchase(trace_id, approve, Staff::window(DESK), user_message).await
}

#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn tick_off(app: State<'_, App>, item_id: String) -> Result<TabItemView, ApiError> {
    app.tick_off(item_id, Staff::window(DESK)).await
}

// The lane drawer: start, extend or shorten, and stop a session through Action Target.

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app, session), err(level = "warn", Debug))]
pub async fn start_session(app: State<'_, App>, session: StartSession) -> Result<SessionView, ApiError> {
    app.start_session(session, Staff::window(DESK)).await
}

#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn modify_session(app: State<'_, App>, session_id: String, minutes: i64) -> Result<SessionView, ApiError> {
    app.modify_session(session_id, ModifySession { minutes, by: None }, Staff::window(DESK)).await
}

#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn stop_session(app: State<'_, App>, session_id: String) -> Result<(), ApiError> {
    // The board shows the session gone; the vendor's empty answer carries nothing more to show.
    app.stop_session(session_id, Staff::window(DESK)).await.map(|_| ())
}

/// Today's (or `day`'s) bookings, check-ins and pass scans.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn visits(app: State<'_, App>, day: Option<String>) -> Result<VisitsView, ApiError> {
    app.visits(day.as_deref()).await
}

/// The History screen: one day's report (`YYYY-MM-DD`) in the range's time zone.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn history_day(app: State<'_, App>, date: String) -> Result<DayReport, ApiError> {
    app.history_day(&date).await
}

/// The History screen: the days from `from` to `to` inclusive, with the previous period.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn history_range(app: State<'_, App>, from: String, to: String) -> Result<PeriodReport, ApiError> {
    app.history_range(&from, &to).await
}

/// Saves one table of a day's (`from == to`) or a period's report as CSV in the user's Downloads
/// folder (a browser downloads the same file from `/api/history/…csv`); answers where it went.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(app, window), err(level = "warn", Debug))]
pub async fn save_history_csv(
    app: State<'_, App>,
    window: tauri::WebviewWindow,
    from: String,
    to: String,
    table: String,
) -> Result<SavedFile, ApiError> {
    let dir = window
        .path()
        .download_dir()
        .or_else(|_| window.path().home_dir())
        .map_err(|e| ApiError::cannot_save(format!("no Downloads folder to save to: {e}")))?;
    let period = if from == to { HistoryPeriod::Day(from) } else { HistoryPeriod::Range { from, to } };
    app.save_history_csv(&period, &table, &dir).await
}

/// Saves the diagnostics zip (logs, the config without its secrets, store statistics, versions)
/// in the user's Downloads folder and says where.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(app, window))]
pub async fn save_diagnostics(app: State<'_, App>, window: tauri::WebviewWindow) -> Result<SavedFile, ApiError> {
    let dir = window
        .path()
        .download_dir()
        .or_else(|_| window.path().home_dir())
        .map_err(|e| ApiError::cannot_save(format!("no Downloads folder to save to: {e}")))?;
    app.save_diagnostics(&dir).await
}

/// Status's backup panel: the last successful backup, the folder's backups, a staged restore.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn backup_status(app: State<'_, App>) -> Result<BackupStatus, ApiError> {
    app.backup_status().await
}

/// "Back up now", into the folder the settings name.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn back_up_now(app: State<'_, App>) -> Result<BackupDone, ApiError> {
    app.back_up_now().await
}

/// Checks a backup file (an absolute path) and stages it to replace the store at the next start.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn restore_backup(app: State<'_, App>, file: String) -> Result<RestoreStaged, ApiError> {
    app.restore_backup(&file).await
}

/// The desktop app's own health (single instance), for the window to show as a notice.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(desktop))]
pub fn desktop_status(desktop: State<'_, DesktopStatus>) -> DesktopStatus {
    desktop.inner().clone()
}

/// When the app started (`run`), for the first board paint's log line.
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
static PAINTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The window says it has drawn its first board with lanes on it: logged once per run with the
/// milliseconds since the app started, which is what `scripts/start-bench` reads (issue 14).
#[tauri::command]
pub fn board_painted() {
    if PAINTED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let ms = STARTED.get().map_or(0, |t| t.elapsed().as_millis());
    tracing::info!(ms, "first board paint");
}
