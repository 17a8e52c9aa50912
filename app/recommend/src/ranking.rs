//! The deterministic ranking: knock-out filters, then a weighted score over evidence-backed
//! criteria with the weight presets of the constraints' tags. Integer arithmetic only, ties
//! broken by option id, so the same inputs always give the same ranking.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::catalog::{Catalog, CatalogOption, Criterion};
use crate::constraints::Constraints;
use crate::controls::control_matrix;
use crate::error::RecommendError;
use crate::infeasible::{BlockedLayer, Infeasibility};
use crate::layer::Layer;
use crate::recommendation::{
    CriterionScore, Exclusion, LayerDecision, RankedOption, Recommendation,
};

/// The score of a criterion without evidence.
const NEUTRAL: u32 = 50;

/// Ranks every layer of the catalog against the constraints.
pub fn recommend(
    catalog: &Catalog,
    constraints: &Constraints,
) -> Result<Recommendation, RecommendError> {
    let tags = constraints.tags();
    let weights = weights_for(catalog, &tags);
    let mut layers = Vec::new();
    let mut blocked = Vec::new();
    for layer in Layer::ALL {
        let options = catalog.layer(layer);
        let mut weights = weights.clone();
        for (criterion, weight) in catalog.weights.layers.get(&layer).into_iter().flatten() {
            *weights.entry(criterion.clone()).or_default() += weight;
        }
        let relevant: Vec<(&String, &Criterion, u32)> = weights
            .iter()
            .filter_map(|(name, weight)| {
                let criterion = catalog.criteria.get(name)?;
                let used = options
                    .iter()
                    .any(|option| criterion_applies(criterion, option, constraints));
                (used && *weight > 0).then_some((name, criterion, *weight))
            })
            .collect();
        let mut survivors = Vec::new();
        let mut excluded = Vec::new();
        for option in options {
            let (exclusion, unverified) = knock_out(catalog, layer, option, constraints, &tags);
            match exclusion {
                Some(exclusion) => excluded.push(exclusion),
                None => survivors.push(score(catalog, option, &relevant, constraints, unverified)),
            }
        }
        excluded.sort_by(|a, b| a.id.cmp(&b.id));
        if survivors.is_empty() {
            blocked.push(BlockedLayer { layer, excluded });
            continue;
        }
        survivors.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        let primary = survivors.remove(0);
        let mut alternatives = Vec::new();
        // The first alternative is preferably of another kind (managed vs self-hosted).
        if let Some(at) = survivors
            .iter()
            .position(|o| o.delivery != primary.delivery)
        {
            alternatives.push(survivors.remove(at));
        }
        while alternatives.len() < 2 && !survivors.is_empty() {
            alternatives.push(survivors.remove(0));
        }
        alternatives.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        layers.push(LayerDecision {
            layer,
            confidence: primary.confidence,
            primary,
            alternatives,
            others: survivors,
            excluded,
        });
    }
    if !blocked.is_empty() {
        return Err(RecommendError::Infeasible(Infeasibility { blocked }));
    }
    let mut recommendation = Recommendation {
        catalog_version: catalog.version.clone(),
        weights_version: catalog.weights.version.clone(),
        constraints: constraints.clone(),
        tags: tags.iter().cloned().collect(),
        tag_effects: tag_effects(catalog, &tags),
        weights,
        layers,
        controls: Vec::new(),
        notes: notes(catalog, constraints, &tags),
        spec_defaults: catalog.spec_defaults.clone(),
        max_fact_age_days: catalog.max_fact_age_days,
        catalog_names: catalog
            .options
            .values()
            .flatten()
            .map(|option| option.name.clone())
            .collect(),
    };
    recommendation.controls = control_matrix(&catalog.controls, &recommendation);
    Ok(recommendation)
}

/// The base weights plus every tag's preset, summed per criterion.
fn weights_for(catalog: &Catalog, tags: &BTreeSet<String>) -> BTreeMap<String, u32> {
    let mut weights = catalog.weights.base.clone();
    for tag in tags {
        for (criterion, weight) in catalog.weights.tags.get(tag).into_iter().flatten() {
            *weights.entry(criterion.clone()).or_default() += weight;
        }
    }
    weights
}

/// Whether a criterion says anything about an option: its fact exists, or it matches the
/// constraints. A criterion that applies to no option of a layer is left out of that layer,
/// so constraints only move the layers they concern.
fn criterion_applies(
    criterion: &Criterion,
    option: &CatalogOption,
    constraints: &Constraints,
) -> bool {
    match (&criterion.fact, &criterion.matches) {
        (Some(fact), _) => option.fact(fact).is_some(),
        (None, Some(what)) => matches(what, option, constraints),
        (None, None) => false,
    }
}

