//! rangedesk-server's integration tests, one binary: the real program, as a process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod files;
mod process;
