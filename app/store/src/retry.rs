//! Retry policy for failed tasks: exponential backoff with jitter, then dead letter.

use redgreen_core::Timestamp;

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
            let delay = self.delay_ms(attempts, rand::random_range(0.5..=1.0));
            FailOutcome::RetryAt(now.plus_millis(delay))
        } else {
            FailOutcome::DeadLettered
        }
    }

    /// The delay after the `attempt`-th failure (1-based): `base * 2^(attempt-1)`, capped at
    /// `max`, scaled by `jitter` in `[0.5, 1.0]` ("equal jitter", so retries of tasks that
    /// failed together spread out but never retry sooner than half the nominal delay).
    pub fn delay_ms(&self, attempt: i32, jitter: f64) -> i64 {
        let exponent = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let nominal = self
            .base_delay_ms
            .saturating_mul(1_i64 << exponent)
            .min(self.max_delay_ms);
        let jitter = jitter.clamp(0.5, 1.0);
        // Truncation is fine: the delay is a whole number of milliseconds.
        (nominal as f64 * jitter) as i64
    }
}
