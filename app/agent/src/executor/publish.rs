//! Publishing: the branch, pull request and check run of a fix, a follow-up or a test run,
//! and the ADR pull request of a recommendation.

use redgreen_core::machine::{Machine, PhaseOutput};
use redgreen_core::run::{RunKind, RunState};
use redgreen_core::work::{Prepared, Usage};
use redgreen_git::WorkTree;
use redgreen_indexer::Impact;
use tracing::warn;

use crate::error::AgentError;
use crate::forge::{Forge, Publication};
use crate::pr_body::{branch_name, check_report, render_pr_body};
use crate::recommendation::{self, ADR_TITLE, adr_branch, recommend_for};
use crate::run_spec::RunSpec;

use super::{Outcome, PhaseExecutor, parse_oid, prepared, succeeded};

impl<F: Forge> PhaseExecutor<F> {
    pub(super) async fn publish(
        &self,
        run: &RunSpec,
        machine: &Machine,
    ) -> Result<Outcome, AgentError> {
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
}
