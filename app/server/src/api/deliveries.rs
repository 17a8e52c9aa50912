//! `GET /api/v1/deliveries`: the webhook deliveries redgreen recorded, newest first.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use redgreen_core::{DeliveryId, InstallationId};
use redgreen_store::Scope;
use serde::Serialize;

use super::Page;
use crate::clock;
use crate::error::HttpError;
use crate::state::AppState;

#[derive(Serialize)]
pub(crate) struct DeliveryList {
    deliveries: Vec<DeliveryView>,
}

#[derive(Serialize)]
struct DeliveryView {
    /// The `X-GitHub-Delivery` header.
    id: DeliveryId,
    event: String,
    action: Option<String>,
    /// `accepted`, `ignored` or `denied`.
    outcome: String,
    reason: Option<String>,
    installation: Option<InstallationId>,
    received_at: String,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    query: Result<Query<Page>, QueryRejection>,
) -> Result<Json<DeliveryList>, HttpError> {
    let limit = Page::limit(query)?;
    let records = state.store.list_deliveries(Scope::System, limit).await?;
    let deliveries = records
        .into_iter()
        .map(|record| {
            Ok(DeliveryView {
                received_at: clock::rfc3339(record.received_at)?,
                id: record.id,
                event: record.event,
                action: record.action,
                outcome: record.outcome,
                reason: record.reason,
                installation: record.installation,
            })
        })
        .collect::<Result<_, HttpError>>()?;
    Ok(Json(DeliveryList { deliveries }))
}
