//! SQLite backend: the embedded default, one database file in WAL mode.
//!
//! SQLite admits one writer at a time. Writes go through a pool of exactly one connection, so
//! writers from this process queue in memory instead of failing with `SQLITE_BUSY`; multi-
//! statement writes start with `BEGIN IMMEDIATE`, so even a second process on the same file
//! waits on the busy timeout instead of deadlocking on a read-to-write upgrade. Reads use a
//! separate pool and, under WAL, never block the writer or wait for it.
//!
//! SQLite has no row-level security: every tenant query filters on the scope's installation.

mod audit;
mod deliveries;
mod queue;
mod runs;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migrate, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::StoreError;
use crate::migrations::check_applied;

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

/// Starts a write transaction holding SQLite's write lock from its first statement.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file named by `sqlite://PATH` and migrates it.
    /// The file's directory must exist.
    pub(crate) async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        // The two pools would share an in-memory database through SQLite's shared cache,
        // whose table locks fail readers during writes instead of isolating them as WAL does.
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Err(StoreError::UnsupportedUrl {
                scheme: "sqlite (in-memory)".to_owned(),
            });
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // Switching to WAL needs a lock that the busy timeout cannot wait for, so only the
        // writer asks for it; the mode is persistent, and readers open the file after it.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone().journal_mode(SqliteJournalMode::Wal))
            .await?;
        MIGRATOR.run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(SqliteStore { writer, reader })
    }

    pub(crate) async fn ready(&self) -> Result<(), StoreError> {
        let mut conn = self.reader.acquire().await?;
        let dirty = conn.dirty_version().await?;
        let applied = conn.list_applied_migrations().await?;
        check_applied(&MIGRATOR, &applied, dirty)?;
        Ok(())
    }
}
