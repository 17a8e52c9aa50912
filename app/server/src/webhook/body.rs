//! Reading a webhook body under a size limit without dropping the connection on the sender.
//!
//! Answering while the client is still sending and then closing the socket makes the kernel
//! reset the connection, and the client usually loses the answer with it. So a refused body
//! is read and thrown away, up to a hard cap, before the answer goes out: the client sees a
//! readable 413 (or 400, 401, 415) instead of a broken pipe.

use axum::body::{Body, Bytes};
use http_body_util::BodyExt;

/// How a body read ended.
pub(crate) enum BodyRead {
    Complete(Bytes),
    /// Longer than the limit; what followed was discarded.
    TooLarge,
    /// The client went away or sent a broken stream.
    Failed,
}

/// Reads `body` whole if it is at most `limit` bytes; otherwise discards the rest (see
/// [`discard`]) and reports it too large.
pub(crate) async fn read_limited(mut body: Body, limit: usize) -> BodyRead {
    let mut buffer = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return BodyRead::Failed;
        };
        if let Ok(data) = frame.into_data() {
            if buffer.len() + data.len() > limit {
                discard(body, limit).await;
                return BodyRead::TooLarge;
            }
            buffer.extend_from_slice(&data);
        }
    }
    BodyRead::Complete(Bytes::from(buffer))
}

/// Reads and drops a body that will be refused, up to twice the body `limit`: enough for a
/// sender that overshoots the limit by a little, while one that sends far more is not worth
/// the bandwidth and has the connection closed under it.
pub(crate) async fn discard(mut body: Body, limit: usize) {
    let cap = limit.saturating_mul(2);
    let mut seen = 0usize;
    while seen <= cap {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    seen = seen.saturating_add(data.len());
                }
            }
            Some(Err(_)) | None => return,
        }
    }
}
