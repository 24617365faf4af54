//! Property tests the house way: a case count we set, a failure shrunk to a minimal input, and a
//! line saying how many cases ran (`--nocapture` shows it), so a test that silently ran nothing
//! cannot pass.

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::sync::atomic::{AtomicU32, Ordering};

/// Runs `test` on `cases` values of `strategy`; a failure (a panic included) is shrunk to a
/// minimal input and reported. Prints how many cases ran.
pub fn property<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let ran = AtomicU32::new(0);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let result = runner.run(&strategy, |v| {
        ran.fetch_add(1, Ordering::Relaxed);
        test(v)
    });
    if let Err(e) = result {
        panic!("property {name} failed: {e}");
    }
    let ran = ran.load(Ordering::Relaxed);
    println!("property {name}: {ran} cases passed");
    assert!(ran >= cases, "{name}: only {ran} of {cases} cases ran");
}
