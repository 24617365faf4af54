//! The desk: the one facade over the desk's operations. The window's IPC commands and the
//! browser API's handlers both call these methods and nothing below them, so "the window and a
//! browser see the same answers" holds by structure. Each method is one operation: it takes who
//! acts ([`Staff`]) where it records a staff event, and reads the config in force at call time.
//!
//! Below it: the operations (ingest, purchases, sessions, help, history, reconciler, products,
//! settings, visits, logs, status), the board, the store, config and the vendor adapters. Above
//! it: http and the runtime (`app`). Nothing below imports it.

use crate::backups::{BackupDone, BackupStatus, Backups, RestoreStaged, Trigger};
use crate::board::{BoardView, HelpView, LaneView, Live, PurchaseView, SessionView, TabItemView};
use crate::config::Config;
use crate::desktop::SavedFile;
use crate::error::ApiError;
use crate::help::Resolved;
use crate::history::{CsvFile, DayReport, Period as HistoryPeriod, PeriodReport};
use crate::ingest::{Inbound, Ingest, Outcome};
use crate::logs::{DeliveryQuery, EventQuery, Page};
use crate::products::{Picture, Product, ProductsError};
use crate::reconciler::{ApiHealth, Reconciler};
use crate::sessions::{ModifySession, StartSession};
use crate::settings::{HookUrls, Patch, Settings, SettingsChanged, SettingsRefusal, SettingsView, TestDeliveryResult};
use crate::status::{Place, Status};
use crate::store::{Store, StoreError, deliveries::DeliveryRow, events::EventRow};
use crate::visits::VisitsView;
use rangedesk_domain::purchase::{Answer, Status as PurchaseStatus};
use rangedesk_domain::{Client, Source, Staff};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::watch;

/// A cheap handle to the desk's parts; clone freely.
#[derive(Clone)]
pub struct Desk {
    store: Store,
    live: Live,
    reconciler: Reconciler,
    ingest: Ingest,
    settings: Settings,
    place: Arc<Place>,
    backups: Backups,
}

impl Desk {
    pub fn new(
        store: Store,
        live: Live,
        reconciler: Reconciler,
        ingest: Ingest,
        settings: Settings,
        place: Place,
        backups: Backups,
    ) -> Desk {
        Desk { store, live, reconciler, ingest, settings, place: Arc::new(place), backups }
    }

    // The parts the layers above wire up (webhooks reach ingest directly; notifications and the
    // window's push follow the board).

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn live(&self) -> &Live {
        &self.live
    }

    pub fn ingest(&self) -> &Ingest {
        &self.ingest
    }

    /// What the notification feed watches.
    pub fn watched(&self) -> crate::notifications::Watched {
        crate::notifications::Watched {
            live: self.live.clone(),
            store: self.store.clone(),
            reconciler: self.reconciler.clone(),
            config: self.subscribe_config(),
            backups: self.backups.clone(),
        }
    }

    /// The backups, for the runtime's daily schedule.
    pub fn backups(&self) -> &Backups {
        &self.backups
    }

    /// The config in force now: what the app started with, plus every setting changed since that
    /// applies live (restart-only keys keep their started value until the next start).
    pub fn config(&self) -> Arc<Config> {
        self.settings.current()
    }

    /// Hears each new config in force as settings are changed.
    pub fn subscribe_config(&self) -> watch::Receiver<Arc<Config>> {
        self.settings.subscribe()
    }

    /// Action Target's API as the last poll found it.
    pub fn api_health(&self) -> ApiHealth {
        self.reconciler.health()
    }

    // Webhooks.

    /// Stores a vendor delivery and starts what it calls for (see `ingest::follow_up`).
    pub async fn receive(&self, inbound: Inbound) -> Result<Outcome, StoreError> {
        self.ingest.deliver(inbound).await
    }

    /// Holds a lane purchase until the desk decides or `deadline` passes.
    pub async fn await_decision(&self, trace_id: &str, deadline: jiff::Timestamp) -> Result<Answer, StoreError> {
        self.ingest.await_decision(trace_id, deadline).await
    }

    // The board.

