//! The control catalogs the ADR maps the stack against, embedded from their publishers'
//! machine-readable forms (OWASP ASVS 5.0.0, NIST SSDF 1.1 as CycloneDX), plus SLSA 1.0's
//! build requirements (published only as prose, encoded in `catalog/controls/slsa-1.0.yaml`
//! with citations), and the catalog's own mapping from stack layers and processes to them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::RecommendError;
use crate::layer::Layer;
use crate::recommendation::{ControlRow, ControlStatus, Recommendation};
use crate::schema::validate;

const ASVS: &str = include_str!("../catalog/controls/owasp-asvs-5.0.0.flat.json");
const SSDF: &str = include_str!("../catalog/controls/nist-ssdf-1.1.cdx.json");
const SLSA: &str = include_str!("../catalog/controls/slsa-1.0.yaml");
const MAPPING: &str = include_str!("../catalog/controls/mapping.yaml");
const MAPPING_SCHEMA: &str = include_str!("../../../schemas/recommend/control-mapping.schema.json");
const SLSA_SCHEMA: &str = include_str!("../../../schemas/recommend/slsa-requirements.schema.json");

/// Where each framework's text is published; the ADR cites these.
pub const ASVS_SOURCE: &str = "https://github.com/OWASP/ASVS/tree/v5.0.0_release/5.0";
pub const SSDF_SOURCE: &str = "https://csrc.nist.gov/pubs/sp/800/218/final";

/// A control framework of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Framework {
    Ssdf,
    Asvs,
    Slsa,
}

impl Framework {
    pub fn title(self) -> &'static str {
        match self {
            Framework::Ssdf => "NIST SSDF 1.1",
            Framework::Asvs => "OWASP ASVS 5.0.0",
            Framework::Slsa => "SLSA 1.0",
        }
    }
}

/// One control: its id, the level it starts at (ASVS 1-3, SLSA build 1-3; SSDF has none),
/// and its text as published.
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    pub id: String,
    pub level: Option<u8>,
    pub text: String,
    pub source: String,
}

/// How a layer's chosen option or a process helps meet a control.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ControlMapping {
    pub framework: Framework,
    pub control: String,
    /// The layer whose chosen option helps ...
    #[serde(default)]
    pub layer: Option<Layer>,
    /// ... through this capability fact (it must be `true` or a level), when one applies.
    #[serde(default)]
    pub fact: Option<String>,
    /// ... or the process that meets it.
    #[serde(default)]
    pub process: Option<String>,
    pub how: String,
}

#[derive(Debug, Deserialize)]
struct MappingFile {
    mappings: Vec<ControlMapping>,
}

#[derive(Debug, Deserialize)]
struct SlsaFile {
    source: String,
    requirements: Vec<SlsaRow>,
}

#[derive(Debug, Deserialize)]
struct SlsaRow {
    id: String,
    level: u8,
    text: String,
    anchor: String,
}

#[derive(Debug, Deserialize)]
struct AsvsFile {
    requirements: Vec<AsvsRow>,
}

#[derive(Debug, Deserialize)]
struct AsvsRow {
    req_id: String,
    req_description: String,
    #[serde(rename = "L")]
    level: String,
}

/// The three control catalogs and the mapping onto them.
#[derive(Debug, Clone)]
pub struct Controls {
    pub ssdf: BTreeMap<String, Control>,
    pub asvs: BTreeMap<String, Control>,
    pub slsa: BTreeMap<String, Control>,
    pub mappings: Vec<ControlMapping>,
}

impl Controls {
    /// The control catalogs compiled into this build.
    pub fn embedded() -> Result<Controls, RecommendError> {
        let asvs_file: AsvsFile = serde_json::from_str(ASVS).map_err(|e| bad("owasp-asvs", e))?;
        let mut asvs = BTreeMap::new();
        for row in asvs_file.requirements {
            let level = row.level.parse::<u8>().ok();
            asvs.insert(
                row.req_id.clone(),
                Control {
                    id: row.req_id,
                    level,
                    text: row.req_description,
                    source: ASVS_SOURCE.to_string(),
                },
            );
        }
        let ssdf_value: Value = serde_json::from_str(SSDF).map_err(|e| bad("nist-ssdf", e))?;
        let mut ssdf = BTreeMap::new();
        let standards = ssdf_value
            .pointer("/definitions/standards/0/requirements")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for requirement in standards {
            let (Some(id), Some(text)) = (
                requirement.get("identifier").and_then(Value::as_str),
                requirement.get("text").and_then(Value::as_str),
            ) else {
                continue;
            };
            ssdf.insert(
                id.to_string(),
                Control {
                    id: id.to_string(),
                    level: None,
                    text: text.to_string(),
                    source: SSDF_SOURCE.to_string(),
                },
            );
        }
        let slsa_value: Value =
            serde_yaml_ng::from_str(SLSA).map_err(|e| bad("controls/slsa-1.0.yaml", e))?;
        validate("controls/slsa-1.0.yaml", SLSA_SCHEMA, &slsa_value)?;
        let slsa_file: SlsaFile =
            serde_json::from_value(slsa_value).map_err(|e| bad("controls/slsa-1.0.yaml", e))?;
        let slsa = slsa_file
            .requirements
            .into_iter()
            .map(|row| {
                let control = Control {
                    id: row.id.clone(),
                    level: Some(row.level),
                    text: row.text,
                    source: format!("{}{}", slsa_file.source, row.anchor),
                };
                (row.id, control)
            })
            .collect();
        let mapping_value: Value =
            serde_yaml_ng::from_str(MAPPING).map_err(|e| bad("controls/mapping.yaml", e))?;
        validate("controls/mapping.yaml", MAPPING_SCHEMA, &mapping_value)?;
        let mapping: MappingFile =
            serde_json::from_value(mapping_value).map_err(|e| bad("controls/mapping.yaml", e))?;
        Ok(Controls {
            ssdf,
            asvs,
            slsa,
            mappings: mapping.mappings,
        })
    }

