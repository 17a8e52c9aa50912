//! The versioned catalog: options per layer with sourced facts, the scoring criteria, the
//! weight presets, the compliance knock-out rules and the infrastructure defaults. All of
//! it is data under `app/recommend/catalog/`, embedded at build time and validated against
//! the JSON Schemas in `schemas/recommend/` every time it is loaded.

mod check;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::controls::Controls;
use crate::error::RecommendError;
use crate::layer::Layer;
use crate::schema::validate;

pub use check::{CatalogProblem, StaleFact};

/// One catalog file as text, named by its path under `app/recommend/catalog/`.
#[derive(Debug, Clone, Copy)]
pub struct CatalogFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

macro_rules! embedded_layer {
    ($name:literal) => {
        CatalogFile {
            name: concat!("layers/", $name, ".yaml"),
            text: include_str!(concat!("../catalog/layers/", $name, ".yaml")),
        }
    };
}

/// The catalog files compiled into the crate.
pub const EMBEDDED_LAYER_FILES: [CatalogFile<'static>; 14] = [
    embedded_layer!("runtime"),
    embedded_layer!("web_framework"),
    embedded_layer!("data"),
    embedded_layer!("vector_search"),
    embedded_layer!("orchestration"),
    embedded_layer!("ci_cd"),
    embedded_layer!("security_scanning"),
    embedded_layer!("sbom_provenance"),
    embedded_layer!("runtime_isolation"),
    embedded_layer!("iac_policy"),
    embedded_layer!("telemetry"),
    embedded_layer!("hosting"),
    embedded_layer!("caching"),
    embedded_layer!("monitoring"),
];

const CATALOG_FILE: CatalogFile<'static> = CatalogFile {
    name: "catalog.yaml",
    text: include_str!("../catalog/catalog.yaml"),
};
const CATALOG_SCHEMA: &str = include_str!("../../../schemas/recommend/catalog.schema.json");
const LAYER_SCHEMA: &str = include_str!("../../../schemas/recommend/catalog-layer.schema.json");

/// A fact about an option: its value, where it is published, and when that was checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub value: Value,
    pub source: String,
    pub as_of: String,
}

/// One option of one layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogOption {
    pub id: String,
    pub name: String,
    /// The item's name in the CNCF landscape file, when it is listed there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landscape: Option<String>,
    pub homepage: String,
    /// The catalog's own description, written from the facts.
    pub summary: String,
    /// Other names constraint text may use for it (`postgres` for PostgreSQL).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub facts: BTreeMap<String, Fact>,
}

impl CatalogOption {
    pub fn fact(&self, name: &str) -> Option<&Fact> {
        self.facts.get(name)
    }

    /// The `delivery` fact: `managed`, `self_hosted` or `library`.
    pub fn delivery(&self) -> &str {
        self.fact("delivery")
            .and_then(|fact| fact.value.as_str())
            .unwrap_or("self_hosted")
    }

    /// Every distinct source the option's facts cite, sorted.
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
}

/// How a criterion turns a fact (or a match against the constraints) into 0..=100.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Criterion {
    /// The fact it reads; absent for `matches` criteria.
    #[serde(default)]
    pub fact: Option<String>,
    /// `team_skills` or `preferences`: scores how the option matches the constraints.
    #[serde(default)]
    pub matches: Option<String>,
    /// `licence_class`: the fact's value is first mapped to its licence class.
    #[serde(default)]
    pub via: Option<String>,
    /// Only options of this delivery are scored on it (`managed`: where a provider keeps
    /// the data, its regions matter; software you run is wherever you run it).
    #[serde(default)]
    pub applies_to: Option<String>,
    /// Score per (stringified) value; a value not listed scores neutral.
    pub scores: BTreeMap<String, u32>,
    pub label: String,
    /// Sentence fragments for the ADR's pros and cons; `{value}` is replaced by the value.
    pub good: String,
    pub bad: String,
}

/// Fixed, versioned weight presets: the base set and what each constraint tag adds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Weights {
    pub version: String,
    pub base: BTreeMap<String, u32>,
    /// What a layer adds to the base: the criterion that defines the layer's job (isolation
    /// strength for runtime isolation).
    #[serde(default)]
    pub layers: BTreeMap<Layer, BTreeMap<String, u32>>,
    pub tags: BTreeMap<String, BTreeMap<String, u32>>,
}

/// A knock-out rule a compliance target (or other tag) imposes on some layers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Requirement {
    pub layers: Vec<Layer>,
    pub fact: String,
    /// Applies only to options of this delivery (`managed`).
    #[serde(default)]
    pub delivery: Option<String>,
    /// The fact must equal this value ...
    #[serde(default)]
    pub equals: Option<Value>,
    /// ... or be at least the constraint named here (`slsa_level`).
    #[serde(default)]
    pub at_least: Option<String>,
    /// What a missing fact means: `exclude` (the capability must be shown) or `keep` (the
    /// option stays, marked unverified, with lower confidence).
    #[serde(default = "keep")]
    pub when_missing: String,
    pub why: String,
}

fn keep() -> String {
    "keep".to_string()
}

/// A default of the infrastructure spec, with the reason it is the default.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule<T> {
    pub value: T,
    pub why: String,
}

