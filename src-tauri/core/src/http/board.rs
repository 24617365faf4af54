//! The board listener's API. Every handler is one call into the core; who may do what is checked
//! once, in `guard` (before every route), which also tells each handler the client it came from.

use super::{AppState, healthz};
use crate::api::{self, ApiError, DeliveryQuery, EventQuery};
use crate::products::{self, CatalogueRefusal, Product, ProductsError};
use crate::settings::SettingsRefusal;
use crate::staff::{Client, Staff};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine as _;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/deliveries", get(deliveries))
        .route("/api/events", get(events))
        .route("/api/status", get(status))
        .route("/api/board", get(board))
        .route("/api/stream", get(super::stream::stream))
        .route("/api/lanes", get(lanes))
        .route("/api/help", get(help))
        .route("/api/help/{help_id}/ack", post(help_ack))
        .route("/api/help/{help_id}/resolve", post(help_resolve))
        .route("/api/products", get(list_products).put(replace_products))
        .route("/api/products/check", post(check_products))
        .route("/api/products/{id}/picture", put(upload_picture))
        .route("/api/settings", get(settings))
        .route("/api/settings/test-delivery/{source}", post(test_delivery))
        .route("/api/settings/{section}", put(change_settings))
        .route("/api/purchases", get(purchases))
        .route("/api/purchases/{trace_id}", get(purchase))
        .route("/api/purchases/{trace_id}/approve", post(approve))
        .route("/api/purchases/{trace_id}/decline", post(decline))
        .route("/api/tab/{item_id}/delivered", post(delivered))
        .route("/api/sessions", get(sessions).post(start_session))
        .route("/api/sessions/{session_id}/modify", post(modify_session))
        .route("/api/sessions/{session_id}/stop", post(stop_session))
        .route("/api/range/refresh", post(refresh_range))
        .route("/api/today", get(visits))
        .route("/api/visits", get(visits))
        .route("/healthz", get(healthz))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .fallback_service(super::ui::router(state.info.ui_dir.as_deref()))
        .layer(middleware::from_fn_with_state(state.clone(), super::guard::guard))
        .with_state(state)
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t).map_err(|e| ApiError::bad_request(e.body_text()))
}

async fn deliveries(
    State(s): State<AppState>,
    q: Result<Query<DeliveryQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    Ok(Json(api::list_deliveries(&s.store, query(q)?).await?).into_response())
}

async fn events(State(s): State<AppState>, q: Result<Query<EventQuery>, QueryRejection>) -> Result<Response, ApiError> {
    Ok(Json(api::list_events(&s.store, query(q)?).await?).into_response())
}

async fn status(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(crate::app::status(&s).await?).into_response())
}

