//! SQLite backend: the embedded default, one database file in WAL mode.
//!
//! SQLite admits one writer at a time. Every write runs on one thread that owns the only write
//! connection ([`writer`]), so writers from this process queue in memory instead of failing
//! with `SQLITE_BUSY`, and waiting writes are committed together. Write transactions start
//! with `BEGIN IMMEDIATE`, so even a second process on the same file waits on the busy
//! timeout instead of deadlocking on a read-to-write upgrade. Reads use a separate sqlx pool
//! and, under WAL, never block the writer or wait for it.
//!
//! WAL checkpoints (copying the log back into the database file, with its fsyncs) run on a
//! background thread ([`checkpointer`]) instead of inside whichever commit crosses SQLite's
//! threshold, which keeps that cost off the webhook intake path.
//!
//! A commit is on disk before the store answers (`synchronous=FULL`), unless the URL opts
//! out with `?synchronous=normal` ([`durability`], ADR 0007).
//!
//! SQLite has no row-level security: every tenant query filters on the scope's installation.

mod audit;
mod checkpointer;
mod deliveries;
mod doctor_issues;
mod durability;
mod queue;
mod runs;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::{Migrate, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection};

use crate::error::StoreError;
use crate::migrations::check_applied;
use checkpointer::{Checkpointer, WalProgress};
use durability::Durability;
use writer::Writer;

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

/// How long a write waits for another process's write lock on the same file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    writer: Writer,
    reader: SqlitePool,
    _checkpointer: Arc<Checkpointer>,
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
        let (url, durability) = Durability::from_url(url)?;
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .synchronous(match durability {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        // Switching to WAL needs a lock that the busy timeout cannot wait for, so it happens
        // once, here, before any other connection opens the file; the mode is persistent.
        let mut setup = options
            .clone()
            .journal_mode(SqliteJournalMode::Wal)
            .connect()
            .await?;
        MIGRATOR.run(&mut setup).await?;
        setup.close().await?;
        let wal = Arc::new(WalProgress::default());
        let writer = Writer::start(
            options.get_filename(),
            BUSY_TIMEOUT,
            durability,
            Arc::clone(&wal),
        )?;
        let checkpointer = Checkpointer::start(options.get_filename(), BUSY_TIMEOUT, wal)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(SqliteStore {
            _checkpointer: Arc::new(checkpointer),
            writer,
            reader,
        })
    }

    pub(crate) async fn ready(&self) -> Result<(), StoreError> {
        let mut conn = self.reader.acquire().await?;
        let dirty = conn.dirty_version().await?;
        let applied = conn.list_applied_migrations().await?;
        check_applied(&MIGRATOR, &applied, dirty)?;
        Ok(())
    }
}
