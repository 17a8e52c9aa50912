//! The one backoff rule for every retry in redgreen: exponential steps, capped, with "equal
//! jitter", computed from a random sample the caller draws (the core has no randomness).
//!
//! The names are those of the AWS Architecture Blog's "Exponential Backoff And Jitter" (Marc
//! Brooker, 2015). Of its variants this is "equal jitter": the wait is half the capped
//! exponential step plus a random share of the other half. "Full jitter" (anywhere between
//! zero and the step) spreads retries a little more and does slightly less work in the blog's
//! simulation, but it may retry at once, which gains nothing against what redgreen retries:
//! a provider that just said it is overloaded, a GitHub 5xx, a task whose dependency is down.
//! Equal jitter keeps a floor of half the step, so a retry never comes back sooner than that,
//! and still spreads the callers that failed together over the upper half, so that many
//! workers hit by one outage do not return in lockstep.

use std::time::Duration;

/// The wait before retry number `attempt` (1 for the first retry; 0 counts as 1).
///
/// The step is `base · 2^(attempt-1)`, capped at `cap` (saturating: however large `attempt`
/// is, the step is at most `cap`). The wait is `step - step/2 + (step/2) · sample`, so it lies
/// in `[step/2, step]`: at least half the step, at most the step, never above `cap`.
///
/// `sample` is a uniform random number in `[0, 1)` drawn by the caller. Values outside that
/// range are clamped to `[0, 1]`, and one that is not a number counts as 0, so no sample can
/// make the wait leave its bounds.
pub fn backoff_delay(attempt: u32, base: Duration, cap: Duration, sample: f64) -> Duration {
    let step = exponential_step(attempt, base, cap);
    let half = step / 2;
    let sample = if sample.is_nan() {
        0.0
    } else {
        sample.clamp(0.0, 1.0)
    };
    // `step - half` rather than `half`, so that an odd number of nanoseconds still gives a
    // floor of at least half the step. The `min` guards against `mul_f64`'s rounding on huge
    // steps, which could otherwise lift the wait a few nanoseconds above the step.
    (step - half).saturating_add(half.mul_f64(sample)).min(step)
}

/// `base · 2^(attempt-1)`, at most `cap`, without overflowing for any `attempt`.
fn exponential_step(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let doublings = attempt.saturating_sub(1);
    match 1u32.checked_shl(doublings) {
        Some(factor) => base.saturating_mul(factor).min(cap),
        // 2^32 or more: any non-zero base has long passed any cap that fits a `Duration`.
        None if base.is_zero() => Duration::ZERO,
        None => cap,
    }
}
