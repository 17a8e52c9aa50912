//! Preparing: the issue and base commit from the forge, the repository's settings, and its
//! setup and test commands run in the sandbox (which the later phases run again).

use std::time::Instant;

use redgreen_core::machine::PhaseOutput;
use redgreen_core::repo_config::{REPO_CONFIG_PATH, RepoConfig, Verify};
use redgreen_core::run::RunKind;
use redgreen_core::work::{BudgetLimits, Prepared, TestSummary, Usage};
use redgreen_git::WorkTree;
use redgreen_tools::AllowedHost;
use tracing::info;

use crate::baseline_cache::{BaselineCache, BaselineKey};
use crate::error::AgentError;
use crate::forge::Forge;
use crate::run_spec::RunSpec;

use super::work_tree::read_repo_config;
use super::{Outcome, PhaseExecutor, parse_oid, succeeded};

impl<F: Forge> PhaseExecutor<F> {
    pub(super) async fn prepare(
        &self,
        run: &RunSpec,
        usage: &mut Usage,
    ) -> Result<Outcome, AgentError> {
        let issue = self.forge.issue(run).await?;
        let base = self.forge.base_commit(run).await?;
        let tree = self.fresh_tree(run, &base).await?;
        let config = read_repo_config(&tree, parse_oid(&base)?)?;
        if run.kind != RunKind::Recommend {
            self.set_up(&tree, &config, usage).await?;
        }
        let verify = config.verify.unwrap_or_default();
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
            // Under `verify: affected` the selected tests run on the base commit when they
            // are known (red and green); `@redgreen test` and `verify: full` run the whole
            // suite here, once.
            let baseline = if run.kind == RunKind::Test || verify == Verify::Full {
                let key = BaselineKey {
                    repository: &run.repository,
                    base_commit: &base,
                    setup: &config.setup,
                    command: &command,
                };
                self.run_on_base(&tree, &key, usage).await?
            } else {
                TestSummary::default()
            };
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
        info!(run = %run.id, %base, %test_command, ?verify, baseline_passed = baseline.passed, "prepared");
        Ok(succeeded(PhaseOutput::Prepared(Box::new(Prepared {
            issue,
            base_commit: base,
            test_command,
            test_command_source: source,
            max_attempts: self.settings.max_attempts,
            budget,
            baseline,
            verify,
        }))))
    }

    /// Runs the repository's `setup` commands on `tree` (at the base commit, clean) in the
    /// sandbox, whose only way out is the egress proxy allowing the repository's `egress`
    /// hosts. Setup may only add files: what it adds is excluded from git for this clone (so
    /// it is in no diff, commit or index), and a setup that changes a tracked file fails.
    /// Every phase that runs repository code sets up again on its freshly reset tree, so no
    /// phase depends on what an earlier phase's sandboxed code left behind (ADR 0008).
    pub(super) async fn set_up(
        &self,
        tree: &WorkTree,
        config: &RepoConfig,
        usage: &mut Usage,
    ) -> Result<(), AgentError> {
        if config.setup.is_empty() {
            return Ok(());
        }
        let egress = config
            .egress_hosts()
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

    /// The tests of `key.command` on the base commit, which `tree` is at (set up): read from
    /// the baseline cache when the same repository, base, setup and command ran before; else
    /// run, and kept.
    pub(super) async fn run_on_base(
        &self,
        tree: &WorkTree,
        key: &BaselineKey<'_>,
        usage: &mut Usage,
    ) -> Result<TestSummary, AgentError> {
        match BaselineCache::new(&self.settings.baselines_dir).get(key) {
            Some(summary) => Ok(summary),
            None => self.run_and_keep(tree, key, usage).await,
        }
    }

    /// Runs the tests of `key.command` on the base commit `tree` is at, and keeps the run in
    /// the baseline cache (for a caller that has just missed it).
    pub(super) async fn run_and_keep(
        &self,
        tree: &WorkTree,
        key: &BaselineKey<'_>,
        usage: &mut Usage,
    ) -> Result<TestSummary, AgentError> {
        let summary = self.run_tests(tree, key.command, usage).await?;
        BaselineCache::new(&self.settings.baselines_dir).put(key, &summary);
        Ok(summary)
    }

    pub(super) async fn run_tests(
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
