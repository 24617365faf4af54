//! rangedesk's core: everything but the window. Builds and tests without webkit or GTK. Its
//! modules form layers, each importing only those below it (docs/ARCHITECTURE.md draws them):
//! 1. the domain types (the `rangedesk-domain` crate, re-exported as [`domain`]);
//! 2. config, files, paths, the store, the vendor adapters, errors, TLS and logging;
//! 3. the board (an in-memory projection of the event log);
//! 4. the desk's operations: ingest, purchases, sessions, help, history, reconciler, products,
//!    refusals, settings, visits, logs, status, notifications;
//! 5. the one facade, [`desk::Desk`], which the window's commands and the HTTP handlers both call;
//! 6. http (the two listeners' routers, guard and serving);
//! 7. the runtime ([`app`]): start-up and wiring. Demo mode (`rangedesk-demo`) and the binaries
//!    sit on top, outside this crate.

pub use rangedesk_domain as domain;

// The modules are private: what programs use is exported below, so the dead-code lint sees every
// item nothing uses.

// 2. Below the board.
pub mod config;
mod error;
pub mod files;
pub mod logging;
pub mod paths;
mod store;
mod tls;
mod vendors;

// 3.
mod board;
mod diagnostics;

// 4. The desk's operations.
mod backups;
mod help;
mod history;
mod ingest;
mod logs;
mod notifications;
mod products;
mod purchases;
mod reconciler;
mod refusals;
mod retention;
mod sessions;
mod settings;
mod status;
mod ui_constants;
mod visits;

// 5. The facade.
mod desk;

// 6, 7.
pub mod app;
mod desktop;
mod http;

// The facade, and the types its methods take and answer with.
pub use backups::{BackupDone, BackupFile, BackupStatus, RestoreStaged};
pub use board::{BoardView, HelpView, LaneView, PUSH_WINDOW, Pacer, PurchaseView, SessionView, TabItemView};
pub use desk::Desk;
pub use desktop::{Autostart, DesktopStatus, SavedFile};
pub use error::{ApiError, ApiErrorCode};
pub use help::Resolved;
pub use history::{DayReport, Period as HistoryPeriod, PeriodReport};
pub use ingest::{Inbound, MAX_BODY, Outcome};
pub use logs::{DeliveryQuery, EventQuery, Page};
pub use notifications::{Action, FocusLane, Kind as NoticeKind, Notice, Subject, Update, Waiting};
pub use products::{CatalogueRefusal, CatalogueRule, Picture, Product, ProductType, ProductsError};
pub use reconciler::ApiHealth;
pub use sessions::{ModifySession, StartSession};
pub use settings::{
    HookUrls, Patch, RESTART_KEYS, SECTIONS, SETTINGS_CHANGED, SettingsChanged, SettingsRefusal, SettingsSection,
    SettingsView, TestDeliveryResult,
};
pub use status::Status;
pub use store::StoreError;
pub use store::deliveries::DeliveryRow;
pub use store::events::EventRow;
pub use ui_constants::{EventKinds, UiConstants, ui_constants};
pub use vendors::action_target_api::{ApiBay, ApiGroup, ApiLane, ApiSession, NewSession};
pub use visits::VisitsView;

/// The vendors' signature schemes, for whoever plays a vendor (the simulator, tests).
pub mod signing {
    pub use crate::vendors::enviso::{sign_double as enviso_sign, signed_string as enviso_signed_string};
    pub use crate::vendors::samna::{SIGNATURE_HEADER as SAMNA_SIGNATURE_HEADER, sign as samna_sign};
}

/// The parts below the facade that the integration tests and the simulator's benchmarks drive
/// directly (a store without the app, ingest without HTTP, the board rebuilt from the log, the
/// accept loop without routes). Programs use the facade.
#[doc(hidden)]
pub mod testing {
    pub use crate::board::{Board, Live, SessionState};
    pub use crate::http::serve::{Limits, serve};
    pub use crate::ingest::{Ingest, Keys, PurchaseSettings};
    pub use crate::vendors::{action_target, action_target_api, enviso, samna};

    pub mod help {
        pub use crate::help::{acknowledge, resolve};
    }
    pub mod purchases {
        pub use crate::purchases::{Verdict, expire, miss_abandoned, staff_decision, tick_off};
    }
    pub mod retention {
        pub use crate::retention::prune_bodies;
    }
    pub mod refusals {
        pub use crate::refusals::{KEPT_BODY_BYTES, ROWS_PER_CLIENT_PER_MINUTE, prune};
    }
    pub mod store {
        pub use crate::store::{Options, Store, migrations, open, upgrade_copy_path};
        pub mod backup {
            pub use crate::store::backup::{check, known_schema};
        }
        pub mod events {
            pub use crate::store::events::{Filter, Origin, after, count, insert, list};
        }
        pub mod products {
            pub use crate::store::products::{ProductRow, list};
        }
    }
}

/// Resolves on ctrl-c or SIGTERM, whichever comes first. The handlers are installed when this is
/// called, not when the future is first polled, so a signal that arrives while the app is still
/// starting is not lost (nor does it kill the process before it could drain).
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {},
                        _ = int.recv() => {},
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
