//! The work of each phase of a run, reported as core events: what was spent, then the
//! phase's product, the verification's rejection, or the failure.
//!
//! Every phase starts by rebuilding the run's work tree from the checkpoint (base commit plus
//! the stored diffs, committed at the run's own time), so a phase can be redone anywhere
//! after a crash and the rebuilt commits are the ones pushed before.

use std::collections::BTreeSet;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redgreen_core::RunId;
use redgreen_core::machine::{Event, Machine, PhaseOutput};
use redgreen_core::repo_config::{REPO_CONFIG_PATH, RepoConfig};
use redgreen_core::run::{RunKind, RunState};
use redgreen_core::work::{
    BudgetLimits, GreenProof, PatchWork, Prepared, RedProof, TestSummary, Usage,
};
use redgreen_git::{BotIdentity, WorkTree};
use redgreen_indexer::{Impact, Index, Source};
use redgreen_llm::{Budget, Gateway, Spent};
use redgreen_tools::{AllowedHost, PhasePolicy, SbomSettings, ToolBox, WriteScope};
use tracing::{info, warn};

use crate::conversation::{ConversationLimits, converse};
use crate::error::AgentError;
use crate::evidence::TestEvidence;
use crate::forge::{Forge, Publication};
use crate::pr_body::{branch_name, check_report, render_pr_body};
use crate::prompt::{ModelPhase, system_prompt, task_message};
use crate::recommendation::{self, ADR_TITLE, adr_branch, recommend_for};
use crate::verdict::{judge_green, judge_red};

/// What the executor needs to know about a run (from its stored record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    pub id: RunId,
    pub kind: RunKind,
    /// `owner/name`, or the local path's name for `redgreen run`.
    pub repository: String,
    /// The issue or pull request number (`None` for a local run without one).
    pub number: Option<i64>,
    /// The text after the command in the mention (untrusted).
    pub instructions: String,
    /// The run's creation time in seconds since the epoch: the time of its commits.
    pub created_at_seconds: i64,
    /// A follow-up's PR branch.
    pub head_ref: Option<String>,
}

/// Operator settings of the agent loop.
#[derive(Clone)]
pub struct AgentSettings {
    /// Where each run keeps its work tree and index (`<data dir>/runs`).
    pub runs_dir: PathBuf,
    /// What runs leave behind on purpose (`<data dir>/artifacts`; a run's under its id):
    /// the SBOMs `sbom_generate` writes. Not removed with the run's work tree.
    pub artifacts_dir: PathBuf,
    /// OSV records the SBOMs are matched against (the operator's; none is bundled).
    pub osv_dir: Option<PathBuf>,
    pub identity: BotIdentity,
    /// The model; `None` when no model is configured (only `test` runs can work then).
    pub gateway: Option<Arc<Gateway>>,
    pub conversation: ConversationLimits,
    /// The budget of one allowance when the repository sets none.
    pub default_budget: BudgetLimits,
    pub max_attempts: u32,
    pub max_diff_lines: u64,
    pub test_timeout: Duration,
    /// Each run's disk cap: its work tree is a volume of this many bytes
    /// (`redgreen_sandbox::create_volume`), so sandboxed code cannot fill the host's disk.
    /// `None` (a non-root redgreen, which cannot mount one) leaves the tree a plain directory.
    pub run_disk_bytes: Option<u64>,
}

/// Does the work of one phase of a run.
pub struct PhaseExecutor<F> {
    settings: AgentSettings,
    forge: F,
    tests: TestEvidence,
}

/// A phase's product, as its outcome.
fn succeeded(output: PhaseOutput) -> Outcome {
    Outcome::Succeeded(Box::new(output))
}

/// How a phase ended, before it becomes an event.
enum Outcome {
    Succeeded(Box<PhaseOutput>),
    Rejected(String),
}

impl<F: Forge> PhaseExecutor<F> {
    pub fn new(settings: AgentSettings, forge: F, tests: TestEvidence) -> PhaseExecutor<F> {
        PhaseExecutor {
            settings,
            forge,
            tests,
        }
    }

