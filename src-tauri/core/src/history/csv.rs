//! The report's tables as CSV files a spreadsheet opens as they are: a header row, RFC 4180
//! quoting (by the `csv` crate), CRLF line ends, UTF-8 with a byte-order mark. A text cell that
//! a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a
//! leading apostrophe; vendor text (customer names, reasons) is data, never a formula.

mod tables;

use tables::rows;

use super::report::{
    Arrivals, CsvTable, DayPoint, DayReport, DeliveriesSection, DeskResponse, LanesSection, PeriodReport, Sales,
};
use crate::error::ApiError;

/// Name, title: every table a report has, in the order the report shows them.
const TABLES: [(&str, &str); 14] = [
    ("summary", "Summary by day"),
    ("lanes", "Lanes"),
    ("timeline", "Lane timeline"),
    ("marks", "Help calls, hits and purchases on the timeline"),
    ("heatmap", "Lane use by hour"),
    ("help_calls", "Help calls"),
    ("response", "Desk response by lane, hour and staff"),
    ("held_purchases", "Purchases held for the desk"),
    ("sales", "Purchases by rule and product type"),
    ("revenue", "Revenue by product type"),
    ("arrivals", "Arrivals"),
    ("deliveries", "Deliveries by vendor"),
    ("refusals", "Refused deliveries by reason"),
    ("corrections", "Reconciler corrections"),
];

/// The tables with their download paths: `{prefix}{name}.csv{query}`.
pub fn tables(prefix: &str, query: &str) -> Vec<CsvTable> {
    TABLES
        .iter()
        .map(|(name, title)| CsvTable {
            name: (*name).into(),
            title: (*title).into(),
            path: format!("{prefix}{name}.csv{query}"),
        })
        .collect()
}

pub fn known(table: &str) -> Result<(), ApiError> {
    match TABLES.iter().any(|(n, _)| *n == table) {
        true => Ok(()),
        false => Err(ApiError::not_found(format!(
            "no such history table; the tables are {}",
            TABLES.map(|t| t.0).join(", ")
        ))),
    }
}

/// What the tables are made of, from a day's report or a period's.
pub struct Parts<'a> {
    pub days: Vec<DayPoint>,
    pub lanes: &'a LanesSection,
    pub desk: &'a DeskResponse,
    pub sales: &'a Sales,
    pub arrivals: &'a Arrivals,
    pub deliveries: &'a DeliveriesSection,
}

impl<'a> Parts<'a> {
    pub fn of_day(r: &'a DayReport) -> Parts<'a> {
        Parts {
            days: vec![DayPoint { date: r.date.clone(), summary: r.summary.clone() }],
            lanes: &r.lanes,
            desk: &r.desk,
            sales: &r.sales,
            arrivals: &r.arrivals,
            deliveries: &r.deliveries,
        }
    }
    pub fn of_period(r: &'a PeriodReport) -> Parts<'a> {
        Parts {
            days: r.series.clone(),
            lanes: &r.lanes,
            desk: &r.desk,
            sales: &r.sales,
            arrivals: &r.arrivals,
            deliveries: &r.deliveries,
        }
    }
}

/// The table as CSV bytes.
pub fn render(table: &str, p: &Parts<'_>) -> Result<Vec<u8>, ApiError> {
    known(table)?;
    let (header, body) = rows(table, p);
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(&mut out);
        let fail = |e: ::csv::Error| ApiError::bad_request(format!("the table could not be written: {e}"));
        w.write_record(&header).map_err(fail)?;
        for r in &body {
            w.write_record(r).map_err(fail)?;
        }
        w.flush().map_err(|e| ApiError::bad_request(e.to_string()))?;
    }
    Ok(out)
}
