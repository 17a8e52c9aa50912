//! Running a repository's tests as evidence: the test command run through the tools' executor
//! (the sandbox with no network, in production), read by the runner's parser, and kept as a
//! core [`TestSummary`].

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use redgreen_core::work::{FailingTest, TestOutcome, TestSummary};
use redgreen_tools::{
    AllowedHost, CancelToken, CaseOutcome, ExecutedCommand, TestCommand, TestExecutor,
    TestInvocation, TestRun, execute_tests,
};

use crate::error::AgentError;

/// Bytes of output kept as a run's excerpt (half head, half tail).
const EXCERPT_BYTES: usize = 8 * 1024;

/// Where test runs happen; cheap to clone.
#[derive(Clone)]
pub struct TestEvidence {
    executor: Result<Arc<dyn TestExecutor>, String>,
}

impl TestEvidence {
    pub fn new(executor: Arc<dyn TestExecutor>) -> TestEvidence {
        TestEvidence {
            executor: Ok(executor),
        }
    }

    /// No test can run here (the sandbox is unavailable on this host): every phase that
    /// needs a test run fails with `reason`.
    pub fn unavailable(reason: String) -> TestEvidence {
        TestEvidence {
            executor: Err(reason),
        }
    }

    /// The executor, for the `run_tests` tool.
    pub fn executor(&self) -> Option<Arc<dyn TestExecutor>> {
        self.executor.as_ref().ok().cloned()
    }

    /// Runs `command` on `tree`. A failing test is evidence in the summary; an error means
    /// the command could not be run at all.
    pub async fn run(
        &self,
        tree: &Path,
        command: &str,
        timeout: Duration,
    ) -> Result<TestSummary, AgentError> {
        let executor = self.executor.clone().map_err(AgentError::Sandbox)?;
        let tree = tree.to_path_buf();
        let command = TestCommand::configured(command);
        let cancel = CancelToken::new();
        // A phase abandoned while its tests run (the run was cancelled) drops this future;
        // the guard then kills the sandboxed run instead of leaving it to its timeout.
        let _cancel_on_drop = cancel.cancel_on_drop();
        let run = tokio::task::spawn_blocking(move || {
            execute_tests(
                executor.as_ref(),
                &tree,
                &command,
                None,
                timeout,
                EXCERPT_BYTES,
                &cancel,
            )
        })
        .await
        .map_err(|error| AgentError::Sandbox(format!("the test run's thread failed: {error}")))?
        .map_err(|error| AgentError::Sandbox(error.to_string()))?;
        Ok(summarize(&run))
    }
}

impl TestEvidence {
    /// Runs one of the repository's setup commands on `tree`, its only way out the egress
    /// proxy allowing `egress`. A failing command is an outcome; an error means it could not
    /// be run at all.
    pub async fn run_setup(
        &self,
        tree: &Path,
        command: &str,
        egress: Vec<AllowedHost>,
        timeout: Duration,
    ) -> Result<ExecutedCommand, AgentError> {
        let executor = self.executor.clone().map_err(AgentError::Sandbox)?;
        let tree = tree.to_path_buf();
        let command = command.to_owned();
        let cancel = CancelToken::new();
        // As for tests: an abandoned phase kills its setup run.
        let _cancel_on_drop = cancel.cancel_on_drop();
        tokio::task::spawn_blocking(move || {
            executor.execute(&TestInvocation {
                workspace: &tree,
                command: &command,
                timeout,
                cancel: &cancel,
                egress: Some(&egress),
            })
        })
        .await
        .map_err(|error| AgentError::Sandbox(format!("the setup run's thread failed: {error}")))?
        .map_err(|error| AgentError::Sandbox(error.to_string()))
    }
}

/// The evidence kept of one run.
fn summarize(run: &TestRun) -> TestSummary {
    let report = &run.report;
    let outcome = |case: CaseOutcome| match case {
        CaseOutcome::Passed => TestOutcome::Passed,
        CaseOutcome::Failed => TestOutcome::Failed,
        CaseOutcome::Skipped => TestOutcome::Skipped,
        CaseOutcome::Errored => TestOutcome::Errored,
    };
    let failing = report
        .cases
        .iter()
        .filter(|case| matches!(case.outcome, CaseOutcome::Failed | CaseOutcome::Errored))
        .map(|case| FailingTest {
            name: case.id.clone(),
            outcome: outcome(case.outcome),
            message: case.message.chars().take(2000).collect(),
            file: case.file.clone(),
            line: case.line,
            load_error: case.load_error,
        })
        .collect();
    TestSummary {
        command: run.command.clone(),
        exit_code: run.exit_code,
        timed_out: run.timed_out,
        passed: report.count(CaseOutcome::Passed),
        failed: report.count(CaseOutcome::Failed) + report.count(CaseOutcome::Errored),
        skipped: report.count(CaseOutcome::Skipped),
        failing,
        outcomes: report
            .cases
            .iter()
            .map(|case| (case.id.clone(), outcome(case.outcome)))
            .collect(),
        excerpt: run.log_excerpt.clone(),
        duration_ms: run.duration_ms,
    }
}