    pub fn forge(&self) -> &F {
        &self.forge
    }

    /// Runs `phase` of `run` from the checkpoint `machine`; returns what was spent, then the
    /// verdict.
    pub async fn run_phase(&self, run: &RunSpec, machine: &Machine, phase: RunState) -> Vec<Event> {
        let started = Instant::now();
        let mut usage = Usage::default();
        let result = match phase {
            RunState::Preparing => self.prepare(run, &mut usage).await,
            RunState::Planning if run.kind == RunKind::Recommend => {
                self.plan_recommendation(run, machine, &mut usage).await
            }
            RunState::Planning | RunState::Red | RunState::Patch => {
                self.converse(run, machine, phase, &mut usage).await
            }
            RunState::Green => self.green(run, machine, &mut usage).await,
            RunState::Publishing => self.publish(run, machine).await,
            other => Err(AgentError::MissingWork(match other {
                RunState::Queued => "a phase to run (the run is still queued)",
                _ => "a phase to run (the run has ended)",
            })),
        };
        usage.wall_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let verdict = match result {
            Ok(Outcome::Succeeded(output)) => Event::PhaseSucceeded { output: *output },
            Ok(Outcome::Rejected(evidence)) => {
                info!(run = %run.id, %phase, "verification rejected the phase");
                Event::VerificationFailed { evidence }
            }
            Err(error) => {
                warn!(run = %run.id, %phase, %error, "phase failed");
                Event::PhaseFailed {
                    reason: error.to_string(),
                    failure: error.failure(),
                }
            }
        };
        vec![Event::Spent { usage }, verdict]
    }

