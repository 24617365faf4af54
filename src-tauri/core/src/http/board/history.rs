//! The manager's history (INTERFACES.md "History"): a day's report, a period's, and each of
//! their tables as CSV. `{name}` under `/api/history/` is either a day (`2026-03-29`) or a
//! period's table (`lanes.csv?from=&to=`); the Desk checks dates and table names.

use super::super::AppState;
use super::super::error::Result;
use super::query;
use crate::error::ApiError;
use crate::history::{CsvFile, Period};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD`; `pin` is accepted (the guard read it).
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
    #[allow(dead_code)]
    pin: Option<String>,
}

impl RangeQuery {
    fn dates(self) -> std::result::Result<(String, String), ApiError> {
        match (self.from, self.to) {
            (Some(from), Some(to)) => Ok((from, to)),
            _ => Err(ApiError::bad_request("a period needs `from` and `to`, as YYYY-MM-DD")),
        }
    }

    fn period(self) -> std::result::Result<Period, ApiError> {
        self.dates().map(|(from, to)| Period::Range { from, to })
    }
}

fn csv(file: CsvFile) -> axum::response::Response {
    let disposition = format!("attachment; filename=\"{}\"", file.filename);
    (
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        file.bytes,
    )
        .into_response()
}

/// `GET /api/history?from=&to=`
pub(super) async fn range(
    State(s): State<AppState>,
    q: std::result::Result<Query<RangeQuery>, QueryRejection>,
) -> Result {
    let (from, to) = query(q)?.dates()?;
    Ok(Json(s.desk.history_range(&from, &to).await?).into_response())
}

/// `GET /api/history/{YYYY-MM-DD}`, or `GET /api/history/{table}.csv?from=&to=`.
pub(super) async fn day_or_range_csv(
    State(s): State<AppState>,
    Path(name): Path<String>,
    q: std::result::Result<Query<RangeQuery>, QueryRejection>,
) -> Result {
    match name.strip_suffix(".csv") {
        Some(table) => Ok(csv(s.desk.history_csv(&query(q)?.period()?, table).await?)),
        None => Ok(Json(s.desk.history_day(&name).await?).into_response()),
    }
}

/// `GET /api/history/{YYYY-MM-DD}/{table}.csv`
pub(super) async fn day_csv(State(s): State<AppState>, Path((day, file)): Path<(String, String)>) -> Result {
    let table = file.strip_suffix(".csv").ok_or_else(|| ApiError::not_found("history tables end in .csv"))?;
    Ok(csv(s.desk.history_csv(&Period::Day(day), table).await?))
}
