//! `redgreen serve`: wires the store, the HTTP surface and the worker pool together, and
//! shuts them down gracefully on SIGTERM or Ctrl-C.

use std::sync::Arc;

use anyhow::Context as _;
use redgreen_github::{GitHubClient, GitHubConfig};
use redgreen_policy::{Permission, PolicyEngine};
use redgreen_server::state::DEFAULT_MAX_BODY_BYTES;
use redgreen_server::trigger::TriggerCheck;
use redgreen_server::{AppState, Metrics, ServerConfig, ServerLimits};
use redgreen_store::Store;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::Config;
use crate::github::permissions::GitHubPermissions;
use crate::github::progress::GitHubProgress;
use crate::github::repo_minimum::{REPO_MINIMUM_TTL, RepoMinimum};
use crate::runtime::agent_phases::AgentPhases;
use crate::runtime::agent_setup::{agent_settings, sandbox_tests};
use crate::runtime::task_router::TaskRouter;
use crate::runtime::worker_pool::{PoolConfig, WorkerPool};

pub async fn serve(config: Config) -> anyhow::Result<()> {
    config.create_data_dir().with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    // Bind before connecting to the database, so a port in use is reported at once.
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {} (REDGREEN_LISTEN)", config.listen))?;
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the {} database (REDGREEN_DATABASE_URL)",
                config.database_backend()
            )
        })?;
    if config.webhook_secret.is_none() {
        warn!("REDGREEN_WEBHOOK_SECRET is not set: every webhook will be refused with 401");
    }
    if config.api_token.is_none() {
        warn!("REDGREEN_API_TOKEN is not set: the /api/v1 operator API refuses every call");
    }

    let policy = PolicyEngine::embedded().context("the embedded trigger policy does not load")?;
    let github = github_client(&config)?;
    let lookup = github.clone().map(|client| {
        Arc::new(GitHubPermissions(client)) as Arc<dyn redgreen_server::trigger::PermissionLookup>
    });
    let mut trigger_check = TriggerCheck::new(policy, lookup, Permission::Write)
        .with_bots(&config.bot_name, config.trigger_allowed_bots.clone());
    if let Some(client) = &github {
        trigger_check = trigger_check
            .with_repository_minimum(Arc::new(RepoMinimum::new(client.clone(), REPO_MINIMUM_TTL)));
    }
    let metrics = Arc::new(Metrics::default());
    let app = AppState::new(
        store.clone(),
        ServerConfig {
            webhook_secret: config.webhook_secret.clone(),
            api_token: config.api_token.clone(),
            bot_name: config.bot_name.clone(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            // Timeouts, the connection cap and the unverified-bytes budget: the documented
            // production values (redgreen_server::limits).
            limits: ServerLimits::default(),
        },
        metrics.clone(),
        Arc::new(trigger_check),
    );

    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    let worker_name = format!("{}:{}", hostname(), std::process::id());
    let settings = agent_settings(&config, false)?;
    let cache =
        redgreen_git::RepoCache::new(config.data_dir.join("repos"), settings.identity.clone());
    let phases = AgentPhases::new(settings, sandbox_tests(&config), github.clone(), cache);
    let mut router = TaskRouter::new(store.clone(), phases);
    if let Some(client) = github {
        router = router
            .with_progress(GitHubProgress::new(client.clone(), config.bot_name.clone()))
            .with_github(client);
    }
    let pool = WorkerPool::start(
        store,
        Arc::new(router),
        PoolConfig::new(config.workers, worker_name).with_lease(config.task_lease),
        metrics,
        shutdown.clone(),
    );
    info!(
        listen = %config.listen,
        database = config.database_backend(),
        workers = config.workers,
        "redgreen is serving"
    );
    // Returns once shutdown is asked for and every connection has closed.
    redgreen_server::listener::serve(listener, app, shutdown.clone().cancelled_owned()).await;
    pool.join().await;
    info!("redgreen stopped");
    Ok(())
}

async fn cancel_on_signal(shutdown: CancellationToken) {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    info!("shutdown requested: no new tasks; finishing or releasing the ones in hand");
    shutdown.cancel();
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "redgreen".into())
}

/// The GitHub App client, when the App is configured (`REDGREEN_GITHUB_APP_ID` and
/// `REDGREEN_GITHUB_PRIVATE_KEY`). Without it every command is denied, because no actor's
/// permission can be checked (fail closed), and runs cannot reach GitHub.
pub(crate) fn github_client(config: &Config) -> anyhow::Result<Option<GitHubClient>> {
    let (Some(app_id), Some(key)) = (&config.github_app_id, &config.github_private_key) else {
        warn!(
            "REDGREEN_GITHUB_APP_ID and REDGREEN_GITHUB_PRIVATE_KEY are not both set: every \
             command will be denied (no actor permission can be checked)"
        );
        return Ok(None);
    };
    let github = GitHubConfig::new(&config.github_api_url, app_id.clone(), key.clone())
        .context("the GitHub App configuration is invalid")?;
    Ok(Some(
        GitHubClient::new(github).context("cannot build the GitHub client")?,
    ))
}
