//! When to try a model call again and how long to wait first: the statuses worth retrying
//! (those the official SDKs retry), the provider's own `retry-after`, and exponential backoff
//! with jitter otherwise, so that many workers hit by one outage do not return in lockstep.

use std::time::{Duration, SystemTime};

use rand::Rng;
use redgreen_core::backoff_delay;
use reqwest::header::HeaderMap;

/// 408 (request timeout), 409 (conflict: Anthropic and OpenAI ask for a retry), 429 (rate
/// limit) and every 5xx (Anthropic's 529 "overloaded" among them).
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || (500..=599).contains(&status)
}

/// How long the provider asked us to wait: OpenAI's `retry-after-ms`, or `retry-after` in
/// seconds or as an HTTP date (RFC 9110). A date in the past means "now".
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    if let Some(millis) = header("retry-after-ms").and_then(|text| text.parse::<f64>().ok())
        && millis.is_finite()
        && millis >= 0.0
    {
        return Some(Duration::from_secs_f64(millis / 1000.0));
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The pause before retry number `retry` (1 for the first): the one backoff rule,
/// [`redgreen_core::backoff_delay`] (`base · 2^(retry-1)` capped at `max`, "equal jitter":
/// never less than half the exponential step, never in lockstep), with our own random sample.
pub(crate) fn backoff(retry: u32, base: Duration, max: Duration) -> Duration {
    backoff_delay(retry, base, max, rand::rng().random_range(0.0..1.0))
}
