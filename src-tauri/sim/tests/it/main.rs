//! rangedesk-sim's integration tests, one binary: the real program and its load generator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod load;
mod year;