    /// The control a mapping names, if its framework has it.
    pub fn control(&self, framework: Framework, id: &str) -> Option<&Control> {
        match framework {
            Framework::Ssdf => self.ssdf.get(id),
            Framework::Asvs => self.asvs.get(id),
            Framework::Slsa => self.slsa.get(id),
        }
    }

    /// Mapping rows whose control does not exist, or that name neither a layer nor a
    /// process: (file, message).
    pub(crate) fn problems(&self) -> Vec<(String, String)> {
        let file = "controls/mapping.yaml".to_string();
        let mut problems = Vec::new();
        for mapping in &self.mappings {
            if self.control(mapping.framework, &mapping.control).is_none() {
                problems.push((
                    file.clone(),
                    format!(
                        "{} has no control {}",
                        mapping.framework.title(),
                        mapping.control
                    ),
                ));
            }
            if mapping.layer.is_none() == mapping.process.is_none() {
                problems.push((
                    file.clone(),
                    format!(
                        "mapping for {} needs exactly one of layer and process",
                        mapping.control
                    ),
                ));
            }
        }
        problems
    }
}

/// The control-mapping matrix for a recommendation: SSDF tasks, ASVS requirements up to the
/// requested level (level 1 when none was asked for) and SLSA build requirements up to the
/// requested level (likewise), each with the chosen option or process that helps meet it.
pub(crate) fn control_matrix(
    controls: &Controls,
    recommendation: &Recommendation,
) -> Vec<ControlRow> {
    let asvs_level = recommendation.constraints.asvs_level.unwrap_or(1);
    let slsa_level = recommendation.constraints.slsa_level.unwrap_or(1);
    let mut rows: Vec<(Framework, usize, ControlRow)> = Vec::new();
    for (index, mapping) in controls.mappings.iter().enumerate() {
        let Some(control) = controls.control(mapping.framework, &mapping.control) else {
            continue;
        };
        let wanted = match mapping.framework {
            Framework::Asvs => Some(asvs_level),
            Framework::Slsa => Some(slsa_level),
            Framework::Ssdf => None,
        };
        if let (Some(level), Some(wanted)) = (control.level, wanted)
            && level > wanted
        {
            continue;
        }
        let (met_by, status, evidence) = match (mapping.layer, &mapping.process) {
            (Some(layer), _) => {
                let Some(chosen) = recommendation.chosen(layer) else {
                    continue;
                };
                let met_by = format!("{}: {}", layer.title(), chosen.name);
                match &mapping.fact {
                    Some(fact_name) => match chosen.facts.get(fact_name) {
                        Some(fact) if supports(&fact.value, control.level) => (
                            met_by,
                            ControlStatus::Supported,
                            vec![format!("{} (as of {})", fact.source, fact.as_of)],
                        ),
                        _ => (met_by, ControlStatus::Gap, Vec::new()),
                    },
                    None => (
                        met_by,
                        ControlStatus::Supported,
                        vec![chosen.homepage.clone()],
                    ),
                }
            }
            (None, Some(process)) => (process.clone(), ControlStatus::Process, Vec::new()),
            (None, None) => continue,
        };
        rows.push((
            mapping.framework,
            index,
            ControlRow {
                framework: mapping.framework,
                control: control.id.clone(),
                level: control.level,
                requirement: control.text.clone(),
                requirement_source: control.source.clone(),
                met_by,
                how: mapping.how.clone(),
                status,
                evidence,
            },
        ));
    }
    rows.sort_by_key(|(framework, index, _)| (*framework, *index));
    rows.into_iter().map(|(_, _, row)| row).collect()
}

/// A capability fact supports a control when it is `true`, or a level at least the
/// control's (SLSA build levels).
fn supports(value: &Value, level: Option<u8>) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        Value::Number(number) => number
            .as_u64()
            .is_some_and(|have| have >= u64::from(level.unwrap_or(1))),
        Value::String(text) => !text.is_empty(),
        _ => false,
    }
}

fn bad(file: &str, error: impl std::fmt::Display) -> RecommendError {
    RecommendError::Catalog {
        file: file.to_string(),
        message: error.to_string(),
    }
}
