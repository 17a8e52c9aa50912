//! The backoff rule every retry uses: exponential steps, capped, equal jitter from a sample.

use std::time::Duration;

use proptest::prelude::*;
use redgreen_core::backoff_delay;

const BASE: Duration = Duration::from_secs(1);
const CAP: Duration = Duration::from_secs(60);

/// The largest sample below 1, the top of the range a caller's `random_range(0.0..1.0)` gives.
const NEAR_ONE: f64 = 1.0 - f64::EPSILON / 2.0;

/// The step the rule should use, computed independently in 128-bit nanoseconds.
fn expected_step(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let doublings = attempt.saturating_sub(1);
    let nanos = if doublings >= 128 {
        if base.is_zero() { 0 } else { u128::MAX }
    } else {
        base.as_nanos().saturating_mul(1u128 << doublings)
    };
    if nanos >= cap.as_nanos() {
        cap
    } else {
        // Below the cap, so it fits a `Duration`.
        Duration::new(
            u64::try_from(nanos / 1_000_000_000).unwrap(),
            u32::try_from(nanos % 1_000_000_000).unwrap(),
        )
    }
}

#[test]
fn sample_zero_waits_half_the_step_doubling_up_to_the_cap() {
    let waits: Vec<Duration> = (1..=9)
        .map(|attempt| backoff_delay(attempt, BASE, CAP, 0.0))
        .collect();
    let secs = |s: f64| Duration::from_secs_f64(s);
    assert_eq!(
        waits,
        vec![
            secs(0.5),
            secs(1.0),
            secs(2.0),
            secs(4.0),
            secs(8.0),
            secs(16.0),
            secs(30.0),
            secs(30.0),
            secs(30.0)
        ]
    );
}

#[test]
fn a_sample_near_one_waits_the_whole_step() {
    for attempt in 1..=9 {
        let step = expected_step(attempt, BASE, CAP);
        let wait = backoff_delay(attempt, BASE, CAP, NEAR_ONE);
        assert!(wait <= step, "attempt {attempt}: {wait:?} > {step:?}");
        // Within a microsecond of the step: only the sample's distance from 1 is missing.
        assert!(
            step - wait <= Duration::from_micros(1),
            "attempt {attempt}: {wait:?} is not about {step:?}"
        );
        assert_eq!(backoff_delay(attempt, BASE, CAP, 1.0), step);
    }
}

#[test]
fn the_middle_sample_waits_three_quarters_of_the_step() {
    assert_eq!(backoff_delay(1, BASE, CAP, 0.5), Duration::from_millis(750));
    assert_eq!(
        backoff_delay(3, BASE, CAP, 0.5),
        Duration::from_millis(3_000)
    );
    assert_eq!(backoff_delay(20, BASE, CAP, 0.5), Duration::from_secs(45));
}

#[test]
fn attempt_zero_counts_as_the_first_retry() {
    for sample in [0.0, 0.3, NEAR_ONE] {
        assert_eq!(
            backoff_delay(0, BASE, CAP, sample),
            backoff_delay(1, BASE, CAP, sample)
        );
    }
}

#[test]
fn huge_attempts_saturate_at_the_cap() {
    for attempt in [31, 32, 33, 63, 64, 65, 1_000, u32::MAX - 1, u32::MAX] {
        assert_eq!(
            backoff_delay(attempt, BASE, CAP, 0.0),
            CAP / 2,
            "attempt {attempt}"
        );
        assert_eq!(
            backoff_delay(attempt, BASE, CAP, 1.0),
            CAP,
            "attempt {attempt}"
        );
    }
}

#[test]
fn huge_durations_saturate_without_panicking() {
    let max = Duration::MAX;
    for attempt in [1, 2, 64, u32::MAX] {
        for sample in [0.0, 0.5, NEAR_ONE, 1.0] {
            let wait = backoff_delay(attempt, max, max, sample);
            assert!(
                wait >= max / 2,
                "attempt {attempt}, sample {sample}: {wait:?}"
            );
            assert!(wait <= max);
        }
        // An uncapped rule (cap = MAX) still saturates rather than overflowing.
        let wait = backoff_delay(attempt, BASE, max, NEAR_ONE);
        assert!(wait <= max);
    }
    assert_eq!(backoff_delay(u32::MAX, max, max, 0.0), max - max / 2);
}

#[test]
fn a_zero_base_never_waits() {
    for attempt in [0, 1, 2, 40, u32::MAX] {
        assert_eq!(
            backoff_delay(attempt, Duration::ZERO, CAP, NEAR_ONE),
            Duration::ZERO
        );
    }
}

#[test]
fn a_cap_below_the_base_wins() {
    let cap = Duration::from_millis(300);
    assert_eq!(backoff_delay(1, BASE, cap, 0.0), Duration::from_millis(150));
    assert_eq!(backoff_delay(1, BASE, cap, 1.0), cap);
}

#[test]
fn samples_outside_the_unit_range_stay_within_the_bounds() {
    let step = expected_step(4, BASE, CAP);
    for (sample, expected) in [
        (-1.0, step / 2),
        (-0.0, step / 2),
        (f64::NEG_INFINITY, step / 2),
        (f64::NAN, step / 2),
        (1.5, step),
        (f64::INFINITY, step),
        (f64::MAX, step),
    ] {
        assert_eq!(
            backoff_delay(4, BASE, CAP, sample),
            expected,
            "sample {sample}"
        );
    }
}

#[test]
fn an_odd_step_keeps_a_floor_of_at_least_half() {
    // 3 ns: half is 1.5 ns, so the floor rounds up to 2 ns, never down to 1 ns.
    let base = Duration::from_nanos(3);
    assert_eq!(backoff_delay(1, base, CAP, 0.0), Duration::from_nanos(2));
    assert_eq!(backoff_delay(1, base, CAP, 1.0), base);
}

proptest! {
    /// For any input: between half the step and the step, never above the cap.
    #[test]
    fn the_wait_lies_between_half_the_step_and_the_step(
        attempt in prop_oneof![0u32..70, any::<u32>()],
        base_ms in 0u64..10_000_000,
        cap_ms in 0u64..100_000_000,
        sample in 0.0f64..1.0,
    ) {
        let base = Duration::from_millis(base_ms);
        let cap = Duration::from_millis(cap_ms);
        let step = expected_step(attempt, base, cap);
        let wait = backoff_delay(attempt, base, cap, sample);
        prop_assert!(wait <= step, "{wait:?} > step {step:?}");
        prop_assert!(wait <= cap, "{wait:?} > cap {cap:?}");
        prop_assert!(wait.as_nanos() * 2 >= step.as_nanos(), "{wait:?} < half of {step:?}");
    }

    /// A later retry never waits less than an earlier one with the same sample, and a larger
    /// sample never waits less than a smaller one: the cap is where the growth stops.
    #[test]
    fn the_wait_grows_with_the_attempt_and_the_sample(
        attempt in 0u32..80,
        base_ms in 1u64..100_000,
        cap_ms in 1u64..10_000_000,
        low in 0.0f64..1.0,
        high in 0.0f64..1.0,
    ) {
        let base = Duration::from_millis(base_ms);
        let cap = Duration::from_millis(cap_ms);
        let (low, high) = if low <= high { (low, high) } else { (high, low) };
        let now = backoff_delay(attempt, base, cap, low);
        prop_assert!(backoff_delay(attempt + 1, base, cap, low) >= now);
        prop_assert!(backoff_delay(attempt, base, cap, high) >= now);
        prop_assert!(backoff_delay(attempt + 40, base, cap, low) >= now);
    }
}
