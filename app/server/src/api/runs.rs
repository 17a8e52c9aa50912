//! `/api/v1/runs`: list, read, follow and cancel runs.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use redgreen_core::{InstallationId, RunId, RunKind, RunState};
use redgreen_store::{RunRecord, Scope, StoreError};
use serde::Serialize;
use uuid::Uuid;

use super::Page;
use crate::clock;
use crate::error::HttpError;
use crate::state::AppState;

/// A run as operators see it. The stored request and checkpoint stay out: they hold
/// untrusted issue text and orchestrator internals that the events already summarise.
#[derive(Serialize)]
pub(crate) struct RunView {
    id: RunId,
    state: RunState,
    kind: RunKind,
    installation: InstallationId,
    /// `owner/name`.
    repository: String,
    issue: Option<i64>,
    pull_request: Option<i64>,
    pr_url: Option<String>,
    actor: String,
    cancel_requested: bool,
    created_at: String,
    updated_at: String,
}

impl TryFrom<RunRecord> for RunView {
    type Error = HttpError;

    fn try_from(run: RunRecord) -> Result<Self, HttpError> {
        Ok(RunView {
            created_at: clock::rfc3339(run.created_at)?,
            updated_at: clock::rfc3339(run.updated_at)?,
            id: run.id,
            state: run.state,
            kind: run.kind,
            installation: run.installation,
            repository: run.repository,
            issue: run.issue,
            pull_request: run.pull_request,
            pr_url: run.pr_url,
            actor: run.actor,
            cancel_requested: run.cancel_requested,
        })
    }
}

#[derive(Serialize)]
pub(crate) struct RunList {
    runs: Vec<RunView>,
}

#[derive(Serialize)]
pub(crate) struct EventList {
    events: Vec<EventView>,
}

#[derive(Serialize)]
struct EventView {
    seq: i64,
    at: String,
    state: RunState,
    kind: String,
    message: String,
    data: serde_json::Value,
}

/// The `{id}` path segment as a run id.
fn run_id(id: &str) -> Result<RunId, HttpError> {
    Uuid::parse_str(id)
        .map(RunId)
        .map_err(|_| HttpError::BadRequest("the run id must be a UUID".to_owned()))
}

pub(crate) async fn list(
    State(state): State<AppState>,
    query: Result<Query<Page>, QueryRejection>,
) -> Result<Json<RunList>, HttpError> {
    let limit = Page::limit(query)?;
    let runs = state
        .store
        .list_runs(Scope::System, limit)
        .await?
        .into_iter()
        .map(RunView::try_from)
        .collect::<Result<_, _>>()?;
    Ok(Json(RunList { runs }))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RunView>, HttpError> {
    let id = run_id(&id)?;
    let run = state
        .store
        .get_run(Scope::System, id)
        .await?
        .ok_or(HttpError::RunNotFound(id.0))?;
    Ok(Json(RunView::try_from(run)?))
}

pub(crate) async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<EventList>, HttpError> {
    let id = run_id(&id)?;
    let records = state
        .store
        .run_events(Scope::System, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound { .. } => HttpError::RunNotFound(id.0),
            other => HttpError::Store(other),
        })?;
    let events = records
        .into_iter()
        .map(|event| {
            Ok(EventView {
                at: clock::rfc3339(event.at)?,
                seq: event.seq,
                state: event.state,
                kind: event.kind,
                message: event.message,
                data: event.data,
            })
        })
        .collect::<Result<_, HttpError>>()?;
    Ok(Json(EventList { events }))
}

/// Asks for the run to stop: a queued run is cancelled at once, a running one at its next
/// step. 202 because the stop may still be under way when the answer goes out.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<RunView>), HttpError> {
    let id = run_id(&id)?;
    let run = state
        .store
        .request_cancel(Scope::System, id, "api", clock::now())
        .await?
        .ok_or(HttpError::RunNotFound(id.0))?;
    Ok((StatusCode::ACCEPTED, Json(RunView::try_from(run)?)))
}
