//! The catalogue's rules, from Action Target's products API (integrations.md §1) and from what a
//! lane screen can sensibly show. Each rule has a stable code ([`CatalogueRule`]) the UI switches
//! on and a sentence for people naming the product that breaks it.
//!
//! Decisions beyond the vendor's words:
//! - `time`: `min_qty` must be a multiple of `increment_by` (and at most `max_qty`). Steps start at
//!   `min_qty` and `max_qty` is a multiple of the step, so this is exactly what makes `max_qty`
//!   reachable and every step a whole number of steps (15, 30, …, 120).
//! - `min_qty` and `increment_by` belong to `time` only; on other products they are refused rather
//!   than silently dropped, so staff never set a value that does nothing.
//! - Ids are 1 to 64 of `A-Z a-z 0-9 . _ -`: they travel in purchase requests and in picture URLs.
//! - An empty catalogue is refused like any other without its one `time` product.

use super::{Product, ProductType};
use serde::Serialize;
use std::collections::HashSet;
use ts_rs::TS;

/// Products of each type other than `time` a lane screen shows at most (vendor rule).
pub const MAX_PER_TYPE: usize = 8;
/// Characters, not bytes: what fits a lane screen's tile.
pub const MAX_DISPLAY_NAME: usize = 60;
pub const MAX_ID: usize = 64;
/// In currency units; a guard against a typo worth a fortune, and keeps cents far from overflow.
pub const MAX_PRICE: f64 = 1_000_000.0;
const MAX_URL: usize = 2048;

/// The rule a refused catalogue or picture broke. Stable: the UI switches on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CatalogueRule {
    TimeCount,
    TimeId,
    TimeMinQty,
    TimeIncrement,
    TimeMaxQtyMultiple,
    TimeMinQtyMultiple,
    TimeMinAboveMax,
    QtyStepOnlyForTime,
    TooManyOfType,
    IdEmpty,
    IdFormat,
    IdDuplicate,
    DisplayNameEmpty,
    DisplayNameTooLong,
    MaxQtyTooSmall,
    PriceNegative,
    PriceDecimals,
    PriceTooLarge,
    PictureUrlScheme,
    PictureUrlTooLong,
    PictureNotUploaded,
    PictureFormat,
    PictureTooLarge,
    PictureNotSquare,
    PictureTooSmall,
}

/// A broken rule: its code and, in words, which product breaks it and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CatalogueError {
    pub rule: CatalogueRule,
    pub message: String,
    /// The position in the list of the product that breaks the rule, when it is one product's
    /// fault (the editor marks that row); `None` for rules about the whole list.
    pub index: Option<usize>,
}

impl CatalogueError {
    pub fn new(rule: CatalogueRule, message: impl Into<String>) -> Self {
        CatalogueError { rule, message: message.into(), index: None }
    }

    fn at(self, index: usize) -> Self {
        CatalogueError { index: Some(index), ..self }
    }
}

fn broken<T>(rule: CatalogueRule, message: impl Into<String>) -> Result<T, CatalogueError> {
    Err(CatalogueError::new(rule, message))
}

/// Every rule that needs nothing but the list itself. See [`check_own_pictures`] for the rest.
pub fn check(catalogue: &[Product]) -> Result<(), CatalogueError> {
    use CatalogueRule::*;
    let times = catalogue.iter().filter(|p| p.kind == ProductType::Time).count();
    if times != 1 {
        return broken(TimeCount, format!("the catalogue needs exactly one time product, not {times}"));
    }
    for kind in [ProductType::Targets, ProductType::Ammo, ProductType::Rentals] {
        let n = catalogue.iter().filter(|p| p.kind == kind).count();
        if n > MAX_PER_TYPE {
            return broken(TooManyOfType, format!("{n} {kind} products; a lane screen shows at most {MAX_PER_TYPE}"));
        }
    }
    for (i, p) in catalogue.iter().enumerate() {
        check_id(&p.id).and_then(|()| check_product(p)).map_err(|e| e.at(i))?;
    }
    let mut seen = HashSet::new();
    if let Some((i, p)) = catalogue.iter().enumerate().find(|(_, p)| !seen.insert(p.id.as_str())) {
        return Err(
            CatalogueError::new(IdDuplicate, format!("the id {:?} is used by more than one product", p.id)).at(i)
        );
    }
    Ok(())
}