    /// The board as of `now`, with the thresholds the current config sets for it.
    pub fn board(&self, now: jiff::Timestamp) -> BoardView {
        self.live.view_for(now, &self.config())
    }

    pub fn lanes(&self, now: jiff::Timestamp) -> Vec<LaneView> {
        self.live.view(now).lanes
    }

    pub fn sessions(&self, now: jiff::Timestamp) -> Vec<SessionView> {
        self.live.view(now).sessions
    }

    pub fn help_calls(&self, now: jiff::Timestamp) -> Vec<HelpView> {
        self.live.view(now).help
    }

    pub fn purchases(&self, status: Option<PurchaseStatus>) -> Vec<PurchaseView> {
        self.live.with(|b| b.purchases(status))
    }

    pub fn purchase(&self, trace_id: &str) -> Result<PurchaseView, ApiError> {
        self.live
            .with(|b| b.purchase(trace_id))
            .ok_or_else(|| ApiError::not_found(format!("there is no purchase {trace_id}")))
    }

    // Staff actions.

    pub async fn acknowledge_help(&self, help_id: i64, who: Staff) -> Result<HelpView, ApiError> {
        crate::help::acknowledge(&self.store, &self.live, help_id, who, jiff::Timestamp::now()).await
    }

    pub async fn resolve_help(&self, help_id: i64, who: Staff) -> Result<Resolved, ApiError> {
        crate::help::resolve(&self.store, help_id, who, jiff::Timestamp::now()).await
    }

    /// Approves (`approve`) or declines a held lane purchase; the lane gets its answer at once, and
    /// approved lane time extends the session.
    pub async fn decide_purchase(
        &self,
        trace_id: String,
        approve: bool,
        who: Staff,
        user_message: Option<String>,
    ) -> Result<PurchaseView, ApiError> {
        let waiters = self.ingest.purchase_waiters();
        let now = jiff::Timestamp::now();
        crate::purchases::staff_decision(&self.store, waiters, trace_id.clone(), approve, who, user_message, now)
            .await?;
        if approve {
            crate::purchases::extend_time(
                self.store.clone(),
                self.live.clone(),
                self.reconciler.clone(),
                trace_id.clone(),
            );
        }
        self.purchase(&trace_id)
    }

    pub async fn tick_off(&self, item_id: String, who: Staff) -> Result<TabItemView, ApiError> {
        crate::purchases::tick_off(&self.store, &self.live, item_id, who, jiff::Timestamp::now()).await
    }

    pub async fn start_session(&self, req: StartSession, who: Staff) -> Result<SessionView, ApiError> {
        crate::sessions::start(&self.store, &self.live, &self.reconciler, req, who).await
    }

    pub async fn modify_session(
        &self,
        session_id: String,
        req: ModifySession,
        who: Staff,
    ) -> Result<SessionView, ApiError> {
        crate::sessions::modify(&self.store, &self.live, &self.reconciler, session_id, req, who).await
    }

    pub async fn stop_session(&self, session_id: String, who: Staff) -> Result<serde_json::Value, ApiError> {
        crate::sessions::stop(&self.store, &self.live, &self.reconciler, session_id, who).await
    }

    /// Reads lanes, bays and groups from Action Target now, instead of at the daily refresh.
    pub async fn refresh_range(&self) -> Result<serde_json::Value, ApiError> {
        let changed = self
            .reconciler
            .refresh_setup()
            .await
            .map_err(|e| ApiError { code: crate::error::ApiErrorCode::Upstream, message: e.to_string() })?;
        Ok(serde_json::json!({"changed": changed, "lanes": self.lanes(jiff::Timestamp::now())}))
    }

    // What staff and managers read.

    /// A day's bookings, check-ins and pass scans, cut in the range's time zone (today when `None`).
    pub async fn visits(&self, day: Option<&str>) -> Result<VisitsView, ApiError> {
        let tz = crate::visits::time_zone(&self.config().server.time_zone);
        crate::visits::of_day(&self.store, tz, day, jiff::Timestamp::now()).await
    }

