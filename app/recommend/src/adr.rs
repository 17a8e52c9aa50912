//! The MADR 4 ADR (template: `catalog/madr-4.0.0-template.md`): every section of the
//! template, filled from the recommendation. The text is a pure function of the
//! recommendation and the context passed in (the date included), so it is byte-identical for
//! the same inputs.

mod more_information;

use std::fmt::Write as _;

use crate::date::parse_date;
use crate::error::RecommendError;
use crate::narrative::check_narrative;
use crate::recommendation::{LayerDecision, RankedOption, Recommendation};

/// What the ADR needs besides the recommendation.
#[derive(Debug, Clone, Copy)]
pub struct AdrContext<'a> {
    /// The ADR's title (its `#` heading).
    pub title: &'a str,
    /// `YYYY-MM-DD`: the ADR's date, passed in (the CLI passes today's date, tests a fixed
    /// one); also the reference date for stale facts.
    pub date: &'a str,
    /// Who asked (a GitHub login) and who decides; listed as decision-makers.
    pub decision_makers: &'a [String],
    /// A model-written context paragraph. Used only if it passes [`check_narrative`];
    /// otherwise the template text is used.
    pub narrative: Option<&'a str>,
}

/// Fills a line with a bullet per item, or "none" when there are none.
fn bullets(out: &mut String, items: &[String]) {
    if items.is_empty() {
        out.push_str("* none\n");
    }
    for item in items {
        let _ = writeln!(out, "* {item}");
    }
}

