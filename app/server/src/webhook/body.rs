//! Reading a webhook body before its signature is verified: under the size limit, within the
//! body deadline, inside the shared budget of unverified bytes, and fed to the HMAC chunk by
//! chunk; and throwing away the rest of a refused body without keeping its sender waiting.
//!
//! A refusal is answered at once, but answering while the client is still sending and then
//! closing the socket makes the kernel reset the connection, and the client usually loses the
//! answer with it. So the rest of a refused body is read and dropped in the background
//! ([`linger`]), up to a cap and a deadline, while the answer (with `Connection: close`) goes
//! out: the client sees a readable 413 (or 400, 401, 415, 503) instead of a broken pipe, and a
//! client that declared a body it never sends gets its answer too.

use std::error::Error as _;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody as _};
use http_body_util::BodyExt;
use tokio::time::{Instant, timeout, timeout_at};

use crate::budget::{ByteBudget, Held};
use redgreen_core::webhook::SignatureCheck;

/// How a body read ended.
pub(crate) enum BodyRead {
    /// Read whole and fed to the signature; not verified yet.
    Complete(Unverified),
    /// Longer than the limit; the rest is being discarded.
    TooLarge,
    /// The deadline passed with the body still arriving.
    TimedOut,
    /// The deadline passed waiting for room in the budget of unverified bytes; the rest is
    /// being discarded.
    Busy,
    /// The client went away or sent a broken stream.
    Failed,
}

/// A body read whole whose signature has not been checked yet. Its bytes count against the
/// budget of unverified bytes until it is dropped or turned into [`Bytes`].
pub(crate) struct Unverified {
    chunks: Vec<Bytes>,
    length: usize,
    held: Held,
}

impl Unverified {
    /// The body in one piece. Call once the signature is verified: the chunks are kept apart
    /// until then so that an unsigned body is never held twice.
    pub(crate) fn into_bytes(self) -> Bytes {
        let Unverified {
            mut chunks,
            length,
            held,
        } = self;
        // Authenticated now: its bytes no longer count against the unverified budget.
        drop(held);
        if chunks.len() == 1 {
            return chunks.pop().unwrap_or_default();
        }
        let mut whole = Vec::with_capacity(length);
        for chunk in chunks {
            whole.extend_from_slice(&chunk);
        }
        Bytes::from(whole)
    }
}

/// Reads `body` if it is at most `limit` bytes and arrives by `deadline`, feeding each chunk to
/// `signature` as it comes. Each chunk first takes its size from `budget`, waiting (until the
/// deadline) while unverified bodies hold all of it. A body refused for its size or for want
/// of room is discarded in the background ([`linger`]) for up to `linger_for`; one that timed
/// out is dropped, which closes its connection.
pub(crate) async fn read_signed(
    mut body: Body,
    limit: usize,
    deadline: Instant,
    linger_for: Duration,
    budget: &ByteBudget,
    signature: &mut SignatureCheck,
) -> BodyRead {
    let mut held = Held::default();
    let mut chunks = Vec::new();
    let mut length = 0usize;
    loop {
        let frame = match timeout_at(deadline, body.frame()).await {
            Err(_elapsed) => return BodyRead::TimedOut,
            Ok(None) => break,
            Ok(Some(Err(error))) if is_timeout(&error) => return BodyRead::TimedOut,
            Ok(Some(Err(_))) => return BodyRead::Failed,
            Ok(Some(Ok(frame))) => frame,
        };
        // Trailers carry nothing that is signed.
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if data.len() > limit - length {
            linger(body, limit, linger_for, false);
            return BodyRead::TooLarge;
        }
        if timeout_at(deadline, budget.take(&mut held, data.len()))
            .await
            .is_err()
        {
            linger(body, limit, linger_for, false);
            return BodyRead::Busy;
        }
        signature.update(&data);
        length += data.len();
        chunks.push(data);
    }
    BodyRead::Complete(Unverified {
        chunks,
        length,
        held,
    })
}

/// Throws away the rest of a refused `body` in the background, so that the answer can go out
/// now and still reach a client that writes its whole body before reading: reads up to twice
/// the body `limit` (enough for a sender that overshoots by a little; one that sends far more
/// is not worth the bandwidth) for at most `linger_for`, then lets the connection close.
///
/// Returns whether any of the body may be left unread, in which case the answer must say
/// `Connection: close`. A client that asked `Expect: 100-continue` (`expects_continue`) and
/// has not been told to go on has sent nothing yet: its body is not read at all, and the
/// answer alone tells it not to send.
pub(crate) fn linger(
    body: Body,
    limit: usize,
    linger_for: Duration,
    expects_continue: bool,
) -> bool {
    if body.is_end_stream() {
        return false;
    }
    if expects_continue {
        return true;
    }
    tokio::spawn(async move {
        // Whatever ends the wait (done, too much, too slow), the body is dropped and hyper
        // closes the connection.
        let _ = timeout(linger_for, discard(body, limit)).await;
    });
    true
}

async fn discard(mut body: Body, limit: usize) {
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

/// Whether a body error is `RequestBodyTimeoutLayer`'s: the body stalled, rather than broke.
fn is_timeout(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(cause) = source {
        if cause.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = cause.source();
    }
    false
}
