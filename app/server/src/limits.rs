//! How long a connection may take and how much it may hold before it is authenticated: the
//! limits that keep the webhook endpoint answering while someone without the secret tries to
//! exhaust it (slow heads, slow bodies, idle sockets, many unsigned bodies at once).

use std::time::Duration;

/// The whole request head (request line and headers) must arrive within this long of the
/// connection starting to wait for it. GitHub sends a delivery's head in one write; ten seconds
/// is ample for any real client on a slow link, and a connection trickling its head byte by
/// byte (Slowloris) is closed after it. Enforced by hyper's `header_read_timeout`, whose clock
/// also runs while a kept-alive connection waits for its next request.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// A webhook body must arrive whole within this long of the handler starting to read it
/// (waiting for room in the [`UNAUTHENTICATED_BYTES`] budget included); it is then answered
/// 408 and its connection closed. Three times GitHub's own delivery timeout (GitHub gives up on
/// a delivery not answered within 10 s): a real delivery has long arrived, while a slow
/// (R-U-Dead-Yet) body holds its connection and its share of the budget no longer than this.
/// The same value bounds the wait for each chunk of any request body
/// (`tower_http::timeout::RequestBodyTimeoutLayer`).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection on which no byte has moved, in either direction, for this long while no request
/// is being handled is closed: an idle keep-alive connection, a client that stopped reading its
/// answer, or one that stopped sending a body already answered. Five seconds, as Apache's
/// `KeepAliveTimeout`: a connection is cheap to open again, a held one is a slot taken from
/// [`MAX_CONNECTIONS`]. Shorter than [`HEADER_TIMEOUT`], so that a connection sending nothing
/// at all goes first, while a head that is arriving still gets its ten seconds.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections served at once; past it, new connections wait in the kernel's listen backlog
/// until one closes (the timeouts above make sure one does). GitHub opens a connection per
/// delivery and answers arrive in well under a second, so even a busy App has a few dozen
/// open; 256 leaves room for bursts and operators while bounding file descriptors (the usual
/// soft limit is 1024) and per-connection buffers (see [`crate::listener`]).
pub const MAX_CONNECTIONS: usize = 256;

/// Bytes of webhook bodies held, across all requests, before their signature is verified.
/// Each chunk takes its share as it arrives and gives it back when the request is answered or
/// verified; a chunk that finds no room waits (up to [`BODY_TIMEOUT`]), so unsigned senders
/// can make the process hold this much and no more, and are answered 503 when the wait runs
/// out. 64 MiB holds two bodies at GitHub's 25 MiB limit at once, or thousands of ordinary
/// (kilobyte) deliveries; it is never less than the body limit, or the largest allowed
/// delivery could never be read.
pub const UNAUTHENTICATED_BYTES: usize = 64 * 1024 * 1024;

/// The serving limits. Production uses [`ServerLimits::default`], built from the constants
/// above; tests shorten the timeouts to see them fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// See [`HEADER_TIMEOUT`].
    pub header_timeout: Duration,
    /// See [`BODY_TIMEOUT`].
    pub body_timeout: Duration,
    /// See [`IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
    /// See [`MAX_CONNECTIONS`]; at least one connection is always served.
    pub max_connections: usize,
    /// See [`UNAUTHENTICATED_BYTES`].
    pub unauthenticated_bytes: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_timeout: HEADER_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
            unauthenticated_bytes: UNAUTHENTICATED_BYTES,
        }
    }
}
