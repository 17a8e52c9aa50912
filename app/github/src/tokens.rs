//! Installation access tokens: one cached per installation, replaced before it runs out, and
//! dropped when GitHub says it is no longer good.
//!
//! Tokens are opaque: nothing here assumes a prefix, a format or a length.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use redgreen_core::InstallationId;
use secrecy::SecretString;

/// A token as handed to one call. `generation` identifies it, so that a call that got a 401
/// drops exactly this token and not a fresher one another call has fetched meanwhile.
#[derive(Clone)]
pub(crate) struct LeasedToken {
    pub(crate) secret: SecretString,
    pub(crate) generation: u64,
}

/// What GitHub answered to `POST /app/installations/{id}/access_tokens`.
pub(crate) struct FreshToken {
    pub(crate) secret: SecretString,
    /// Absent when GitHub did not say; such a token is kept until GitHub refuses it.
    pub(crate) expires_at: Option<DateTime<Utc>>,
}

struct CachedToken {
    secret: SecretString,
    expires_at: Option<DateTime<Utc>>,
    generation: u64,
}

/// One slot per installation. The slot's async lock makes concurrent callers wait for one
/// fetch instead of each minting a token.
type Slot = Arc<tokio::sync::Mutex<Option<CachedToken>>>;

pub(crate) struct InstallationTokens {
    slots: Mutex<HashMap<InstallationId, Slot>>,
    refresh_margin: Duration,
    generations: AtomicU64,
}

impl InstallationTokens {
    pub(crate) fn new(refresh_margin: Duration) -> InstallationTokens {
        InstallationTokens {
            slots: Mutex::new(HashMap::new()),
            refresh_margin,
            generations: AtomicU64::new(1),
        }
    }

    fn slot(&self, installation: InstallationId) -> Slot {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slots.entry(installation).or_default().clone()
    }

    /// The cached token if it has more than the refresh margin left, else a fresh one from
    /// `fetch` (which is then cached).
    pub(crate) async fn get<F, Fut, E>(
        &self,
        installation: InstallationId,
        now: DateTime<Utc>,
        fetch: F,
    ) -> Result<LeasedToken, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FreshToken, E>>,
    {
        let slot = self.slot(installation);
        let mut cached = slot.lock().await;
        if let Some(token) = cached.as_ref() {
            let margin =
                chrono::Duration::from_std(self.refresh_margin).unwrap_or(chrono::Duration::MAX);
            let fresh_enough = token.expires_at.is_none_or(|at| at - now > margin);
            if fresh_enough {
                return Ok(LeasedToken {
                    secret: token.secret.clone(),
                    generation: token.generation,
                });
            }
        }
        let fresh = fetch().await?;
        let generation = self.generations.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            installation = installation.0,
            expires_at = ?fresh.expires_at,
            "fetched an installation token"
        );
        *cached = Some(CachedToken {
            secret: fresh.secret.clone(),
            expires_at: fresh.expires_at,
            generation,
        });
        Ok(LeasedToken {
            secret: fresh.secret,
            generation,
        })
    }

    /// Drops the cached token if it is still the one GitHub refused.
    pub(crate) async fn invalidate(&self, installation: InstallationId, generation: u64) {
        let slot = self.slot(installation);
        let mut cached = slot.lock().await;
        if cached.as_ref().is_some_and(|t| t.generation == generation) {
            *cached = None;
        }
    }
}
