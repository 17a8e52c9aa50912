//! Wall-clock time at the HTTP edge: the store and core take `now` as an argument, and the
//! API shows instants as RFC 3339 UTC strings.

use redgreen_core::Timestamp;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::HttpError;

pub(crate) fn now() -> Timestamp {
    Timestamp::from(std::time::SystemTime::now())
}

/// `2026-01-02T03:04:05.678Z`. A stored instant outside what RFC 3339 can express means a
/// corrupt row, which is reported rather than shown as a made-up date.
pub(crate) fn rfc3339(at: Timestamp) -> Result<String, HttpError> {
    let nanos = i128::from(at.millis()) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|instant| instant.format(&Rfc3339).ok())
        .ok_or(HttpError::BadTimestamp(at.millis()))
}
