//! The byte budget shared by every webhook body read before its signature is verified
//! ([`crate::limits::UNAUTHENTICATED_BYTES`]): what bounds the memory that senders without the
//! secret can make the process hold, however many bodies they send at once.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Permits are bytes. Fair (first come, first served), so a large chunk waiting for room is not
/// starved by a stream of small ones.
#[derive(Debug)]
pub struct ByteBudget {
    permits: Arc<Semaphore>,
    size: usize,
}

/// The bytes one request holds; they return to the budget when this is dropped (the request
/// was verified, refused, or its connection went away).
#[derive(Debug, Default)]
pub(crate) struct Held {
    permit: Option<OwnedSemaphorePermit>,
}

impl ByteBudget {
    /// A budget of `bytes` (capped at what a semaphore can count, far beyond any memory).
    pub fn new(bytes: usize) -> ByteBudget {
        let size = bytes.min(Semaphore::MAX_PERMITS);
        ByteBudget {
            permits: Arc::new(Semaphore::new(size)),
            size,
        }
    }

    /// The budget's size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes not held by any request now.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    /// Waits until `bytes` more fit in the budget and adds them to `held`. A chunk larger than
    /// the whole budget is counted as the whole budget, so it waits for every other body to be
    /// done rather than forever (the body limit keeps chunks below the budget in practice).
    pub(crate) async fn take(&self, held: &mut Held, bytes: usize) {
        let wanted = u32::try_from(bytes.min(self.size)).unwrap_or(u32::MAX);
        if wanted == 0 {
            return;
        }
        // The semaphore is never closed, so acquiring can only wait, not fail.
        let Ok(permit) = self.permits.clone().acquire_many_owned(wanted).await else {
            return;
        };
        match &mut held.permit {
            Some(existing) => existing.merge(permit),
            None => held.permit = Some(permit),
        }
    }
}
