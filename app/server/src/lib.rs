//! redgreen's HTTP surface: GitHub webhook intake, the operator API, health probes and
//! Prometheus metrics, as one axum [`Router`] that the binary serves.
//!
//! Invariants:
//! - A webhook's signature is checked over the raw bytes before any JSON parsing, and
//!   webhooks are refused outright when no secret is configured (fail closed).
//! - A delivery is recorded with its run, task and audit entry in one store call, so an
//!   answered webhook has either all of its effects or none.
//! - A command becomes a run only if the trigger check ([`trigger`]) allows its actor; a
//!   denied command is recorded as `denied`, naming the policy, and creates no work. Without
//!   a way to look permissions up every command is denied (fail closed).
//! - The operator API is refused unless a bearer token is configured and presented.
//! - Bodies, signatures and tokens never appear in answers or logs. A store failure is
//!   answered with a fixed sentence and detailed only in the logs (`/readyz` alone says why
//!   the store is not ready, which is its purpose).
//! - This crate never reads the environment: the binary builds [`ServerConfig`].

pub mod api;
mod clock;
pub mod error;
mod health;
pub mod metrics;
pub mod state;
pub mod trigger;
mod webhook;

use axum::Router;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

pub use error::HttpError;
pub use metrics::Metrics;
pub use state::{AppState, DEFAULT_MAX_BODY_BYTES, ServerConfig};

/// Every endpoint redgreen serves, ready for `axum::serve`.
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
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
