//! Retry policy for failed tasks: the core's backoff rule (exponential, capped, equal jitter),
//! then dead letter.

use std::time::Duration;

use redgreen_core::{Timestamp, backoff_delay};

use crate::model::FailOutcome;

/// How a failed task is retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Delay before the first retry, in milliseconds.
    pub base_delay_ms: i64,
    /// Upper bound of any delay, in milliseconds.
    pub max_delay_ms: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_delay_ms: 2_000,
            max_delay_ms: 10 * 60 * 1000,
        }
    }
}

impl RetryPolicy {
    /// What a failure on the `attempts`-th attempt (of `max_attempts`) leads to: another
    /// attempt after a jittered backoff, or the dead letters.
    pub fn after_failure(
        &self,
        attempts: i32,
        max_attempts: i32,
        retryable: bool,
        now: Timestamp,
    ) -> FailOutcome {
        if retryable && attempts < max_attempts {
            let delay = self.delay_ms(attempts, rand::random_range(0.0..1.0));
            FailOutcome::RetryAt(now.plus_millis(delay))
        } else {
            FailOutcome::DeadLettered
        }
    }

    /// The delay after the `attempt`-th failure (1-based), by the one backoff rule
    /// ([`redgreen_core::backoff_delay`]: `base * 2^(attempt-1)` capped at `max`, equal
    /// jitter), with `sample` drawn uniformly from `[0, 1)`.
    fn delay_ms(&self, attempt: i32, sample: f64) -> i64 {
        let millis = |ms: i64| Duration::from_millis(u64::try_from(ms).unwrap_or(0));
        let delay = backoff_delay(
            u32::try_from(attempt).unwrap_or(0),
            millis(self.base_delay_ms),
            millis(self.max_delay_ms),
            sample,
        );
        // Truncation is fine: the delay is a whole number of milliseconds.
        i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)
    }
}