    /// Where this run's `sbom_generate` writes, and what its documents say of themselves.
    fn sbom_settings(&self, run: &RunSpec) -> Result<SbomSettings, AgentError> {
        let timestamp = time::OffsetDateTime::from_unix_timestamp(run.created_at_seconds)
            .ok()
            .and_then(|at| {
                at.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .ok_or(AgentError::MissingWork(
                "a creation time that can be written as a date",
            ))?;
        Ok(SbomSettings {
            artifacts_dir: self.settings.artifacts_dir.join(run.id.to_string()),
            shown_dir: format!("artifacts/{}", run.id),
            osv_dir: self.settings.osv_dir.clone(),
            name: run.repository.clone(),
            timestamp,
        })
    }

    fn tree_dir(&self, run: &RunSpec) -> PathBuf {
        self.settings.runs_dir.join(run.id.to_string()).join("tree")
    }

    /// Removes the run's work tree and index (the `Cleanup` effect).
    pub fn cleanup(&self, run: &RunSpec) -> Result<(), AgentError> {
        redgreen_sandbox::remove_volume(&self.tree_dir(run))
            .map_err(|error| AgentError::Sandbox(error.to_string()))?;
        let dir = self.settings.runs_dir.join(run.id.to_string());
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(AgentError::Io {
                operation: "removing the run's directory",
                source,
            }),
        }
    }

    async fn prepare(&self, run: &RunSpec, usage: &mut Usage) -> Result<Outcome, AgentError> {
        let issue = self.forge.issue(run).await?;
        let base = self.forge.base_commit(run).await?;
        let tree = self.fresh_tree(run, &base).await?;
        let config = read_repo_config(&tree, parse_oid(&base)?)?;
        if run.kind != RunKind::Recommend {
            self.set_up(&tree, &config, usage).await?;
        }
        let (test_command, source, baseline) = if run.kind == RunKind::Recommend {
            // A recommendation changes documentation only: no test runs.
            (
                String::new(),
                "not needed".to_owned(),
                TestSummary::default(),
            )
        } else {
            let (command, source) = match &config.test {
                Some(command) => (command.clone(), REPO_CONFIG_PATH.to_owned()),
                None => {
                    let detected = redgreen_tools::detect_test_command(tree.path())
                        .ok_or(AgentError::NoTestCommand)?;
                    (detected.command, format!("detected: {}", detected.reason))
                }
            };
            let baseline = self.run_tests(&tree, &command, usage).await?;
            (command, source, baseline)
        };
        let budget = config
            .budget
            .as_ref()
            .map_or(self.settings.default_budget, |b| BudgetLimits {
                tokens: b.tokens,
                usd_micros: b.usd.map(|usd| (usd * 1_000_000.0).round() as u64),
                minutes: b.minutes.map(|minutes| minutes.ceil() as u64),
            });
        info!(run = %run.id, %base, %test_command, baseline_passed = baseline.passed, "prepared");
        Ok(succeeded(PhaseOutput::Prepared(Box::new(Prepared {
            issue,
            base_commit: base,
            test_command,
            test_command_source: source,
            max_attempts: self.settings.max_attempts,
            budget,
            baseline,
        }))))
    }

    async fn converse(
        &self,
        run: &RunSpec,
        machine: &Machine,
        phase: RunState,
        usage: &mut Usage,
    ) -> Result<Outcome, AgentError> {
        let model_phase = ModelPhase::of(phase).ok_or(AgentError::MissingWork("a model phase"))?;
        let gateway = self
            .settings
            .gateway
            .as_ref()
            .ok_or_else(|| AgentError::Forge {
                message: "no model is configured (REDGREEN_LLM_MODEL and the provider's key)"
                    .into(),
                retryable: false,
            })?;
        let prepared = prepared(machine)?;
        let tree = self.tree_at(run, machine, phase, usage).await?;
        let config = read_repo_config(&tree, parse_oid(&prepared.base_commit)?)?;
        let red_paths = machine
            .work
            .red
            .as_ref()
            .map(|red| changed_paths(&red.diff))
            .transpose()?
            .unwrap_or_default();
        // A patch retried after a rejection starts from the previous one (see `tree_at`), so
        // the files it changed belong to this attempt's diff too.
        let carried = match (&machine.work.patch, &machine.feedback) {
            (Some(patch), Some(_)) if phase == RunState::Patch => changed_paths(&patch.diff)?,
            _ => BTreeSet::new(),
        };
        let policy = match model_phase {
            ModelPhase::Planning => PhasePolicy::read_only(),
            ModelPhase::Red => PhasePolicy::red(),
            ModelPhase::Patch => PhasePolicy::patch(red_paths.clone()),
        };
        let scope = config
            .write_scope
            .as_ref()
            .map_or_else(WriteScope::default, |scope| {
                WriteScope::new(scope.allow.clone(), scope.deny.clone())
            });
        let mut toolbox = ToolBox::new(tree.path(), scope, prepared.test_command.clone())
            .map_err(|error| AgentError::Sandbox(error.to_string()))?
            .with_index(self.index(run, &tree).await?);
        if let Some(executor) = self.tests.executor() {
            toolbox = toolbox.with_executor(executor);
        }
        toolbox = toolbox.with_sbom(self.sbom_settings(run)?);
        let mut budget = budget_for(machine);
        let before = budget.spent.clone();
        let conversation = converse(
            gateway,
            &mut budget,
            &toolbox,
            &policy,
            model_phase,
            system_prompt(model_phase, run.kind),
            task_message(model_phase, machine, &run.instructions, None),
            config.model.clone(),
            self.settings.conversation,
        )
        .await;
        add_model_usage(usage, &before, &budget.spent);
        let submitted = conversation?;
        match model_phase {
            ModelPhase::Planning => {
                let red_needed = run.kind != RunKind::FollowUp
                    || submitted
                        .get("test_strategy")
                        .and_then(|s| s.as_str())
                        .is_some_and(|s| !s.trim().is_empty());
                Ok(succeeded(PhaseOutput::Planned {
                    plan: submitted,
                    red_needed,
                }))
            }
            ModelPhase::Red => {
                self.verify_red(&tree, prepared, &config, &toolbox, submitted, usage)
                    .await
            }
            ModelPhase::Patch => {
                self.verify_patch(&tree, &config, &toolbox, &red_paths, carried, submitted)
            }
        }
    }

    /// Red holds when the named tests fail on base + the new tests, for a reason other than
    /// not loading.
    async fn verify_red(
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
        info!(tests = ?tests, "red verified");
        Ok(succeeded(PhaseOutput::Red(RedProof {
            tests,
            rationale,
            diff,
            run: run_summary,
        })))
    }

    /// A patch is kept when it respects the diff limit and the test-integrity guard; whether
    /// it works is green's question.
    fn verify_patch(
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

    async fn green(
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
        let tests = machine
            .work
            .red
            .as_ref()
            .map(|red| red.tests.clone())
            .unwrap_or_default();
        let named = named_only(&suite, &tests);
        if let Err(evidence) = judge_green(&named, &suite, &prepared.baseline, &tests) {
            return Ok(Outcome::Rejected(evidence));
        }
        Ok(succeeded(PhaseOutput::Green(GreenProof { named, suite })))
    }

    /// Planning of a recommendation: the ranking itself, no model. Constraints that cannot
    /// be met end the run here, with the explanation.
    ///
    /// With a model configured, the model is also asked for the ADR's context paragraph from
    /// the ranking; it is kept in the plan only if every number and product name in it comes
    /// from the ranking, so that publishing (which renders again) writes the same bytes.
    async fn plan_recommendation(
        &self,
        run: &RunSpec,
        machine: &Machine,
        usage: &mut Usage,
    ) -> Result<Outcome, AgentError> {
        let tree = self
            .tree_at(run, machine, RunState::Planning, &mut Usage::default())
            .await?;
        let placed = recommend_for(run, tree.path(), None)?;
        let narrative = match &self.settings.gateway {
            None => None,
            Some(gateway) => {
                let base = parse_oid(&prepared(machine)?.base_commit)?;
                let config = read_repo_config(&tree, base)?;
                let mut budget = budget_for(machine);
                let before = budget.spent.clone();
                let narrative = recommendation::write_narrative(
                    gateway,
                    &mut budget,
                    &placed,
                    &run.instructions,
                    config.model,
                )
                .await;
                add_model_usage(usage, &before, &budget.spent);
                Some(narrative)
            }
        };
        Ok(succeeded(PhaseOutput::Planned {
            plan: recommendation::plan_of(&placed, narrative.as_ref()),
            red_needed: false,
        }))
    }

    /// Publishing of a recommendation: the ADR and its infrastructure spec in one commit on
    /// `redgreen/adr-<slug>`, and the pull request.
    async fn publish_recommendation(
        &self,
        run: &RunSpec,
        machine: &Machine,
    ) -> Result<Outcome, AgentError> {
        let tree = self
            .tree_at(run, machine, RunState::Publishing, &mut Usage::default())
            .await?;
        let narrative = machine
            .work
            .plan
            .as_ref()
            .and_then(|plan| plan.get("narrative"))
            .and_then(serde_json::Value::as_str);
        let placed = recommend_for(run, tree.path(), narrative)?;
        for (relative, content) in &placed.files {
            let path = tree.path().join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| AgentError::Io {
                    operation: "creating the ADR folder",
                    source,
                })?;
            }
            std::fs::write(&path, content).map_err(|source| AgentError::Io {
                operation: "writing the ADR",
                source,
            })?;
        }
        let head = tree.commit_all_at(
            &format!("docs: {ADR_TITLE} ADR (redgreen recommend)"),
            &self.settings.identity,
            run.created_at_seconds,
        )?;
        let publication = Publication {
            kind: run.kind,
            branch: Some(adr_branch()),
            tree: tree.path().to_path_buf(),
            head: head.to_string(),
            title: format!("ADR: {ADR_TITLE}"),
            body: recommendation::pr_body(run, &placed, narrative.is_some()),
            check: None,
        };
        let published = self.forge.publish(run, &publication).await?;
        Ok(succeeded(PhaseOutput::Published(published)))
    }

