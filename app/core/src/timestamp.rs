//! Wall-clock instants as milliseconds since the Unix epoch, passed in rather than read.

use serde::{Deserialize, Serialize};

/// Milliseconds since 1970-01-01T00:00:00Z. The core never reads the clock itself: callers
/// pass the time in, which keeps lease expiry and backoff testable without sleeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn millis(self) -> i64 {
        self.0
    }

    /// This instant moved forward by `ms` milliseconds (saturating).
    pub fn plus_millis(self, ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }
}

/// Converts a clock reading taken by the caller (the core never reads the clock itself).
/// Instants before the epoch map to negative values.
impl From<std::time::SystemTime> for Timestamp {
    fn from(time: std::time::SystemTime) -> Timestamp {
        let millis = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        match time.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => Timestamp(millis(after)),
            Err(before) => Timestamp(-millis(before.duration())),
        }
    }
}
