//! What a run has produced so far (plan, red proof, patch, green proof, publication) and what
//! it has spent: the part of the checkpoint from which a resumed run rebuilds its workspace.
//!
//! Everything a later phase needs from an earlier one lives here, not in the worker's memory:
//! a run resumed on another machine re-creates its workspace from the base commit plus the
//! stored diffs, and re-publishes under the same idempotency keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::repo_config::Verify;

/// The products of the phases that have succeeded, in phase order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Work {
    pub prepared: Option<Prepared>,
    /// The validated `submit_plan` arguments.
    pub plan: Option<serde_json::Value>,
    pub red: Option<RedProof>,
    pub patch: Option<PatchWork>,
    pub green: Option<GreenProof>,
    pub published: Option<Published>,
    /// A follow-up whose plan needs no new test goes from planning straight to patch.
    #[serde(default)]
    pub skip_red: bool,
}

/// What `preparing` established about the repository at the base commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prepared {
    /// What was asked: the issue (or PR) as it read when the run started. Untrusted text,
    /// sanitised and fenced before it reaches a prompt.
    pub issue: IssueText,
    pub base_commit: String,
    /// The test command, and why it was chosen (`.github/redgreen.yml`, or a detected runner).
    pub test_command: String,
    pub test_command_source: String,
    /// Verification attempts per red/patch cycle before the run asks for a human.
    pub max_attempts: u32,
    /// One allowance; `continue` grants another of the same size.
    pub budget: BudgetLimits,
    /// The suite on the base commit: what "no test that passed before fails" compares with.
    /// Empty under `verify: affected`, whose verification runs the selected tests on the base
    /// commit itself.
    pub baseline: TestSummary,
    /// How much of the suite verification runs (`verify:` in the repository's config).
    #[serde(default)]
    pub verify: Verify,
}

/// The title and body of the issue or PR a run works on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueText {
    pub title: String,
    pub body: String,
}

/// Budget caps per allowance; `None` is uncapped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLimits {
    pub tokens: Option<u64>,
    pub usd_micros: Option<u64>,
    pub minutes: Option<u64>,
}

/// What a run has spent, summed over all its phases and attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Millionths of a US dollar, by the price table (0 for a model without a price).
    pub usd_micros: u64,
    pub model_calls: u64,
    /// Time waiting for the model, running tests, and in total while a worker held the run.
    pub model_ms: u64,
    pub test_ms: u64,
    pub wall_ms: u64,
}

impl Usage {
    pub fn tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }

    pub fn plus(self, other: Usage) -> Usage {
        Usage {
            input_tokens: self.input_tokens.saturating_add(other.input_tokens),
            output_tokens: self.output_tokens.saturating_add(other.output_tokens),
            usd_micros: self.usd_micros.saturating_add(other.usd_micros),
            model_calls: self.model_calls.saturating_add(other.model_calls),
            model_ms: self.model_ms.saturating_add(other.model_ms),
            test_ms: self.test_ms.saturating_add(other.test_ms),
            wall_ms: self.wall_ms.saturating_add(other.wall_ms),
        }
    }

    /// redgreen's own time: wall time minus waiting for the model and for tests.
    pub fn overhead_ms(&self) -> u64 {
        self.wall_ms
            .saturating_sub(self.model_ms)
            .saturating_sub(self.test_ms)
    }
}

/// The red phase's proof: the new tests, and their failing run on base + test changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedProof {
    pub tests: Vec<String>,
    pub rationale: String,
    /// The test changes as a unified diff against the base commit.
    pub diff: String,
    pub run: TestSummary,
    /// Tests that passed on the base commit and that the red commit removed or renamed: an
    /// old expectation the change gives up. Green compares them against nothing, and the PR
    /// body and the `redgreen/tdd` check list them.
    #[serde(default)]
    pub replaced: Vec<String>,
}

/// The patch phase's product (the code changes, test files excluded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchWork {
    pub rationale: String,
    /// The code changes as a unified diff against base + red changes.
    pub diff: String,
}

/// The green phase's proof: the named tests, then the selected tests (or the whole suite), on
/// the patched tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GreenProof {
    pub named: TestSummary,
    pub suite: TestSummary,
    /// Which tests ran, and why. `None` in checkpoints from before selections existed: the
    /// whole suite ran.
    #[serde(default)]
    pub selection: Option<TestSelection>,
    /// The same tests on the base commit, when they are not the prepare phase's baseline
    /// (a selection runs them at green time).
    #[serde(default)]
    pub baseline: Option<TestSummary>,
    /// Tests that passed on the base commit and failed with the change, then, run again on
    /// both trees, passed with the change or failed on the base: flaky, not counted.
    #[serde(default)]
    pub flaky: Vec<String>,
}

/// The tests a verification ran: the test files selected, or the whole suite, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestSelection {
    /// The test files run; empty when the whole suite ran.
    pub files: Vec<String>,
    /// Why these files, or why the whole suite.
    pub reason: String,
    /// The repository's test files left out (0 for the whole suite).
    pub left_out: usize,
}

impl TestSelection {
    pub fn is_whole_suite(&self) -> bool {
        self.files.is_empty()
    }
}

/// Where the run's result was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub branch: String,
    pub commit: String,
    pub pr_number: Option<u64>,
    pub pr_url: Option<String>,
}

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    Passed,
    Failed,
    Skipped,
    /// Did not run to a verdict: its file did not load (see [`FailingTest::load_error`]), or
    /// its setup or teardown failed.
    Errored,
}

/// One test that did not pass, as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailingTest {
    pub name: String,
    pub outcome: TestOutcome,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    /// The runner's structure says this stands for a test file, module or package that did
    /// not compile, import or collect (never read from words in a message).
    #[serde(default)]
    pub load_error: bool,
}

/// One run of tests, kept as evidence: counts, what failed and why, and every test's outcome
/// (for comparison with the baseline).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestSummary {
    pub command: String,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub passed: u32,
    pub failed: u32,
    pub skipped: u32,
    pub failing: Vec<FailingTest>,
    pub outcomes: BTreeMap<String, TestOutcome>,
    /// Head and tail of the output, for people.
    pub excerpt: String,
    pub duration_ms: u64,
}

impl TestSummary {
    /// Tests that passed in `baseline` and that this run does not report at all (removed or
    /// renamed). Empty when this run reported no outcomes (its output could not be read).
    pub fn vanished_since(&self, baseline: &TestSummary) -> Vec<String> {
        if self.outcomes.is_empty() {
            return Vec::new();
        }
        baseline
            .outcomes
            .iter()
            .filter(|(name, outcome)| {
                **outcome == TestOutcome::Passed && !self.outcomes.contains_key(*name)
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Tests that passed in `baseline` and do not pass here. A test missing here counts only
    /// when this run reported outcomes at all (a run that could not be parsed is judged by its
    /// exit code elsewhere).
    pub fn regressions_against(&self, baseline: &TestSummary) -> Vec<String> {
        if self.outcomes.is_empty() {
            return Vec::new();
        }
        baseline
            .outcomes
            .iter()
            .filter(|(_, outcome)| **outcome == TestOutcome::Passed)
            .filter(|(name, _)| self.outcomes.get(*name) != Some(&TestOutcome::Passed))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Whether the run as a whole passed: a clean exit and nothing failed or errored.
    pub fn is_green(&self) -> bool {
        !self.timed_out && self.exit_code == Some(0) && self.failed == 0 && self.failing.is_empty()
    }
}
