//! Known vulnerabilities from a local directory of OSV records (`<ecosystem>/<id>.json` or
//! flat, as the OSV exports lay them out), matched by ecosystem, name and version: the
//! record's explicit `versions`, then its `SEMVER` and `ECOSYSTEM` ranges. SEMVER ranges
//! use the `semver` crate; ECOSYSTEM ranges are compared as semver where the versions parse
//! as such (crates.io, npm, most PyPI releases), otherwise only the explicit list counts.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::component::{Component, Ecosystem};
use crate::error::SbomError;

/// One OSV record, the fields used here.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct OsvRecord {
    pub id: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub affected: Vec<Affected>,
    #[serde(default)]
    pub severity: Vec<Severity>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Affected {
    pub package: Package,
    #[serde(default)]
    pub ranges: Vec<Range>,
    #[serde(default)]
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Event {
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub last_affected: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Severity {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

/// A component affected by a record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub id: String,
    pub purl: String,
    pub summary: Option<String>,
    pub aliases: Vec<String>,
}

/// The records of a directory, indexed by ecosystem and normalised package name.
#[derive(Debug, Default)]
pub struct OsvDatabase {
    index: BTreeMap<(Ecosystem, String), Vec<OsvRecord>>,
    /// Records read, for reporting.
    pub records: usize,
}

impl OsvDatabase {
    /// Reads every `*.json` under `dir` (recursively). Records for ecosystems this crate does
    /// not scan are kept out of the index.
    pub fn load(dir: &Path) -> Result<OsvDatabase, SbomError> {
        let mut database = OsvDatabase::default();
        let mut files = Vec::new();
        collect_json(dir, &mut files)?;
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|source| SbomError::Read {
                path: file.clone(),
                source,
            })?;
            let record: OsvRecord = serde_json::from_str(&text).map_err(|e| SbomError::Osv {
                file: file.display().to_string(),
                message: e.to_string(),
            })?;
            database.add(record);
        }
        Ok(database)
    }

    /// Adds one record.
    pub fn add(&mut self, record: OsvRecord) {
        self.records += 1;
        let mut keys: Vec<(Ecosystem, String)> = record
            .affected
            .iter()
            .filter_map(|affected| {
                // "PyPI", or "Debian:11"-style suffixed names for distributions.
                let base = affected
                    .package
                    .ecosystem
                    .split(':')
                    .next()
                    .unwrap_or_default();
                let ecosystem = Ecosystem::from_osv_name(base)?;
                Some((ecosystem, ecosystem.normalise(&affected.package.name)))
            })
            .collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            self.index.entry(key).or_default().push(record.clone());
        }
    }

    /// The records that affect a component, sorted by id.
    pub fn findings(&self, component: &Component) -> Vec<Finding> {
        let key = (
            component.ecosystem,
            component.ecosystem.normalise(&component.name),
        );
        let mut findings: Vec<Finding> = self
            .index
            .get(&key)
            .into_iter()
            .flatten()
            .filter(|record| {
                record.affected.iter().any(|affected| {
                    component.ecosystem.normalise(&affected.package.name) == key.1
                        && affects(affected, &component.version)
                })
            })
            .map(|record| Finding {
                id: record.id.clone(),
                purl: component.purl(),
                summary: record.summary.clone(),
                aliases: record.aliases.clone(),
            })
            .collect();
        findings.sort();
        findings.dedup();
        findings
    }

    /// The record with this id, for the BOM's vulnerability entries.
    pub fn record(&self, id: &str) -> Option<&OsvRecord> {
        self.index.values().flatten().find(|record| record.id == id)
    }
}

fn collect_json(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), SbomError> {
    let entries = std::fs::read_dir(dir).map_err(|source| SbomError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| SbomError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            collect_json(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// A version as semver: Go's leading `v` dropped, missing minor and patch filled with 0
/// (`1.2` → `1.2.0`), as OSV's ECOSYSTEM ranges for npm and crates.io already are.
fn as_semver(version: &str) -> Option<semver::Version> {
    let version = version.trim().trim_start_matches('v');
    if let Ok(parsed) = semver::Version::parse(version) {
        return Some(parsed);
    }
    let (core, rest) = match version.find(['-', '+']) {
        Some(at) => version.split_at(at),
        None => (version, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.parse::<u64>().is_err()) {
        return None;
    }
    let mut padded = parts.clone();
    padded.resize(3, "0");
    semver::Version::parse(&format!("{}{rest}", padded.join("."))).ok()
}

/// Whether `version` is affected: listed explicitly, or inside a range (OSV's algorithm:
/// walk the events in version order; `introduced` opens, `fixed` closes at that version,
/// `last_affected` closes after it).
fn affects(affected: &Affected, version: &str) -> bool {
    if affected.versions.iter().any(|listed| listed == version) {
        return true;
    }
    let Some(current) = as_semver(version) else {
        return false;
    };
    affected
        .ranges
        .iter()
        .filter(|range| range.kind == "SEMVER" || range.kind == "ECOSYSTEM")
        .any(|range| {
            let mut events: Vec<(semver::Version, u8)> = Vec::new();
            for event in &range.events {
                if let Some(v) = &event.introduced {
                    let at = if v == "0" {
                        Some(semver::Version::new(0, 0, 0))
                    } else {
                        as_semver(v)
                    };
                    let Some(at) = at else { return false };
                    events.push((at, 0));
                }
                if let Some(v) = &event.fixed {
                    let Some(at) = as_semver(v) else { return false };
                    events.push((at, 1));
                }
                if let Some(v) = &event.last_affected {
                    let Some(at) = as_semver(v) else { return false };
                    events.push((at, 2));
                }
            }
            events.sort();
            let mut inside = false;
            for (at, kind) in &events {
                match kind {
                    0 if current >= *at => inside = true,
                    1 if current >= *at => inside = false,
                    2 if current > *at => inside = false,
                    _ => {}
                }
            }
            inside
        })
}
