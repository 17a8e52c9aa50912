//! The catalog check: rules the schemas cannot express (unique ids, three options per
//! layer, known licences, weights naming real criteria, control ids that exist in the
//! embedded control catalogs) and the staleness report over the facts' `as_of` dates.

use std::collections::BTreeSet;

use serde::Serialize;

use super::Catalog;
use crate::date::parse_date;
use crate::error::RecommendError;
use crate::layer::Layer;

/// A rule the catalog breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogProblem {
    pub file: String,
    pub message: String,
}

/// A fact checked longer ago than the catalog allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleFact {
    pub option: String,
    pub fact: String,
    pub as_of: String,
    pub age_days: i64,
}

impl Catalog {
    /// Every rule the catalog breaks; empty for a sound catalog. [`Catalog::load`] refuses
    /// a catalog with problems, so this is mostly for the catalog check and for editors.
    pub fn problems(&self) -> Vec<CatalogProblem> {
        let mut problems = Vec::new();
        let mut add =
            |file: String, message: String| problems.push(CatalogProblem { file, message });
        let mut ids = BTreeSet::new();
        for layer in Layer::ALL {
            let file = format!("layers/{}.yaml", layer.id());
            let options = self.layer(layer);
            if options.len() < 3 {
                add(
                    file.clone(),
                    format!(
                        "layer {layer} has {} options; at least 3 are required",
                        options.len()
                    ),
                );
            }
            for option in options {
                if !ids.insert(option.id.as_str()) {
                    add(
                        file.clone(),
                        format!("option id {} is used twice", option.id),
                    );
                }
                if option.facts.is_empty() {
                    add(
                        file.clone(),
                        format!("option {} cites no source", option.id),
                    );
                }
                for (name, fact) in &option.facts {
                    if parse_date(&fact.as_of).is_err() {
                        add(
                            file.clone(),
                            format!(
                                "{}.{name}: as_of {:?} is not YYYY-MM-DD",
                                option.id, fact.as_of
                            ),
                        );
                    }
                    if !fact.source.starts_with("https://") {
                        add(
                            file.clone(),
                            format!(
                                "{}.{name}: source {:?} is not an https URL",
                                option.id, fact.source
                            ),
                        );
                    }
                }
                if let Some(licence) = option.fact("licence").and_then(|f| f.value.as_str())
                    && self.licence_class(licence).is_none()
                {
                    add(
                        file.clone(),
                        format!("{}: licence {licence:?} is in no licence class", option.id),
                    );
                }
            }
        }
        let mut weighted: Vec<(&str, &String)> =
            self.weights.base.keys().map(|c| ("base", c)).collect();
        for (layer, weights) in &self.weights.layers {
            weighted.extend(weights.keys().map(|c| (layer.id(), c)));
        }
        for (tag, weights) in &self.weights.tags {
            weighted.extend(weights.keys().map(|c| (tag.as_str(), c)));
        }
        for (preset, criterion) in weighted {
            if !self.criteria.contains_key(criterion) {
                add(
                    "catalog.yaml".to_string(),
                    format!("weight preset {preset} names unknown criterion {criterion}"),
                );
            }
        }
        for (name, criterion) in &self.criteria {
            if criterion.fact.is_none() == criterion.matches.is_none() {
                add(
                    "catalog.yaml".to_string(),
                    format!("criterion {name} needs exactly one of fact and matches"),
                );
            }
        }
        for problem in self.controls.problems() {
            add(problem.0, problem.1);
        }
        problems
    }

    /// Facts whose `as_of` is more than `max_fact_age_days` before `today` (`YYYY-MM-DD`,
    /// passed in so that the check is deterministic), sorted by option and fact.
    pub fn stale_facts(&self, today: &str) -> Result<Vec<StaleFact>, RecommendError> {
        let today = parse_date(today)?;
        let mut stale = Vec::new();
        for options in self.options.values() {
            for option in options {
                for (name, fact) in &option.facts {
                    let as_of = parse_date(&fact.as_of)?;
                    let age_days = (today - as_of).whole_days();
                    if age_days > i64::from(self.max_fact_age_days) {
                        stale.push(StaleFact {
                            option: option.id.clone(),
                            fact: name.clone(),
                            as_of: fact.as_of.clone(),
                            age_days,
                        });
                    }
                }
            }
        }
        stale.sort_by(|a, b| (&a.option, &a.fact).cmp(&(&b.option, &b.fact)));
        Ok(stale)
    }
}
