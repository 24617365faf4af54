//! rangedesk-core's integration tests, one binary (so they link once): each module is one
//! area, through real HTTP on loopback with the real store (see `support`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod at_client;
mod backups;
mod bindings;
mod board_api;
mod board_log;
mod diagnostics;
mod fuzz;
mod guard;
mod history;
mod history_digest;
mod http_ingest;
mod notifications;
mod products;
mod purchases;
mod reconciler;
mod refusals;
mod retention;
mod screens_api;
mod settings;
mod slow_clients;
mod soak;
mod upgrades;
mod web_ui;