    /// What history reports take from the config in force: the zone and the board's ageing.
    fn history_settings(&self) -> crate::history::Settings {
        let c = self.config();
        crate::history::Settings {
            time_zone: crate::visits::time_zone(&c.server.time_zone),
            amber_seconds: c.board.ageing_amber_seconds,
            red_seconds: c.board.ageing_red_seconds,
        }
    }

    /// The report of one day (`YYYY-MM-DD`) in the range's time zone; a date that does not exist is 400.
    pub async fn history_day(&self, date: &str) -> Result<DayReport, ApiError> {
        crate::history::day(&self.store, &self.history_settings(), date, jiff::Timestamp::now()).await
    }

    /// The days from `from` to `to` inclusive (at most a year), with the previous period by weekday.
    pub async fn history_range(&self, from: &str, to: &str) -> Result<PeriodReport, ApiError> {
        crate::history::range(&self.store, &self.history_settings(), from, to, jiff::Timestamp::now()).await
    }

    /// Folds and stores the digests of up to `limit` closed days that have none, newest first; says
    /// how many. The app runs it in the background so a year-old store's reports need no fold per day.
    pub async fn warm_history(&self, limit: usize) -> Result<usize, ApiError> {
        crate::history::digest::warm(&self.store, &self.history_settings(), jiff::Timestamp::now(), limit).await
    }

    /// One table of a day's or a period's report as a CSV file.
    pub async fn history_csv(&self, period: &HistoryPeriod, table: &str) -> Result<CsvFile, ApiError> {
        crate::history::csv_file(&self.store, &self.history_settings(), period, table, jiff::Timestamp::now()).await
    }

    /// Saves one table of a day's or a period's report as a CSV file in `dir` (the window's
    /// Downloads folder), never over a file that is there already.
    pub async fn save_history_csv(
        &self,
        period: &HistoryPeriod,
        table: &str,
        dir: &Path,
    ) -> Result<SavedFile, ApiError> {
        let CsvFile { filename, bytes } = self.history_csv(period, table).await?;
        if filename.contains(['/', '\\']) || filename.starts_with('.') {
            return Err(ApiError::bad_request(format!("not a file name: {filename}")));
        }
        let dir = dir.to_owned();
        let len = bytes.len() as u64;
        let saved = tokio::task::spawn_blocking(move || crate::files::create_numbered(&dir, &filename, &bytes)).await;
        match saved {
            Ok(Ok(path)) => Ok(SavedFile { path: path.display().to_string(), bytes: len }),
            Ok(Err(e)) => Err(ApiError::cannot_save(format!("could not save the table: {e}"))),
            Err(e) => Err(ApiError::cannot_save(format!("could not save the table: {e}"))),
        }
    }

    /// The diagnostics zip (`diagnostics`): its file name and bytes. For this computer only (it
    /// holds the logs); the callers' guard decides.
    pub async fn diagnostics(&self) -> Result<(String, Vec<u8>), ApiError> {
        let status = self.status().await?;
        crate::diagnostics::export(&self.store, self.config(), &status, Path::new(&self.place.data_dir)).await
    }

    /// Saves the diagnostics zip in `dir` (the window's Downloads folder), owner-only.
    pub async fn save_diagnostics(&self, dir: &Path) -> Result<SavedFile, ApiError> {
        let (filename, bytes) = self.diagnostics().await?;
        let dir = dir.to_owned();
        let len = bytes.len() as u64;
        let saved = tokio::task::spawn_blocking(move || {
            let path = crate::files::create_numbered(&dir, &filename, &bytes)?;
            crate::files::make_private(&path).map(|()| path)
        })
        .await;
        match saved {
            Ok(Ok(path)) => Ok(SavedFile { path: path.display().to_string(), bytes: len }),
            Ok(Err(e)) => Err(ApiError::cannot_save(format!("could not save the diagnostics: {e}"))),
            Err(e) => Err(ApiError::cannot_save(format!("could not save the diagnostics: {e}"))),
        }
    }

    pub async fn deliveries(&self, q: DeliveryQuery) -> Result<Page<DeliveryRow>, ApiError> {
        crate::logs::list_deliveries(&self.store, q).await
    }

    pub async fn events(&self, q: EventQuery) -> Result<Page<EventRow>, ApiError> {
        crate::logs::list_events(&self.store, q).await
    }

