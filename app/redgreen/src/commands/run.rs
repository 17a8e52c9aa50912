//! `redgreen run`: the agent loop on a local repository, without GitHub or a database. The
//! same state machine and phase executor as `redgreen serve`; the checkpoint lives in memory
//! and the result is a branch in the repository and a PR-body file.

pub mod local_forge;

use std::collections::VecDeque;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use redgreen_agent::{PhaseExecutor, RunSpec};
use redgreen_core::machine::{Effect, Event, Machine, step};
use redgreen_core::{RunId, RunKind, RunState};
use serde_json::json;

use crate::cli::RunArgs;
use crate::commands::run::local_forge::LocalForge;
use crate::config::Config;
use crate::runtime::agent_setup::{agent_settings, sandbox_tests};

/// Transient failures (a model outage the gateway gave up on is not one) are retried this
/// many times, with a pause, before the run stops.
const TRANSIENT_RETRIES: u32 = 3;

pub async fn run(config: &Config, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let repo = args
        .repo
        .canonicalize()
        .with_context(|| format!("the repository {} is not a directory", args.repo.display()))?;
    let issue = match (&args.issue, &args.issue_file) {
        (Some(text), None) => text.clone(),
        (None, Some(file)) => std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the issue file {}", file.display()))?,
        _ => anyhow::bail!("give the issue with exactly one of --issue and --issue-file"),
    };
    anyhow::ensure!(!issue.trim().is_empty(), "the issue text is empty");
    config.create_data_dir().with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let settings = agent_settings(config, true)?;
    let tests = sandbox_tests(config);
    let forge = LocalForge::new(repo.clone(), &issue, config.data_dir.join("pr-bodies"));
    let executor = PhaseExecutor::new(settings, forge, tests);
    let spec = RunSpec {
        id: RunId(uuid::Uuid::now_v7()),
        kind: RunKind::Fix,
        repository: repo
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "repository".into()),
        number: None,
        instructions: String::new(),
        created_at_seconds: chrono::Utc::now().timestamp(),
        head_ref: None,
    };
    let machine = drive(&executor, &spec).await;
    let published = machine.work.published.as_ref();
    let result = json!({
        "run": spec.id.to_string(),
        "state": machine.state.as_str(),
        "branch": published.map(|p| &p.branch),
        "commit": published.map(|p| &p.commit),
        "pr_body": published.and(Some(executor.forge().pr_body_path(&spec))),
        "red_tests": machine.work.red.as_ref().map(|red| &red.tests),
        "usage": machine.usage,
        "overhead_ms": machine.usage.overhead_ms(),
        "last_error": machine.last_error,
    });
    if args.json {
        println!("{}", serde_json::to_string(&result)?);
    } else {
        println!("run {}: {}", spec.id, machine.state);
        if let Some(published) = published {
            println!("branch {} at {}", published.branch, published.commit);
            println!(
                "PR body: {}",
                executor.forge().pr_body_path(&spec).display()
            );
        }
        if let Some(error) = &machine.last_error {
            println!("last error: {error}");
        }
    }
    Ok(if machine.state == RunState::Done {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Steps the machine until the run stops, performing its effects.
async fn drive<F: redgreen_agent::Forge>(executor: &PhaseExecutor<F>, spec: &RunSpec) -> Machine {
    let mut machine = Machine::new(spec.kind);
    let mut events = VecDeque::from([Event::Started]);
    let mut transient = 0;
    while let Some(event) = events.pop_front() {
        let (next, effects) = step(&machine, &event);
        machine = next;
        for effect in effects {
            match effect {
                Effect::RunPhase(phase) => {
                    tracing::info!(run = %spec.id, %phase, "phase");
                    eprintln!("redgreen run: {phase}");
                    events.extend(executor.run_phase(spec, &machine, phase).await);
                }
                Effect::PublishProgress => {
                    if let Some(error) = &machine.last_error {
                        eprintln!("redgreen run: {} ({error})", machine.state);
                    }
                }
                Effect::Cleanup => {
                    if let Err(error) = executor.cleanup(spec) {
                        tracing::warn!(%error, "the run's directory could not be removed");
                    }
                }
                Effect::RetryLater if transient < TRANSIENT_RETRIES => {
                    transient += 1;
                    tokio::time::sleep(Duration::from_secs(u64::from(transient) * 2)).await;
                    events.push_back(Event::Started);
                }
                Effect::RetryLater => return machine,
            }
        }
    }
    machine
}
