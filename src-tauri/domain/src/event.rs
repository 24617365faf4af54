//! One normalized event, as an adapter derives it from a delivery or an operation records it
//! (a staff action, a poll correction). The store gives it an id and a time when it commits it.

/// One normalized event derived from a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The vendor's own event name, exactly as received (`help`, `ORDER_CREATED`, `checkin_started`).
    pub kind: String,
    /// Whether the vendor documents this event name; unknown ones are kept and shown as unknown.
    pub known: bool,
    pub lane_id: Option<String>,
    pub session_id: Option<String>,
    /// The thing the event is about when it is not a lane session: an order, pass, booking, code…
    pub subject: Option<String>,
    /// The vendor's own timestamp string, untouched (it is informational; ordering uses ours).
    pub vendor_time: Option<String>,
    /// The vendor's payload for this event, whole, unknown fields included.
    pub data: serde_json::Value,
}
