//! The serving loop: accepts TCP connections, at most [`crate::limits::ServerLimits::max_connections`] at a
//! time, and serves each over HTTP/1.1 with hyper under the header and idle timeouts, until
//! shutdown is asked for; then it stops accepting and lets the requests in flight finish. A
//! client that half-closes its side after its request still gets the answer.
//!
//! `axum::serve` sets none of these limits and exposes no way to, so the loop is redgreen's
//! own, built from hyper's connection builder. Only HTTP/1.1 is spoken: GitHub delivers
//! webhooks over it, and it is what `axum::serve` spoke here before.

mod idle;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt as _;
use tracing::{debug, warn};

use crate::state::AppState;
use idle::{Activity, Watched};

/// The most hyper buffers from a connection before handing it on: a whole request head must
/// fit (431 otherwise), and each body chunk is at most this. GitHub's heads are a few KiB;
/// hyper's default (about 400 KiB) would let each of [`crate::limits::MAX_CONNECTIONS`]
/// slow-header connections make the process hold that much.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// Serves `state`'s router (see [`crate::router`]) on `listener` under
/// `state.config.limits` until `shutdown` resolves, then stops accepting, asks every
/// connection to close once its request in flight is answered, and returns when all have
/// closed (the timeouts bound how long that takes).
///
/// Connections past the cap are not accepted until one closes: they wait in the kernel's
/// listen backlog rather than being taken in and turned away.
pub async fn serve<F>(listener: TcpListener, state: AppState, shutdown: F)
where
    F: Future<Output = ()> + Send,
{
    let limits = state.config.limits;
    let router = crate::router(state);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(READ_BUFFER_BYTES)
        // A client may shut down its write side once its request is out (some clients and
        // proxies do): that end of its stream is not a hang-up, and its answer is still due.
        // Without this, hyper takes the EOF as the client gone and drops the answer.
        .half_close(true);
    let capacity = u32::try_from(limits.max_connections)
        .unwrap_or(u32::MAX)
        .max(1);
    let slots = Arc::new(Semaphore::new(capacity as usize));
    let (stop, stopping) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_closed) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = Connection {
            router: router.clone(),
            builder: builder.clone(),
            idle_timeout: limits.idle_timeout,
            stopping: stopping.clone(),
            _slot: slot,
        };
        tokio::spawn(connection.serve(stream, peer));
    }
    // New connections are refused from here on.
    drop(listener);
    stop.send_replace(());
    // Each connection holds its slot until it closes: all slots free means all closed.
    let _all_closed = slots.acquire_many(capacity).await;
}

/// What a failed `accept` means for the loop.
async fn accept_failed(error: io::Error) {
    // A connection reset before it was accepted concerns that connection alone.
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    ) {
        return;
    }
    // Out of file descriptors or memory: accepting again at once would spin.
    warn!(%error, "cannot accept a connection; trying again in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// One accepted connection and what serving it needs.
struct Connection {
    router: Router,
    builder: http1::Builder,
    idle_timeout: Duration,
    stopping: watch::Receiver<()>,
    /// Given back to the cap when the connection closes.
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream, peer: SocketAddr) {
        let activity = Activity::new();
        let io = TokioIo::new(Watched::new(stream, Arc::clone(&activity)));
        let router = self.router.clone();
        let requests = Arc::clone(&activity);
        let service = service_fn(move |request: Request<Incoming>| {
            let in_flight = requests.request();
            let router = router.clone();
            async move {
                let response = router.oneshot(request).await;
                drop(in_flight);
                response
            }
        });
        let connection = self.builder.serve_connection(io, service);
        tokio::pin!(connection);
        let idle = activity.idle_for(self.idle_timeout);
        tokio::pin!(idle);
        let mut closing = false;
        loop {
            tokio::select! {
                served = connection.as_mut() => {
                    // Timeouts and clients that go away end here; they are the client's doing.
                    if let Err(error) = served {
                        debug!(%peer, %error, "connection ended with an error");
                    }
                    return;
                }
                () = &mut idle => {
                    debug!(%peer, "idle connection closed");
                    return;
                }
                _ = self.stopping.changed(), if !closing => {
                    closing = true;
                    // Closes an idle connection now, a busy one once its answer is out.
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
