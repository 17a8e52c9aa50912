//! Probes for orchestrators: liveness (`/healthz`) and readiness (`/readyz`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::state::AppState;

/// `GET /healthz`: the process is up and serving; says nothing about the database, so a
/// database outage does not get the process restarted in a loop.
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

#[derive(Serialize)]
pub(crate) struct Readiness {
    ready: bool,
    reason: String,
}

/// `GET /readyz`: the database answers and its migrations are applied.
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    match state.store.ready().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Readiness {
                ready: true,
                reason: format!("{} store ready", state.store.backend_name()),
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Readiness {
                    ready: false,
                    reason: e.to_string(),
                }),
            )
        }
    }
}