async fn board(State(s): State<AppState>) -> Response {
    Json(s.board_view(jiff::Timestamp::now())).into_response()
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DayQuery {
    day: Option<String>,
    pin: Option<String>,
}

/// `GET /api/today`, `GET /api/visits?day=YYYY-MM-DD`: bookings, check-ins and scans of a day.
async fn visits(State(s): State<AppState>, q: Result<Query<DayQuery>, QueryRejection>) -> Result<Response, ApiError> {
    let q = query(q)?;
    let _ = q.pin;
    Ok(Json(s.visits(q.day.as_deref()).await?).into_response())
}

async fn lanes(State(s): State<AppState>) -> Response {
    Json(s.live.view(jiff::Timestamp::now()).lanes).into_response()
}

async fn sessions(State(s): State<AppState>) -> Response {
    Json(s.live.view(jiff::Timestamp::now()).sessions).into_response()
}

async fn help(State(s): State<AppState>) -> Response {
    Json(s.live.view(jiff::Timestamp::now()).help).into_response()
}

async fn help_ack(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let view = crate::help::acknowledge(&s.store, &s.live, id, staff(&body, client)?, jiff::Timestamp::now()).await?;
    Ok(Json(view).into_response())
}

async fn help_resolve(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    Ok(Json(crate::help::resolve(&s.store, id, staff(&body, client)?, jiff::Timestamp::now()).await?).into_response())
}

/// Who acts: `{"by": "Sam"}` in the body, or "desk" when the body is `{}`, through `client`.
fn staff(body: &[u8], client: Client) -> Result<Staff, ApiError> {
    let action: StaffAction = parse_body(body)?;
    Ok(Staff::new(staff_name(action.by)?, client))
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PurchaseFilter {
    status: Option<String>,
    pin: Option<String>,
}

async fn purchases(
    State(s): State<AppState>,
    q: Result<Query<PurchaseFilter>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let _ = q.pin;
    let status = q
        .status
        .map(|v| {
            crate::purchases::Status::parse(&v).ok_or_else(|| {
                ApiError::bad_request(format!("unknown status {v:?}; use pending, approved, declined or missed"))
            })
        })
        .transpose()?;
    Ok(Json(s.live.with(|b| b.purchases(status))).into_response())
}

async fn purchase(State(s): State<AppState>, Path(trace_id): Path<String>) -> Result<Response, ApiError> {
    let p = s
        .live
        .with(|b| b.purchase(&trace_id))
        .ok_or_else(|| ApiError::not_found(format!("there is no purchase {trace_id}")))?;
    Ok(Json(p).into_response())
}

async fn approve(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(trace_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    decide(s, trace_id, true, &body, client).await
}

async fn decline(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(trace_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    decide(s, trace_id, false, &body, client).await
}

async fn decide(
    s: AppState,
    trace_id: String,
    approve: bool,
    body: &[u8],
    client: Client,
) -> Result<Response, ApiError> {
    let action: StaffAction = parse_body(body)?;
    let who = Staff::new(staff_name(action.by)?, client);
    Ok(Json(decide_purchase(&s, trace_id, approve, who, action.user_message).await?).into_response())
}

/// Records a desk decision on a held purchase and, for approved lane time, extends the session.
pub(crate) async fn decide_purchase(
    s: &AppState,
    trace_id: String,
    approve: bool,
    who: Staff,
    user_message: Option<String>,
) -> Result<crate::board::PurchaseView, ApiError> {
    let waiters = s.ingest.purchase_waiters();
    let now = jiff::Timestamp::now();
    crate::purchases::staff_decision(&s.store, waiters, trace_id.clone(), approve, who, user_message, now).await?;
    if approve {
        crate::purchases::extend_time(s.store.clone(), s.live.clone(), s.reconciler.clone(), trace_id.clone());
    }
    s.live
        .with(|b| b.purchase(&trace_id))
        .ok_or_else(|| ApiError::not_found(format!("there is no purchase {trace_id}")))
}

async fn delivered(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(item_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let who = staff(&body, client)?;
    let item = crate::purchases::tick_off(&s.store, &s.live, item_id, who, jiff::Timestamp::now()).await?;
    Ok(Json(item).into_response())
}

/// The body of a staff action: who acts and, for a decline, what the shooter reads.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StaffAction {
    by: Option<String>,
    user_message: Option<String>,
}

fn parse_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("body: {e}")))
}

fn staff_name(by: Option<String>) -> Result<String, ApiError> {
    match by.map(|b| b.trim().to_owned()) {
        None => Ok("desk".into()),
        Some(b) if b.is_empty() => Ok("desk".into()),
        Some(b) if b.chars().count() > 60 => Err(ApiError::bad_request("`by` is longer than 60 characters")),
        Some(b) => Ok(b),
    }
}

/// The catalogue; a LAN browser gets it without the hook token in uploaded pictures' URLs.
async fn list_products(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
) -> Result<Response, ProductsError> {
    let mut list = products::list(&s.store).await?;
    if !client.is_local() {
        let token = s.ingest.keys().hook_token;
        for p in &mut list {
            if let Some(url) = &mut p.picture_url {
                *url = hide_token(url, &token);
            }
        }
    }
    Ok(Json(list).into_response())
}

/// `url` with the hook token replaced, for clients that must never see it.
fn hide_token(url: &str, token: &str) -> String {
    if token.is_empty() { url.to_owned() } else { url.replace(token, "(hook-token)") }
}

async fn replace_products(
    State(s): State<AppState>,
    body: Result<Json<Vec<Product>>, JsonRejection>,
) -> Result<Response, ProductsError> {
    let Json(catalogue) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    Ok(Json(products::replace(&s.store, &s.ingest.keys().hook_token, catalogue).await?).into_response())
}

/// `POST /api/products/check`: the refusal a PUT of this list would get (400 naming the rule and
/// the row), or `{"ok": true}`; nothing is saved. The editor calls it as staff type.
async fn check_products(
    State(s): State<AppState>,
    body: Result<Json<Vec<Product>>, JsonRejection>,
) -> Result<Response, ProductsError> {
    let Json(catalogue) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    products::check_catalogue(&s.store, &s.ingest.keys().hook_token, &catalogue).await?;
    Ok(Json(serde_json::json!({"ok": true})).into_response())
}

/// Settings are read by anyone the guard lets in (a PIN on the LAN); the hook URLs (they carry the
/// hook token) are for this computer only, and so is every change (the guard refuses LAN writes to
/// settings and the catalogue before a handler runs).
async fn settings(State(s): State<AppState>, Extension(client): Extension<Client>) -> Result<Response, ApiError> {
    Ok(Json(s.settings.view(s.reconciler.health(), client.is_local()).await?).into_response())
}

/// `PUT /api/settings/{section}`: a JSON object of the keys to change, plus `by` (who).
async fn change_settings(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(section): Path<String>,
    body: Bytes,
) -> Result<Response, SettingsRefusal> {
    let mut patch: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let by = match patch.as_object_mut().and_then(|o| o.remove("by")) {
        Some(serde_json::Value::String(b)) => staff_name(Some(b))?,
        Some(_) => return Err(ApiError::bad_request("`by` must be a string").into()),
        None => "desk".into(),
    };
    Ok(Json(s.settings.change(&section, patch, &Staff::new(by, client), s.reconciler.health()).await?).into_response())
}

async fn test_delivery(State(s): State<AppState>, Path(source): Path<String>) -> Result<Response, SettingsRefusal> {
    let source = crate::vendors::Source::parse(&source)
        .ok_or_else(|| ApiError::not_found(format!("unknown vendor {source:?}; use action_target, enviso or samna")))?;
    Ok(Json(s.settings.send_test_delivery(source).await).into_response())
}

impl IntoResponse for SettingsRefusal {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Json(self)).into_response()
    }
}

