//! The model phases (plan, red, patch): one conversation with the run's tools, and the
//! recommendation's planning, which needs a model only for its narrative.

use std::collections::BTreeSet;

use redgreen_core::machine::{Machine, PhaseOutput};
use redgreen_core::run::{RunKind, RunState};
use redgreen_core::work::Usage;
use redgreen_llm::{Budget, Spent};
use redgreen_tools::{PhasePolicy, SbomSettings, ToolBox, WriteScope};

use crate::conversation::converse;
use crate::diff::changed_paths;
use crate::error::AgentError;
use crate::forge::Forge;
use crate::prompt::{ModelPhase, system_prompt, task_message};
use crate::recommendation::{self, recommend_for};
use crate::run_spec::RunSpec;

use super::work_tree::read_repo_config;
use super::{Outcome, PhaseExecutor, parse_oid, prepared, succeeded};

impl<F: Forge> PhaseExecutor<F> {
    pub(super) async fn converse(
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
                self.verify_red(run, &tree, prepared, &config, &toolbox, submitted, usage)
                    .await
            }
            ModelPhase::Patch => {
                self.verify_patch(&tree, &config, &toolbox, &red_paths, carried, submitted)
            }
        }
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

    /// Planning of a recommendation: the ranking itself, no model. Constraints that cannot
    /// be met end the run here, with the explanation.
    ///
    /// With a model configured, the model is also asked for the ADR's context paragraph from
    /// the ranking; it is kept in the plan only if every number and product name in it comes
    /// from the ranking, so that publishing (which renders again) writes the same bytes.
    pub(super) async fn plan_recommendation(
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
