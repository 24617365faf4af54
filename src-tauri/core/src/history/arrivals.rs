//! Which arrival a vendor's event is: a booking made, a check-in, a pass or code scan. Both the
//! fold (which keeps these events as visits) and the arrivals section (which counts them) ask.

use rangedesk_domain::Source;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    Booking,
    CheckIn,
    Scan,
}

/// Which arrival an event is: a booking made, a check-in, a pass or code scan.
pub fn visit_kind(source: Source, kind: &str) -> Option<Visit> {
    match (source, kind) {
        (Source::Enviso, "ORDER_CREATED" | "BOOKING_CREATED") | (Source::Samna, "booking_created") => {
            Some(Visit::Booking)
        }
        (Source::Samna, "checkin_started") => Some(Visit::CheckIn),
        (Source::Enviso, "PASS_SCANNED") | (Source::Samna, "code_scanned") => Some(Visit::Scan),
        _ => None,
    }
}
