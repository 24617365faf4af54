//! Latency samples and their percentiles. Every sample is kept (microseconds, four bytes each), so
//! percentiles are exact rather than bucketed; a few hundred thousand samples sort in milliseconds.

use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct Latencies {
    micros: Vec<u32>,
    sorted: bool,
}

impl Latencies {
    pub fn record(&mut self, d: Duration) {
        self.micros.push(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
        self.sorted = false;
    }

    pub fn merge(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
        self.sorted = false;
    }

    pub fn len(&self) -> usize {
        self.micros.len()
    }

    pub fn is_empty(&self) -> bool {
        self.micros.is_empty()
    }

    /// The nearest-rank percentile `q` (0..=100) in milliseconds; `None` without samples.
    pub fn percentile_ms(&mut self, q: f64) -> Option<f64> {
        if self.micros.is_empty() {
            return None;
        }
        if !self.sorted {
            self.micros.sort_unstable();
            self.sorted = true;
        }
        let n = self.micros.len();
        let rank = ((q / 100.0) * n as f64).ceil() as usize;
        let i = rank.clamp(1, n) - 1;
        Some(f64::from(self.micros[i]) / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut l = Latencies::default();
        for ms in (1..=100).rev() {
            l.record(Duration::from_millis(ms));
        }
        assert_eq!(l.percentile_ms(50.0), Some(50.0));
        assert_eq!(l.percentile_ms(99.0), Some(99.0));
        assert_eq!(l.percentile_ms(100.0), Some(100.0));
        assert_eq!(Latencies::default().percentile_ms(50.0), None, "no samples, no number");
    }
}
