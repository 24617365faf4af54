//! Money: the catalogue and the config speak in currency units with at most two decimals; the
//! tab and the store count whole cents, so sums are exact.

/// A fee in currency units (checked by the config: at most two decimals, at most 10,000) as cents.
pub fn fee_cents(fee: f64) -> i64 {
    (fee * 100.0).round() as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fee_is_whole_cents() {
        assert_eq!(super::fee_cents(2.5), 250);
        assert_eq!(super::fee_cents(19.99), 1999, "no float drift below a cent");
        assert_eq!(super::fee_cents(0.0), 0);
    }
}
