//! The ADR's "More Information" section: bill of materials, supply-chain notes, the
//! control-mapping matrix, quantified trade-offs and cost inputs, test plan, rollback note,
//! stale facts and sources.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::AdrContext;
use crate::date::parse_date;
use crate::error::RecommendError;
use crate::layer::Layer;
use crate::recommendation::{ControlStatus, Recommendation};

/// A table cell: no pipes or line breaks, at most `max` characters.
fn cell(text: &str, max: usize) -> String {
    let flat = text.replace('|', "/").replace(['\n', '\r'], " ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

pub(super) fn render(
    out: &mut String,
    recommendation: &Recommendation,
    context: &AdrContext<'_>,
) -> Result<(), RecommendError> {
    let fact = |layer: Layer, name: &str| -> String {
        recommendation
            .chosen(layer)
            .and_then(|option| option.facts.get(name))
            .map(|fact| match &fact.value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| "not in the catalog".to_string())
    };

    out.push_str("### Bill of materials\n\n");
    out.push_str("| layer | component | delivery | licence | maturity | sources |\n|---|---|---|---|---|---|\n");
    for decision in &recommendation.layers {
        let option = &decision.primary;
        let get = |name: &str| {
            option
                .fact_str(name)
                .unwrap_or("not in the catalog")
                .to_string()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            decision.layer.title(),
            option.name,
            option.delivery.replace('_', "-"),
            get("licence"),
            get("maturity"),
            option.sources().len()
        );
    }
    out.push('\n');

    out.push_str("### Supply-chain notes\n\n");
    let _ = writeln!(
        out,
        "* SBOM: every build produces a CycloneDX SBOM with {} (`redgreen sbom` can produce one \
         from the lockfiles too); the SBOM is attached to the release.",
        recommendation
            .chosen(Layer::SbomProvenance)
            .map(|o| o.name.as_str())
            .unwrap_or("the chosen tool")
    );
    let _ = writeln!(
        out,
        "* Signing and provenance: {} publishes provenance at SLSA build level {} per the \
         catalog; releases are signed and the signature verified before deploy.",
        recommendation
            .chosen(Layer::CiCd)
            .map(|o| o.name.as_str())
            .unwrap_or("the CI"),
        fact(Layer::CiCd, "slsa_build_level")
    );
    let _ = writeln!(
        out,
        "* Known vulnerabilities: {} scans dependencies and images on every pull request and on \
         a schedule; findings are matched against OSV records and block a release above the \
         agreed severity.",
        recommendation
            .chosen(Layer::SecurityScanning)
            .map(|o| o.name.as_str())
            .unwrap_or("the scanner")
    );
    for decision in &recommendation.layers {
        let option = &decision.primary;
        let signed = option
            .facts
            .get("signed_releases")
            .map(|f| (f.value.as_bool(), f.source.as_str()));
        match signed {
            Some((Some(true), source)) => {
                let _ = writeln!(
                    out,
                    "* {} signs its releases ([source]({source})).",
                    option.name
                );
            }
            Some((Some(false), source)) => {
                let _ = writeln!(
                    out,
                    "* {} does not sign its releases ([source]({source})): pin by checksum.",
                    option.name
                );
            }
            _ => {}
        }
    }
    out.push('\n');

    out.push_str("### Control mapping\n\n");
    let asvs = recommendation.constraints.asvs_level.unwrap_or(1);
    let slsa = recommendation.constraints.slsa_level.unwrap_or(1);
    let _ = writeln!(
        out,
        "NIST SSDF 1.1 tasks, OWASP ASVS 5.0.0 requirements up to level {asvs} and SLSA 1.0 build \
         requirements up to level {slsa}{}, with the stack choice or process that helps meet \
         each. `gap` means the chosen option has no catalogued evidence for it.\n",
        if recommendation.constraints.asvs_level.is_none() {
            " (ASVS level 1 because none was asked for)"
        } else {
            ""
        }
    );
    out.push_str("| framework | control | level | requirement | met by | status | evidence |\n|---|---|---|---|---|---|---|\n");
    for row in &recommendation.controls {
        let status = match row.status {
            ControlStatus::Supported => "supported",
            ControlStatus::Process => "process",
            ControlStatus::Gap => "gap",
        };
        let evidence = if row.evidence.is_empty() {
            format!("[{}]({})", row.framework.title(), row.requirement_source)
        } else {
            row.evidence.join("; ")
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {status} | {} |",
            row.framework.title(),
            row.control,
            row.level
                .map(|l| l.to_string())
                .unwrap_or_else(|| "-".to_string()),
            cell(&row.requirement, 140),
            cell(&format!("{}: {}", row.met_by, row.how), 160),
            cell(&evidence, 200)
        );
    }
    out.push('\n');

    out.push_str("### Quantified trade-offs\n\n");
    out.push_str(
        "Scores are out of 1000, confidence is the share of weight backed by a sourced fact. \
         Latency and throughput appear only where a source publishes them; otherwise measure \
         them in the test plan.\n\n",
    );
    out.push_str("| layer | option | score | confidence | pricing model | latency/throughput |\n|---|---|---|---|---|---|\n");
    for decision in &recommendation.layers {
        for option in std::iter::once(&decision.primary).chain(decision.alternatives.iter()) {
            let performance = option
                .facts
                .get("performance")
                .map(|f| {
                    format!(
                        "{} ([source]({}))",
                        cell(f.value.as_str().unwrap_or_default(), 240),
                        f.source
                    )
                })
                .unwrap_or_else(|| "none published".to_string());
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}% | {} | {performance} |",
                decision.layer.title(),
                option.name,
                option.score,
                option.confidence,
                option
                    .fact_str("cost_model")
                    .unwrap_or("not in the catalog")
            );
        }
    }
    out.push('\n');
    let c = &recommendation.constraints;
    let shown = |value: Option<u64>| {
        value
            .map(|v| v.to_string())
            .unwrap_or_else(|| "not given".to_string())
    };
    let _ = writeln!(
        out,
        "Cost estimate inputs: users {}, requests/s {}, data volume {} GB, budget {} USD/month. \
         The catalog holds pricing models and the pages that publish prices, not prices, so the \
         spec's `estimatedMonthlyCost.amount` stays empty until those unit prices are applied.\n",
        shown(c.users),
        shown(c.requests_per_second),
        shown(c.data_volume_gb),
        shown(c.budget_usd_per_month)
    );

    out.push_str("### Test plan\n\n");
    let tdd = if c.strict_tdd {
        "Strict TDD: every change starts with a failing test in the pull request (red), then the fix (green); CI keeps both runs as evidence."
    } else {
        "Unit and integration tests run on every pull request; a change without a test needs a reviewer's reason."
    };
    let _ = writeln!(out, "* {tdd}");
    let _ = writeln!(
        out,
        "* Integration tests run against {} in a disposable instance, never a shared one.",
        recommendation
            .chosen(Layer::Data)
            .map(|o| o.name.as_str())
            .unwrap_or("the database")
    );
    out.push_str(
        "* A load test at the stated scale measures latency and throughput before launch; its \
         numbers replace the \"none published\" cells above.\n\
         * A restore drill recovers the database from backup into a fresh instance each quarter.\n\
         * The CI pipeline fails on a missing SBOM, unsigned artifacts or unverified provenance.\n\
         * Security tests cover the ASVS rows of the control matrix at the requested level.\n\n",
    );

    out.push_str("### Rollback\n\n");
    out.push_str(
        "This ADR changes no running system by itself. If a chosen option fails its trial, \
         supersede this ADR with one that picks that layer's first alternative (listed above with \
         its score), and revert the infrastructure spec in the same pull request; deployments \
         roll back by redeploying the previous signed artifact.\n\n",
    );

    let today = parse_date(context.date)?;
    let mut stale = BTreeSet::new();
    for decision in &recommendation.layers {
        for option in decision.considered() {
            for (name, fact) in &option.facts {
                if let Ok(as_of) = parse_date(&fact.as_of)
                    && (today - as_of).whole_days() > i64::from(recommendation.max_fact_age_days)
                {
                    stale.insert(format!("{} `{name}` (as of {})", option.name, fact.as_of));
                }
            }
        }
    }
    out.push_str("### Stale facts\n\n");
    if stale.is_empty() {
        let _ = writeln!(
            out,
            "None: every fact used was checked within {} days of {}.\n",
            recommendation.max_fact_age_days, context.date
        );
    } else {
        let _ = writeln!(
            out,
            "Checked more than {} days before {}; re-check before relying on them:\n",
            recommendation.max_fact_age_days, context.date
        );
        for line in &stale {
            let _ = writeln!(out, "* {line}");
        }
        out.push('\n');
    }

    if !recommendation.notes.is_empty() {
        out.push_str("### Notes\n\n");
        for note in &recommendation.notes {
            let _ = writeln!(out, "* {note}");
        }
        out.push('\n');
    }

    out.push_str("### Sources\n\n");
    let mut sources = BTreeSet::new();
    for decision in &recommendation.layers {
        for option in std::iter::once(&decision.primary).chain(decision.alternatives.iter()) {
            for (url, as_of) in option.sources() {
                sources.insert(format!("<{url}> (checked {as_of}; {})", option.name));
            }
        }
    }
    for source in &sources {
        let _ = writeln!(out, "* {source}");
    }
    Ok(())
}
