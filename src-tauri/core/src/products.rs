//! The lane shop catalogue: what staff sell at the lane screens and what we answer Action Target's
//! products URL with. This module owns the domain type, its rules (`rules`), the pictures we host
//! (`picture`), and the few operations the board and the public listener call.
//!
//! Promises:
//! - The catalogue is replaced whole or not at all: a list that breaks any rule is refused with
//!   the rule named ([`CatalogueRule`]) and nothing changes.
//! - `price` is a decimal number of currency units in JSON and integer cents in the store; more
//!   than two decimals, a negative price or one over [`MAX_PRICE`] is refused, never rounded.
//! - **`price` of the `time` product is per minute.** Action Target sends a time purchase as
//!   `{"id": "time", "qty": 60}`, so `qty` counts minutes, and a product's price is the price of one
//!   `qty`; `min_qty`, `increment_by` and `max_qty` are minutes too. A lane screen showing 15-minute
//!   steps at 0.40 charges 6.00 a step.
//! - Pictures: `picture_url` is absent (or empty, stored as absent), the URL of a picture uploaded
//!   here (`PUT /api/products/{id}/picture`, served at
//!   `/hooks/action-target/{hook_token}/pictures/{id}`; http or https, any host, since only the
//!   range knows its public name), or any other `https://` URL, which is accepted **unchecked**:
//!   this app cannot fetch internet URLs, so its format and size are the range's responsibility.
//!   `http://` (other than ours) and every other scheme are refused: lane screens load pictures
//!   over the internet and the vendor's rules are about pictures we cannot see.

mod picture;
mod rules;

pub use picture::{Picture, check_picture};
pub use rules::{CatalogueError, CatalogueRule, MAX_ID, check, check_own_pictures};

use crate::error::{ApiError, ApiErrorCode};
use crate::store::pictures::{self, PictureRow};
use crate::store::products::{self as rows, ProductRow};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The four product types a lane screen asks for. The string forms are stored; never rename them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProductType {
    Time,
    Targets,
    Ammo,
    Rentals,
}

impl ProductType {
    pub const ALL: [ProductType; 4] =
        [ProductType::Time, ProductType::Targets, ProductType::Ammo, ProductType::Rentals];

    pub fn as_str(self) -> &'static str {
        match self {
            ProductType::Time => "time",
            ProductType::Targets => "targets",
            ProductType::Ammo => "ammo",
            ProductType::Rentals => "rentals",
        }
    }

    pub fn parse(s: &str) -> Option<ProductType> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl std::fmt::Display for ProductType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One product as staff edit it (`GET`/`PUT /api/products`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// What Action Target sends back in a purchase's `items`; `time` for the time product.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ProductType,
    pub display_name: String,
    /// Currency units, at most two decimals; for `time`, per minute.
    pub price: f64,
    pub max_qty: u32,
    /// `time` only: the fewest minutes a lane may buy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub min_qty: Option<u32>,
    /// `time` only: the step in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub increment_by: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub picture_url: Option<String>,
}

/// One product as a lane screen is answered: the vendor's shape, `min_qty` and `increment_by` for
/// `time` only, and `picture_url` absent (not null, not empty) when there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaneProduct {
    pub id: String,
    pub max_qty: u32,
    pub display_name: String,
    pub price: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_qty: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub increment_by: Option<u32>,
}

/// The body of a 400 for a broken rule: `code` is always `bad_request`, `rule` says which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CatalogueRefusal {
    pub error: String,
    pub code: ApiErrorCode,
    pub rule: CatalogueRule,
    /// The row (position in the list sent) that breaks the rule; absent for whole-list rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub index: Option<usize>,
}

impl From<CatalogueError> for CatalogueRefusal {
    fn from(e: CatalogueError) -> Self {
        CatalogueRefusal { error: e.message, code: ApiErrorCode::BadRequest, rule: e.rule, index: e.index }
    }
}

/// Why a catalogue operation failed: a broken rule (400 naming it) or anything else an API call
/// can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ProductsError {
    #[error(transparent)]
    Rule(#[from] CatalogueError),
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// Over IPC the window gets what the browser API sends: the refusal naming the rule, or the error.
impl Serialize for ProductsError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ProductsError::Rule(e) => CatalogueRefusal::from(e.clone()).serialize(s),
            ProductsError::Api(e) => e.serialize(s),
        }
    }
}

impl From<StoreError> for ProductsError {
    fn from(e: StoreError) -> Self {
        ProductsError::Api(e.into())
    }
}

