//! rangedesk's core: everything but the window. Builds and tests without webkit or GTK. Its
//! modules form layers, each importing only those below it (docs/ARCHITECTURE.md draws them):
//! 1. the domain types (the `rangedesk-domain` crate, re-exported as [`domain`]);
//! 2. config, files, paths, the store, the vendor adapters, errors, TLS and logging;
//! 3. the board (an in-memory projection of the event log);
//! 4. the desk's operations: ingest, receive, purchases, sessions, help, history, reconciler,
//!    products, refusals, settings, visits, logs, status, notifications;
//! 5. the one facade, [`desk::Desk`], which the window's commands and the HTTP handlers both call;
//! 6. http (the two listeners' routers, guard and serving);
//! 7. the runtime ([`app`]): start-up and wiring. Demo mode (`rangedesk-demo`) and the binaries
//!    sit on top, outside this crate.

pub use rangedesk_domain as domain;

// 2. Below the board.
pub mod config;
pub mod error;
pub mod files;
pub mod logging;
pub mod paths;
pub mod store;
pub mod tls;
pub mod vendors;

// 3.
pub mod board;

// 4. The desk's operations.
pub mod help;
pub mod history;
pub mod ingest;
pub mod logs;
pub mod notifications;
pub mod products;
pub mod purchases;
pub mod receive;
pub mod reconciler;
pub mod refusals;
pub mod sessions;
pub mod settings;
pub mod status;
pub mod visits;

// 5. The facade.
pub mod desk;

// 6, 7.
pub mod app;
pub mod desktop;
pub mod http;

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
