//! The task handler of `redgreen serve`: routes each task kind the webhook intake enqueues to
//! what does it. Runs go to the run driver; run control, installation changes and denial
//! replies are handled beside it.

use std::time::Duration;

use redgreen_core::machine::Event;
use redgreen_github::GitHubClient;
use redgreen_server::trigger::DenialReply;
use redgreen_store::{LeasedTask, Store};

use crate::github::denial_reply::post_denial_reply;
use crate::github::progress::GitHubProgress;
use crate::runtime::installation_change::check_added_repositories;
use crate::runtime::run_control::control_run;
use crate::runtime::run_driver::{PhaseRunner, RunDriver};
use crate::runtime::worker_pool::{TaskError, TaskHandler};

/// Handles every task kind the webhook intake enqueues.
pub struct TaskRouter<P> {
    store: Store,
    runs: RunDriver<P>,
    progress: Option<GitHubProgress>,
    github: Option<GitHubClient>,
}

impl<P: PhaseRunner> TaskRouter<P> {
    pub fn new(store: Store, phases: P) -> TaskRouter<P> {
        TaskRouter {
            runs: RunDriver::new(store.clone(), phases),
            store,
            progress: None,
            github: None,
        }
    }

    /// How often a run's phase in progress looks for a cancel request (two seconds by
    /// default).
    pub fn with_cancel_poll(mut self, every: Duration) -> TaskRouter<P> {
        self.runs = self.runs.with_cancel_poll(every);
        self
    }

    /// The GitHub App, for the tasks that act on GitHub outside a run: denial replies and
    /// the branch-protection doctor on installation changes.
    pub fn with_github(mut self, client: GitHubClient) -> TaskRouter<P> {
        self.github = Some(client);
        self
    }

    /// Publishes each run's progress on GitHub (the 👀 reaction and the progress comment),
    /// as runs move and when run control acts on them.
    pub fn with_progress(mut self, progress: GitHubProgress) -> TaskRouter<P> {
        self.runs = self.runs.with_progress(progress.clone());
        self.progress = Some(progress);
        self
    }
}

impl<P: PhaseRunner> TaskHandler for TaskRouter<P> {
    async fn handle(&self, task: &LeasedTask) -> Result<(), TaskError> {
        match (task.kind.as_str(), task.installation, task.run) {
            ("run", Some(installation), Some(run)) => {
                let resume = match task.payload.get("resume").and_then(|r| r.as_str()) {
                    Some("continue") => Some(Event::Continue),
                    Some("retry") => Some(Event::Retry),
                    _ => None,
                };
                self.runs.drive(installation, run, resume).await
            }
            ("control", Some(installation), _) => {
                control_run(
                    &self.store,
                    self.progress.as_ref(),
                    installation,
                    &task.payload,
                )
                .await
            }
            // The installation and its repositories were recorded with the delivery.
            ("installation", Some(installation), _) => {
                check_added_repositories(
                    &self.store,
                    self.github.as_ref(),
                    installation,
                    &task.payload,
                )
                .await
            }
            ("reply", Some(installation), None) => {
                let reply: DenialReply = serde_json::from_value(task.payload.clone())
                    .map_err(|e| TaskError::Permanent(format!("unreadable reply task: {e}")))?;
                let client = self.github.as_ref().ok_or_else(|| {
                    TaskError::Permanent("no GitHub App configured to post the reply".into())
                })?;
                post_denial_reply(client, installation, &reply)
                    .await
                    .map(drop)
                    .map_err(|e| TaskError::from_error(e.is_retryable(), e))
            }
            (kind, _, _) => Err(TaskError::Permanent(format!(
                "task kind {kind:?} without the references it needs"
            ))),
        }
    }
}
