//! PostgreSQL: recording webhook deliveries (with the run and task they create) and listing
//! them.

use sqlx::types::Json;

use super::PostgresStore;
use super::audit::append_audit;
use super::queue::insert_task;
use super::runs::insert_event;
use crate::changes;
use crate::error::StoreError;
use crate::model::{DeliveryRecord, NewDelivery, Recorded};
use crate::rows::DeliveryRow;
use crate::scope::Scope;

impl PostgresStore {
    pub(crate) async fn record_delivery(
        &self,
        delivery: &NewDelivery,
    ) -> Result<Recorded, StoreError> {
        let create = changes::run_to_create(delivery)?;
        let at = delivery.received_at.millis();
        // A tenant's delivery is written under that tenant's scope, so RLS checks every row
        // this transaction writes belongs to it.
        let scope = delivery.installation.map_or(Scope::System, Scope::Tenant);
        let mut tx = self.begin(scope).await?;

        if let Some(installation) = delivery.installation {
            sqlx::query(
                "INSERT INTO installations (installation_id, created_at, updated_at)
                 VALUES ($1, $2, $2) ON CONFLICT (installation_id) DO NOTHING",
            )
            .bind(installation.0)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        let inserted = sqlx::query(
            "INSERT INTO deliveries
                 (id, event, action, outcome, reason, installation_id, payload, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&delivery.id.0)
        .bind(&delivery.event)
        .bind(&delivery.action)
        .bind(&delivery.outcome)
        .bind(&delivery.reason)
        .bind(delivery.installation.map(|i| i.0))
        .bind(&delivery.payload)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(Recorded::Duplicate);
        }

        if let (Some(installation), Some(repository)) =
            (delivery.installation, &delivery.repository)
        {
            // Not `ON CONFLICT DO UPDATE`: that locks the repository's row until commit even
            // when nothing changed, so every delivery for one repository would wait for the
            // previous one's whole transaction. `DO NOTHING` takes no lock on an existing
            // row, and the update only runs (and locks) when the name or URL really changed.
            sqlx::query(
                "WITH inserted AS (
                     INSERT INTO repositories
                         (installation_id, github_id, full_name, clone_url, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $5)
                     ON CONFLICT (installation_id, github_id) DO NOTHING
                     RETURNING 1
                 )
                 UPDATE repositories SET full_name = $3, clone_url = $4, updated_at = $5
                 WHERE installation_id = $1 AND github_id = $2
                   AND (full_name <> $3 OR clone_url <> $4)
                   AND NOT EXISTS (SELECT 1 FROM inserted)",
            )
            .bind(installation.0)
            .bind(repository.github_id)
            .bind(&repository.full_name)
            .bind(&repository.clone_url)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }

        let mut audit = vec![changes::delivery_recorded(delivery)];
        if let Some(create) = &create {
            let run = create.run;
            sqlx::query(
                "INSERT INTO runs
                     (id, installation_id, repository_id, repository, delivery_id, kind, state,
                      issue, pull_request, actor, request, checkpoint, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $10, 'null', $11, $11)",
            )
            .bind(run.id.to_string())
            .bind(create.installation.0)
            .bind(create.repository.github_id)
            .bind(&create.repository.full_name)
            .bind(&delivery.id.0)
            .bind(run.kind.as_str())
            .bind(run.issue)
            .bind(run.pull_request)
            .bind(&run.actor)
            .bind(Json(&run.request))
            .bind(at)
            .execute(&mut *tx)
            .await?;
            let (event, entry) = changes::run_created(delivery, create);
            insert_event(&mut tx, run.id, create.installation.0, at, &event).await?;
            audit.push(entry);
        }
        if let Some(task) = &delivery.task {
            insert_task(&mut *tx, task, at).await?;
        }
        append_audit(&mut tx, changes::delivery_chain(delivery), at, &audit).await?;
        tx.commit().await?;

        Ok(Recorded::New {
            run: delivery.run.as_ref().map(|run| run.id),
            task: delivery.task.as_ref().map(|task| task.id),
        })
    }

    pub(crate) async fn list_deliveries(
        &self,
        scope: Scope,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let mut tx = self.begin(scope).await?;
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT id, event, action, outcome, reason, installation_id, received_at
             FROM deliveries
             WHERE ($1::bigint IS NULL OR installation_id = $1)
             ORDER BY received_at DESC, id DESC
             LIMIT $2",
        )
        .bind(scope.installation_filter())
        .bind(limit.max(0))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(DeliveryRecord::from).collect())
    }
}
