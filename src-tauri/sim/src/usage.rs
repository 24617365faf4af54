//! A problem with the command line rather than with the run: the program exits 2 for it, and every
//! command (cli, vendors) raises it, so it sits below both.

/// What was wrong with the command line, in words for the user.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Usage(pub(crate) String);