/// The whole catalogue in catalogue order.
pub async fn list(store: &Store) -> Result<Vec<Product>, ProductsError> {
    let rows = store.read(rows::list).await?;
    Ok(rows.into_iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Checks `catalogue` against every rule and, only if all hold, makes it the catalogue. Whether
/// its own-picture URLs name uploaded pictures is checked inside the same transaction.
pub async fn replace(store: &Store, hook_token: &str, catalogue: Vec<Product>) -> Result<Vec<Product>, ProductsError> {
    check(&catalogue)?;
    let new_rows = catalogue.iter().map(to_row).collect::<Result<Vec<_>, _>>()?;
    let token = hook_token.to_owned();
    let stored = new_rows.clone();
    store
        .writer()
        .write(move |t| {
            let uploaded = pictures::ids(t)?;
            if let Err(e) = check_own_pictures(&catalogue, &token, &uploaded) {
                return Ok(Err(e));
            }
            rows::replace_all(t, &stored)?;
            Ok(Ok(()))
        })
        .await??;
    Ok(new_rows.into_iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Every check `replace` makes, without saving: the editor calls it as staff type.
pub async fn check_catalogue(store: &Store, hook_token: &str, catalogue: &[Product]) -> Result<(), ProductsError> {
    check(catalogue)?;
    for p in catalogue {
        to_row(p)?;
    }
    let uploaded = store.read(pictures::ids).await?;
    check_own_pictures(catalogue, hook_token, &uploaded)?;
    Ok(())
}

/// What a lane screen asking for `kind` is answered. A missing or unknown type is a bad request.
pub async fn for_lane(store: &Store, kind: Option<&str>) -> Result<Vec<LaneProduct>, ProductsError> {
    let kind = kind
        .and_then(ProductType::parse)
        .ok_or_else(|| ApiError::bad_request("`type` must be one of time, targets, ammo or rentals"))?;
    let rows = store.read(move |c| rows::list_of_type(c, kind.as_str())).await?;
    rows.into_iter()
        .map(|r| {
            let p = from_row(r)?;
            let time = p.kind == ProductType::Time;
            Ok(LaneProduct {
                id: p.id,
                max_qty: p.max_qty,
                display_name: p.display_name,
                price: p.price,
                picture_url: p.picture_url,
                min_qty: p.min_qty.filter(|_| time),
                increment_by: p.increment_by.filter(|_| time),
            })
        })
        .collect()
}

/// Checks an uploaded picture and stores it as the picture of product `id` (replacing any).
pub async fn upload_picture(
    store: &Store,
    hook_token: &str,
    id: &str,
    content_type: Option<&str>,
    bytes: Vec<u8>,
    now: jiff::Timestamp,
) -> Result<Picture, ProductsError> {
    rules::check_id(id)?;
    let checked = check_picture(content_type, &bytes)?;
    let answer = Picture::new(hook_token, id, &checked, bytes.len());
    let row = PictureRow {
        id: id.to_owned(),
        content_type: checked.content_type.to_owned(),
        width: checked.width as i64,
        height: checked.height as i64,
        bytes,
    };
    store.writer().write(move |t| pictures::put(t, &row, now)).await?;
    Ok(answer)
}

/// The hosted picture with this id, if any: its content type and bytes.
pub async fn picture(store: &Store, id: &str) -> Result<Option<(String, Vec<u8>)>, ProductsError> {
    let id = id.to_owned();
    Ok(store.read(move |c| pictures::get(c, &id)).await?.map(|p| (p.content_type, p.bytes)))
}

fn from_row(r: ProductRow) -> Result<Product, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("product {}: {what}", r.id));
    let qty = |v: i64| u32::try_from(v).map_err(|_| corrupt("quantity out of range"));
    Ok(Product {
        kind: ProductType::parse(&r.kind).ok_or_else(|| corrupt("type"))?,
        display_name: r.display_name.clone(),
        price: r.price_cents as f64 / 100.0,
        max_qty: qty(r.max_qty)?,
        min_qty: r.min_qty.map(qty).transpose()?,
        increment_by: r.increment_by.map(qty).transpose()?,
        picture_url: r.picture_url.clone().filter(|u| !u.is_empty()),
        id: r.id,
    })
}

fn to_row(p: &Product) -> Result<ProductRow, CatalogueError> {
    Ok(ProductRow {
        id: p.id.clone(),
        kind: p.kind.as_str().to_owned(),
        display_name: p.display_name.clone(),
        price_cents: rules::cents(p)?,
        max_qty: i64::from(p.max_qty),
        min_qty: p.min_qty.map(i64::from),
        increment_by: p.increment_by.map(i64::from),
        picture_url: p.picture_url.clone().filter(|u| !u.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_catalogue_keeps_every_rule() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrations().to_latest(&mut c).unwrap();
        let seeded: Vec<Product> = rows::list(&c).unwrap().into_iter().map(|r| from_row(r).unwrap()).collect();
        check(&seeded).unwrap();
        for kind in ProductType::ALL {
            assert!(seeded.iter().any(|p| p.kind == kind), "a new install sells some {kind}");
        }
    }

    #[test]
    fn prices_round_trip_through_cents() {
        for (price, cents) in [(0.4, 40), (19.99, 1999), (0.0, 0), (12.0, 1200), (1000000.0, 100_000_000)] {
            let p = Product {
                id: "X".into(),
                kind: ProductType::Ammo,
                display_name: "x".into(),
                price,
                max_qty: 1,
                min_qty: None,
                increment_by: None,
                picture_url: None,
            };
            let row = to_row(&p).unwrap();
            assert_eq!(row.price_cents, cents);
            assert_eq!(from_row(row).unwrap().price, price, "what staff typed is what they read back");
        }
    }
}
