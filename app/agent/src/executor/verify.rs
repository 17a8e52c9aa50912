//! Verification: red holds when the named tests fail for a reason other than not loading,
//! a patch respects the limits and the test-integrity guard, green passes the named tests
//! without breaking the baseline.

use std::collections::BTreeSet;

use redgreen_core::machine::{Machine, PhaseOutput};
use redgreen_core::repo_config::RepoConfig;
use redgreen_core::run::{RunKind, RunState};
use redgreen_core::work::{GreenProof, PatchWork, Prepared, RedProof, TestSummary, Usage};
use redgreen_git::WorkTree;
use redgreen_tools::ToolBox;
use tracing::info;

use crate::error::AgentError;
use crate::forge::Forge;
use crate::run_spec::RunSpec;
use crate::verdict::{judge_green, judge_red};

use super::{Outcome, PhaseExecutor, parse_oid, prepared, succeeded};

impl<F: Forge> PhaseExecutor<F> {
    /// Red holds when the named tests fail on base + the new tests, for a reason other than
    /// not loading.
    pub(super) async fn verify_red(
        &self,
        tree: &WorkTree,
        prepared: &Prepared,
        config: &RepoConfig,
        toolbox: &ToolBox,
        submitted: serde_json::Value,
        usage: &mut Usage,
    ) -> Result<Outcome, AgentError> {
        let tests: Vec<String> = string_list(&submitted, "tests");
        let rationale = string_field(&submitted, "rationale");
        let written = toolbox.written_paths();
        if written.is_empty() {
            return Ok(Outcome::Rejected(
                "no test file was written: write the failing tests with code_patch first".into(),
            ));
        }
        let diff = tree.diff_paths_to_head(&written.iter().collect::<Vec<_>>())?;
        // Judge on a clean tree holding exactly the diff that will be committed, set up
        // again (the reset removed what setup and the model's test runs had left).
        tree.reset_to(parse_oid(&prepared.base_commit)?)?;
        self.set_up(tree, config, usage).await?;
        tree.apply(&diff)?;
        let run_summary = self.run_tests(tree, &prepared.test_command, usage).await?;
        if let Err(evidence) = judge_red(&run_summary, &tests) {
            return Ok(Outcome::Rejected(evidence));
        }
        let replaced = run_summary.vanished_since(&prepared.baseline);
        info!(tests = ?tests, replaced = replaced.len(), "red verified");
        Ok(succeeded(PhaseOutput::Red(RedProof {
            tests,
            rationale,
            diff,
            run: run_summary,
            replaced,
        })))
    }

    /// A patch is kept when it respects the diff limit and the test-integrity guard; whether
    /// it works is green's question.
    pub(super) fn verify_patch(
        &self,
        tree: &WorkTree,
        config: &RepoConfig,
        toolbox: &ToolBox,
        red_paths: &BTreeSet<String>,
        carried: BTreeSet<String>,
        submitted: serde_json::Value,
    ) -> Result<Outcome, AgentError> {
        let mut written = toolbox.written_paths();
        written.extend(carried);
        if written.is_empty() {
            return Ok(Outcome::Rejected(
                "no file was changed: make the fix with code_patch first".into(),
            ));
        }
        let changes = redgreen_tools::working_tree_changes(tree.path(), &written)
            .map_err(|error| AgentError::Sandbox(error.to_string()))?;
        let findings = redgreen_tools::check_integrity(&changes, red_paths);
        if !findings.is_empty() {
            let listed: Vec<String> = findings.iter().map(ToString::to_string).collect();
            return Ok(Outcome::Rejected(format!(
                "the test-integrity guard rejected the patch:\n{}",
                listed.join("\n")
            )));
        }
        let max_lines = config
            .max_diff_lines
            .unwrap_or(self.settings.max_diff_lines);
        if let Err(error) = redgreen_tools::diff_limits(&changes, max_lines) {
            return Ok(Outcome::Rejected(error.to_string()));
        }
        let diff = tree.diff_paths_to_head(&written.iter().collect::<Vec<_>>())?;
        Ok(succeeded(PhaseOutput::Patched(PatchWork {
            rationale: string_field(&submitted, "rationale"),
            diff,
        })))
    }

    pub(super) async fn green(
        &self,
        run: &RunSpec,
        machine: &Machine,
        usage: &mut Usage,
    ) -> Result<Outcome, AgentError> {
        let prepared = prepared(machine)?;
        let tree = self.tree_at(run, machine, RunState::Green, usage).await?;
        let suite = self.run_tests(&tree, &prepared.test_command, usage).await?;
        if run.kind == RunKind::Test {
            // `@redgreen test` reports what it saw; there is nothing to verify.
            return Ok(succeeded(PhaseOutput::Green(GreenProof {
                named: TestSummary::default(),
                suite,
            })));
        }
        let (tests, replaced) = machine
            .work
            .red
            .as_ref()
            .map(|red| (red.tests.clone(), red.replaced.clone()))
            .unwrap_or_default();
        let named = named_only(&suite, &tests);
        if let Err(evidence) = judge_green(&named, &suite, &prepared.baseline, &tests, &replaced) {
            return Ok(Outcome::Rejected(evidence));
        }
        Ok(succeeded(PhaseOutput::Green(GreenProof { named, suite })))
    }
}

/// The part of `suite` about the named tests.
fn named_only(suite: &TestSummary, tests: &[String]) -> TestSummary {
    let outcomes = suite
        .outcomes
        .iter()
        .filter(|(id, _)| {
            tests
                .iter()
                .any(|test| crate::verdict::names_match(id, test))
        })
        .map(|(id, outcome)| (id.clone(), *outcome))
        .collect();
    let failing = suite
        .failing
        .iter()
        .filter(|failing| {
            tests
                .iter()
                .any(|test| crate::verdict::names_match(&failing.name, test))
        })
        .cloned()
        .collect();
    let mut named = TestSummary {
        outcomes,
        failing,
        ..suite.clone()
    };
    named.passed = count(&named, redgreen_core::work::TestOutcome::Passed);
    named.failed = count(&named, redgreen_core::work::TestOutcome::Failed);
    named.skipped = count(&named, redgreen_core::work::TestOutcome::Skipped);
    named.exit_code = Some(i32::from(!named.failing.is_empty()));
    named
}

fn count(summary: &TestSummary, outcome: redgreen_core::work::TestOutcome) -> u32 {
    let n = summary.outcomes.values().filter(|o| **o == outcome).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn string_list(value: &serde_json::Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn string_field(value: &serde_json::Value, key: &str) -> String {
    value
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}
