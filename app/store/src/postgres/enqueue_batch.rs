//! PostgreSQL: concurrent `enqueue` calls share one `INSERT` and one commit.
//!
//! Each commit waits for a WAL flush, so on a disk that syncs in milliseconds producers that
//! enqueue one task per statement are bound by the disk, not by PostgreSQL. Callers that
//! arrive while a batch is being written wait for it to finish and then go in together as the
//! next batch: an idle queue adds no delay, a busy one writes many tasks per flush.
//!
//! A batch is written by a spawned task, so a caller that gives up waiting (its future
//! dropped) cannot cut the others' statement short. When the batch statement fails (one
//! task's duplicate id, say), every task is written again on its own, so each caller gets its
//! own answer and no task is failed by another's.

use std::sync::{Arc, Mutex};

use sqlx::PgPool;
use sqlx::types::Json;
use tokio::sync::oneshot;

use super::queue::insert_task;
use crate::error::StoreError;
use crate::model::NewTask;

/// The most tasks one statement carries: keeps a statement's arrays small when a burst of
/// producers piles up behind a slow flush.
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<(), StoreError>>;

/// The enqueue combiner of one pool.
#[derive(Debug, Default)]
pub(crate) struct EnqueueBatcher {
    /// Tasks waiting for the next batch, with where to send each one's answer.
    pending: Mutex<Vec<(NewTask, Reply)>>,
    /// Held while a batch is written; whoever takes it next writes what is pending.
    writing: tokio::sync::Mutex<()>,
}

impl EnqueueBatcher {
    pub(crate) async fn enqueue(
        self: &Arc<Self>,
        pool: &PgPool,
        task: &NewTask,
    ) -> Result<(), StoreError> {
        let (reply, mut answer) = oneshot::channel();
        self.lock_pending().push((task.clone(), reply));
        loop {
            let writing = self.writing.lock().await;
            // A batch written while this caller waited for the lock may have carried its task.
            match answer.try_recv() {
                Ok(result) => return result,
                Err(oneshot::error::TryRecvError::Closed) => return Err(lost()),
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let batch: Vec<(NewTask, Reply)> = {
                let mut pending = self.lock_pending();
                let take = pending.len().min(MAX_BATCH);
                pending.drain(..take).collect()
            };
            if batch.is_empty() {
                // Taken by a batch still being answered; wait for that answer.
                drop(writing);
                return answer.await.unwrap_or_else(|_| Err(lost()));
            }
            let pool = pool.clone();
            let written = tokio::spawn(write_batch(pool, batch));
            // The batch is written whether or not this caller stays for it.
            if written.await.is_err() {
                return Err(lost());
            }
            drop(writing);
            if let Ok(result) = answer.try_recv() {
                return result;
            }
            // This caller's task was beyond the batch's cap: go again.
        }
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Vec<(NewTask, Reply)>> {
        // A panic while holding this lock only ever leaves a valid Vec behind.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Writes `batch` in one statement, or each task on its own when that fails, and answers
/// every caller.
async fn write_batch(pool: PgPool, batch: Vec<(NewTask, Reply)>) {
    if batch.len() > 1 {
        match insert_all(&pool, &batch).await {
            Ok(()) => {
                for (_, reply) in batch {
                    let _ = reply.send(Ok(()));
                }
                return;
            }
            Err(error) => {
                tracing::debug!(%error, tasks = batch.len(), "batched enqueue failed; one by one");
            }
        }
    }
    for (task, reply) in batch {
        // `enqueue` is given no clock; the task is created when it becomes due.
        let result = insert_task(&pool, &task, task.run_at.millis()).await;
        let _ = reply.send(result);
    }
}

async fn insert_all(pool: &PgPool, batch: &[(NewTask, Reply)]) -> Result<(), StoreError> {
    let tasks = batch.iter().map(|(task, _)| task);
    sqlx::query(
        "INSERT INTO tasks (id, kind, installation_id, run_id, payload, state, max_attempts,
                            run_at, due_at, created_at, updated_at)
         SELECT id, kind, installation_id, run_id, payload, 'queued', max_attempts,
                run_at, run_at, run_at, run_at
         FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::jsonb[], $6::int4[],
                     $7::int8[])
              AS t(id, kind, installation_id, run_id, payload, max_attempts, run_at)",
    )
    .bind(tasks.clone().map(|t| t.id.to_string()).collect::<Vec<_>>())
    .bind(tasks.clone().map(|t| t.kind.clone()).collect::<Vec<_>>())
    .bind(
        tasks
            .clone()
            .map(|t| t.installation.map(|i| i.0))
            .collect::<Vec<_>>(),
    )
    .bind(
        tasks
            .clone()
            .map(|t| t.run.map(|run| run.to_string()))
            .collect::<Vec<_>>(),
    )
    .bind(tasks.clone().map(|t| Json(&t.payload)).collect::<Vec<_>>())
    .bind(tasks.clone().map(|t| t.max_attempts).collect::<Vec<_>>())
    .bind(tasks.map(|t| t.run_at.millis()).collect::<Vec<_>>())
    .execute(pool)
    .await?;
    Ok(())
}

/// The batch's writer went away without answering (it panicked).
fn lost() -> StoreError {
    StoreError::EnqueueUnanswered
}
