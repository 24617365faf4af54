//! A running rangedesk core: config read and checked, data directory ready, store open, both
//! listeners bound and served. The headless server and the desktop app both start exactly this;
//! tests start it on port 0 with `start_on`.

use crate::config::{self, Checked, ConfigError};
use crate::desk::Desk;
use crate::http::{self, AppState, BoardAccess, serve};
use crate::ingest::{Ingest, Keys};
use crate::status::Place;
use crate::store;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

mod tasks;

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

/// Every operation of the desk is called on the app directly (`app.board(now)`), as on the desk.
/// The trade-off: `Deref` on a handle that is not a pointer hides where a method comes from, but
/// the alternative was forwarding ~30 methods by hand, the second facade this replaced; this way
/// `Desk` is the one list of operations, and Tauri keeps managing the `App` it started.
impl std::ops::Deref for App {
    type Target = Desk;
    fn deref(&self) -> &Desk {
        &self.desk
    }
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

/// A cheap handle to the running core: its [`Desk`] (every operation, through `Deref`) and what
/// the runtime owns besides: addresses, the data directory, shutdown.
#[derive(Clone)]
pub struct App {
    desk: Desk,
    data_dir: PathBuf,
    public_addr: SocketAddr,
    board_addr: SocketAddr,
    board_url: String,
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
        let now = jiff::Timestamp::now();
        // A restore staged by the last run takes the store's place before it opens (see `backups`).
        match store::backup::swap_staged(&db, &now.strftime("%Y%m%dT%H%M%SZ").to_string()) {
            Ok(store::backup::Swap::Restored { kept }) => {
                tracing::warn!(replaced = %kept.display(), "restored the store from the staged backup")
            }
            Ok(store::backup::Swap::Refused { set_aside, why }) => {
                tracing::error!(file = %set_aside.display(), %why, "the staged restore failed its check; the store was not replaced")
            }
            Ok(store::backup::Swap::Nothing) => {}
            Err(source) => return Err(StartError::Store { path: db, source }),
        }
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
        )
        .with_follow_ups(crate::ingest::FollowUps { live: live.clone(), reconciler: reconciler.clone() });
        let settings = crate::settings::Settings::new(&checked, public_addr, ingest.clone(), store.clone());
        // A purchase held when the app last stopped can no longer be answered: mark it missed.
        match crate::purchases::miss_abandoned(&store, jiff::Timestamp::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(purchases = n, "purchases held at the last stop were marked missed"),
            Err(e) => tracing::error!(error = %e, "could not mark abandoned purchases missed"),
        }
        let (shutdown, shutdown_rx) = watch::channel(false);
        let place = Place {
            public_addr: public_addr.to_string(),
            board_addr: board_addr.to_string(),
            data_dir: data_dir.display().to_string(),
        };
        let config_changes = settings.subscribe();
        let backups = crate::backups::Backups::new(store.clone(), now);
        let desk = Desk::new(store.clone(), live, reconciler.clone(), ingest.clone(), settings, place, backups);
        let board_tls_on = c.server.board_tls && tls.is_some();
        let state = AppState {
            desk: desk.clone(),
            body_timeout: Duration::from_secs(c.server.body_timeout_seconds),
            board: Arc::new(BoardAccess::new(&c.server.board_pin, board_addr, &c.server.board_hosts, board_tls_on)),
            ui_dir: if c.server.ui_dir.is_empty() {
                crate::http::ui::find_ui_dir()
            } else {
                Some(PathBuf::from(&c.server.ui_dir))
            },
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
        let flusher = tokio::spawn(tasks::flush_counters(ingest.clone(), shutdown_rx.clone()));
        let live = desk.live().clone();
        let snapshots = tokio::spawn(tasks::save_snapshots(live.clone(), store.clone(), shutdown_rx.clone()));
        let daily = tokio::spawn(crate::backups::run_daily(
            desk.backups().clone(),
            desk.subscribe_config(),
            shutdown_rx.clone(),
        ));
        let pruning = tokio::spawn(crate::retention::run(store.clone(), desk.subscribe_config(), shutdown_rx.clone()));
        let polling = tokio::spawn(reconciler.run(config_changes, shutdown_rx.clone()));
        let digests = tokio::spawn(tasks::warm_history(desk.clone(), shutdown_rx.clone()));
        tokio::spawn(async move {
            let _ = tokio::join!(public_task, board_task, flusher, polling, snapshots, digests, daily, pruning);
            if let Err(e) = ingest.flush_counters().await {
                tracing::warn!(error = %e, "could not save the 404 count at shutdown");
            }
            if let Err(e) = live.save_snapshot(&store).await {
                tracing::warn!(error = %e, "could not save the board snapshot at shutdown; the next start replays the log");
            }
            store.close().await;
            tracing::info!("stopped");
            let _ = stopped_tx.send(true);
        });
        tracing::info!(public = %public_addr, board = %board_addr, data_dir = %data_dir.display(), "rangedesk is listening");
        let board_url = board_url(board_addr, board_tls_on);
        Ok(App {
            desk,
            data_dir,
            public_addr,
            board_addr,
            board_url,
            shutdown,
            stopped,
            _tasks: Arc::new(Mutex::new(())),
        })
    }

    pub fn public_addr(&self) -> SocketAddr {
        self.public_addr
    }

    pub fn board_addr(&self) -> SocketAddr {
        self.board_addr
    }

    /// The board's address for a browser on this computer (`http://127.0.0.1:8788/`).
    pub fn board_url(&self) -> &str {
        &self.board_url
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The desk, for callers that hold it apart from the app (notifications, the window's push).
    pub fn desk(&self) -> &Desk {
        &self.desk
    }

    /// Stops accepting, lets in-flight deliveries finish and commit, then closes the store.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Desktop notifications as they become due (see `notifications`), until the core stops.
    pub fn notices(&self) -> tokio::sync::mpsc::Receiver<crate::notifications::Update> {
        crate::notifications::spawn(self.desk.watched(), self.stopping())
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

/// The board as a browser on this computer reaches it: a wildcard listener through loopback.
fn board_url(addr: SocketAddr, tls: bool) -> String {
    let mut a = addr;
    if a.ip().is_unspecified() {
        a.set_ip(if a.is_ipv4() { std::net::Ipv4Addr::LOCALHOST.into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    format!("{}://{a}/", if tls { "https" } else { "http" })
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
