//! History: what happened on any past day or period, computed from the event log and the delivery
//! log in the range's time zone. Sessions across midnight count in each day by their share; only
//! accepted events count, so a duplicate delivery never counts twice.

pub mod report;

pub use report::*;
