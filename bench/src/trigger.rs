//! `redgreen-bench trigger`: what a Cedar trigger decision costs. First the bare
//! `PolicyEngine::decide`, back to back; then the whole trigger check as `redgreen serve` wires
//! and runs it on each webhook: `TriggerCheck::decide` with the binary's own lookups (the
//! actor's collaborator permission, `GitHubPermissions`, and the repository's
//! `trigger_min_permission`, `RepoMinimum`, each cached 60 s) against an in-process GitHub
//! stand-in, paced at a constant rate with the caches warm as in production, and every
//! decision logged as JSON (to a sink).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use redgreen::github::permissions::GitHubPermissions;
use redgreen::github::repo_minimum::{REPO_MINIMUM_TTL, RepoMinimum};
use redgreen_core::{Command, InstallationId};
use redgreen_github::{GitHubClient, GitHubConfig};
use redgreen_policy::{Permission, PolicyEngine, TriggerRequest};
use redgreen_server::trigger::{PermissionLookup, Trigger, TriggerCheck};
use redgreen_testkit::GitHubStandIn;
use serde::Serialize;

use crate::latency::{Latencies, Summary};

const INSTALLATION: i64 = 7;
const REPOSITORY: &str = "bench-org/trigger";

/// Who triggers, and their permission on the repository (as the policy and as GitHub name
/// it): one allowed to run every command, one denied by the default `write` minimum.
const ACTORS: [(&str, Permission, &str); 2] = [
    ("writer-wanda", Permission::Write, "write"),
    ("reader-rita", Permission::Read, "read"),
];

#[derive(Args)]
pub struct TriggerArgs {
    /// Bare `PolicyEngine` decisions, back to back (after as many again to warm up).
    #[arg(long, default_value_t = 20_000)]
    decisions: u64,
    /// Trigger-path decisions per second.
    #[arg(long, default_value_t = 500)]
    rate: u64,
    /// Seconds of paced trigger-path decisions.
    #[arg(long, default_value_t = 10)]
    duration_secs: u64,
}

#[derive(Serialize)]
pub struct TriggerReport {
    /// `PolicyEngine::decide`, back to back, each timing including building the request.
    pub bare: Phase,
    /// `TriggerCheck::decide`: the repository's minimum, the actor's permission, the
    /// policy, the decision's log line.
    pub trigger_path: Phase,
    /// Decisions per second the paced phase asked for.
    pub target_rate: u64,
    /// Requests the stand-in served during the paced phase (0 when every lookup was a cache
    /// hit, as in production within the 60 s caches).
    pub github_requests_while_paced: usize,
}

#[derive(Serialize)]
pub struct Phase {
    pub decisions: u64,
    pub allowed: u64,
    pub denied: u64,
    /// Decisions per second achieved.
    pub per_s: f64,
    pub latency: Summary,
}

/// The `i`-th trigger of the mix: every actor with every command, in turn.
fn nth(i: u64) -> (&'static str, Permission, Command) {
    let (login, permission, _) = ACTORS[(i % 2) as usize];
    let command = Command::ALL[((i / 2) % Command::ALL.len() as u64) as usize];
    (login, permission, command)
}

pub async fn run(args: TriggerArgs) -> anyhow::Result<TriggerReport> {
    anyhow::ensure!(args.rate > 0, "--rate must be at least 1");
    let engine = PolicyEngine::embedded().context("the embedded policy does not load")?;

    // Bare: back to back on one thread, each timing from building the request to the
    // decision, after as many untimed to warm up.
    let request = |i: u64| {
        let (login, permission, command) = nth(i);
        TriggerRequest {
            actor_login: login.to_owned(),
            actor_is_bot: false,
            bot_allowlisted: false,
            own_app: false,
            permission,
            command,
            repository: REPOSITORY.to_owned(),
            min_permission: Permission::Write,
        }
    };
    for i in 0..args.decisions {
        std::hint::black_box(engine.decide(&request(i)));
    }
    let mut latencies = Latencies::new()?;
    let mut allowed = 0;
    let start = Instant::now();
    for i in 0..args.decisions {
        let began = Instant::now();
        let decision = engine.decide(&request(i));
        latencies.record(began.elapsed());
        allowed += u64::from(decision.allowed);
    }
    let bare = Phase {
        decisions: args.decisions,
        allowed,
        denied: args.decisions - allowed,
        per_s: args.decisions as f64 / start.elapsed().as_secs_f64(),
        latency: latencies.summary(),
    };

    // The trigger path.
    let github = GitHubStandIn::start().await;
    github.add_installation(INSTALLATION, "bench-org");
    github.add_repository(INSTALLATION, REPOSITORY, "main", None);
    for (login, _, role) in ACTORS {
        github.set_permission(REPOSITORY, login, role);
    }
    let config = GitHubConfig::new(
        &github.api_url(),
        github.app_id().to_string(),
        github.app_private_key_pem().to_owned().into(),
    )?;
    let client = GitHubClient::new(config)?;
    let lookup: Arc<dyn PermissionLookup> = Arc::new(GitHubPermissions(client.clone()));
    let check = TriggerCheck::new(engine, Some(lookup), Permission::Write)
        .with_bots("redgreen", Vec::new())
        .with_repository_minimum(Arc::new(RepoMinimum::new(client, REPO_MINIMUM_TTL)));
    // The decision log line is part of the path's cost: formatted as `redgreen serve` does,
    // written nowhere.
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(std::io::sink)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot install the log subscriber: {e}"))?;

    // Warm: an installation token, the repository's minimum (it has no config file, so
    // `write`) and each actor's permission in the caches.
    let trigger = |i: u64| {
        let (actor, _, command) = nth(i);
        Trigger {
            installation: InstallationId(INSTALLATION),
            repository: REPOSITORY,
            actor,
            command,
        }
    };
    for i in 0..(2 * Command::ALL.len() as u64) {
        check.decide(trigger(i)).await;
    }
    let github_requests = || github.requests().len();
    let before = github_requests();

    let total = args.rate * args.duration_secs;
    let interval = Duration::from_secs(1).div_f64(args.rate as f64);
    let mut latencies = Latencies::new()?;
    let mut allowed = 0;
    let start = tokio::time::Instant::now();
    for i in 0..total {
        tokio::time::sleep_until(start + interval.mul_f64(i as f64)).await;
        let began = Instant::now();
        let verdict = check.decide(trigger(i)).await;
        latencies.record(began.elapsed());
        allowed += u64::from(verdict.decision.allowed);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let github_requests_while_paced = github_requests() - before;
    anyhow::ensure!(
        github.take_violations().is_empty(),
        "the trigger check's lookups broke GitHub's contract"
    );
    Ok(TriggerReport {
        bare,
        trigger_path: Phase {
            decisions: total,
            allowed,
            denied: total - allowed,
            per_s: total as f64 / elapsed,
            latency: latencies.summary(),
        },
        target_rate: args.rate,
        github_requests_while_paced,
    })
}

impl fmt::Display for TriggerReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, phase) in [("bare", &self.bare), ("trigger path", &self.trigger_path)] {
            writeln!(
                f,
                "{name:12}  {} decisions ({} allowed, {} denied) at {:.0}/s",
                phase.decisions, phase.allowed, phase.denied, phase.per_s
            )?;
            writeln!(f, "{:12}  {}", "", phase.latency)?;
        }
        writeln!(
            f,
            "target rate {}/s; requests to GitHub while paced: {}",
            self.target_rate, self.github_requests_while_paced
        )
    }
}
