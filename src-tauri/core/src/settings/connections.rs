//! The connections panel: for each vendor, how many keys are set, its last delivery (accepted or
//! not, and whether it was a test) and its last accepted one, within [`LOOK_BACK_DAYS`].

use super::{ConnectionView, LastDelivery, Settings};
use crate::config::Config;
use crate::error::ApiError;
use crate::store::deliveries;
use rangedesk_domain::Source;
use serde_json::Value;

/// How many days back the connections panel looks for each vendor's last delivery.
pub const LOOK_BACK_DAYS: i64 = 30;

impl Settings {
    pub(super) async fn connections(&self, c: &Config) -> Result<Vec<ConnectionView>, ApiError> {
        let counts = [
            (Source::ActionTarget, u32::from(!c.action_target.hook_token.is_empty())),
            (Source::Enviso, c.enviso.hmac_keys.len() as u32),
            (Source::Samna, c.samna.secrets.len() as u32),
        ];
        // "Is it connected?" looks back this far; older deliveries do not answer it.
        let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * LOOK_BACK_DAYS);
        let rows = self
            .inner
            .store
            .read(move |conn| {
                let mut out = Vec::new();
                for (source, _) in counts {
                    let last = deliveries::newest_since(conn, source, since, false)?;
                    let accepted = deliveries::newest_since(conn, source, since, true)?;
                    out.push((last, accepted));
                }
                Ok(out)
            })
            .await?;
        Ok(counts
            .into_iter()
            .zip(rows)
            .map(|((source, keys), (last, accepted))| ConnectionView {
                source,
                keys,
                last_delivery: last.map(|d| LastDelivery {
                    test: is_test(&d.headers),
                    trace_id: d.trace_id,
                    received_at: d.received_at,
                    verdict: d.verdict,
                    status: d.status,
                    reason: d.reason,
                }),
                last_accepted_at: accepted.map(|d| d.received_at),
            })
            .collect())
    }
}

/// Whether a kept-headers object marks a test delivery.
pub fn is_test(headers: &Value) -> bool {
    headers.get(crate::ingest::TEST_HEADER).is_some()
}
