//! What every handler shares: the store, the server's configuration, its metrics and the
//! budget of unverified body bytes.

use std::sync::Arc;

use redgreen_store::Store;
use secrecy::SecretString;

use crate::budget::ByteBudget;
use crate::limits::ServerLimits;
use crate::metrics::Metrics;
use crate::trigger::TriggerCheck;

/// GitHub's limit for a webhook payload, and so redgreen's default.
pub const DEFAULT_MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// The HTTP surface's settings. Built by the binary from the environment; the secrets stay
/// wrapped so that `Debug` and logs never show them.
#[derive(Debug)]
pub struct ServerConfig {
    /// `REDGREEN_WEBHOOK_SECRET`. Without it every webhook is refused with 401.
    pub webhook_secret: Option<SecretString>,
    /// `REDGREEN_API_TOKEN`. Without it every `/api/v1` call is refused with 401.
    pub api_token: Option<SecretString>,
    /// `REDGREEN_BOT_NAME`: the mention handle, without the `@`.
    pub bot_name: String,
    /// Webhook bodies larger than this are answered 413.
    pub max_body_bytes: usize,
    /// Timeouts, the connection cap and the unverified-bytes budget.
    pub limits: ServerLimits,
}

/// The state behind the router. Cheap to clone: the store is a pool, the rest is shared.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ServerConfig>,
    pub metrics: Arc<Metrics>,
    /// Decides whether a command's actor may run it, before it becomes work.
    pub trigger: Arc<TriggerCheck>,
    /// Webhook body bytes held before their signature is verified, across all requests.
    pub unverified_bytes: Arc<ByteBudget>,
}

impl AppState {
    /// The state for `config`, with a fresh byte budget of `config.limits.unauthenticated_bytes`
    /// (raised to the body limit when smaller, or the largest allowed delivery could never be
    /// read whole).
    pub fn new(
        store: Store,
        config: ServerConfig,
        metrics: Arc<Metrics>,
        trigger: Arc<TriggerCheck>,
    ) -> AppState {
        let budget = config
            .limits
            .unauthenticated_bytes
            .max(config.max_body_bytes);
        AppState {
            store,
            config: Arc::new(config),
            metrics,
            trigger,
            unverified_bytes: Arc::new(ByteBudget::new(budget)),
        }
    }
}