    pub async fn status(&self) -> Result<Status, ApiError> {
        let backup = self.backup_status().await?;
        crate::status::status(&self.store, &self.ingest, &self.place, self.reconciler.health(), backup).await
    }

    // Backups: from this computer only (the guard refuses LAN browsers, as for settings).

    /// The last successful backup, the folder's backups, whether one is overdue or a restore staged.
    pub async fn backup_status(&self) -> Result<BackupStatus, ApiError> {
        self.backups.status(&self.config().backup, self.store.path(), jiff::Timestamp::now()).await
    }

    /// "Back up now": a checked copy of the store in the backup folder (see `backups`).
    pub async fn back_up_now(&self) -> Result<BackupDone, ApiError> {
        self.backups.back_up(&self.config().backup, Trigger::Manual).await
    }

    /// Checks `file` (an absolute path) and stages it to replace the store at the next start.
    pub async fn restore_backup(&self, file: &str) -> Result<RestoreStaged, ApiError> {
        self.backups.stage_restore(self.store.path(), Path::new(file)).await
    }

    /// Whether a write commits right now (`/healthz`).
    pub async fn store_accepts_writes(&self) -> bool {
        crate::status::store_accepts_writes(&self.store).await
    }

    // Settings and the catalogue: changed from this computer only (the callers' guard decides).

    /// The URLs to paste into each vendor's portal (they carry the hook token: this computer only).
    pub fn hook_urls(&self) -> HookUrls {
        self.settings.hook_urls()
    }

    /// The hook URLs for `client`: the window or a browser on this computer; refused to the LAN,
    /// as the settings view leaves them out for it.
    pub fn hook_urls_for(&self, client: Client) -> Result<HookUrls, ApiError> {
        if client.is_local() {
            Ok(self.hook_urls())
        } else {
            Err(ApiError::forbidden("the webhook URLs carry the hook token: they are shown on the desk PC only"))
        }
    }

    /// The settings screens' view; `client` decides whether it may change them and see the hook URLs.
    pub async fn settings(&self, client: Client) -> Result<SettingsView, ApiError> {
        self.settings.view(self.reconciler.health(), client.is_local()).await
    }

    /// Checks, saves and applies a change to one settings section (see `settings`).
    pub async fn change_settings(
        &self,
        section: &str,
        patch: Patch,
        who: &Staff,
    ) -> Result<SettingsChanged, SettingsRefusal> {
        self.settings.change(section, patch, who, self.reconciler.health()).await
    }

    /// Sends a signed test delivery for `source` through our own public listener.
    pub async fn send_test_delivery(&self, source: Source) -> TestDeliveryResult {
        self.settings.send_test_delivery(source).await
    }

    /// The lane shop catalogue; a LAN client gets it without the hook token in uploaded pictures'
    /// URLs.
    pub async fn products(&self, client: Client) -> Result<Vec<Product>, ProductsError> {
        let mut list = crate::products::list(&self.store).await?;
        let token = self.ingest.keys().hook_token;
        if !client.is_local() && !token.is_empty() {
            for url in list.iter_mut().filter_map(|p| p.picture_url.as_mut()) {
                *url = url.replace(&token, "(hook-token)");
            }
        }
        Ok(list)
    }

    /// Replaces the catalogue whole, or refuses it naming the rule (and row) it breaks.
    pub async fn replace_products(&self, catalogue: Vec<Product>) -> Result<Vec<Product>, ProductsError> {
        crate::products::replace(&self.store, &self.ingest.keys().hook_token, catalogue).await
    }

    /// Every check `replace_products` makes, without saving.
    pub async fn check_products(&self, catalogue: &[Product]) -> Result<(), ProductsError> {
        crate::products::check_catalogue(&self.store, &self.ingest.keys().hook_token, catalogue).await
    }

    /// Stores an uploaded product picture (checked: JPEG or WebP, square, size limits).
    pub async fn upload_picture(
        &self,
        id: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<Picture, ProductsError> {
        let token = self.ingest.keys().hook_token;
        crate::products::upload_picture(&self.store, &token, id, content_type, bytes, jiff::Timestamp::now()).await
    }
}