/// The infrastructure spec's defaults (design rules, not measured figures).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpecDefaults {
    pub min_replicas: Rule<u32>,
    pub cache_strategy: Rule<String>,
    pub cache_ttl_seconds: Rule<u32>,
    pub backup_retention_days: Rule<u32>,
    pub deployment_strategy: Rule<String>,
    pub ci_stages: Rule<Vec<String>>,
    pub alerts: Rule<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct CatalogHead {
    version: String,
    reviewed: String,
    max_fact_age_days: u32,
    licence_classes: BTreeMap<String, Vec<String>>,
    criteria: BTreeMap<String, Criterion>,
    weights: Weights,
    requirements: BTreeMap<String, Vec<Requirement>>,
    spec_defaults: SpecDefaults,
}

#[derive(Debug, Deserialize)]
struct LayerFile {
    layer: Layer,
    as_of: String,
    options: Vec<RawOption>,
}

#[derive(Debug, Deserialize)]
struct RawOption {
    id: String,
    name: String,
    #[serde(default)]
    landscape: Option<String>,
    homepage: String,
    summary: String,
    #[serde(default)]
    aliases: Vec<String>,
    facts: BTreeMap<String, RawFact>,
}

#[derive(Debug, Deserialize)]
struct RawFact {
    value: Value,
    source: String,
    #[serde(default)]
    as_of: Option<String>,
}

/// The whole catalog, loaded and validated.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The catalog's version; part of every output, so a change of data is visible.
    pub version: String,
    /// When the catalog as a whole was last reviewed.
    pub reviewed: String,
    /// Facts older than this (relative to a date passed in) are reported as stale.
    pub max_fact_age_days: u32,
    pub licence_classes: BTreeMap<String, Vec<String>>,
    pub criteria: BTreeMap<String, Criterion>,
    pub weights: Weights,
    pub requirements: BTreeMap<String, Vec<Requirement>>,
    pub spec_defaults: SpecDefaults,
    /// Options per layer, in file order (ranking never depends on that order).
    pub options: BTreeMap<Layer, Vec<CatalogOption>>,
    pub controls: Controls,
}

impl Catalog {
    /// The catalog compiled into this build.
    pub fn embedded() -> Result<Catalog, RecommendError> {
        Catalog::load(CATALOG_FILE, &EMBEDDED_LAYER_FILES, Controls::embedded()?)
    }

    /// A catalog from files (the embedded ones, or an operator's edited copies).
    pub fn load(
        head: CatalogFile<'_>,
        layers: &[CatalogFile<'_>],
        controls: Controls,
    ) -> Result<Catalog, RecommendError> {
        let value = parse_yaml(head)?;
        validate(head.name, CATALOG_SCHEMA, &value)?;
        let head_data: CatalogHead = from_value(head.name, value)?;
        let mut options: BTreeMap<Layer, Vec<CatalogOption>> = BTreeMap::new();
        for file in layers {
            let value = parse_yaml(*file)?;
            validate(file.name, LAYER_SCHEMA, &value)?;
            let layer_file: LayerFile = from_value(file.name, value)?;
            let entry = options.entry(layer_file.layer).or_default();
            for raw in layer_file.options {
                let facts = raw
                    .facts
                    .into_iter()
                    .map(|(name, fact)| {
                        let as_of = fact.as_of.unwrap_or_else(|| layer_file.as_of.clone());
                        (
                            name,
                            Fact {
                                value: fact.value,
                                source: fact.source,
                                as_of,
                            },
                        )
                    })
                    .collect();
                entry.push(CatalogOption {
                    id: raw.id,
                    name: raw.name,
                    landscape: raw.landscape,
                    homepage: raw.homepage,
                    summary: raw.summary,
                    aliases: raw.aliases,
                    facts,
                });
            }
        }
        let catalog = Catalog {
            version: head_data.version,
            reviewed: head_data.reviewed,
            max_fact_age_days: head_data.max_fact_age_days,
            licence_classes: head_data.licence_classes,
            criteria: head_data.criteria,
            weights: head_data.weights,
            requirements: head_data.requirements,
            spec_defaults: head_data.spec_defaults,
            options,
            controls,
        };
        let problems = catalog.problems();
        if let Some(first) = problems.first() {
            return Err(RecommendError::Catalog {
                file: first.file.clone(),
                message: problems
                    .iter()
                    .map(|problem| problem.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
        Ok(catalog)
    }

    /// The options of one layer.
    pub fn layer(&self, layer: Layer) -> &[CatalogOption] {
        self.options.get(&layer).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Finds an option by id in any layer.
    pub fn option(&self, id: &str) -> Option<(Layer, &CatalogOption)> {
        self.options.iter().find_map(|(layer, options)| {
            options
                .iter()
                .find(|option| option.id == id)
                .map(|option| (*layer, option))
        })
    }

    /// The licence class (`permissive`, `source_available`, ...) of an SPDX expression.
    pub fn licence_class(&self, licence: &str) -> Option<&str> {
        self.licence_classes
            .iter()
            .find(|(_, ids)| ids.iter().any(|id| id == licence))
            .map(|(class, _)| class.as_str())
    }
}

fn parse_yaml(file: CatalogFile<'_>) -> Result<Value, RecommendError> {
    serde_yaml_ng::from_str(file.text).map_err(|error| RecommendError::Catalog {
        file: file.name.to_string(),
        message: format!("not valid YAML: {error}"),
    })
}

fn from_value<T: serde::de::DeserializeOwned>(
    file: &str,
    value: Value,
) -> Result<T, RecommendError> {
    serde_json::from_value(value).map_err(|error| RecommendError::Catalog {
        file: file.to_string(),
        message: error.to_string(),
    })
}
