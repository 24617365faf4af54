//! A running rangedesk core: config read and checked, data directory ready, store open, both
//! listeners bound and served. The headless server and the desktop app both start exactly this;
//! tests start it on port 0 with `start_on`.

use crate::api::{self, ApiError, DeliveryCount, DeliveryQuery, EventQuery, HookUrls, Page, Status};
use crate::config::{self, Checked, ConfigError};
use crate::http::{self, AppState, BoardAccess, Info, serve};
use crate::ingest::{Ingest, Keys};
use crate::staff::Staff;
use crate::store::{self, Store, counters, deliveries, events};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How the app was asked to start: the flags both programs take, or their environment variables.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Launch {
    /// Config file [default: rangedesk.toml in the data directory]
    #[arg(long = "config", env = "RANGEDESK_CONFIG", value_name = "FILE")]
    pub config_path: Option<PathBuf>,
    /// Data directory [default: the OS data directory]
    #[arg(long, env = "RANGEDESK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Run against the built-in vendor simulator, with a data directory of its own
    #[arg(long)]
    pub demo: bool,
}

/// Why the app could not start. Each is one line naming what to fix; the process exits 2.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{dir}: data directory cannot be used: {problem}")]
    DataDir { dir: PathBuf, problem: String },
    #[error("{file}: {key}: cannot listen on {addr}: {source}")]
    Bind { file: PathBuf, key: &'static str, addr: SocketAddr, source: std::io::Error },
    /// A setting that parses but cannot work (a certificate, an API address).
    #[error("{file}: {key}: {problem}")]
    Tls { file: PathBuf, key: &'static str, problem: String },
    #[error("{path}: cannot open the store: {source}")]
    Store { path: PathBuf, source: store::StoreError },
}

impl StartError {
    /// Every start failure is a problem with the command line, the config or the machine: 2.
    pub fn exit_code(&self) -> i32 {
        2
    }
}

/// The data directory a launch resolves to; `--demo` keeps its own beside the real one.
pub fn data_dir(launch: &Launch) -> Result<PathBuf, StartError> {
    let base = launch.data_dir.clone().or_else(crate::paths::default_data_dir).ok_or_else(|| StartError::DataDir {
        dir: PathBuf::from("(none)"),
        problem: "the OS reports no data directory; pass --data-dir".into(),
    })?;
    Ok(if launch.demo { base.join("demo") } else { base })
}

/// A cheap handle to the running core.
#[derive(Clone)]
pub struct App {
    state: AppState,
    data_dir: PathBuf,
    public_addr: SocketAddr,
    board_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    stopped: watch::Receiver<bool>,
    _tasks: Arc<Mutex<()>>,
}

/// A launch resolved, before anything listens: the data directory ready and the config read and
/// checked. Demo mode (the `rangedesk-demo` crate) points the config at its simulator between
/// `prepare` and `App::start_prepared`, so the core itself never links the fake vendor.
pub struct Prepared {
    pub data_dir: PathBuf,
    pub checked: Checked,
}

/// Resolves the data directory (created owner-only and checked writable) and reads and checks the
/// config there or at `--config`.
pub fn prepare(launch: &Launch) -> Result<Prepared, StartError> {
    let data_dir = data_dir(launch)?;
    ensure_writable(&data_dir)?;
    let config_path = launch.config_path.clone().unwrap_or_else(|| crate::paths::default_config(&data_dir));
    let checked = config::load(&config_path)?;
    // The file holds every vendor key; one written by hand or by an older version may be 0644.
    if let Err(e) = crate::files::make_private(&config_path) {
        tracing::warn!(file = %config_path.display(), error = %e, "cannot make the config file private (0600)");
    }
    Ok(Prepared { data_dir, checked })
}

impl App {
    /// Resolves directories and config, opens the store and binds the configured addresses.
    /// `launch.demo` only picks the demo data directory here: the binaries start through
    /// `rangedesk_demo::start`, which also starts the simulator and points the config at it.
    pub async fn start(launch: Launch) -> Result<App, StartError> {
        Self::start_prepared(prepare(&launch)?).await
    }

    /// Saves a new hook token if the config has none, binds the configured addresses and starts.
    pub async fn start_prepared(prepared: Prepared) -> Result<App, StartError> {
        let Prepared { data_dir, mut checked } = prepared;
        config::ensure_hook_token(&mut checked)?;
        let public = bind(&checked, "server.listen", checked.listen).await?;
        let board = bind(&checked, "server.board_listen", checked.board_listen).await?;
        Self::start_on(checked, data_dir, public, board, store::Options::default()).await
    }

    /// Starts on listeners the caller bound (tests use port 0). The config must have a hook token.
    pub async fn start_on(
        checked: Checked,
        data_dir: PathBuf,
        public: TcpListener,
        board: TcpListener,
        options: store::Options,
    ) -> Result<App, StartError> {
        ensure_writable(&data_dir)?;
        let db = crate::paths::database(&data_dir);
        let store = store::open(&db, options).map_err(|source| StartError::Store { path: db, source })?;
        let live = crate::board::Live::start(&store)
            .await
            .map_err(|source| StartError::Store { path: crate::paths::database(&data_dir), source })?;
        let tls = tls_acceptor(&checked)?;
        let c = &checked.config;
        let public_addr = public.local_addr().map_err(|source| StartError::Bind {
            file: checked.file.clone(),
            key: "server.listen",
            addr: checked.listen,
            source,
        })?;
        let board_addr = board.local_addr().map_err(|source| StartError::Bind {
            file: checked.file.clone(),
            key: "server.board_listen",
            addr: checked.board_listen,
            source,
        })?;
        let ingest = Ingest::new(
            store.clone(),
            Keys {
                hook_token: c.action_target.hook_token.clone(),
                enviso_hmac_keys: c.enviso.hmac_keys.clone(),
                samna_secrets: c.samna.secrets.clone(),
                samna_tolerance_seconds: c.samna.tolerance_seconds,
            },
            crate::ingest::PurchaseSettings {
                rules: c.purchases.rules.clone(),
                window_seconds: c.purchases.approval_window_seconds,
                waiters: Default::default(),
                carrier_hit_fee_cents: crate::settings::fee_cents(c.carrier_hits.fee),
            },
        );
        let settings = crate::settings::Settings::new(&checked, public_addr, ingest.clone(), store.clone());
        // A purchase held when the app last stopped can no longer be answered: mark it missed.
        match crate::purchases::miss_abandoned(&store, jiff::Timestamp::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(purchases = n, "purchases held at the last stop were marked missed"),
            Err(e) => tracing::error!(error = %e, "could not mark abandoned purchases missed"),
        }
        let client = crate::vendors::action_target_api::Client::new(
            crate::vendors::action_target_api::ApiConfig::from_config(&c.action_target),
        )
        .map_err(|e| StartError::Tls {
            file: checked.file.clone(),
            key: "action_target.api_base",
            problem: e.to_string(),
        })?;
        let api_configured = !c.action_target.api_key.trim().is_empty();
        let reconciler = crate::reconciler::Reconciler::new(
            client,
            store.clone(),
            live.clone(),
            api_configured && c.action_target.poll_seconds > 0,
        );
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state = AppState {
            store: store.clone(),
            live,
            reconciler: reconciler.clone(),
            ingest: ingest.clone(),
            config: settings.subscribe(),
            settings,
            body_timeout: Duration::from_secs(c.server.body_timeout_seconds),
            board: Arc::new(BoardAccess::new(
                &c.server.board_pin,
                board_addr,
                &c.server.board_hosts,
                c.server.board_tls && tls.is_some(),
            )),
            info: Arc::new(Info {
                public_addr: public_addr.to_string(),
                board_addr: board_addr.to_string(),
                data_dir: data_dir.display().to_string(),
                ui_dir: if c.server.ui_dir.is_empty() {
                    crate::http::ui::find_ui_dir()
                } else {
                    Some(PathBuf::from(&c.server.ui_dir))
                },
            }),
            shutdown: shutdown_rx.clone(),
        };
        let limits = serve::Limits {
            header_timeout: Duration::from_secs(c.server.header_timeout_seconds),
            max_connections: c.server.max_connections,
            per_client: c.server.per_client_connections(),
            // A held lane purchase may wait up to the approval window; give it that and a margin.
            drain_timeout: Duration::from_secs(c.purchases.approval_window_seconds + 10),
        };
        let (stopped_tx, stopped) = watch::channel(false);
        let stop = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        let board_tls = if c.server.board_tls { tls.clone() } else { None };
        let public_task = tokio::spawn(serve::serve(
            public,
            http::public_router(state.clone()),
            limits.clone(),
            tls,
            stop(shutdown_rx.clone()),
        ));
        let board_task = tokio::spawn(serve::serve(
            board,
            http::board_router(state.clone()),
            limits,
            board_tls,
            stop(shutdown_rx.clone()),
        ));
        let flusher = tokio::spawn(flush_counters(ingest.clone(), shutdown_rx.clone()));
        let polling = tokio::spawn(reconciler.run(state.settings.subscribe(), shutdown_rx.clone()));
        tokio::spawn(async move {
            let _ = tokio::join!(public_task, board_task, flusher, polling);
            if let Err(e) = ingest.flush_counters().await {
                tracing::warn!(error = %e, "could not save the 404 count at shutdown");
            }
            store.close().await;
            tracing::info!("stopped");
            let _ = stopped_tx.send(true);
        });
        tracing::info!(public = %public_addr, board = %board_addr, data_dir = %data_dir.display(), "rangedesk is listening");
        Ok(App { state, data_dir, public_addr, board_addr, shutdown, stopped, _tasks: Arc::new(Mutex::new(())) })
    }

    pub fn public_addr(&self) -> SocketAddr {
        self.public_addr
    }

    pub fn board_addr(&self) -> SocketAddr {
        self.board_addr
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// The URLs to paste into each vendor's portal, as this listener is reached locally. Behind a
    /// port forward or proxy the host part is the range's public name instead.
    pub fn hook_urls(&self) -> HookUrls {
        self.state.settings.hook_urls()
    }

    /// The config in force now: what the app started with, plus every setting changed since that
    /// applies live (restart-only keys keep their started value until the next start).
    pub fn config(&self) -> Arc<crate::config::Config> {
        self.state.settings.current()
    }

    /// Hears each new config in force as settings are changed.
    pub fn subscribe_config(&self) -> watch::Receiver<Arc<crate::config::Config>> {
        self.state.settings.subscribe()
    }

    /// The settings screens' view, for the window (which may change settings).
    pub async fn settings(&self) -> Result<crate::settings::SettingsView, ApiError> {
        self.state.settings.view(self.state.reconciler.health(), true).await
    }

    /// Checks, saves and applies a change to one settings section (see `settings`).
    pub async fn change_settings(
        &self,
        section: &str,
        patch: serde_json::Value,
        by: &str,
    ) -> Result<crate::settings::SettingsChanged, crate::settings::SettingsRefusal> {
        self.state.settings.change(section, patch, &Staff::window(by), self.state.reconciler.health()).await
    }

    /// Sends a signed test delivery for `source` through our own public listener.
    pub async fn send_test_delivery(&self, source: crate::vendors::Source) -> crate::settings::TestDeliveryResult {
        self.state.settings.send_test_delivery(source).await
    }

    /// The lane shop catalogue.
    pub async fn products(&self) -> Result<Vec<crate::products::Product>, crate::products::ProductsError> {
        crate::products::list(&self.state.store).await
    }

    /// Replaces the catalogue whole, or refuses it naming the rule (and row) it breaks.
    pub async fn replace_products(
        &self,
        catalogue: Vec<crate::products::Product>,
    ) -> Result<Vec<crate::products::Product>, crate::products::ProductsError> {
        crate::products::replace(&self.state.store, &self.state.ingest.keys().hook_token, catalogue).await
    }

    /// Stores an uploaded product picture (checked: JPEG or WebP, square, size limits).
    pub async fn upload_picture(
        &self,
        id: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<crate::products::Picture, crate::products::ProductsError> {
        let token = self.state.ingest.keys().hook_token;
        crate::products::upload_picture(&self.state.store, &token, id, content_type, bytes, jiff::Timestamp::now())
            .await
    }

    /// Every check `replace_products` makes, without saving.
    pub async fn check_products(
        &self,
        catalogue: Vec<crate::products::Product>,
    ) -> Result<(), crate::products::ProductsError> {
        crate::products::check_catalogue(&self.state.store, &self.state.ingest.keys().hook_token, &catalogue).await
    }

    pub async fn status(&self) -> Result<Status, ApiError> {
        status(&self.state).await
    }

    pub async fn deliveries(&self, q: DeliveryQuery) -> Result<Page<deliveries::DeliveryRow>, ApiError> {
        api::list_deliveries(&self.state.store, q).await
    }

    pub fn board(&self) -> crate::board::BoardView {
        self.state.board_view(jiff::Timestamp::now())
    }

    /// A day's bookings, check-ins and pass scans (today when `day` is `None`).
    pub async fn visits(&self, day: Option<String>) -> Result<crate::visits::VisitsView, ApiError> {
        self.state.visits(day.as_deref()).await
    }

    pub fn live(&self) -> &crate::board::Live {
        &self.state.live
    }

    /// Staff actions: the same core functions the browser API calls, for the desktop window.
    pub async fn acknowledge_help(&self, help_id: i64, by: String) -> Result<crate::board::HelpView, ApiError> {
        crate::help::acknowledge(
            &self.state.store,
            &self.state.live,
            help_id,
            Staff::window(by),
            jiff::Timestamp::now(),
        )
        .await
    }

    pub async fn resolve_help(&self, help_id: i64, by: String) -> Result<crate::help::Resolved, ApiError> {
        crate::help::resolve(&self.state.store, help_id, Staff::window(by), jiff::Timestamp::now()).await
    }

    /// Approves (`approve`) or declines a held lane purchase; the lane gets its answer at once.
    pub async fn decide_purchase(
        &self,
        trace_id: String,
        approve: bool,
        by: String,
        user_message: Option<String>,
    ) -> Result<crate::board::PurchaseView, ApiError> {
        crate::http::decide_purchase(&self.state, trace_id, approve, Staff::window(by), user_message).await
    }

    pub async fn tick_off(&self, item_id: String, by: String) -> Result<crate::board::TabItemView, ApiError> {
        crate::purchases::tick_off(
            &self.state.store,
            &self.state.live,
            item_id,
            Staff::window(by),
            jiff::Timestamp::now(),
        )
        .await
    }

    pub async fn start_session(
        &self,
        req: crate::sessions::StartSession,
        by: String,
    ) -> Result<crate::board::SessionView, ApiError> {
        crate::sessions::start(&self.state.store, &self.state.live, &self.state.reconciler, req, Staff::window(by))
            .await
    }

    pub async fn modify_session(
        &self,
        session_id: String,
        req: crate::sessions::ModifySession,
        by: String,
    ) -> Result<crate::board::SessionView, ApiError> {
        let who = Staff::window(by);
        crate::sessions::modify(&self.state.store, &self.state.live, &self.state.reconciler, session_id, req, who).await
    }

    pub async fn stop_session(&self, session_id: String, by: String) -> Result<serde_json::Value, ApiError> {
        crate::sessions::stop(
            &self.state.store,
            &self.state.live,
            &self.state.reconciler,
            session_id,
            Staff::window(by),
        )
        .await
    }

    pub async fn events(&self, q: EventQuery) -> Result<Page<events::EventRow>, ApiError> {
        api::list_events(&self.state.store, q).await
    }

    /// Stops accepting, lets in-flight deliveries finish and commit, then closes the store.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Action Target's API as the last poll found it.
    pub fn api_health(&self) -> crate::reconciler::ApiHealth {
        self.state.reconciler.health()
    }

    /// Desktop notifications as they become due (see `notifications`), until the core stops.
    pub fn notices(&self) -> tokio::sync::mpsc::Receiver<crate::notifications::Update> {
        crate::notifications::spawn(self.clone())
    }

    /// Turns true when `shutdown` is called (demo mode stops its scenario on it).
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Resolves once everything `shutdown` started has finished.
    pub async fn stopped(&self) {
        let mut rx = self.stopped.clone();
        let _ = rx.wait_for(|s| *s).await;
    }
}

/// The status screen's facts.
pub(crate) async fn status(s: &AppState) -> Result<Status, ApiError> {
    let store_ok = store_accepts_writes(&s.store).await;
    let unsaved = s.ingest.not_found_since_start() as i64;
    let refusals = s.ingest.refusal_log();
    let unlogged_unsaved = i64::try_from(refusals.unsaved()).unwrap_or(i64::MAX);
    let (counts, saved, unlogged_saved) = s
        .store
        .read(|c| {
            let counts = deliveries::count_by_verdict(c)?;
            let all = counters::all(c)?;
            let named = |names: &[&str]| -> i64 {
                all.iter().filter(|(n, _)| names.contains(&n.as_str())).map(|(_, v)| v).sum()
            };
            let saved = named(&["refused_not_found"]);
            let unlogged = named(&[crate::refusals::COUNTED_RATE_LIMITED, crate::refusals::COUNTED_LOW_DISK]);
            Ok((counts, saved, unlogged))
        })
        .await?;
    let now = jiff::Timestamp::now();
    Ok(Status {
        store_ok,
        public_addr: s.info.public_addr.clone(),
        board_addr: s.info.board_addr.clone(),
        data_dir: s.info.data_dir.clone(),
        deliveries: counts
            .into_iter()
            .map(|(source, verdict, count)| DeliveryCount { source, verdict, count })
            .collect(),
        refused_not_found: saved + unsaved,
        action_target_api: s.reconciler.health(),
        refused_unlogged: unlogged_saved + unlogged_unsaved,
        refusals_logging: refusals.state(&s.store, now),
        data_free_bytes: s.store.space().free_bytes(),
        refusal_floor_bytes: s.store.space().floor(),
    })
}

/// Whether a write commits right now: a tiny real transaction through the writer, so a full disk
/// or a broken file shows here.
pub(crate) async fn store_accepts_writes(store: &Store) -> bool {
    let probe = store.writer().write(|t| {
        t.execute("INSERT INTO counters (name, value) VALUES ('health_probe', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1", [])?;
        Ok(())
    });
    matches!(tokio::time::timeout(Duration::from_secs(2), probe).await, Ok(Ok(()))) && store.writer().healthy()
}

async fn flush_counters(ingest: Ingest, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(10)) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        if let Err(e) = ingest.flush_counters().await {
            tracing::warn!(error = %e, "could not save the 404 count");
        }
    }
}

/// Creates the data directory owner-only (0700), or makes an existing one so: it holds the config,
/// the store and the logs, all of them secrets or full of them.
fn ensure_writable(dir: &Path) -> Result<(), StartError> {
    let fail = |e: std::io::Error| StartError::DataDir { dir: dir.to_owned(), problem: e.to_string() };
    crate::files::private_dir(dir).map_err(fail)?;
    let probe = dir.join(".rangedesk-write-test");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}

async fn bind(checked: &Checked, key: &'static str, addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).await.map_err(|source| StartError::Bind { file: checked.file.clone(), key, addr, source })
}

fn tls_acceptor(checked: &Checked) -> Result<Option<tokio_rustls::TlsAcceptor>, StartError> {
    let s = &checked.config.server;
    if s.tls_cert.is_empty() {
        return Ok(None);
    }
    let config = crate::tls::server_config(&s.tls_cert, &s.tls_key).map_err(|e| StartError::Tls {
        file: checked.file.clone(),
        key: e.key,
        problem: e.problem,
    })?;
    Ok(Some(tokio_rustls::TlsAcceptor::from(config)))
}
