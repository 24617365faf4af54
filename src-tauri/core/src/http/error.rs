//! The one error type of the HTTP layer: every refusal a handler can give, mapped once to its
//! status and JSON body. Client errors are their 4xx with a short body and are not logged as
//! errors; the store failing is an opaque 503 (the operation logged it once, where it happened).

use crate::error::ApiError;
use crate::products::{CatalogueRefusal, ProductsError};
use crate::settings::SettingsRefusal;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A refusal, in the shape its kind has always had: `{error, code}`, plus `key` for a setting
/// and `rule`/`index` for the catalogue.
#[derive(Debug)]
pub enum Error {
    Api(ApiError),
    Settings(SettingsRefusal),
    Products(ProductsError),
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(e)
    }
}

impl From<SettingsRefusal> for Error {
    fn from(e: SettingsRefusal) -> Self {
        Error::Settings(e)
    }
}

impl From<ProductsError> for Error {
    fn from(e: ProductsError) -> Self {
        Error::Products(e)
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::Api(e) => {
                (status(e.status()), Json(serde_json::json!({"error": e.message, "code": e.code}))).into_response()
            }
            Error::Settings(e) => (status(e.status()), Json(e)).into_response(),
            // A broken catalogue rule is a 400 that names it: `{"error", "code": "bad_request", "rule"}`.
            Error::Products(ProductsError::Rule(e)) => {
                (StatusCode::BAD_REQUEST, Json(CatalogueRefusal::from(e))).into_response()
            }
            Error::Products(ProductsError::Api(e)) => Error::Api(e).into_response(),
        }
    }
}

/// What a handler returns.
pub type Result<T = Response> = std::result::Result<T, Error>;
