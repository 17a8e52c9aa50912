//! SQLite: the one thread that writes the database, committing waiting writes together.
//!
//! SQLite admits one writer at a time, so every write of this process goes to one thread
//! that owns the only write connection. A write is a closure run there whole: its statements
//! are plain calls on that thread, not a round trip each between an async task and a
//! connection thread (with sqlx that was a dozen thread hand-offs per webhook delivery, all
//! while holding the write lock). Writes that arrive while one is running are committed
//! together: the thread takes every waiting write, runs each inside its own savepoint (a
//! failing write is rolled back alone) and commits once. A caller hears back only after the
//! commit that made its write durable.
//!
//! The commit path never checkpoints (`wal_autocheckpoint` is off): the background
//! checkpointer does that work. Only when the WAL has grown large does this thread, between
//! groups and preferably when no write is waiting, copy the last few frames so that the log
//! starts over (see `checkpointer.rs` for why that has to happen here).
//!
//! The thread stops when the last [`Writer`] handle is dropped; writes still queued then are
//! committed first.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::oneshot;

use super::checkpointer::WalProgress;
use super::durability::Durability;
use crate::error::StoreError;

/// Most writes committed together: bounds how long the first of them waits for the rest.
const MAX_GROUP: usize = 64;

/// How long the writer may put off copying the end of a large log while writes keep coming.
const MAX_FINISH_DEFERRAL: Duration = Duration::from_millis(50);

/// Prepared statements kept per connection; more than the distinct write statements.
const STATEMENT_CACHE: usize = 64;

/// A write waiting for the writer thread.
trait Job: Send {
    /// Runs the write; says whether it succeeded (its savepoint is kept or rolled back) and
    /// returns what to tell its caller once the commit is known.
    fn run(self: Box<Self>, conn: &Connection) -> (bool, Box<dyn Answer>);
    /// Tells the caller the write never ran, because its transaction could not go on.
    fn refuse(self: Box<Self>, error: &rusqlite::Error);
}

/// A write that ran, waiting for its transaction's commit.
trait Answer: Send {
    fn send(self: Box<Self>, commit_error: Option<&rusqlite::Error>);
}

struct WriteJob<F, R> {
    write: F,
    reply: oneshot::Sender<Result<R, StoreError>>,
}

struct Ran<R> {
    result: Result<R, StoreError>,
    reply: oneshot::Sender<Result<R, StoreError>>,
}

impl<F, R> Job for WriteJob<F, R>
where
    F: FnOnce(&Connection) -> Result<R, StoreError> + Send,
    R: Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> (bool, Box<dyn Answer>) {
        let WriteJob { write, reply } = *self;
        let result =
            std::panic::catch_unwind(AssertUnwindSafe(|| write(conn))).unwrap_or_else(|_| {
                Err(StoreError::WriterStopped {
                    reason: "a write panicked; it was rolled back".to_owned(),
                })
            });
        (result.is_ok(), Box::new(Ran { result, reply }))
    }

    fn refuse(self: Box<Self>, error: &rusqlite::Error) {
        // The caller may have gone (its request was cancelled); nothing was written.
        let _ = self.reply.send(Err(StoreError::commit_failed(error)));
    }
}

impl<R: Send> Answer for Ran<R> {
    fn send(self: Box<Self>, commit_error: Option<&rusqlite::Error>) {
        let answer = match commit_error {
            None => self.result,
            Some(error) => Err(StoreError::commit_failed(error)),
        };
        // The caller may have gone (its request was cancelled); the write stands.
        let _ = self.reply.send(answer);
    }
}

/// A handle to the writer thread; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Opens the write connection to `path` (WAL mode) and starts the writer thread.
    pub(crate) fn start(
        path: &Path,
        busy_timeout: Duration,
        durability: Durability,
        wal: Arc<WalProgress>,
    ) -> Result<Writer, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(busy_timeout)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", durability.pragma())?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("redgreen-sqlite-writer".to_owned())
            .spawn(move || run(conn, queue, &wal))
            .map_err(|error| StoreError::WriterStopped {
                reason: format!("could not start the SQLite writer thread: {error}"),
            })?;
        Ok(Writer { jobs })
    }

    /// Runs `write` on the writer thread inside a write transaction and returns its result
    /// once that transaction is committed. An error from `write` rolls back its own changes
    /// only.
    pub(crate) async fn write<R, F>(&self, write: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(WriteJob { write, reply });
        self.jobs.send(job).map_err(|_| StoreError::WriterStopped {
            reason: "the SQLite writer thread has stopped".to_owned(),
        })?;
        answer.await.map_err(|_| StoreError::WriterStopped {
            reason: "the SQLite writer thread stopped before answering".to_owned(),
        })?
    }
}

/// The writer thread: one group of waiting writes per transaction, until every handle is
/// dropped; between groups, the end of a checkpoint when the WAL has grown large.
fn run(mut conn: Connection, queue: mpsc::Receiver<Box<dyn Job>>, wal: &WalProgress) {
    let mut next = None;
    let mut finish_deferred_since: Option<Instant> = None;
    loop {
        let first = match next.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(mpsc::RecvError) => return,
            },
        };
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(&mut conn, group);
        // Looking for a waiting write takes it off the queue; it starts the next group.
        next = queue.try_recv().ok();
        if !wal.finish_requested() {
            continue;
        }
        // The copy stalls whatever write is waiting, so wait for a gap, but not for long.
        let deferred_since = *finish_deferred_since.get_or_insert_with(Instant::now);
        if next.is_none() || deferred_since.elapsed() >= MAX_FINISH_DEFERRAL {
            finish_deferred_since = None;
            if let Err(error) = wal.finish(&conn) {
                tracing::warn!(%error, "SQLite WAL checkpoint on the writer failed; will retry");
            }
        }
    }
}

/// Runs `group` in one transaction, each write in its own savepoint, then tells every
/// caller how it went.
fn commit_group(conn: &mut Connection, group: Vec<Box<dyn Job>>) {
    let mut answers = Vec::with_capacity(group.len());
    let mut waiting = group.into_iter();
    let outcome = (|| -> Result<(), rusqlite::Error> {
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for job in waiting.by_ref() {
            let mut savepoint = tx.savepoint()?;
            let (ok, answer) = job.run(&savepoint);
            answers.push(answer);
            if !ok {
                savepoint.rollback()?;
            }
            savepoint.commit()?;
        }
        tx.commit()
    })();
    let error = outcome.err();
    if let Some(error) = &error {
        tracing::warn!(%error, writes = answers.len(), "SQLite write transaction failed");
        for job in waiting {
            job.refuse(error);
        }
    }
    for answer in answers {
        answer.send(error.as_ref());
    }
}