impl Recommendation {
    /// Renders the ADR as Markdown.
    pub fn render_adr(&self, context: &AdrContext<'_>) -> Result<String, RecommendError> {
        parse_date(context.date)?;
        let mut out = String::new();
        let makers = if context.decision_makers.is_empty() {
            "the repository's maintainers".to_string()
        } else {
            context.decision_makers.join(", ")
        };
        let _ = write!(
            out,
            "---\nstatus: proposed\ndate: {}\ndecision-makers: {makers}\nconsulted: redgreen stack \
             recommender (catalog {}, weights {})\ninformed: everyone watching this repository\n---\n\n",
            context.date, self.catalog_version, self.weights_version
        );
        let _ = writeln!(out, "# {}\n", context.title.trim());

        out.push_str("## Context and Problem Statement\n\n");
        let narrative = context
            .narrative
            .map(|prose| (prose, check_narrative(prose, &self.evidence())));
        match &narrative {
            Some((prose, Ok(()))) => {
                let _ = writeln!(out, "{}\n", prose.trim());
            }
            _ => {
                let _ = writeln!(
                    out,
                    "The project needs a technology stack across {} layers, from runtime to \
                     monitoring, that meets the constraints below. Each layer's options come \
                     from redgreen's versioned catalog (version {}), where every fact carries \
                     its source and the date it was checked; options that break a hard \
                     constraint are excluded, the rest are scored with the weight preset {} and \
                     ranked. Missing evidence scores neutral and lowers the printed confidence. \
                     The same constraints and catalog version always give this same ranking.\n",
                    self.layers.len(),
                    self.catalog_version,
                    self.weights_version
                );
            }
        }
        out.push_str("Constraints as understood:\n\n");
        bullets(&mut out, &self.constraint_lines());
        out.push('\n');

        out.push_str("## Decision Drivers\n\n");
        bullets(&mut out, &self.drivers());
        out.push('\n');

        out.push_str("## Considered Options\n\n");
        for decision in &self.layers {
            let _ = writeln!(out, "### {}\n", decision.layer.title());
            for (index, option) in decision.considered().enumerate() {
                let role = match index {
                    0 => "chosen, ",
                    i if i <= decision.alternatives.len() => "alternative, ",
                    _ => "",
                };
                let _ = writeln!(
                    out,
                    "* {} ({role}{}): score {}/1000, confidence {}%",
                    option.name,
                    option.delivery.replace('_', "-"),
                    option.score,
                    option.confidence
                );
            }
            for exclusion in &decision.excluded {
                let _ = writeln!(
                    out,
                    "* {}: excluded, {}",
                    exclusion.name,
                    exclusion.reasons.join("; ")
                );
            }
            out.push('\n');
        }

        out.push_str("## Decision Outcome\n\n");
        out.push_str(
            "Chosen option: the stack below, because in each layer it comes out best on the \
             weighted, evidence-backed criteria among the options that pass every knock-out \
             filter (see the pros and cons).\n\n",
        );
        out.push_str(
            "| layer | chosen | score | confidence | alternatives |\n|---|---|---|---|---|\n",
        );
        for decision in &self.layers {
            let alternatives: Vec<String> = decision
                .alternatives
                .iter()
                .map(|o| format!("{} ({})", o.name, o.score))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}% | {} |",
                decision.layer.title(),
                decision.primary.name,
                decision.primary.score,
                decision.confidence,
                if alternatives.is_empty() {
                    "none left".to_string()
                } else {
                    alternatives.join(", ")
                }
            );
        }
        out.push('\n');
        for decision in &self.layers {
            let _ = writeln!(
                out,
                "* {}: \"{}\", because {}.",
                decision.layer.title(),
                decision.primary.name,
                justification(decision)
            );
        }
        out.push('\n');

        out.push_str("### Consequences\n\n");
        bullets(&mut out, &self.consequences());
        out.push('\n');

        out.push_str("### Confirmation\n\n");
        out.push_str(
            "* The infrastructure spec committed beside this ADR validates against \
             `schemas/infrastructure-spec.schema.json`; CI re-validates it on change.\n\
             * Every release ships a CycloneDX SBOM and signed provenance (see the supply-chain \
             notes); a release without them fails the pipeline.\n\
             * The control-mapping matrix below is reviewed by security at each release; every \
             `gap` row has an owner and a tracking issue.\n\
             * Re-running `redgreen recommend` with the same constraints on the same catalog \
             version reproduces this ADR byte for byte; a different result means the catalog \
             changed, and its version says so.\n\n",
        );

        out.push_str("## Pros and Cons of the Options\n\n");
        for decision in &self.layers {
            for (index, option) in decision.considered().enumerate() {
                if index > 2 {
                    break;
                }
                let role = if index == 0 { "chosen" } else { "alternative" };
                let _ = writeln!(
                    out,
                    "### {}: {} ({role})\n",
                    decision.layer.title(),
                    option.name
                );
                let _ = writeln!(out, "{} <{}>\n", option.summary.trim(), option.homepage);
                pros_and_cons(&mut out, option);
                out.push('\n');
            }
        }

        out.push_str("## More Information\n\n");
        more_information::render(&mut out, self, context)?;
        if let Some((_, Err(problems))) = &narrative {
            let _ = writeln!(
                out,
                "\nA model-written context was offered and rejected by the evidence check \
                 ({} problems), so the template text is used.",
                problems.len()
            );
        }
        Ok(out)
    }

    /// The constraints, one line each, as the parser understood them.
    fn constraint_lines(&self) -> Vec<String> {
        let c = &self.constraints;
        let list = |set: &std::collections::BTreeSet<String>| {
            set.iter().cloned().collect::<Vec<_>>().join(", ")
        };
        let mut lines = Vec::new();
        let mut add = |on: bool, line: String| {
            if on {
                lines.push(line);
            }
        };
        add(
            !c.languages.is_empty(),
            format!("languages: {}", list(&c.languages)),
        );
        add(
            !c.preferences.is_empty(),
            format!("preferred options: {}", list(&c.preferences)),
        );
        add(
            !c.compliance.is_empty(),
            format!("compliance targets: {}", list(&c.compliance)),
        );
        add(
            c.asvs_level.is_some(),
            format!("OWASP ASVS level {}", c.asvs_level.unwrap_or(1)),
        );
        add(
            c.slsa_level.is_some(),
            format!("SLSA build level {}", c.slsa_level.unwrap_or(1)),
        );
        add(
            c.users.is_some(),
            format!("users: {}", c.users.unwrap_or(0)),
        );
        add(
            c.requests_per_second.is_some(),
            format!(
                "requests per second: {}",
                c.requests_per_second.unwrap_or(0)
            ),
        );
        add(
            c.data_volume_gb.is_some(),
            format!("data volume: {} GB", c.data_volume_gb.unwrap_or(0)),
        );
        add(
            c.budget_usd_per_month.is_some(),
            format!(
                "budget: {} USD per month",
                c.budget_usd_per_month.unwrap_or(0)
            ),
        );
        add(!c.clouds.is_empty(), format!("clouds: {}", list(&c.clouds)));
        add(
            c.region.is_some(),
            format!("region: {}", c.region.clone().unwrap_or_default()),
        );
        add(
            !c.team_skills.is_empty(),
            format!("team skills: {}", list(&c.team_skills)),
        );
        add(c.github_first, "GitHub-first".to_string());
        add(c.strict_tdd, "strict TDD".to_string());
        add(c.multi_tenancy, "multi-tenancy".to_string());
        add(
            c.operations.is_some(),
            format!(
                "operations: prefer {}",
                c.operations.clone().unwrap_or_default().replace('_', "-")
            ),
        );
        add(
            !c.deny_licences.is_empty(),
            format!("denied licences: {}", list(&c.deny_licences)),
        );
        if lines.is_empty() {
            lines.push("none given: the base weight preset alone decides".to_string());
        }
        lines
    }

    /// Knock-out filters and the criteria weights in force.
    fn drivers(&self) -> Vec<String> {
        let c = &self.constraints;
        let mut drivers = vec!["Knock-out: archived projects are never recommended.".to_string()];
        if !c.languages.is_empty() {
            drivers.push(format!(
                "Knock-out: runtime and framework options must support {}.",
                c.languages.iter().cloned().collect::<Vec<_>>().join(" or ")
            ));
        }
        if !c.clouds.is_empty() {
            drivers.push(format!(
                "Knock-out: cloud-specific options must run on {}.",
                c.clouds.iter().cloned().collect::<Vec<_>>().join(" or ")
            ));
        }
        if !c.deny_licences.is_empty() {
            drivers.push(format!(
                "Knock-out: no option may be licensed under {}.",
                c.deny_licences
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for effect in &self.tag_effects {
            drivers.push(format!("Constraint tag {effect}."));
        }
        let weights: Vec<String> = self
            .weights
            .iter()
            .map(|(criterion, weight)| format!("{criterion} ×{weight}"))
            .collect();
        drivers.push(format!(
            "Weighted criteria (preset {}): {}.",
            self.weights_version,
            weights.join(", ")
        ));
        drivers.push(
            "Evidence over opinion: a criterion without a sourced fact scores neutral and lowers \
             the confidence shown for the option."
                .to_string(),
        );
        drivers
    }

    fn consequences(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for decision in &self.layers {
            let option = &decision.primary;
            if let Some(best) = option
                .criteria
                .iter()
                .filter(|c| c.verdict == "good" && !c.reason.is_empty())
                .max_by(|a, b| {
                    (a.weight * a.score)
                        .cmp(&(b.weight * b.score))
                        .then_with(|| b.criterion.cmp(&a.criterion))
                })
            {
                lines.push(format!(
                    "Good, because {} ({}): {}.",
                    option.name,
                    decision.layer.title(),
                    best.reason
                ));
            }
            for bad in option.criteria.iter().filter(|c| c.verdict == "bad") {
                lines.push(format!(
                    "Bad, because {} ({}): {}.",
                    option.name,
                    decision.layer.title(),
                    bad.reason
                ));
            }
            if decision.confidence < 60 {
                lines.push(format!(
                    "Bad, because the {} choice rests on thin evidence (confidence {}%): verify \
                     it before depending on it.",
                    decision.layer.title(),
                    decision.confidence
                ));
            }
            for unverified in &option.unverified {
                lines.push(format!(
                    "Bad, because {} is unverified for {}: {unverified}.",
                    decision.layer.title(),
                    option.name
                ));
            }
        }
        lines
    }
}

/// Why the chosen option won its layer: its strongest criteria, or that it was the only one.
fn justification(decision: &LayerDecision) -> String {
    if decision.alternatives.is_empty() {
        return "it is the only option that passes the knock-out filters".to_string();
    }
    let mut strengths: Vec<_> = decision
        .primary
        .criteria
        .iter()
        .filter(|c| c.verdict == "good" && !c.reason.is_empty())
        .collect();
    strengths.sort_by(|a, b| {
        (b.weight * b.score)
            .cmp(&(a.weight * a.score))
            .then_with(|| a.criterion.cmp(&b.criterion))
    });
    let top: Vec<String> = strengths.iter().take(2).map(|c| c.reason.clone()).collect();
    if top.is_empty() {
        format!("it scores highest ({} of 1000)", decision.primary.score)
    } else {
        format!(
            "it scores highest ({} of 1000): {}",
            decision.primary.score,
            top.join("; ")
        )
    }
}

fn pros_and_cons(out: &mut String, option: &RankedOption) {
    for verdict in ["good", "neutral", "bad"] {
        for criterion in option
            .criteria
            .iter()
            .filter(|c| c.verdict == verdict && !c.reason.is_empty())
        {
            let source = criterion
                .evidence
                .as_ref()
                .map(|fact| format!(" ([source]({}), {})", fact.source, fact.as_of))
                .unwrap_or_default();
            let word = match verdict {
                "good" => "Good",
                "bad" => "Bad",
                _ => "Neutral",
            };
            let _ = writeln!(out, "* {word}, because {}{source}", criterion.reason);
        }
    }
    for unverified in &option.unverified {
        let _ = writeln!(out, "* Neutral, because unverified: {unverified}");
    }
}
