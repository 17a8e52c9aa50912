//! The `control` task: `@redgreen status`, `cancel`, `continue` and `retry`, on the latest run
//! of the issue or pull request the comment was on.

use redgreen_core::webhook::{ControlRequest, Target};
use redgreen_core::{Command, InstallationId, RunState, TaskId};
use redgreen_store::{NewTask, Scope, Store};
use tracing::{info, warn};

use crate::github::progress::GitHubProgress;
use crate::now;
use crate::runtime::run_driver::checkpointed_machine;
use crate::runtime::worker_pool::TaskError;

/// Runs looked at to find the latest run of an issue or PR for a control command.
const CONTROL_LOOKBACK: i64 = 500;
/// Attempts of a task that resumes a parked run.
const RESUMED_TASK_ATTEMPTS: i32 = 5;

/// Acts on the run, then shows it as it is in its progress comment. `continue` and `retry`
/// resume a parked run through a new task, so the run is driven by the queue like any other.
pub(crate) async fn control_run(
    store: &Store,
    progress: Option<&GitHubProgress>,
    installation: InstallationId,
    payload: &serde_json::Value,
) -> Result<(), TaskError> {
    let control: ControlRequest = serde_json::from_value(payload.clone())
        .map_err(|e| TaskError::Permanent(format!("unreadable control task: {e}")))?;
    let repository = payload
        .get("repository")
        .and_then(|r| r.as_str())
        .ok_or_else(|| TaskError::Permanent("control task without a repository".into()))?;
    let scope = Scope::Tenant(installation);
    let (Target::Issue(number) | Target::PullRequest(number)) = control.target;
    let runs = store.list_runs(scope, CONTROL_LOOKBACK).await?;
    let Some(run) = runs.into_iter().find(|run| {
        run.repository == repository
            && (run.issue == Some(number) || run.pull_request == Some(number))
    }) else {
        info!(command = control.command.as_str(), %repository, number, "no run to control");
        return Ok(());
    };
    let command = control.command;
    info!(run = %run.id, command = command.as_str(), actor = %control.actor, "run control");
    let run = match command {
        Command::Cancel => store
            .request_cancel(scope, run.id, &control.actor, now())
            .await?
            .unwrap_or(run),
        Command::Continue | Command::Retry if run.state == RunState::NeedsHuman => {
            let resume = if command == Command::Continue {
                "continue"
            } else {
                "retry"
            };
            store
                .enqueue(&NewTask {
                    id: TaskId(uuid::Uuid::now_v7()),
                    kind: "run".into(),
                    installation: Some(installation),
                    run: Some(run.id),
                    payload: serde_json::json!({ "resume": resume }),
                    max_attempts: RESUMED_TASK_ATTEMPTS,
                    run_at: now(),
                })
                .await?;
            return Ok(());
        }
        _ => run,
    };
    // `status`, and the outcome of the others: the progress comment shows the run as it is.
    let machine = checkpointed_machine(&run)?;
    if let Some(progress) = progress
        && let Err(error) = progress.publish(&run, &machine).await
    {
        warn!(%error, "progress could not be published on GitHub");
    }
    Ok(())
}
