//! The fenced ```` ```yaml ```` block of a mention: the exact way to state constraints.
//! Unknown keys and unreadable values are reported, not dropped.

use std::sync::LazyLock;

use regex::Regex;
use serde_yaml_ng::Value;

use super::vocabulary::LICENCE_FAMILIES;
use super::{Constraints, UnknownWord, Vocabulary, WordOrigin};

static FENCE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?s)```ya?ml[ \t]*\r?\n(.*?)```").ok());

/// The text without its first YAML block, and that block.
pub(super) fn split(input: &str) -> (String, Option<String>) {
    let Some(captures) = FENCE.as_ref().and_then(|fence| fence.captures(input)) else {
        return (input.to_string(), None);
    };
    let (Some(whole), Some(body)) = (captures.get(0), captures.get(1)) else {
        return (input.to_string(), None);
    };
    let prose = format!("{}\n{}", &input[..whole.start()], &input[whole.end()..]);
    (prose, Some(body.as_str().to_string()))
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        Value::String(text) => vec![text.trim().to_string()],
        Value::Number(number) => vec![number.to_string()],
        Value::Bool(flag) => vec![flag.to_string()],
        _ => Vec::new(),
    }
}

fn unsigned(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number
            .as_u64()
            .or_else(|| number.as_f64().map(|f| f as u64)),
        Value::String(text) => {
            let text = text.trim().to_lowercase().replace([',', '_', '$'], "");
            let (digits, factor) = match text.strip_suffix('k') {
                Some(digits) => (digits.to_string(), 1_000),
                None => match text.strip_suffix('m') {
                    Some(digits) => (digits.to_string(), 1_000_000),
                    None => (text, 1),
                },
            };
            digits.trim().parse::<u64>().ok().map(|n| n * factor)
        }
        _ => None,
    }
}

fn level(value: &Value) -> Option<u8> {
    let text = strings(value).join("").to_lowercase();
    let digits = text
        .trim_start_matches("level")
        .trim_start_matches('l')
        .trim();
    digits
        .parse::<u8>()
        .ok()
        .filter(|level| (1..=3).contains(level))
}

fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.trim().to_lowercase().as_str() {
            "yes" | "true" | "on" => Some(true),
            "no" | "false" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn compliance_id(text: &str) -> Option<&'static str> {
    let squashed: String = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    match squashed.as_str() {
        "soc2" | "soc2typeii" | "soc2type2" | "soc2typei" | "soc2type1" => Some("soc2"),
        "hipaa" => Some("hipaa"),
        "gdpr" => Some("gdpr"),
        "pci" | "pcidss" => Some("pci_dss"),
        "iso27001" | "isoiec27001" => Some("iso27001"),
        _ => None,
    }
}

