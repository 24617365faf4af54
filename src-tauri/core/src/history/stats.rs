//! Medians, percentiles and worst values of response times and gaps.

use super::report::Spread;

/// The median of `values` (the mean of the middle two for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let v = sorted(values);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// The `p`th percentile by nearest rank: the smallest value with at least `p`% of values at or
/// below it (so the p90 of ten values is the ninth).
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let v = sorted(values);
    if v.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    v.get(rank.min(v.len()) - 1).copied()
}

pub fn spread(values: &[f64]) -> Spread {
    Spread {
        count: u32::try_from(values.len()).unwrap_or(u32::MAX),
        median: median(values),
        p90: percentile(values, 90.0),
        worst: sorted(values).last().copied(),
    }
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_none() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[45.0]), Some(45.0));
        assert_eq!(median(&[30.0, 10.0, 20.0]), Some(20.0), "sorted first");
        assert_eq!(median(&[10.0, 40.0, 20.0, 30.0]), Some(25.0), "mean of the middle two");
    }

    #[test]
    fn p90_is_the_nearest_rank() {
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&ten, 90.0), Some(9.0), "9 of 10 values are at or below 9");
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(percentile(&eleven, 90.0), Some(10.0), "ceil(9.9) = 10th value");
        assert_eq!(percentile(&[7.0], 90.0), Some(7.0));
        assert_eq!(percentile(&[], 90.0), None);
    }

    #[test]
    fn spread_counts_and_takes_the_worst() {
        let s = spread(&[120.0, 45.0, 60.0]);
        assert_eq!((s.count, s.median, s.p90, s.worst), (3, Some(60.0), Some(120.0), Some(120.0)));
        assert_eq!(spread(&[]), Spread::default());
    }
}
