//! `GET /api/stream`: board changes pushed to browsers as Server-Sent Events. Each event is the
//! whole board (`event: board`), sent when it changes: at once after a quiet spell, then at most
//! once per `PUSH_WINDOW` (a frame) while changes keep coming (`board::Pacer`); a client that reconnects gets the current board at once, so it resyncs without a
//! reload. A comment every 15 s keeps proxies from closing an idle stream. The stream ends when the
//! app stops, so a graceful stop never waits on an open browser (it reconnects to the next start).

use super::AppState;
use crate::board::Pacer;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt as _};
use std::convert::Infallible;
use std::time::Duration;

/// How soon a browser reopens a stream that ended (a restart, a proxy). Without it, browsers wait
/// their default of about 3 s — exactly the grace after which the page shows "connection lost", so
/// a restart of under a second raised the banner (seen in headless chromium).
const RETRY: Duration = Duration::from_millis(500);

pub async fn stream(State(s): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let pacer = Pacer::new(s.desk.live().subscribe());
    let mut shutdown = s.shutdown.clone();
    let first = true;
    let stream = futures_util::stream::unfold((s, pacer, first), |(s, mut pacer, first)| async move {
        if !first && !pacer.next().await {
            return None;
        }
        let started = std::time::Instant::now();
        let view = s.desk.board(jiff::Timestamp::now());
        let mut event = Event::default().event("board").id(view.last_event_id.to_string());
        if first {
            event = event.retry(RETRY);
        }
        let event = event.json_data(&view).ok()?;
        pacer.cost(started.elapsed());
        Some((Ok(event), (s, pacer, false)))
    })
    .take_until(async move {
        let _ = shutdown.wait_for(|stopping| *stopping).await;
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
