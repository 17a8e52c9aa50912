//! The phase runner of `redgreen serve`: each phase of a run is done by the agent's phase
//! executor against the run's repository on GitHub.

use redgreen_agent::{AgentSettings, PhaseExecutor, RunSpec, TestEvidence};
use redgreen_core::RunState;
use redgreen_core::machine::{Event, Failure, Machine};
use redgreen_core::webhook::RunRequest;
use redgreen_git::RepoCache;
use redgreen_github::{GitHubClient, RepoName};
use redgreen_store::RunRecord;

use crate::github::forge::GitHubForge;
use crate::runtime::run_driver::PhaseRunner;

/// Runs phases with the model, the sandbox and GitHub.
pub struct AgentPhases {
    settings: AgentSettings,
    tests: TestEvidence,
    github: Option<GitHubClient>,
    cache: RepoCache,
}

impl AgentPhases {
    pub fn new(
        settings: AgentSettings,
        tests: TestEvidence,
        github: Option<GitHubClient>,
        cache: RepoCache,
    ) -> AgentPhases {
        AgentPhases {
            settings,
            tests,
            github,
            cache,
        }
    }

    fn executor(
        &self,
        run: &RunRecord,
    ) -> Result<(PhaseExecutor<GitHubForge>, RunSpec), (String, Failure)> {
        let parked = |reason: String, failure| (reason, failure);
        let request: RunRequest = serde_json::from_value(run.request.clone()).map_err(|e| {
            parked(
                format!("the run's request is unreadable: {e}"),
                Failure::Fatal,
            )
        })?;
        let client = self.github.clone().ok_or_else(|| {
            parked(
                "no GitHub App is configured (REDGREEN_GITHUB_APP_ID and \
                 REDGREEN_GITHUB_PRIVATE_KEY)"
                    .into(),
                Failure::NeedsHuman,
            )
        })?;
        let repo =
            RepoName::parse(&run.repository).map_err(|e| parked(e.to_string(), Failure::Fatal))?;
        let spec = RunSpec {
            id: run.id,
            kind: run.kind,
            repository: run.repository.clone(),
            number: run.issue.or(run.pull_request),
            instructions: request.instructions.clone(),
            created_at_seconds: run.created_at.millis() / 1000,
            head_ref: request.head_ref.clone(),
        };
        let forge = GitHubForge::new(
            client,
            self.cache.clone(),
            run.installation,
            repo,
            request,
            self.settings.identity.clone(),
        );
        let executor = PhaseExecutor::new(self.settings.clone(), forge, self.tests.clone());
        Ok((executor, spec))
    }
}

impl PhaseRunner for AgentPhases {
    async fn run_phase(&self, run: &RunRecord, machine: &Machine, phase: RunState) -> Vec<Event> {
        match self.executor(run) {
            Ok((executor, spec)) => executor.run_phase(&spec, machine, phase).await,
            Err((reason, failure)) => vec![Event::PhaseFailed { reason, failure }],
        }
    }

    fn cleanup(&self, run: &RunRecord) {
        let dir = self.settings.runs_dir.join(run.id.to_string());
        if let Err(error) = std::fs::remove_dir_all(&dir)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(run = %run.id, %error, "the run's directory could not be removed");
        }
    }
}
