//! SQLite: recording webhook deliveries (with the run and task they create) and listing them.

use rusqlite::{Connection, params};

use super::SqliteStore;
use super::audit::append_audit;
use super::queue::insert_task;
use super::runs::insert_event;
use crate::changes;
use crate::error::StoreError;
use crate::model::{DeliveryRecord, NewDelivery, Recorded};
use crate::rows::DeliveryRow;
use crate::scope::Scope;

/// Writes `delivery` with everything it creates; runs on the writer thread, inside the
/// write transaction.
fn record(conn: &Connection, delivery: &NewDelivery) -> Result<Recorded, StoreError> {
    let create = changes::run_to_create(delivery)?;
    let at = delivery.received_at.millis();
    if let Some(installation) = delivery.installation {
        conn.prepare_cached(
            "INSERT INTO installations (installation_id, created_at, updated_at)
             VALUES (?1, ?2, ?2) ON CONFLICT (installation_id) DO NOTHING",
        )?
        .execute(params![installation.0, at])?;
    }
    let inserted = conn
        .prepare_cached(
            "INSERT INTO deliveries
                 (id, event, action, outcome, reason, installation_id, payload, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            delivery.id.0,
            delivery.event,
            delivery.action,
            delivery.outcome,
            delivery.reason,
            delivery.installation.map(|i| i.0),
            delivery.payload,
            at,
        ])?;
    if inserted == 0 {
        // A redelivery; the installation row above already existed, so nothing changed.
        return Ok(Recorded::Duplicate);
    }

    if let (Some(installation), Some(repository)) = (delivery.installation, &delivery.repository) {
        conn.prepare_cached(
            "INSERT INTO repositories
                 (installation_id, github_id, full_name, clone_url, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (installation_id, github_id) DO UPDATE SET
                 full_name = excluded.full_name,
                 clone_url = excluded.clone_url,
                 updated_at = excluded.updated_at
             WHERE full_name <> excluded.full_name OR clone_url <> excluded.clone_url",
        )?
        .execute(params![
            installation.0,
            repository.github_id,
            repository.full_name,
            repository.clone_url,
            at,
        ])?;
    }

    let mut audit = vec![changes::delivery_recorded(delivery)];
    if let Some(create) = &create {
        let run = create.run;
        conn.prepare_cached(
            "INSERT INTO runs
                 (id, installation_id, repository_id, repository, delivery_id, kind, state,
                  issue, pull_request, actor, request, checkpoint, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8, ?9, ?10, 'null', ?11, ?11)",
        )?
        .execute(params![
            run.id.to_string(),
            create.installation.0,
            create.repository.github_id,
            create.repository.full_name,
            delivery.id.0,
            run.kind.as_str(),
            run.issue,
            run.pull_request,
            run.actor,
            run.request,
            at,
        ])?;
        let (event, entry) = changes::run_created(delivery, create);
        insert_event(conn, run.id, create.installation.0, at, &event)?;
        audit.push(entry);
    }
    if let Some(task) = &delivery.task {
        insert_task(conn, task, at)?;
    }
    append_audit(conn, changes::delivery_chain(delivery), at, &audit)?;
    Ok(Recorded::New {
        run: delivery.run.as_ref().map(|run| run.id),
        task: delivery.task.as_ref().map(|task| task.id),
    })
}

impl SqliteStore {
    pub(crate) async fn record_delivery(
        &self,
        delivery: &NewDelivery,
    ) -> Result<Recorded, StoreError> {
        // The writer thread needs its own copy; the payload is the only large part.
        let delivery = delivery.clone();
        self.writer.write(move |conn| record(conn, &delivery)).await
    }

    pub(crate) async fn list_deliveries(
        &self,
        scope: Scope,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT id, event, action, outcome, reason, installation_id, received_at
             FROM deliveries
             WHERE (?1 IS NULL OR installation_id = ?1)
             ORDER BY received_at DESC, id DESC
             LIMIT ?2",
        )
        .bind(scope.installation_filter())
        .bind(limit.max(0))
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(DeliveryRecord::from).collect())
    }
}
