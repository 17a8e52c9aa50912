//! Cancelling a run from another thread: the caller gave up on it (its task was cancelled,
//! its future dropped), so the whole process tree is killed, as at the deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag shared between a run and whoever may give up on it. Cloning shares the flag.
///
/// The supervisor looks at it between polls of the run's output, at least every 50 ms, so a
/// cancelled run's processes are killed within a fraction of a second.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    cancelled: Arc<AtomicBool>,
}

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Asks every run holding this token to end now. Idempotent.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// A guard that cancels the token when dropped: held by async code across the await of a
    /// blocking run, so that abandoning the future (a cancelled task, a `select!` that chose
    /// another branch) also ends the sandboxed processes instead of leaving them to their
    /// timeout.
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Cancels its token when dropped (see [`CancelToken::cancel_on_drop`]).
#[derive(Debug)]
pub struct CancelOnDrop(CancelToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}
