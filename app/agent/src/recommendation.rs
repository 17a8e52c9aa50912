//! `@redgreen recommend`: the stack-recommendation ADR as a run's work. No model and no tests:
//! the ranking is deterministic, so planning computes it (and stops the run when the
//! constraints cannot be met) and publishing computes it again, byte for byte, into a commit.

use std::fmt::Write as _;
use std::path::Path;

use redgreen_recommend::{Catalog, RecommendError, RepositoryAdr, repository_adr, slug};
use serde_json::json;

use crate::error::AgentError;
use crate::executor::RunSpec;

/// The ADR's title; its slug names the branch and the files.
pub(crate) const ADR_TITLE: &str = "Technology stack";

/// `redgreen/adr-<slug>`.
pub(crate) fn adr_branch() -> String {
    format!("redgreen/adr-{}", slug(ADR_TITLE))
}

/// The recommendation for `run`'s constraints (the text after `recommend`, untrusted: it is
/// only parsed), placed in the repository checked out at `tree`, dated the run's creation day
/// so that a phase done again writes the same bytes.
pub(crate) fn recommend_for(run: &RunSpec, tree: &Path) -> Result<RepositoryAdr, AgentError> {
    let catalog =
        Catalog::embedded().map_err(|error| AgentError::Recommendation(error.to_string()))?;
    repository_adr(
        &catalog,
        &run.instructions,
        tree,
        ADR_TITLE,
        &run_date(run)?,
    )
    .map_err(|error| match error {
        RecommendError::Infeasible(infeasible) => AgentError::Recommendation(infeasible.explain()),
        other => AgentError::Recommendation(other.to_string()),
    })
}

/// What planning stores: the choice per layer and what was not understood.
pub(crate) fn plan_of(placed: &RepositoryAdr) -> serde_json::Value {
    let primaries: Vec<String> = placed
        .recommendation
        .layers
        .iter()
        .map(|decision| format!("{}: {}", decision.layer, decision.primary.name))
        .collect();
    json!({
        "summary": format!("Stack recommendation: {}", primaries.join("; ")),
        "steps": primaries,
        "files": placed.files.iter().map(|(path, _)| path).collect::<Vec<_>>(),
        "unknown_words": placed.unknown.iter().map(|word| &word.word).collect::<Vec<_>>(),
        "catalog_version": placed.recommendation.catalog_version,
    })
}

/// The pull request's body: the decision per layer, the files, what was ignored.
pub(crate) fn pr_body(run: &RunSpec, placed: &RepositoryAdr) -> String {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "## Summary\n\nA stack recommendation from redgreen's catalog (version {}), ranked \
         deterministically from the constraints in the request; no model wrote it.\n",
        placed.recommendation.catalog_version
    );
    if let Some(number) = run.number {
        let _ = writeln!(body, "Requested in #{number}.\n");
    }
    let _ = writeln!(body, "## Decision\n");
    let _ = writeln!(body, "| layer | primary | alternatives | confidence |");
    let _ = writeln!(body, "|---|---|---|---|");
    for decision in &placed.recommendation.layers {
        let alternatives: Vec<&str> = decision
            .alternatives
            .iter()
            .map(|option| option.name.as_str())
            .collect();
        let _ = writeln!(
            body,
            "| {} | {} | {} | {}% |",
            decision.layer,
            decision.primary.name,
            alternatives.join(", "),
            decision.confidence
        );
    }
    let _ = writeln!(body, "\n## Files\n");
    for (path, _) in &placed.files {
        let _ = writeln!(body, "- `{path}`");
    }
    if !placed.unknown.is_empty() {
        let words: Vec<String> = placed
            .unknown
            .iter()
            .map(|word| format!("`{}`", word.word.replace('`', "'")))
            .collect();
        let _ = writeln!(
            body,
            "\n## Not understood\n\nThese words of the request were not used: {}.",
            words.join(", ")
        );
    }
    let _ = writeln!(
        body,
        "\n## Rollback\n\nClose this pull request, or revert its one commit: it adds \
         documentation only."
    );
    body
}

/// The run's creation day, `YYYY-MM-DD` (UTC).
fn run_date(run: &RunSpec) -> Result<String, AgentError> {
    let at = time::OffsetDateTime::from_unix_timestamp(run.created_at_seconds)
        .map_err(|error| AgentError::Recommendation(format!("the run's date: {error}")))?;
    let date = at.date();
    Ok(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}
