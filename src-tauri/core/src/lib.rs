//! rangedesk's core: everything but the window. Config, the SQLite store, the vendor adapters,
//! ingest, the browser API and the HTTP server. Builds and tests without webkit or GTK.

pub mod api;
pub mod app;
pub mod board;
pub mod config;
pub mod desktop;
pub mod files;
pub mod help;
pub mod http;
pub mod ingest;
pub mod logging;
pub mod notifications;
pub mod paths;
pub mod products;
pub mod purchases;
pub mod reconciler;
pub mod refusals;
pub mod sessions;
pub mod settings;
pub mod staff;
pub mod store;
pub mod tls;
pub mod vendors;
pub mod visits;

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