fn matches(what: &str, option: &CatalogOption, constraints: &Constraints) -> bool {
    match what {
        "preferences" => constraints.preferences.contains(&option.id),
        "team_skills" => {
            constraints.team_skills.contains(&option.id)
                || strings(option.fact("languages").map(|f| &f.value))
                    .iter()
                    .any(|language| constraints.team_skills.contains(language))
        }
        _ => false,
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(text)) => vec![text.clone()],
        _ => Vec::new(),
    }
}

/// A fact's value as the key of a criterion's score table.
fn value_key(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The knock-out filters, in order: archived, language, cloud, denied licence, and the
/// rules of the constraints' tags. Also returns the rules that could not be checked.
fn knock_out(
    catalog: &Catalog,
    layer: Layer,
    option: &CatalogOption,
    constraints: &Constraints,
    tags: &BTreeSet<String>,
) -> (Option<Exclusion>, Vec<String>) {
    let mut reasons = Vec::new();
    let mut culprits = Vec::new();
    let mut unverified = Vec::new();
    if option.fact("maturity").and_then(|f| f.value.as_str()) == Some("archived") {
        culprits.push("archived".to_string());
        reasons.push("the project is archived".to_string());
    }
    let languages = strings(option.fact("languages").map(|f| &f.value));
    if !constraints.languages.is_empty()
        && option.fact("languages").is_some()
        && !languages
            .iter()
            .any(|l| l == "any" || constraints.languages.contains(l))
    {
        culprits.push("languages".to_string());
        reasons.push(format!(
            "supports {}, not {}",
            languages.join(", "),
            join(&constraints.languages)
        ));
    }
    let clouds = strings(option.fact("clouds").map(|f| &f.value));
    if !constraints.clouds.is_empty()
        && option.fact("clouds").is_some()
        && !clouds
            .iter()
            .any(|c| c == "any" || constraints.clouds.contains(c))
    {
        culprits.push("clouds".to_string());
        reasons.push(format!(
            "runs on {}; the constraints allow {}",
            clouds.join(", "),
            join(&constraints.clouds)
        ));
    }
    if let Some(licence) = option.fact("licence").and_then(|f| f.value.as_str())
        && constraints.deny_licences.contains(licence)
    {
        culprits.push("deny_licences".to_string());
        reasons.push(format!("its licence {licence} is denied"));
    }
    for tag in tags {
        for rule in catalog.requirements.get(tag).into_iter().flatten() {
            if !rule.layers.contains(&layer) {
                continue;
            }
            if let Some(delivery) = &rule.delivery
                && delivery != option.delivery()
            {
                continue;
            }
            let Some(fact) = option.fact(&rule.fact) else {
                if rule.when_missing == "exclude" {
                    culprits.push(tag.clone());
                    reasons.push(format!(
                        "{tag}: {} (the catalog has no evidence of {})",
                        rule.why, rule.fact
                    ));
                } else {
                    unverified.push(format!(
                        "{tag}: {} is not in the catalog ({})",
                        rule.fact, rule.why
                    ));
                }
                continue;
            };
            let passes = match (&rule.equals, &rule.at_least) {
                (Some(expected), _) => &fact.value == expected,
                (None, Some(constraint)) => {
                    let wanted = match constraint.as_str() {
                        "slsa_level" => constraints.slsa_level,
                        "asvs_level" => constraints.asvs_level,
                        _ => None,
                    };
                    match (fact.value.as_u64(), wanted) {
                        (Some(have), Some(want)) => have >= u64::from(want),
                        _ => true,
                    }
                }
                (None, None) => true,
            };
            if !passes {
                culprits.push(tag.clone());
                reasons.push(format!(
                    "{tag}: {} ({} is {})",
                    rule.why,
                    rule.fact,
                    value_key(&fact.value)
                ));
            }
        }
    }
    culprits.dedup();
    let exclusion = (!reasons.is_empty()).then(|| Exclusion {
        id: option.id.clone(),
        name: option.name.clone(),
        constraints: culprits,
        reasons,
    });
    (exclusion, unverified)
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// Scores one surviving option over the layer's relevant criteria.
fn score(
    catalog: &Catalog,
    option: &CatalogOption,
    relevant: &[(&String, &Criterion, u32)],
    constraints: &Constraints,
    unverified: Vec<String>,
) -> RankedOption {
    let mut criteria = Vec::new();
    let (mut weighted, mut total) = (0u64, 0u64);
    let (mut evidenced, mut evidence_total) = (0u64, 0u64);
    for (name, criterion, weight) in relevant {
        let weight = *weight;
        if let Some(delivery) = &criterion.applies_to
            && delivery != option.delivery()
        {
            continue;
        }
        let (score, evidence, matched) = match (&criterion.fact, &criterion.matches) {
            (Some(fact_name), _) => match option.fact(fact_name) {
                Some(fact) => {
                    let key = value_key(&fact.value);
                    let key = match criterion.via.as_deref() {
                        Some("licence_class") => {
                            catalog.licence_class(&key).unwrap_or("unknown").to_string()
                        }
                        _ => key,
                    };
                    let score = criterion.scores.get(&key).copied().unwrap_or(NEUTRAL);
                    (score, Some(fact.clone()), None)
                }
                None => (NEUTRAL, None, None),
            },
            (None, Some(what)) => {
                let hit = matches(what, option, constraints);
                let key = if hit { "match" } else { "no_match" };
                (
                    criterion.scores.get(key).copied().unwrap_or(NEUTRAL),
                    None,
                    Some(hit),
                )
            }
            (None, None) => (NEUTRAL, None, None),
        };
        weighted += u64::from(weight) * u64::from(score.min(100));
        total += u64::from(weight);
        if criterion.fact.is_some() {
            evidence_total += u64::from(weight);
            if evidence.is_some() {
                evidenced += u64::from(weight);
            }
        }
        let value = evidence
            .as_ref()
            .map(|fact| value_key(&fact.value).replace('_', " "));
        let (verdict, reason) = match (&value, matched) {
            (_, Some(true)) => ("good", criterion.good.replace("{value}", "")),
            (_, Some(false)) => ("neutral", String::new()),
            (None, None) => (
                "neutral",
                format!(
                    "the catalog has no evidence on {} (scored neutral)",
                    criterion.label
                ),
            ),
            (Some(value), None) if score >= 70 => {
                ("good", criterion.good.replace("{value}", value))
            }
            (Some(value), None) if score <= 40 => ("bad", criterion.bad.replace("{value}", value)),
            (Some(value), None) => ("neutral", format!("{}: {value}", criterion.label)),
        };
        criteria.push(CriterionScore {
            criterion: (*name).clone(),
            label: criterion.label.clone(),
            weight,
            score,
            evidence,
            matched,
            verdict: verdict.to_string(),
            reason,
        });
    }
    // Rounded integer division; no criterion at all is neutral, no evidence-backed
    // criterion at all is full confidence (nothing was left unknown).
    let score = (weighted * 10 + total / 2)
        .checked_div(total)
        .unwrap_or(500);
    let confidence = (evidenced * 100 + evidence_total / 2)
        .checked_div(evidence_total)
        .unwrap_or(100);
    RankedOption {
        id: option.id.clone(),
        name: option.name.clone(),
        delivery: option.delivery().to_string(),
        homepage: option.homepage.clone(),
        summary: option.summary.clone(),
        score: u32::try_from(score).unwrap_or(u32::MAX),
        confidence: u32::try_from(confidence).unwrap_or(100),
        criteria,
        unverified,
        facts: option.facts.clone(),
    }
}

/// For each tag, the weights and knock-out rules it adds, in words.
fn tag_effects(catalog: &Catalog, tags: &BTreeSet<String>) -> Vec<String> {
    tags.iter()
        .map(|tag| {
            let weights: Vec<String> = catalog
                .weights
                .tags
                .get(tag)
                .into_iter()
                .flatten()
                .map(|(criterion, weight)| format!("{criterion} +{weight}"))
                .collect();
            let rules: Vec<String> = catalog
                .requirements
                .get(tag)
                .into_iter()
                .flatten()
                .map(|rule| {
                    let layers: Vec<&str> = rule.layers.iter().map(|l| l.id()).collect();
                    let scope = rule
                        .delivery
                        .as_deref()
                        .map(|d| format!("{d} "))
                        .unwrap_or_default();
                    format!(
                        "{scope}options in {} must show {}",
                        layers.join("/"),
                        rule.fact
                    )
                })
                .collect();
            let mut effect = format!(
                "`{tag}`: weights {}",
                if weights.is_empty() {
                    "none".to_string()
                } else {
                    weights.join(", ")
                }
            );
            if !rules.is_empty() {
                effect.push_str(&format!("; knock-out: {}", rules.join("; ")));
            }
            effect
        })
        .collect()
}

/// What the ranking could not take into account, stated so that nobody assumes it did.
fn notes(catalog: &Catalog, constraints: &Constraints, tags: &BTreeSet<String>) -> Vec<String> {
    let mut notes = Vec::new();
    for target in &constraints.compliance {
        if !catalog.requirements.contains_key(target) && !catalog.weights.tags.contains_key(target)
        {
            notes.push(format!(
                "The catalog has no rules or weights for {target}: it did not change the ranking; \
                 map its controls by hand."
            ));
        }
    }
    if let Some(budget) = constraints.budget_usd_per_month {
        notes.push(format!(
            "Budget {budget} USD/month: the catalog records pricing models, not prices, so the \
             budget favours options without licence fees but cannot be checked against a total."
        ));
    }
    if tags.contains("preferences") {
        notes.push(
            "Named options are preferences, weighted, not requirements: a named option can lose \
             to one with better evidence."
                .to_string(),
        );
    }
    notes
}
