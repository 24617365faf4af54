//! rangedesk's domain types, the bottom layer every other crate and module builds on: where a
//! delivery came from ([`Source`]), the normalized events derived from it ([`NewEvent`]) and the
//! kinds rangedesk records itself ([`kinds`]), lane purchases' rules and statuses ([`purchase`]),
//! who did a staff action ([`staff`]) and money ([`money`]). Plain data: no I/O, no clock, no
//! async runtime, no database, no HTTP.

pub mod event;
pub mod kinds;
pub mod money;
pub mod purchase;
pub mod source;
pub mod staff;

pub use event::NewEvent;
pub use source::Source;
pub use staff::{Client, Staff};
