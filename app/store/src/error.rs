//! The store's error type; each variant says whether retrying can help.

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no supported database (`sqlite://` or `postgres://`).
    #[error("unsupported database URL scheme {scheme:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl { scheme: String },
    /// The URL's parameters are not valid (see the reason).
    #[error("invalid database URL: {reason}")]
    InvalidUrl { reason: String },
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The SQLite writer thread's connection answered with an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The SQLite writer thread is gone (it could not start, or a write panicked); nothing
    /// more can be written by this process.
    #[error("SQLite writer unavailable: {reason}")]
    WriterStopped { reason: String },
    /// The PostgreSQL enqueue batch that carried the task ended without an answer (its
    /// writer panicked). Whether the task was written is unknown; enqueueing it again under
    /// the same id is safe (a duplicate id is refused).
    #[error("the batched enqueue ended without an answer")]
    EnqueueUnanswered,
    /// Applying the migrations failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The lease is no longer held (it expired and another worker took the task, or the task
    /// was cancelled). The holder must stop work on the task.
    #[error("lease lost on task {task}")]
    LeaseLost { task: redgreen_core::TaskId },
    /// The row was changed by someone else since it was read (optimistic concurrency).
    #[error("conflict: {what}")]
    Conflict { what: String },
    /// No such row in this scope.
    #[error("not found: {what}")]
    NotFound { what: String },
    /// A stored value could not be decoded (a corrupt or foreign row).
    #[error("corrupt row: {what}")]
    Corrupt { what: String },
}

impl StoreError {
    /// Whether the same work may succeed if tried again later. A `Conflict` counts: the
    /// retry re-reads the row and sees what changed.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => is_transient(e.as_ref()),
            StoreError::Database(e) => matches!(
                e,
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::WorkerCrashed
            ),
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) => matches!(
                failure.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            StoreError::Conflict { .. } | StoreError::EnqueueUnanswered => true,
            StoreError::UnsupportedUrl { .. }
            | StoreError::InvalidUrl { .. }
            | StoreError::Sqlite(_)
            | StoreError::WriterStopped { .. }
            | StoreError::Migration(_)
            | StoreError::LeaseLost { .. }
            | StoreError::NotFound { .. }
            | StoreError::Corrupt { .. } => false,
        }
    }
}

impl StoreError {
    /// The error for a write whose transaction failed to commit (or to begin). The writer
    /// tells every write of the transaction, so each gets its own copy.
    pub(crate) fn commit_failed(error: &rusqlite::Error) -> StoreError {
        match error {
            rusqlite::Error::SqliteFailure(failure, message) => {
                StoreError::Sqlite(rusqlite::Error::SqliteFailure(*failure, message.clone()))
            }
            other => StoreError::WriterStopped {
                reason: format!("the write transaction failed: {other}"),
            },
        }
    }
}

/// Errors the database raises under contention or while unavailable, as opposed to errors
/// in the statement or the data (constraint violations, bad input), which repeat forever.
fn is_transient(error: &dyn sqlx::error::DatabaseError) -> bool {
    let code = error.code().unwrap_or_default();
    if error
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
    {
        // SQLSTATE: serialization failure, deadlock, connection exceptions, insufficient
        // resources, operator intervention (e.g. an admin shutdown).
        return matches!(code.as_ref(), "40001" | "40P01")
            || ["08", "53", "57"]
                .iter()
                .any(|class| code.starts_with(class));
    }
    // SQLite reports its extended result code; the low byte is the primary code:
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6) clear up by themselves.
    code.parse::<u32>()
        .is_ok_and(|extended| matches!(extended & 0xff, 5 | 6))
}