/// A picture upload as JSON, like every write the board takes (see `guard`): the bytes as base64.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PictureUpload {
    content_type: String,
    data_base64: String,
}

async fn upload_picture(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<PictureUpload>, JsonRejection>,
) -> Result<Response, ProductsError> {
    let Json(up) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(up.data_base64.as_bytes())
        .map_err(|_| ApiError::bad_request("`data_base64` is not base64"))?;
    let token = s.ingest.keys().hook_token;
    let now = jiff::Timestamp::now();
    let picture = products::upload_picture(&s.store, &token, &id, Some(&up.content_type), bytes, now).await?;
    Ok(Json(picture).into_response())
}

/// A broken catalogue rule is a 400 that names it: `{"error", "code": "bad_request", "rule"}`.
impl IntoResponse for ProductsError {
    fn into_response(self) -> Response {
        match self {
            ProductsError::Rule(e) => (StatusCode::BAD_REQUEST, Json(CatalogueRefusal::from(e))).into_response(),
            ProductsError::Api(e) => e.into_response(),
        }
    }
}

async fn start_session(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let req: crate::sessions::StartSession =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let who = Staff::new(staff_name(req.by.clone())?, client);
    let view = crate::sessions::start(&s.store, &s.live, &s.reconciler, req, who).await?;
    Ok((axum::http::StatusCode::CREATED, Json(view)).into_response())
}

async fn modify_session(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let req: crate::sessions::ModifySession =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let who = Staff::new(staff_name(req.by.clone())?, client);
    Ok(Json(crate::sessions::modify(&s.store, &s.live, &s.reconciler, id, req, who).await?).into_response())
}

async fn stop_session(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let who = staff(&body, client)?;
    Ok(Json(crate::sessions::stop(&s.store, &s.live, &s.reconciler, id, who).await?).into_response())
}

/// Reads lanes, bays and groups from Action Target now, instead of at the daily refresh.
async fn refresh_range(State(s): State<AppState>) -> Result<Response, ApiError> {
    let changed = s
        .reconciler
        .refresh_setup()
        .await
        .map_err(|e| ApiError { code: crate::api::ApiErrorCode::Upstream, message: e.to_string() })?;
    Ok(Json(serde_json::json!({"changed": changed, "lanes": s.live.view(jiff::Timestamp::now()).lanes}))
        .into_response())
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API path")
}
