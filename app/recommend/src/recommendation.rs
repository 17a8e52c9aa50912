//! The result of a ranking: per layer the chosen option, two alternatives, the rest and the
//! excluded, each with its criterion scores and the facts behind them; plus the control
//! matrix. Its JSON form (`to_json`) is the `--json` output and the only input a model may
//! narrate from.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::catalog::{Fact, SpecDefaults};
use crate::constraints::Constraints;
use crate::controls::Framework;
use crate::layer::Layer;

/// How one criterion scored for one option.
#[derive(Debug, Clone, Serialize)]
pub struct CriterionScore {
    pub criterion: String,
    pub label: String,
    pub weight: u32,
    /// 0..=100; 50 (neutral) when there is no evidence.
    pub score: u32,
    /// The fact the score comes from; `None` means no evidence (neutral, lower confidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Fact>,
    /// For criteria that match the constraints (team skills, preferences): whether it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<bool>,
    /// `good`, `neutral` or `bad`: how the ADR's pros and cons list it.
    pub verdict: String,
    /// The pro or con, written from the fact; empty when there is nothing to say.
    pub reason: String,
}

/// An option that survived the knock-out filters, scored.
#[derive(Debug, Clone, Serialize)]
pub struct RankedOption {
    pub id: String,
    pub name: String,
    pub delivery: String,
    pub homepage: String,
    pub summary: String,
    /// Weighted score, 0..=1000.
    pub score: u32,
    /// Share of the weight that rests on evidence, 0..=100.
    pub confidence: u32,
    pub criteria: Vec<CriterionScore>,
    /// Compliance rules that could not be checked because the catalog lacks the fact.
    pub unverified: Vec<String>,
    pub facts: BTreeMap<String, Fact>,
}

impl RankedOption {
    /// Every distinct source the option's facts cite, sorted, with its date.
    pub fn sources(&self) -> Vec<(&str, &str)> {
        let mut sources: Vec<(&str, &str)> = self
            .facts
            .values()
            .map(|fact| (fact.source.as_str(), fact.as_of.as_str()))
            .collect();
        sources.sort_unstable();
        sources.dedup_by(|a, b| a.0 == b.0);
        sources
    }

    pub fn fact_str(&self, name: &str) -> Option<&str> {
        self.facts.get(name).and_then(|fact| fact.value.as_str())
    }
}

/// An option a knock-out filter removed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    pub id: String,
    pub name: String,
    /// The constraints that removed it (`languages`, `clouds`, `deny_licences`, `hipaa`, ...).
    pub constraints: Vec<String>,
    pub reasons: Vec<String>,
}

/// The decision for one layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerDecision {
    pub layer: Layer,
    /// The chosen option's confidence.
    pub confidence: u32,
    pub primary: RankedOption,
    /// Up to two; the first is preferably of another delivery than the primary.
    pub alternatives: Vec<RankedOption>,
    /// The other survivors, best first.
    pub others: Vec<RankedOption>,
    pub excluded: Vec<Exclusion>,
}

impl LayerDecision {
    /// Primary, alternatives and others, in rank order.
    pub fn considered(&self) -> impl Iterator<Item = &RankedOption> {
        std::iter::once(&self.primary)
            .chain(self.alternatives.iter())
            .chain(self.others.iter())
    }
}

/// Whether a chosen option (or a process) supports a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    /// The chosen option has the capability, per the cited fact.
    Supported,
    /// A process (tests, reviews, redgreen's own evidence) meets it.
    Process,
    /// The chosen option has no evidence of the capability: work to plan.
    Gap,
}

/// One row of the control-mapping matrix.
#[derive(Debug, Clone, Serialize)]
pub struct ControlRow {
    pub framework: Framework,
    pub control: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// The control's text as its publisher wrote it.
    pub requirement: String,
    pub requirement_source: String,
    /// The layer and option, or the process, that helps meet it.
    pub met_by: String,
    pub how: String,
    pub status: ControlStatus,
    /// Sources backing the claim, with dates.
    pub evidence: Vec<String>,
}

/// A whole recommendation.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub catalog_version: String,
    pub weights_version: String,
    pub constraints: Constraints,
    pub tags: Vec<String>,
    /// What each tag adds (weights, knock-out rules), in words.
    pub tag_effects: Vec<String>,
    /// Criterion weights in force (base preset plus the tags' presets; layers may add more).
    pub weights: BTreeMap<String, u32>,
    pub layers: Vec<LayerDecision>,
    pub controls: Vec<ControlRow>,
    /// Things the ranking could not use or check, said plainly.
    pub notes: Vec<String>,
    pub spec_defaults: SpecDefaults,
    /// The catalog's staleness threshold, applied against the ADR's date.
    pub max_fact_age_days: u32,
    /// Every option name in the catalog, for the narrative check (names outside the
    /// recommendation are not evidence).
    #[serde(skip)]
    pub(crate) catalog_names: BTreeSet<String>,
}

impl Recommendation {
    /// The `--json` output: a pure function of the constraints and the catalog.
    pub fn to_json(&self) -> Value {
        redgreen_core::canonical_json::sorted(serde_json::to_value(self).unwrap_or(Value::Null))
    }

    pub fn layer(&self, layer: Layer) -> Option<&LayerDecision> {
        self.layers.iter().find(|decision| decision.layer == layer)
    }

    /// The chosen option of a layer.
    pub fn chosen(&self, layer: Layer) -> Option<&RankedOption> {
        self.layer(layer).map(|decision| &decision.primary)
    }
}
