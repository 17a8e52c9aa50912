//! redgreen's HTTP surface: GitHub webhook intake, the operator API, health probes and
//! Prometheus metrics, as one axum [`Router`] that the binary serves with [`listener::serve`].
//!
//! Invariants:
//! - A webhook's signature is checked over the raw bytes before any JSON parsing, and
//!   webhooks are refused outright when no secret is configured (fail closed).
//! - A delivery is recorded with its run, task and audit entry in one store call, so an
//!   answered webhook has either all of its effects or none.
//! - A command becomes a run only if the trigger check ([`trigger`]) allows its actor; a
//!   denied command is recorded as `denied`, naming the policy, and creates no work. Without
//!   a way to look permissions up every command is denied (fail closed).
//! - The operator API is refused unless a bearer token is configured and presented, and
//!   never takes a token from a query string.
//! - Nobody without the webhook secret can hold the process's resources for long or in
//!   bulk: heads, bodies and idle connections have timeouts, connections are capped, and the
//!   bytes of bodies not yet verified share one budget ([`limits`]).
//! - Bodies, signatures and tokens never appear in answers or logs. A store failure is
//!   answered with a fixed sentence and detailed only in the logs (`/readyz` alone says why
//!   the store is not ready, which is its purpose). Requests are traced by method and path,
//!   never by query string.
//! - This crate never reads the environment: the binary builds [`ServerConfig`].

pub mod api;
pub mod budget;
mod clock;
pub mod error;
mod health;
pub mod limits;
pub mod listener;
pub mod metrics;
mod query;
pub mod state;
mod trace;
pub mod trigger;
mod webhook;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::{get, post};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::HttpError;
pub use limits::ServerLimits;
pub use metrics::Metrics;
pub use state::{AppState, DEFAULT_MAX_BODY_BYTES, ServerConfig};

/// Every endpoint redgreen serves, ready for [`listener::serve`] (which builds it itself) or
/// to be driven in process.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/webhooks/github", post(webhook::receive))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::scrape));
    for endpoint in &api::ENDPOINTS {
        router = router.route(endpoint.path, endpoint.method_router(&state));
    }
    router
        .method_not_allowed_fallback(|| async { HttpError::MethodNotAllowed })
        .fallback(|| async { HttpError::UnknownEndpoint })
        .layer(from_fn(query::refuse_credentials))
        // A request body that goes silent for the body timeout fails, on every route; the
        // webhook also bounds its body's total time (see `webhook::body`).
        .layer(RequestBodyTimeoutLayer::new(
            state.config.limits.body_timeout,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(trace::request_span))
        .with_state(state)
}
