//! How many of a product one lane purchase may ask for: at least 1 (and the catalogue's `min_qty`
//! for lane time), whole steps of `increment_by` for lane time, and at most `max_qty` counted over
//! every item of the request with that id. An id the catalogue does not list may ask for at most
//! [`UNLISTED_MAX_QTY`]; lane time when the catalogue has no `time` row, at most
//! [`UNLISTED_TIME_MAX_MINUTES`].
//!
//! Promises:
//! - Every sum is checked: a total that does not fit in an `i64` is over any limit, never wrapped
//!   or saturated into one that passes.
//! - What breaks a limit comes with two texts: `error` for staff and the log (the id, the number,
//!   the limit), and `user_message` for the lane screen, in the shooter's words. A product id the
//!   lane sent is echoed to the lane only when it is short and plain.
//! - Limits are read from the values stored, whatever they are: a stored `max_qty` below 1 sells
//!   nothing rather than everything, and a quantity whose price does not fit in cents is refused
//!   rather than put on the tab.

use super::Priced;
use crate::vendors::action_target::PurchaseItem;
use std::collections::HashMap;

/// Of an item the catalogue does not list, one request may ask for at most this many. The desk
/// (or the `unknown` rule) decides on it, but it is still a lane shop, not a wholesaler.
pub const UNLISTED_MAX_QTY: i64 = 99;
/// Lane time when the catalogue has no `time` row (a store edited by hand): the longest session
/// Action Target starts, in minutes.
pub const UNLISTED_TIME_MAX_MINUTES: i64 = 480;

/// What the catalogue allows of one product in one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub min: i64,
    pub step: i64,
    pub max: i64,
}

impl Limits {
    /// The limits of `id`, from its catalogue entry when it has one.
    pub fn of(id: &str, entry: Option<&Priced>) -> Limits {
        let listed = entry.and_then(|p| p.max_qty.map(|max| (p, max)));
        match listed {
            Some((p, max)) if p.product_type == "time" => {
                Limits { min: p.min_qty.unwrap_or(1).max(1), step: p.increment_by.unwrap_or(1).max(1), max }
            }
            Some((_, max)) => Limits { min: 1, step: 1, max },
            None if id == "time" => Limits { min: 1, step: 1, max: UNLISTED_TIME_MAX_MINUTES },
            None => Limits { min: 1, step: 1, max: UNLISTED_MAX_QTY },
        }
    }
}

/// A request outside what the catalogue sells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfRange {
    /// For staff and the log.
    pub error: String,
    /// For the shooter at the lane screen.
    pub user_message: String,
}

/// Checks every item against the limits of its product; `priced` is the catalogue entry of each
/// item, in the same order. The first item that breaks a limit is the answer.
pub fn check(items: &[PurchaseItem], priced: &[Option<Priced>]) -> Result<(), OutOfRange> {
    let mut totals: HashMap<&str, i64> = HashMap::new();
    for (n, item) in items.iter().enumerate() {
        let entry = priced.get(n).and_then(Option::as_ref);
        let limits = Limits::of(&item.id, entry);
        let name = Name::of(&item.id, entry);
        let qty = item.qty;
        if qty < 1 {
            return Err(name.below(qty, limits.min));
        }
        let so_far = totals.entry(item.id.as_str()).or_insert(0);
        let total = so_far.checked_add(qty).filter(|&t| t <= limits.max);
        let Some(total) = total else {
            return Err(name.above(so_far.checked_add(qty), limits.max));
        };
        *so_far = total;
        // Only a hand-edited row can get here (the catalogue's rules keep price × max_qty far
        // below it), and then the tab could not price it: the desk sorts it out.
        if entry.is_some_and(|p| p.price_cents.checked_mul(total).is_none()) {
            return Err(OutOfRange {
                error: format!("{}: qty {total} at this price does not fit in a number of cents", name.id),
                user_message: rangedesk_domain::purchase::SEE_THE_DESK.to_owned(),
            });
        }
        if qty % limits.step != 0 {
            return Err(name.off_step(qty, limits.step));
        }
        if qty < limits.min {
            return Err(name.below(qty, limits.min));
        }
    }
    Ok(())
}

/// The sum of the quantities, or `None` when it does not fit.
pub fn total(items: &[PurchaseItem]) -> Option<i64> {
    items.iter().try_fold(0i64, |sum, i| sum.checked_add(i.qty))
}

/// How an item is named in the two texts.
struct Name<'a> {
    id: String,
    /// The catalogue's display name, or the id when it is fit to show; `None` for lane time.
    shown: Option<&'a str>,
}

