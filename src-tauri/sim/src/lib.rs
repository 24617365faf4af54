//! The vendor simulator: deliveries signed as each vendor signs them, a load generator that sends
//! them at a running rangedesk, a no-op baseline server and the ingest benchmark that compares the
//! two, and `serve`/`scenario` over `rangedesk-simulator` (the vendors' clouds). Uses the core as a
//! library, so the load generator's signatures are the server's own.

pub mod bench;
pub mod cli;
pub mod deliveries;
pub mod floor;
pub mod history_bench;
pub mod latency;
pub mod load;
pub mod machine;
pub mod noop;
pub mod report;
pub mod servers;
pub mod signing;
pub mod storage;
mod usage;
pub mod vendors;
pub mod year;
