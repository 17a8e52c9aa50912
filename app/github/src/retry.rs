//! When and how long to wait before trying a GitHub call again: rate limits (primary and
//! secondary), 5xx answers and transport failures, within a cap on attempts and total wait.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use http::HeaderMap;
use rand::Rng;
use redgreen_core::backoff_delay;

use crate::config::RetryPolicy;

/// Where the client's waits go. The default sleeps on tokio's timer; tests substitute one that
/// records the waits (and may skip them), so that a minute-long backoff is testable.
pub trait Sleeper: Send + Sync + 'static {
    fn sleep(&self, wait: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Sleeps for real.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, wait: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(wait))
    }
}

/// Why a wait is needed: decides the error if the caps are reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitCause {
    RateLimit,
    ServerError,
}

/// The retry state of one call.
#[derive(Debug, Default)]
pub(crate) struct RetryState {
    pub(crate) attempts: u32,
    pub(crate) waited: Duration,
    secondary_limits: u32,
    server_errors: u32,
}

impl RetryState {
    /// How long to wait after an answer with `status`, or `None` when the answer is final.
    /// `now_epoch_secs` is the wall clock, for `x-ratelimit-reset` (an epoch time).
    pub(crate) fn wait_after_status(
        &mut self,
        policy: &RetryPolicy,
        status: u16,
        headers: Option<&HeaderMap>,
        message: &str,
        now_epoch_secs: u64,
    ) -> Option<(Duration, WaitCause)> {
        let header = |name: &str| {
            headers
                .and_then(|h| h.get(name))
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        if status == 429 || status == 403 {
            if let Some(seconds) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
                return Some((Duration::from_secs(seconds), WaitCause::RateLimit));
            }
            let exhausted = header("x-ratelimit-remaining") == Some("0");
            let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok());
            if let (true, Some(reset)) = (exhausted, reset) {
                // One second past the reset, so the first request after it is not early.
                let wait = reset.saturating_sub(now_epoch_secs) + 1;
                return Some((Duration::from_secs(wait), WaitCause::RateLimit));
            }
            // A 403 is a secondary limit only when GitHub says so; otherwise it is a refusal.
            let secondary = status == 429 || message.to_ascii_lowercase().contains("rate limit");
            if secondary {
                self.secondary_limits += 1;
                let wait = doubled(policy.secondary_limit_base, self.secondary_limits);
                return Some((wait, WaitCause::RateLimit));
            }
            return None;
        }
        if status >= 500 {
            return Some((self.server_backoff(policy), WaitCause::ServerError));
        }
        None
    }

    /// How long to wait after the request failed to get any answer.
    pub(crate) fn wait_after_transport_failure(&mut self, policy: &RetryPolicy) -> Duration {
        self.server_backoff(policy)
    }

    /// The one backoff rule ([`redgreen_core::backoff_delay`]: exponential from
    /// `server_error_base`, equal jitter), so that many workers hit by one outage do not retry
    /// in step. Its step stops growing where `doubled` stops; `max_total_wait` bounds the rest.
    fn server_backoff(&mut self, policy: &RetryPolicy) -> Duration {
        self.server_errors += 1;
        let cap = doubled(policy.server_error_base, MAX_DOUBLINGS + 1);
        let sample = rand::rng().random_range(0.0..1.0);
        backoff_delay(self.server_errors, policy.server_error_base, cap, sample)
    }

    /// Whether one more wait of `wait` stays within the caps (and counts it if so).
    pub(crate) fn may_wait(&mut self, policy: &RetryPolicy, wait: Duration) -> bool {
        if self.attempts >= policy.max_attempts || self.waited + wait > policy.max_total_wait {
            return false;
        }
        self.waited += wait;
        true
    }
}

/// How many times a wait doubles at most: beyond it, the total-wait cap has long been reached.
const MAX_DOUBLINGS: u32 = 16;

/// `base` doubled for each occurrence after the first.
fn doubled(base: Duration, occurrence: u32) -> Duration {
    base.saturating_mul(1u32 << occurrence.saturating_sub(1).min(MAX_DOUBLINGS))
}