impl<'a> Name<'a> {
    fn of(id: &'a str, entry: Option<&'a Priced>) -> Name<'a> {
        let plain = id.len() <= crate::products::MAX_ID
            && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        let logged = if plain { id.to_owned() } else { format!("{:?}…", id.chars().take(32).collect::<String>()) };
        let is_time = entry.map_or(id == "time", |p| p.product_type == "time");
        let shown = match entry {
            _ if is_time => None,
            Some(p) => Some(p.display_name.as_str()),
            None if plain => Some(id),
            None => Some("that item"),
        };
        Name { id: logged, shown }
    }

    fn below(&self, qty: i64, min: i64) -> OutOfRange {
        OutOfRange {
            error: format!("{}: qty {qty} is less than the catalogue allows (at least {min})", self.id),
            user_message: match self.shown {
                None => format!("You can add at least {min} minutes of lane time."),
                Some(name) => format!("Please choose at least {min} of {name}."),
            },
        }
    }

    fn above(&self, total: Option<i64>, max: i64) -> OutOfRange {
        let total = total.map_or_else(|| "more than fits in a number".to_owned(), |t| t.to_string());
        OutOfRange {
            error: format!("{}: qty {total} is more than the catalogue allows at a time (at most {max})", self.id),
            user_message: match self.shown {
                None => format!("You can add at most {max} minutes of lane time at a time."),
                Some(name) => format!("You can buy at most {max} of {name} at a time."),
            },
        }
    }

    fn off_step(&self, qty: i64, step: i64) -> OutOfRange {
        OutOfRange {
            error: format!("{}: qty {qty} is not a whole number of steps of {step}", self.id),
            user_message: match self.shown {
                None => format!("Lane time comes in steps of {step} minutes."),
                Some(name) => format!("{name} comes in steps of {step}."),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priced(kind: &str, max: i64, min: Option<i64>, step: Option<i64>) -> Option<Priced> {
        Some(Priced {
            product_type: kind.into(),
            display_name: "9mm box".into(),
            price_cents: 1899,
            max_qty: Some(max),
            min_qty: min,
            increment_by: step,
        })
    }

    fn item(id: &str, qty: i64) -> PurchaseItem {
        PurchaseItem { id: id.into(), qty }
    }

    #[test]
    fn totals_that_overflow_are_over_the_limit_not_wrapped() {
        let ammo = priced("ammo", 4, None, None);
        let items = [item("A", 2), item("A", i64::MAX)];
        let e = check(&items, &[ammo.clone(), ammo]).unwrap_err();
        assert_eq!(e.user_message, "You can buy at most 4 of 9mm box at a time.");
        assert!(e.error.contains("more than fits"), "{}", e.error);
    }

    #[test]
    fn lane_time_follows_min_step_and_max() {
        let time = priced("time", 120, Some(30), Some(15));
        let one = |qty| check(&[item("time", qty)], std::slice::from_ref(&time)).map_err(|e| e.user_message);
        assert_eq!(one(45), Ok(()));
        assert_eq!(one(120), Ok(()));
        assert_eq!(one(15), Err("You can add at least 30 minutes of lane time.".into()));
        assert_eq!(one(50), Err("Lane time comes in steps of 15 minutes.".into()));
        assert_eq!(one(135), Err("You can add at most 120 minutes of lane time at a time.".into()));
        assert_eq!(one(0), Err("You can add at least 30 minutes of lane time.".into()));
    }

    #[test]
    fn odd_stored_limits_sell_nothing_rather_than_everything() {
        for (max, min, step) in [(0, None, None), (-5, Some(-1), Some(0)), (i64::MIN, Some(i64::MIN), Some(i64::MIN))] {
            let time = priced("time", max, min, step);
            assert!(check(&[item("time", 1)], &[time]).is_err(), "max {max}");
        }
        let time = priced("time", 60, Some(0), Some(-15));
        assert_eq!(check(&[item("time", 7)], &[time]), Ok(()), "a step below 1 is taken as 1, never divides by 0");
    }

    #[test]
    fn unlisted_ids_have_a_fixed_ceiling_and_are_named_only_when_plain() {
        assert_eq!(check(&[item("GIFT", UNLISTED_MAX_QTY)], &[None]), Ok(()));
        let e = check(&[item("GIFT", UNLISTED_MAX_QTY + 1)], &[None]).unwrap_err();
        assert_eq!(e.user_message, "You can buy at most 99 of GIFT at a time.");
        let odd = "<script>".repeat(100);
        let e = check(&[item(&odd, 1000)], &[None]).unwrap_err();
        assert_eq!(e.user_message, "You can buy at most 99 of that item at a time.", "an odd id is not echoed");
        assert!(e.error.len() < 200, "nor logged whole: {}", e.error);
        assert_eq!(check(&[item("time", 480)], &[None]), Ok(()), "time without a catalogue row");
        assert!(check(&[item("time", 481)], &[None]).is_err());
    }

    #[test]
    fn a_price_that_does_not_fit_is_refused_not_saturated() {
        let mut odd = priced("ammo", i64::MAX, None, None);
        if let Some(p) = odd.as_mut() {
            p.price_cents = i64::MAX / 2;
        }
        assert_eq!(check(&[item("A", 2)], std::slice::from_ref(&odd)), Ok(()), "exactly i64::MAX - 1 fits");
        let e = check(&[item("A", 3)], &[odd]).unwrap_err();
        assert_eq!(e.user_message, rangedesk_domain::purchase::SEE_THE_DESK);
    }

    #[test]
    fn totals_are_checked() {
        assert_eq!(total(&[item("time", 15), item("time", 30)]), Some(45));
        assert_eq!(total(&[item("time", i64::MAX), item("time", 1)]), None);
    }
}
