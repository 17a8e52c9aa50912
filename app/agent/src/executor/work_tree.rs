//! The run's directory: building its work tree afresh, rebuilding it as a phase must find it
//! (base, setup, then the red and patch commits), its code index, and removing it all.

use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::sync::Arc;

use redgreen_core::machine::Machine;
use redgreen_core::repo_config::{REPO_CONFIG_PATH, RepoConfig};
use redgreen_core::run::{RunKind, RunState};
use redgreen_core::work::Usage;
use redgreen_git::WorkTree;
use redgreen_indexer::{Index, Source};

use crate::error::AgentError;
use crate::forge::Forge;
use crate::run_spec::RunSpec;

use super::{PhaseExecutor, parse_oid, prepared};

impl<F: Forge> PhaseExecutor<F> {
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

    /// A new work tree at `commit`, replacing whatever the run had.
    pub(super) async fn fresh_tree(
        &self,
        run: &RunSpec,
        commit: &str,
    ) -> Result<WorkTree, AgentError> {
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
    pub(super) async fn tree_at(
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

    /// The code index of the run's tree (incremental: only changed files are parsed again).
    pub(super) async fn index(
        &self,
        run: &RunSpec,
        tree: &WorkTree,
    ) -> Result<Arc<Index>, AgentError> {
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
}

/// The repository's `.github/redgreen.yml` as the base commit has it: never as the work tree
/// has it, which the model may have changed in an earlier phase (a patch that widened its own
/// write scope or egress must not take effect).
pub(super) fn read_repo_config(tree: &WorkTree, base: git2::Oid) -> Result<RepoConfig, AgentError> {
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
