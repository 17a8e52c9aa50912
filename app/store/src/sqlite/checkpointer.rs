//! SQLite: the background thread that copies the WAL back into the database file, and the
//! hand-over that lets the writer start the log over.
//!
//! A checkpoint copies committed pages from the WAL into the database file, with an fsync of
//! each; on a virtual disk that takes milliseconds to tens of milliseconds, in proportion to
//! what was written since the last one. It runs here, on its own connection, in `PASSIVE`
//! mode, so the writer keeps committing meanwhile. But SQLite starts the log over only when a
//! write begins with every frame already copied (and no reader still reading frames), and
//! under a steady stream of writes a background checkpoint never gets there: frames land
//! while it works. Left alone the log grows without bound, or, with `wal_autocheckpoint`, a
//! commit pays for copying everything the background missed.
//!
//! So once the log is large, this thread runs passes back to back, each copying what landed
//! during the one before, until a pass is short; then it asks the writer ([`WalProgress`]) to
//! copy the last few frames itself, between two writes (see `writer.rs`). Nothing lands
//! during that last copy, so the next write starts the log over. The writer's part is two
//! small fsyncs, once per [`RESTART_FRAMES`] of log; it is the only checkpoint work ever on
//! the write path.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::error::StoreError;

/// How often the background thread checkpoints.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// WAL size, in frames (pages), from which the log is started over: 32,768 frames is
/// 128 MiB with 4 KiB pages, a few seconds of webhook intake at 500 deliveries/s.
const RESTART_FRAMES: i64 = 32_768;

/// A background pass this short left only a few frames behind it for the writer.
const SHORT_PASS: Duration = Duration::from_millis(2);

/// Most passes back to back before handing over anyway.
const MAX_CATCH_UP_PASSES: usize = 6;

/// What the checkpointer asks of the writer.
#[derive(Debug, Default)]
pub(crate) struct WalProgress {
    /// The log is large and nearly all copied: the writer should copy the rest.
    finish_requested: AtomicBool,
}

impl WalProgress {
    pub(crate) fn finish_requested(&self) -> bool {
        self.finish_requested.load(Ordering::Relaxed)
    }

    /// On the writer's connection, between writes: copies what is left of the log, so that
    /// the next write starts it over. Never waits: if the background thread is mid-pass, or a
    /// reader is still in the log, it asks again on a later cycle.
    pub(crate) fn finish(&self, conn: &Connection) -> Result<(), rusqlite::Error> {
        self.finish_requested.store(false, Ordering::Relaxed);
        passive_checkpoint(conn).map(drop)
    }

    /// One background cycle: a pass, and once the log is `restart_frames` long, passes until
    /// one is short, then the hand-over to the writer.
    fn cycle(&self, conn: &Connection, restart_frames: i64) -> Result<(), rusqlite::Error> {
        let log = passive_checkpoint(conn)?;
        if log < restart_frames {
            return Ok(());
        }
        for _ in 0..MAX_CATCH_UP_PASSES {
            let started = Instant::now();
            passive_checkpoint(conn)?;
            if started.elapsed() < SHORT_PASS {
                break;
            }
        }
        self.finish_requested.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// Copies what it can of the log without waiting for anyone; returns the log's size in
/// frames (-1 when another checkpoint was running).
fn passive_checkpoint(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(1))
}

/// The background checkpoint thread; it stops when the last clone of the store is dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    // Never sent on: dropping it wakes the thread, which then stops.
    _stop: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Opens a connection to `path` and starts checkpointing it every [`CHECKPOINT_EVERY`].
    pub(crate) fn start(
        path: &Path,
        busy_timeout: Duration,
        progress: Arc<WalProgress>,
    ) -> Result<Checkpointer, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(busy_timeout)?;
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("redgreen-sqlite-checkpointer".to_owned())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_EVERY)
                {
                    if let Err(error) = progress.cycle(&conn, RESTART_FRAMES) {
                        tracing::warn!(%error, "SQLite WAL checkpoint failed; will retry");
                    }
                }
            })
            .map_err(|error| StoreError::WriterStopped {
                reason: format!("could not start the SQLite checkpoint thread: {error}"),
            })?;
        Ok(Checkpointer { _stop: stop })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// A WAL database with `rows` commits in its log, and a second connection to it.
    fn database_with_log(dir: &tempfile::TempDir, rows: usize) -> (Connection, Connection) {
        let path = dir.path().join("wal.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
                 CREATE TABLE t (v TEXT NOT NULL);",
            )
            .unwrap();
        for n in 0..rows {
            insert(&writer, n);
        }
        (writer, Connection::open(&path).unwrap())
    }

    fn insert(conn: &Connection, n: usize) {
        conn.execute("INSERT INTO t (v) VALUES (?1)", [format!("{n:0>500}")])
            .unwrap();
    }

    #[test]
    fn a_small_log_is_copied_without_asking_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (_writer, checkpointer) = database_with_log(&dir, 50);
        let progress = WalProgress::default();
        progress.cycle(&checkpointer, 1_000).unwrap();
        assert!(!progress.finish_requested());
        progress.cycle(&checkpointer, 10).unwrap();
        assert!(progress.finish_requested(), "50 commits are over 10 frames");
    }

    #[test]
    fn after_the_hand_over_the_next_write_starts_the_log_over() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, checkpointer) = database_with_log(&dir, 200);
        let progress = WalProgress::default();
        progress.cycle(&checkpointer, 100).unwrap();
        assert!(progress.finish_requested());
        // What the writer gets while the checkpointer was handing over: not copied yet.
        (200..250).for_each(|n| insert(&writer, n));
        progress.finish(&writer).unwrap();
        assert!(!progress.finish_requested());
        insert(&writer, 250);
        let log = passive_checkpoint(&checkpointer).unwrap();
        assert!(log < 10, "the log started over: {log} frames");
    }

    #[test]
    fn a_reader_in_the_log_keeps_it_from_starting_over_until_it_leaves() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, reader) = database_with_log(&dir, 100);
        // A reader on an older snapshot keeps the newer frames from being copied.
        reader
            .execute_batch("BEGIN; SELECT count(*) FROM t;")
            .unwrap();
        (100..200).for_each(|n| insert(&writer, n));
        let progress = WalProgress::default();
        progress.cycle(&writer, 100).unwrap();
        progress.finish(&writer).unwrap();
        insert(&writer, 200);
        let kept = passive_checkpoint(&writer).unwrap();
        assert!(
            kept >= 200,
            "not started over while a reader is in it: {kept} frames"
        );

        reader.execute_batch("COMMIT").unwrap();
        progress.cycle(&writer, 100).unwrap();
        assert!(progress.finish_requested(), "asked again on the next cycle");
        progress.finish(&writer).unwrap();
        insert(&writer, 201);
        let log = passive_checkpoint(&writer).unwrap();
        assert!(
            log < 10,
            "started over once the reader left: {log} frames, was {kept}"
        );
    }
}