pub(super) fn check_id(id: &str) -> Result<(), CatalogueError> {
    if id.is_empty() {
        return broken(CatalogueRule::IdEmpty, "a product has an empty id");
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if id.len() > MAX_ID || !id.chars().all(allowed) {
        return broken(
            CatalogueRule::IdFormat,
            format!("the id {id:?} must be 1 to {MAX_ID} letters, digits, dots, dashes or underscores"),
        );
    }
    Ok(())
}

fn check_product(p: &Product) -> Result<(), CatalogueError> {
    use CatalogueRule::*;
    let id = &p.id;
    if p.display_name.trim().is_empty() {
        return broken(DisplayNameEmpty, format!("{id}: display_name is empty"));
    }
    let chars = p.display_name.chars().count();
    if chars > MAX_DISPLAY_NAME {
        return broken(
            DisplayNameTooLong,
            format!("{id}: display_name has {chars} characters; at most {MAX_DISPLAY_NAME}"),
        );
    }
    cents(p)?;
    if p.max_qty < 1 {
        return broken(MaxQtyTooSmall, format!("{id}: max_qty must be at least 1"));
    }
    if p.kind == ProductType::Time {
        check_time(p)?;
    } else if p.id == "time" {
        return broken(TimeId, format!("the id \"time\" belongs to the time product, not to a {} product", p.kind));
    } else if p.min_qty.is_some() || p.increment_by.is_some() {
        return broken(QtyStepOnlyForTime, format!("{id}: min_qty and increment_by are for the time product only"));
    }
    check_picture_url(p)
}

fn check_time(p: &Product) -> Result<(), CatalogueError> {
    use CatalogueRule::*;
    if p.id != "time" {
        return broken(TimeId, format!("the time product's id must be \"time\", not {:?}", p.id));
    }
    let Some(min) = p.min_qty.filter(|&m| m >= 1) else {
        return broken(TimeMinQty, "time: min_qty (minutes) must be set and at least 1");
    };
    let Some(step) = p.increment_by.filter(|&s| s >= 1) else {
        return broken(TimeIncrement, "time: increment_by (minutes) must be set and at least 1");
    };
    if !p.max_qty.is_multiple_of(step) {
        return broken(
            TimeMaxQtyMultiple,
            format!("time: max_qty {} is not a multiple of increment_by {step}", p.max_qty),
        );
    }
    if !min.is_multiple_of(step) {
        return broken(TimeMinQtyMultiple, format!("time: min_qty {min} is not a multiple of increment_by {step}"));
    }
    if min > p.max_qty {
        return broken(TimeMinAboveMax, format!("time: min_qty {min} is more than max_qty {}", p.max_qty));
    }
    Ok(())
}

/// The price in cents, or the price rule it breaks.
pub(super) fn cents(p: &Product) -> Result<i64, CatalogueError> {
    use CatalogueRule::*;
    let (id, price) = (&p.id, p.price);
    if price.is_sign_negative() && price != 0.0 {
        return broken(PriceNegative, format!("{id}: price {price} is negative"));
    }
    if !price.is_finite() || price > MAX_PRICE {
        return broken(PriceTooLarge, format!("{id}: price {price} is over {MAX_PRICE}"));
    }
    // Display prints the shortest decimal that reads back as the same f64 and never an exponent,
    // so this is the number as written in the JSON (19.90 and 19.9 alike).
    let text = format!("{price}");
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    if frac.len() > 2 {
        return broken(PriceDecimals, format!("{id}: price {price} has more than two decimals"));
    }
    let whole: i64 = whole.parse().map_err(|_| CatalogueError::new(PriceDecimals, format!("{id}: price {price}")))?;
    let frac: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    // MAX_PRICE keeps this far from overflow; checked all the same, so no change to it can wrap.
    whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(frac))
        .ok_or_else(|| CatalogueError::new(PriceTooLarge, format!("{id}: price {price} is over {MAX_PRICE}")))
}

fn check_picture_url(p: &Product) -> Result<(), CatalogueError> {
    use CatalogueRule::*;
    let Some(url) = p.picture_url.as_deref().filter(|u| !u.is_empty()) else { return Ok(()) };
    let id = &p.id;
    if url.len() > MAX_URL {
        return broken(PictureUrlTooLong, format!("{id}: picture_url is longer than {MAX_URL} characters"));
    }
    if own_picture(url).is_some() || url.strip_prefix("https://").is_some_and(|rest| !rest.is_empty()) {
        return Ok(());
    }
    broken(
        PictureUrlScheme,
        format!("{id}: picture_url must be empty, a picture uploaded here, or an https:// URL; {url:?} is neither"),
    )
}

/// The hook token and picture id of a URL that points at a picture this app hosts:
/// `http(s)://<any host>/hooks/action-target/<token>/pictures/<id>`, nothing after the id.
pub fn own_picture(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    let (token, id) = path.strip_prefix("hooks/action-target/")?.split_once("/pictures/")?;
    let plain = |s: &str| !s.is_empty() && !s.contains(['/', '?', '#']);
    (!host.is_empty() && plain(token) && plain(id)).then_some((token, id))
}

/// Every own-picture URL in `catalogue` names this install's token and a picture uploaded here.
pub fn check_own_pictures(catalogue: &[Product], hook_token: &str, uploaded: &[String]) -> Result<(), CatalogueError> {
    for (i, p) in catalogue.iter().enumerate() {
        let Some((token, pic)) = p.picture_url.as_deref().and_then(own_picture) else { continue };
        if token != hook_token || !uploaded.iter().any(|u| u == pic) {
            return Err(CatalogueError::new(
                CatalogueRule::PictureNotUploaded,
                format!("{}: picture_url points at a picture this app does not host; upload it first", p.id),
            )
            .at(i));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
