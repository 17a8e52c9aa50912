//! SQLite backend: the embedded default, one database file in WAL mode.
//!
//! SQLite admits one writer at a time. Every write runs on one thread that owns the only write
//! connection ([`writer`]), so writers from this process queue in memory instead of failing
//! with `SQLITE_BUSY`, and waiting writes are committed together. Write transactions start
//! with `BEGIN IMMEDIATE`, so even a second process on the same file waits on the busy
//! timeout instead of deadlocking on a read-to-write upgrade. Reads use a separate sqlx pool
//! and, under WAL, never block the writer or wait for it.
//!
//! WAL checkpoints (copying the log back into the database file, with its fsync) run in a
//! background task instead of inside whichever commit crosses SQLite's threshold, which keeps
//! that cost off the webhook intake path.
//!
//! SQLite has no row-level security: every tenant query filters on the scope's installation.

mod audit;
mod deliveries;
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
use writer::Writer;

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

/// How long a write waits for another process's write lock on the same file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the background task checkpoints the WAL.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// WAL size (in pages) at which a commit checkpoints by itself: a backstop, reached only if
/// the background checkpoints fall behind. SQLite's default is 1,000 pages.
const WRITER_AUTOCHECKPOINT_PAGES: u32 = 16_384;

#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    writer: Writer,
    reader: SqlitePool,
    _checkpointer: Arc<Checkpointer>,
}

/// The background checkpoint task; it stops when the last clone of the store is dropped.
#[derive(Debug)]
struct Checkpointer(tokio::task::JoinHandle<()>);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Checkpointer {
    /// A passive checkpoint never blocks the writer or readers; it copies what it can.
    fn start(pool: SqlitePool) -> Checkpointer {
        Checkpointer(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                ticks.tick().await;
                if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await
                {
                    tracing::warn!(%error, "SQLite WAL checkpoint failed; will retry");
                }
            }
        }))
    }
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
        let writer = Writer::start(
            options.get_filename(),
            BUSY_TIMEOUT,
            WRITER_AUTOCHECKPOINT_PAGES,
        )?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(SqliteStore {
            _checkpointer: Arc::new(Checkpointer::start(reader.clone())),
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
