//! The store's error type; each variant says whether retrying can help.

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no supported database (`sqlite://` or `postgres://`).
    #[error("unsupported database URL scheme {scheme:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl { scheme: String },
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
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
    /// Whether the same call may succeed if tried again later.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Database(e) => matches!(
                e,
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::WorkerCrashed
                    | sqlx::Error::Database(_)
            ),
            StoreError::Conflict { .. } => true,
            StoreError::UnsupportedUrl { .. }
            | StoreError::Migration(_)
            | StoreError::LeaseLost { .. }
            | StoreError::NotFound { .. }
            | StoreError::Corrupt { .. } => false,
        }
    }
}
