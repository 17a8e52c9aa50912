//! Builds the agent loop's parts from the configuration: the model gateway (with every secret
//! the process holds registered for redaction), the agent settings, and the sandbox that runs
//! the tests.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use redgreen_agent::{AgentSettings, ConversationLimits, TestEvidence};
use redgreen_core::work::BudgetLimits;
use redgreen_git::BotIdentity;
use redgreen_llm::{Gateway, GatewayConfig, Provider};
use redgreen_sandbox::{Limits, Sandbox, SandboxConfig, detect_toolchains};
use redgreen_tools::SandboxExecutor;

use crate::config::{Config, LlmProvider};

/// The budget of one allowance when a repository's `.github/redgreen.yml` sets none
/// (PRODUCT.md's example values).
const DEFAULT_BUDGET: BudgetLimits = BudgetLimits {
    tokens: Some(400_000),
    usd_micros: Some(3_000_000),
    minutes: Some(30),
};

/// The agent settings. With `model_required`, a missing model is an error (`redgreen run`
/// cannot do anything without one); otherwise runs that need one park and say so.
pub fn agent_settings(config: &Config, model_required: bool) -> anyhow::Result<AgentSettings> {
    let gateway = match &config.llm_model {
        Some(model) => Some(Arc::new(gateway(config, model)?)),
        None if model_required => anyhow::bail!(
            "no model configured: set REDGREEN_LLM_MODEL (and REDGREEN_LLM_BASE_URL, \
             REDGREEN_LLM_API_KEY as the provider needs)"
        ),
        None => None,
    };
    Ok(AgentSettings {
        runs_dir: config.data_dir.join("runs"),
        artifacts_dir: config.data_dir.join("artifacts"),
        baselines_dir: config.data_dir.join("baselines"),
        osv_dir: config.osv_dir.clone(),
        identity: BotIdentity {
            name: format!("{}[bot]", config.bot_name),
            email: format!("{}[bot]@users.noreply.github.com", config.bot_name),
        },
        gateway,
        conversation: ConversationLimits::default(),
        default_budget: DEFAULT_BUDGET,
        max_attempts: config.max_attempts,
        max_diff_lines: 300,
        test_timeout: Duration::from_secs(600),
        run_disk_bytes: run_disk_bytes(config),
    })
}

/// The disk cap of each run's work tree: only a root redgreen can mount the volumes that
/// enforce it (and only a root one has an unprivileged sandbox user apart from itself); an
/// operator may turn it off with `REDGREEN_SANDBOX_DISK_MB=0`.
fn run_disk_bytes(config: &Config) -> Option<u64> {
    let settings = config.sandbox;
    (settings.identity.is_some() && settings.disk_mb > 0)
        .then(|| settings.disk_mb.saturating_mul(1 << 20))
}

fn gateway(config: &Config, model: &str) -> anyhow::Result<Gateway> {
    let provider = match config.llm_provider {
        LlmProvider::OpenAi => Provider::OpenAi,
        LlmProvider::Anthropic => Provider::Anthropic,
    };
    let base_url = url::Url::parse(&config.llm_base_url).context("REDGREEN_LLM_BASE_URL")?;
    let mut gateway_config = GatewayConfig::new(provider, base_url, model);
    gateway_config.api_key = config.llm_api_key.clone();
    // Everything secret this process knows is removed from whatever is sent to the model.
    gateway_config.secrets = [
        &config.webhook_secret,
        &config.github_private_key,
        &config.api_token,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    Gateway::new(gateway_config).context("the model gateway cannot start")
}

/// The sandbox that runs repository tests: this executable is its helper; detected
/// toolchains and the operator's read-only paths are exposed. A host where the sandbox cannot
/// run still serves: runs that need tests park, saying why.
pub fn sandbox_tests(config: &Config) -> TestEvidence {
    match sandbox(config) {
        Ok((sandbox, toolchains)) => TestEvidence::new(Arc::new(
            SandboxExecutor::new(Arc::new(sandbox))
                .with_toolchains(toolchains)
                .with_limits(Limits {
                    disk_bytes: run_disk_bytes(config),
                    ..Limits::default()
                }),
        )),
        Err(error) => {
            tracing::warn!(error = %format!("{error:#}"), "the sandbox cannot run on this host");
            TestEvidence::unavailable(format!("{error:#}"))
        }
    }
}

fn sandbox(config: &Config) -> anyhow::Result<(Sandbox, Vec<redgreen_sandbox::Toolchain>)> {
    let helper = std::env::current_exe().context("cannot find the redgreen executable")?;
    let mut sandbox_config = SandboxConfig::new(helper);
    sandbox_config.host_identity = config.sandbox.identity;
    let toolchains = detect_toolchains(config.home.as_deref());
    sandbox_config.expose_toolchains(&toolchains);
    for path in &config.sandbox_readonly_paths {
        if !sandbox_config.readonly_paths.contains(path) {
            sandbox_config.readonly_paths.push(path.clone());
        }
    }
    let sandbox = Sandbox::new(sandbox_config).context("the sandbox cannot run on this host")?;
    Ok((sandbox, toolchains))
}
