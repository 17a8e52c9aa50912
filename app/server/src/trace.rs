//! The span each request is traced in: its method and path, never its query string, which
//! may carry what a client should not have put there (a token; see [`crate::query`]), nor its
//! headers (an `Authorization`, a signature).

use axum::http::Request;
use tracing::Span;

/// `tower_http::trace::TraceLayer`'s span for `request`, in place of its default one, which
/// records the whole URI.
pub(crate) fn request_span<B>(request: &Request<B>) -> Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = request.uri().path(),
        version = ?request.version(),
    )
}