    async fn publish(&self, run: &RunSpec, machine: &Machine) -> Result<Outcome, AgentError> {
        if run.kind == RunKind::Recommend {
            return self.publish_recommendation(run, machine).await;
        }
        let tree = self
            .tree_at(run, machine, RunState::Publishing, &mut Usage::default())
            .await?;
        let head = tree.head()?.to_string();
        let prepared = prepared(machine)?;
        let (branch, title) = match run.kind {
            RunKind::Fix => (
                Some(branch_name(run.number, &prepared.issue.title)),
                format!("Fix: {}", prepared.issue.title.trim()),
            ),
            RunKind::FollowUp => (run.head_ref.clone(), String::new()),
            _ => (None, prepared.issue.title.clone()),
        };
        let publication = Publication {
            kind: run.kind,
            branch,
            tree: tree.path().to_path_buf(),
            head,
            title,
            body: render_pr_body(run, machine, &self.impacts(run, &tree, prepared).await),
            check: check_report(run.kind, machine),
        };
        let published = self.forge.publish(run, &publication).await?;
        Ok(succeeded(PhaseOutput::Published(published)))
    }

    /// What the run's commits touch, from the code index's reference graph, for the PR body.
    /// Only informative: when the index cannot answer, the body says nothing about it rather
    /// than the run failing.
    async fn impacts(&self, run: &RunSpec, tree: &WorkTree, prepared: &Prepared) -> Vec<Impact> {
        if !matches!(run.kind, RunKind::Fix | RunKind::FollowUp) {
            return Vec::new();
        }
        let changed = match parse_oid(&prepared.base_commit)
            .and_then(|base| Ok(tree.changed_lines_since(base)?))
        {
            Ok(changed) => changed,
            Err(error) => {
                warn!(run = %run.id, %error, "the changed lines are unknown: no impact listed");
                return Vec::new();
            }
        };
        let index = match self.index(run, tree).await {
            Ok(index) => index,
            Err(error) => {
                warn!(run = %run.id, %error, "no code index: no impact listed");
                return Vec::new();
            }
        };
        index.impact(&changed).unwrap_or_else(|error| {
            warn!(run = %run.id, %error, "the impact query failed: no impact listed");
            Vec::new()
        })
    }