/// Reads the block into `constraints`; its values replace the text's single values.
pub(super) fn parse_into(
    block: &str,
    vocabulary: &Vocabulary,
    constraints: &mut Constraints,
    unknown: &mut Vec<UnknownWord>,
) {
    let parsed: Value = match serde_yaml_ng::from_str(block) {
        Ok(value) => value,
        Err(error) => {
            unknown.push(UnknownWord {
                word: "```yaml block".to_string(),
                origin: WordOrigin::YamlBlock,
                note: Some(format!("not valid YAML: {error}")),
            });
            return;
        }
    };
    let Value::Mapping(mapping) = parsed else {
        if !parsed.is_null() {
            unknown.push(UnknownWord {
                word: "```yaml block".to_string(),
                origin: WordOrigin::YamlBlock,
                note: Some("expected a mapping of constraint keys".to_string()),
            });
        }
        return;
    };
    let mut bad_value = |key: &str, value: &Value, why: &str| {
        unknown.push(UnknownWord {
            word: format!("{key}: {}", strings(value).join(", ")),
            origin: WordOrigin::YamlValue,
            note: Some(why.to_string()),
        })
    };
    let mut unknown_keys = Vec::new();
    for (key, value) in &mapping {
        let Some(key) = key.as_str() else { continue };
        let normalised = key.trim().to_lowercase().replace(['-', ' '], "_");
        match normalised.as_str() {
            "language" | "languages" => {
                for language in strings(value) {
                    let id = vocabulary
                        .language(&language)
                        .map(str::to_string)
                        .unwrap_or_else(|| language.to_lowercase());
                    constraints.languages.insert(id);
                }
            }
            "framework" | "frameworks" | "prefer" | "preferences" | "preferred" => {
                for name in strings(value) {
                    match vocabulary.product(&name) {
                        Some(id) => {
                            constraints.preferences.insert(id.to_string());
                        }
                        None => {
                            bad_value(key, &Value::String(name), "no catalog option has this name")
                        }
                    }
                }
            }
            "compliance" => {
                for target in strings(value) {
                    match compliance_id(&target) {
                        Some(id) => {
                            constraints.compliance.insert(id.to_string());
                        }
                        None => bad_value(key, &Value::String(target), "unknown compliance target"),
                    }
                }
            }
            "asvs" | "asvs_level" => match level(value) {
                Some(level) => constraints.asvs_level = Some(level),
                None => bad_value(key, value, "expected a level from 1 to 3"),
            },
            "slsa" | "slsa_level" => match level(value) {
                Some(level) => constraints.slsa_level = Some(level),
                None => bad_value(key, value, "expected a level from 1 to 3"),
            },
            "users" => match unsigned(value) {
                Some(n) => constraints.users = Some(n),
                None => bad_value(key, value, "expected a number"),
            },
            "rps" | "requests_per_second" | "requests" => match unsigned(value) {
                Some(n) => constraints.requests_per_second = Some(n),
                None => bad_value(key, value, "expected a number"),
            },
            "data_volume_gb" | "data_gb" | "data_volume" => match unsigned(value) {
                Some(n) => constraints.data_volume_gb = Some(n),
                None => bad_value(key, value, "expected a number of GB"),
            },
            "budget" | "budget_usd" | "budget_usd_month" | "budget_usd_per_month" => {
                match unsigned(value) {
                    Some(n) => constraints.budget_usd_per_month = Some(n),
                    None => bad_value(key, value, "expected US dollars per month"),
                }
            }
            "cloud" | "clouds" => {
                for cloud in strings(value) {
                    let id = match cloud.to_lowercase().as_str() {
                        "aws" | "amazon" | "amazon web services" => "aws",
                        "gcp" | "google" | "google cloud" | "google cloud platform" => "gcp",
                        "azure" | "microsoft azure" => "azure",
                        _ => {
                            bad_value(key, &Value::String(cloud), "known clouds: aws, gcp, azure");
                            continue;
                        }
                    };
                    constraints.clouds.insert(id.to_string());
                }
            }
            "region" => match strings(value).join("").to_lowercase().as_str() {
                "eu" | "europe" => constraints.region = Some("eu".into()),
                "us" | "usa" => constraints.region = Some("us".into()),
                _ => bad_value(key, value, "known regions: eu, us"),
            },
            "team_skills" | "skills" => {
                for skill in strings(value) {
                    if let Some(language) = vocabulary.language(&skill) {
                        constraints.team_skills.insert(language.to_string());
                    } else if let Some(id) = vocabulary.product(&skill) {
                        constraints.team_skills.insert(id.to_string());
                    } else {
                        match skill.to_lowercase().as_str() {
                            cloud @ ("aws" | "gcp" | "azure") => {
                                constraints.team_skills.insert(cloud.to_string());
                            }
                            _ => bad_value(
                                key,
                                &Value::String(skill),
                                "not a language or catalog option",
                            ),
                        }
                    }
                }
            }
            "github_first" | "strict_tdd" | "tdd" | "multi_tenancy" | "multi_tenant" => {
                match flag(value) {
                    Some(on) => match normalised.as_str() {
                        "github_first" => constraints.github_first = on,
                        "strict_tdd" | "tdd" => constraints.strict_tdd = on,
                        _ => constraints.multi_tenancy = on,
                    },
                    None => bad_value(key, value, "expected true or false"),
                }
            }
            "operations" | "hosting" => {
                match strings(value)
                    .join("")
                    .to_lowercase()
                    .replace(['-', ' '], "_")
                    .as_str()
                {
                    "managed" | "serverless" => constraints.operations = Some("managed".into()),
                    "self_hosted" | "on_prem" | "on_premises" => {
                        constraints.operations = Some("self_hosted".into())
                    }
                    _ => bad_value(key, value, "expected managed or self_hosted"),
                }
            }
            "deny_licenses" | "deny_licences" | "denied_licenses" | "denied_licences" => {
                for licence in strings(value) {
                    match LICENCE_FAMILIES
                        .iter()
                        .find(|(family, _)| *family == licence.to_lowercase())
                    {
                        Some((_, ids)) => constraints
                            .deny_licences
                            .extend(ids.iter().map(|id| id.to_string())),
                        None => {
                            constraints.deny_licences.insert(licence);
                        }
                    }
                }
            }
            _ => unknown_keys.push(key.to_string()),
        }
    }
    unknown.extend(unknown_keys.into_iter().map(|key| UnknownWord {
        word: key,
        origin: WordOrigin::YamlKey,
        note: None,
    }));
}
