//! The simulator's integration tests, one binary: its fake vendors over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod action_target_api;
mod scenario;
mod senders;
mod webhooks;