    /// The code index of the run's tree (incremental: only changed files are parsed again).
    async fn index(&self, run: &RunSpec, tree: &WorkTree) -> Result<Arc<Index>, AgentError> {
        let source = Source::WorkTree(tree.path().to_path_buf());
        let dir = self
            .settings
            .runs_dir
            .join(run.id.to_string())
            .join("index");
        let (index, _) = tokio::task::spawn_blocking(move || Index::build(&source, &dir))
            .await
            .map_err(|error| AgentError::Index(error.to_string()))?
            .map_err(|error| AgentError::Index(error.to_string()))?;
        Ok(Arc::new(index))
    }

    async fn run_tests(
        &self,
        tree: &WorkTree,
        command: &str,
        usage: &mut Usage,
    ) -> Result<TestSummary, AgentError> {
        let started = Instant::now();
        let summary = self
            .tests
            .run(tree.path(), command, self.settings.test_timeout)
            .await;
        usage.test_ms += u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        summary
    }

    /// Runs the repository's `setup` commands on `tree` (at the base commit, clean) in the
    /// sandbox, whose only way out is the egress proxy allowing the repository's `egress`
    /// hosts. Setup may only add files: what it adds is excluded from git for this clone (so
    /// it is in no diff, commit or index), and a setup that changes a tracked file fails.
    /// Every phase that runs repository code sets up again on its freshly reset tree, so no
    /// phase depends on what an earlier phase's sandboxed code left behind (ADR 0008).
    async fn set_up(
        &self,
        tree: &WorkTree,
        config: &RepoConfig,
        usage: &mut Usage,
    ) -> Result<(), AgentError> {
        if config.setup.is_empty() {
            return Ok(());
        }
        let egress = config
            .egress
            .iter()
            .map(|host| {
                host.parse::<AllowedHost>().map_err(|error| {
                    AgentError::Setup(format!("egress host `{host}` is not usable: {error}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for command in &config.setup {
            let started = Instant::now();
            let ran = self
                .tests
                .run_setup(
                    tree.path(),
                    command,
                    egress.clone(),
                    self.settings.test_timeout,
                )
                .await;
            usage.test_ms += u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let ran = ran?;
            if ran.exit_code != Some(0) {
                let mut ending = match (ran.timed_out, ran.exit_code) {
                    (true, _) => "timed out".to_owned(),
                    (false, Some(code)) => format!("exited with status {code}"),
                    (false, None) => "was killed".to_owned(),
                };
                if ran.disk_limit_hit {
                    ending.push_str(" after filling the work tree's disk cap");
                }
                return Err(AgentError::Setup(format!(
                    "`{command}` {ending}; the end of its output:\n{}",
                    output_tail(&ran.stdout, &ran.stderr)
                )));
            }
        }
        let changed = tree.changed_tracked_paths()?;
        if !changed.is_empty() {
            return Err(AgentError::Setup(format!(
                "it changed tracked files ({}); setup may only add files",
                changed.join(", ")
            )));
        }
        let added = tree.exclude_untracked()?;
        info!(commands = config.setup.len(), added = added.len(), "set up");
        Ok(())
    }

    /// A new work tree at `commit`, replacing whatever the run had.
    async fn fresh_tree(&self, run: &RunSpec, commit: &str) -> Result<WorkTree, AgentError> {
        let dir = self.tree_dir(run);
        // Whatever was there goes, a volume included (it is unmounted first).
        redgreen_sandbox::remove_volume(&dir)
            .map_err(|error| AgentError::Sandbox(error.to_string()))?;
        // The run's directory and its tree are the run's alone: no other local user may
        // enter them (the sandbox gets the tree through a bind mount, not a path).
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|source| AgentError::Io {
                operation: "creating the run's work tree",
                source,
            })?;
        if let Some(bytes) = self.settings.run_disk_bytes {
            redgreen_sandbox::create_volume(&dir, bytes)
                .map_err(|error| AgentError::Sandbox(error.to_string()))?;
        }
        self.forge.checkout(run, commit, &dir).await?;
        Ok(WorkTree::open(&dir)?)
    }

    /// The work tree as `phase` must find it: the base commit, set up when the phase runs
    /// repository code (red, patch, green), then the red commit and the patch commit of the
    /// phases before it. A patch retried after a failed green starts from the previous
    /// patch, uncommitted, so the model improves it rather than starting over.
    async fn tree_at(
        &self,
        run: &RunSpec,
        machine: &Machine,
        phase: RunState,
        usage: &mut Usage,
    ) -> Result<WorkTree, AgentError> {
        let prepared = prepared(machine)?;
        let base = parse_oid(&prepared.base_commit)?;
        let dir = self.tree_dir(run);
        let tree = match WorkTree::open(&dir) {
            Ok(tree) => tree,
            Err(_) => self.fresh_tree(run, &prepared.base_commit).await?,
        };
        tree.reset_to(base)?;
        // On the clean base, so that what setup adds is told apart from the run's own changes.
        if matches!(phase, RunState::Red | RunState::Patch | RunState::Green)
            && run.kind != RunKind::Recommend
        {
            let config = read_repo_config(&tree, base)?;
            self.set_up(&tree, &config, usage).await?;
        }
        let at = run.created_at_seconds;
        let identity = &self.settings.identity;
        let follow_up = run.kind == RunKind::FollowUp;
        let after_red = matches!(
            phase,
            RunState::Patch | RunState::Green | RunState::Publishing
        );
        if after_red && let Some(red) = &machine.work.red {
            tree.apply(&red.diff)?;
            // A follow-up pushes one commit: its tests and its change together.
            if !follow_up {
                tree.commit_all_at(&red_commit_message(run), identity, at)?;
            }
        }
        match (phase, &machine.work.patch) {
            (RunState::Patch, Some(patch)) if machine.feedback.is_some() => {
                tree.apply(&patch.diff)?;
            }
            (RunState::Green | RunState::Publishing, Some(patch)) => {
                tree.apply(&patch.diff)?;
                tree.commit_all_at(&fix_commit_message(run, machine), identity, at)?;
            }
            // A follow-up whose red changes are its whole change.
            (RunState::Green | RunState::Publishing, None)
                if follow_up && machine.work.red.is_some() =>
            {
                tree.commit_all_at(&fix_commit_message(run, machine), identity, at)?;
            }
            _ => {}
        }
        Ok(tree)
    }
}

fn prepared(machine: &Machine) -> Result<&Prepared, AgentError> {
    machine
        .work
        .prepared
        .as_ref()
        .ok_or(AgentError::MissingWork(
            "the prepared repository (base commit and test command)",
        ))
}

/// The gateway's budget for the rest of this allowance: the machine's caps and what it has
/// spent so far.
fn budget_for(machine: &Machine) -> Budget {
    let limits = machine.budget().unwrap_or_default();
    let mut budget = Budget::new(redgreen_llm::BudgetLimits {
        tokens: limits.tokens,
        usd: limits.usd_micros.map(|micros| micros as f64 / 1_000_000.0),
        minutes: limits.minutes,
    });
    budget.spent.input_tokens = machine.usage.input_tokens;
    budget.spent.output_tokens = machine.usage.output_tokens;
    budget.spent.usd = machine.usage.usd_micros as f64 / 1_000_000.0;
    budget.spent.wall_ms = machine.usage.wall_ms;
    budget.spent.model_ms = machine.usage.model_ms;
    budget
}

/// Adds what the gateway spent between `before` and `after` to a phase's usage.
fn add_model_usage(usage: &mut Usage, before: &Spent, after: &Spent) {
    usage.input_tokens += after.input_tokens - before.input_tokens;
    usage.output_tokens += after.output_tokens - before.output_tokens;
    usage.usd_micros += ((after.usd - before.usd) * 1_000_000.0).round() as u64;
    usage.model_ms += after.model_ms - before.model_ms;
    usage.model_calls += after.calls - before.calls;
}

/// The repository's `.github/redgreen.yml` as the base commit has it: never as the work tree
/// has it, which the model may have changed in an earlier phase (a patch that widened its own
/// write scope or egress must not take effect).
fn read_repo_config(tree: &WorkTree, base: git2::Oid) -> Result<RepoConfig, AgentError> {
    match tree.read_at(base, REPO_CONFIG_PATH)? {
        Some(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| AgentError::Io {
                operation: "reading .github/redgreen.yml",
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8"),
            })?;
            Ok(RepoConfig::parse(&text)?)
        }
        None => Ok(RepoConfig::default()),
    }
}

/// The last 1,500 bytes of a command's stdout and stderr, for a person to see why it failed.
fn output_tail(stdout: &str, stderr: &str) -> String {
    const TAIL: usize = 1500;
    let both = format!(
        "{}{}",
        stdout.trim_end(),
        if stderr.trim().is_empty() {
            String::new()
        } else {
            format!("\n{}", stderr.trim_end())
        }
    );
    let mut start = both.len().saturating_sub(TAIL);
    while !both.is_char_boundary(start) {
        start += 1;
    }
    both[start..].to_owned()
}

fn parse_oid(commit: &str) -> Result<git2::Oid, AgentError> {
    git2::Oid::from_str(commit).map_err(|_| AgentError::MissingWork("a valid base commit id"))
}

/// The files a unified diff touches: each file's path, and both paths of a rename.
pub(crate) fn changed_paths(diff: &str) -> Result<BTreeSet<String>, redgreen_git::GitError> {
    Ok(redgreen_git::parse_unified_diff(diff)?
        .iter()
        .flat_map(|file| file.paths().map(str::to_owned))
        .collect())
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

fn red_commit_message(run: &RunSpec) -> String {
    match run.number {
        Some(number) => format!("Add a failing test for #{number}"),
        None => "Add a failing test".to_owned(),
    }
}

fn fix_commit_message(run: &RunSpec, machine: &Machine) -> String {
    let summary = machine
        .work
        .plan
        .as_ref()
        .and_then(|plan| plan.get("summary"))
        .and_then(|s| s.as_str())
        .map(|s| {
            s.lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(72)
                .collect::<String>()
        })
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "Fix".to_owned());
    match run.number {
        Some(number) if run.kind == RunKind::Fix => format!("{summary}\n\nFixes #{number}"),
        _ => summary,
    }
}
