//! The vendor playground's `simulate` endpoints, which call the integrator's webhook and products
//! URLs and show what came back, and the simulator's own `/_sim` control routes for tests and
//! demos (failure injection, lossiness, the Control Screen's buttons).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::action_target::{ApiError, authorize, parse};
use crate::control::PRODUCT_TYPES;
use crate::webhook::Item;
use crate::{Failure, Simulator};

#[derive(Debug, Default, Deserialize)]
struct SimulateBody {
    session_id: Option<Uuid>,
    items: Option<Vec<Item>>,
}

#[derive(Debug, Deserialize)]
struct SessionQuery {
    session_id: Option<Uuid>,
}

#[derive(Debug, Deserialize)]
struct FailBody {
    mode: String,
    slow_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct RenameBody {
    name: String,
}

#[derive(Debug, Deserialize)]
struct DropBody {
    share: f64,
}

pub(crate) fn router(sim: Simulator) -> Router {
    let simulate = Router::new()
        .route("/simulate/products", get(all_products))
        .route("/simulate/products/{kind}", get(products))
        .route("/simulate/{event}", post(simulate))
        .layer(middleware::from_fn_with_state(sim.clone(), authorize));
    let control = Router::new()
        .route("/_sim/fail", post(fail))
        .route("/_sim/drop_share", post(drop_share))
        .route(
            "/_sim/ceasefire",
            post(|State(s): State<Simulator>| async move { Json(json!({"paused": s.ceasefire()})) }),
        )
        .route(
            "/_sim/resume_all",
            post(|State(s): State<Simulator>| async move { Json(json!({"resumed": s.resume_all()})) }),
        )
        .route("/_sim/sessions/{id}/start", post(start))
        .route("/_sim/names/{id}", post(rename))
        .route("/_sim/webhooks", get(|State(s): State<Simulator>| async move { Json(s.webhook_log()) }));
    simulate.merge(control).with_state(sim)
}

/// `POST /simulate/{event}`: any event name is allowed, so unknown events can be tried too.
async fn simulate(
    State(sim): State<Simulator>,
    Path(event): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    if event.is_empty() || !event.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(ApiError(StatusCode::BAD_REQUEST, "invalid event name".into()));
    }
    let b: SimulateBody =
        if body.iter().all(u8::is_ascii_whitespace) { SimulateBody::default() } else { parse(&body)? };
    let (sent, answer) = sim.simulate(&event, b.session_id, b.items).await?;
    Ok(Json(json!({ "sent": sent, "status": answer.status, "body": answer.body })))
}

async fn products(
    State(sim): State<Simulator>,
    Path(kind): Path<String>,
    Query(q): Query<SessionQuery>,
) -> Result<Json<Value>, ApiError> {
    let a = sim.fetch_products(&kind, q.session_id).await?;
    Ok(Json(json!({ "status": a.status, "body": a.body })))
}

/// Every product type, as a lane screen opening its shop would ask for them.
async fn all_products(State(sim): State<Simulator>, Query(q): Query<SessionQuery>) -> Result<Json<Value>, ApiError> {
    let mut out = BTreeMap::new();
    for kind in PRODUCT_TYPES {
        let a = sim.fetch_products(kind, q.session_id).await?;
        out.insert(kind, json!({ "status": a.status, "body": a.body }));
    }
    Ok(Json(json!(out)))
}

async fn fail(State(sim): State<Simulator>, body: Bytes) -> Result<StatusCode, ApiError> {
    let b: FailBody = parse(&body)?;
    let f = match b.mode.as_str() {
        "none" => Failure::None,
        "unauthorized" => Failure::Unauthorized,
        "server_error" => Failure::ServerError,
        "slow" => Failure::Slow(Duration::from_millis(b.slow_ms.unwrap_or(10_000))),
        other => return Err(ApiError(StatusCode::BAD_REQUEST, format!("unknown mode {other:?}"))),
    };
    sim.set_failure(f);
    Ok(StatusCode::NO_CONTENT)
}

async fn drop_share(State(sim): State<Simulator>, body: Bytes) -> Result<StatusCode, ApiError> {
    let b: DropBody = parse(&body)?;
    if !(0.0..=1.0).contains(&b.share) {
        return Err(ApiError(StatusCode::BAD_REQUEST, "share must be between 0.0 and 1.0".into()));
    }
    sim.set_drop_share(b.share);
    Ok(StatusCode::NO_CONTENT)
}

/// The range manager renames a lane or a bay: `{name}`, any text the vendor would accept.
async fn rename(State(sim): State<Simulator>, Path(id): Path<Uuid>, body: Bytes) -> Result<StatusCode, ApiError> {
    let b: RenameBody = parse(&body)?;
    sim.rename(id, &b.name)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The shooter enters the lane.
async fn start(State(sim): State<Simulator>, Path(id): Path<Uuid>) -> Result<StatusCode, ApiError> {
    sim.start_session(id)?;
    Ok(StatusCode::NO_CONTENT)
}
