//! A repository's own configuration, `.github/redgreen.yml` (read from the base branch by
//! the caller): YAML, validated against `schemas/repo-config.schema.json`, then typed.
//!
//! The schema is the contract users read, so it decides validity; the typed structs only
//! mirror it (serde would accept some values the schema refuses, such as `max_diff_lines: 0`).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where the configuration lives in the repository.
pub const REPO_CONFIG_PATH: &str = ".github/redgreen.yml";

/// The JSON Schema of the file, as shipped in `schemas/`.
pub const REPO_CONFIG_SCHEMA: &str = include_str!("../../../schemas/repo-config.schema.json");

/// The schema compiled once; it is part of the build, so a failure here is a build defect,
/// reported on every parse rather than by a panic.
static VALIDATOR: LazyLock<Result<jsonschema::Validator, String>> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(REPO_CONFIG_SCHEMA).map_err(|e| e.to_string())?;
    jsonschema::validator_for(&schema).map_err(|e| e.to_string())
});

/// Every key of `.github/redgreen.yml` (PRODUCT.md, "Repository config"). Absent keys are
/// `None` or empty: their defaults belong to the code that uses them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoConfig {
    /// The test command; `run_tests`' target is appended to it.
    pub test: Option<String>,
    /// Commands of the setup phase, before the agent phase.
    #[serde(default)]
    pub setup: Vec<String>,
    /// Hosts (with an optional port) the setup phase may reach.
    #[serde(default)]
    pub egress: Vec<String>,
    pub write_scope: Option<WriteScope>,
    pub max_diff_lines: Option<u64>,
    pub budget: Option<Budget>,
    /// Who may trigger commands (default write; never below triage for commands that write).
    pub trigger_min_permission: Option<Role>,
    pub adr_dir: Option<String>,
    /// Overrides `REDGREEN_LLM_MODEL` for this repository.
    pub model: Option<String>,
    /// How much of the suite verification runs (default: the affected tests).
    pub verify: Option<Verify>,
}

/// Names `egress:` accepts for the package registries, and the hosts each stands for.
pub const EGRESS_PRESETS: [(&str, &[&str]); 3] = [
    ("pypi", &["pypi.org", "files.pythonhosted.org"]),
    ("npm", &["registry.npmjs.org"]),
    ("crates", &["index.crates.io", "static.crates.io"]),
];

impl RepoConfig {
    /// The hosts `egress:` allows, with the presets (`pypi`, `npm`, `crates`) expanded, in
    /// order and without repeats.
    pub fn egress_hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = Vec::new();
        for entry in &self.egress {
            let expanded = EGRESS_PRESETS
                .iter()
                .find(|(name, _)| name == entry)
                .map_or_else(|| vec![entry.as_str()], |(_, hosts)| hosts.to_vec());
            for host in expanded {
                if !hosts.iter().any(|h| h == host) {
                    hosts.push(host.to_owned());
                }
            }
        }
        hosts
    }
}

/// How much of the suite a fix's verification runs (`verify:`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verify {
    /// The red tests, every test file the run touched, and every test file that reaches a
    /// changed file through the code index's graph; the whole suite where that selection
    /// cannot be computed.
    #[default]
    Affected,
    /// The whole suite, on the base commit and with the change.
    Full,
}

/// Paths (globs) redgreen may change, and those it must not even when allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteScope {
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
}

/// A run's caps for this repository.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub tokens: Option<u64>,
    pub usd: Option<f64>,
    pub minutes: Option<f64>,
}

/// A GitHub repository role, as `trigger_min_permission` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

/// Why a `.github/redgreen.yml` was refused. Messages quote the problem and, where known,
/// its 1-based line, so they can be shown to the repository's users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoConfigError {
    /// Not YAML, or YAML that is not a mapping of keys.
    #[error("{REPO_CONFIG_PATH}{}: not valid YAML: {message}", at_line(*.line))]
    Syntax {
        message: String,
        line: Option<usize>,
    },
    /// YAML, but not what the schema allows. `path` is the JSON pointer of the value.
    #[error("{REPO_CONFIG_PATH}{}: {message} (at `{path}`)", at_line(*.line))]
    Schema {
        message: String,
        path: String,
        line: Option<usize>,
    },
    /// The shipped schema does not compile (a build defect).
    #[error("the repository config schema does not load: {0}")]
    SchemaUnusable(String),
}

impl RepoConfigError {
    /// A file's content does not change by asking again.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

fn at_line(line: Option<usize>) -> String {
    line.map(|line| format!(" line {line}")).unwrap_or_default()
}

impl RepoConfig {
    /// Parses and validates the file's text. An empty file (or one of comments only) is the
    /// default configuration.
    pub fn parse(text: &str) -> Result<RepoConfig, RepoConfigError> {
        let value: Value = serde_yaml_ng::from_str(text).map_err(|e| RepoConfigError::Syntax {
            message: e.to_string(),
            line: e.location().map(|location| location.line()),
        })?;
        let value = if value.is_null() {
            Value::Object(serde_json::Map::new())
        } else {
            value
        };
        let validator = VALIDATOR
            .as_ref()
            .map_err(|e| RepoConfigError::SchemaUnusable(e.clone()))?;
        if let Some(error) = validator.iter_errors(&value).next() {
            let path = error.instance_path().to_string();
            // The schema's keys are all top-level mappings, so the key's own line locates
            // the problem well enough for a person to find it.
            let key = path.trim_start_matches('/').split('/').next().unwrap_or("");
            let line = (!key.is_empty())
                .then(|| {
                    text.lines()
                        .position(|line| line.starts_with(&format!("{key}:")))
                        .map(|index| index + 1)
                })
                .flatten();
            return Err(RepoConfigError::Schema {
                message: error.to_string(),
                path: if path.is_empty() {
                    "/".to_owned()
                } else {
                    path
                },
                line,
            });
        }
        serde_json::from_value(value).map_err(|e| RepoConfigError::Schema {
            message: e.to_string(),
            path: "/".to_owned(),
            line: None,
        })
    }
}
