//! rangedesk's core: everything but the window. Config, the SQLite store, the vendor adapters,
//! ingest, the browser API and the HTTP server. Builds and tests without webkit or GTK.

pub mod api;
pub mod app;
pub mod config;
pub mod http;
pub mod ingest;
pub mod logging;
pub mod paths;
pub mod store;
pub mod vendors;

/// Resolves on ctrl-c or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
