//! `sbom_generate`: find a repository's lockfiles, read their packages, merge duplicates,
//! match them against an OSV directory when one is configured, and emit a validated
//! CycloneDX 1.6 document.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::component::Component;
use crate::cyclonedx::{BomMetadata, build, validate_bom};
use crate::error::SbomError;
use crate::lockfile::{LockfileKind, parse_lockfile};
use crate::osv::{Finding, OsvDatabase};

/// Folders never searched for lockfiles: installed or vendored dependencies carry their own
/// lockfiles, which describe what they were built with, not what this repository ships.
const SKIPPED_DIRS: [&str; 5] = ["node_modules", "target", "vendor", ".git", ".venv"];

/// What the SBOM is for and what to match against.
#[derive(Debug, Clone, Copy)]
pub struct SbomOptions<'a> {
    /// The repository's name (the BOM's root component).
    pub name: &'a str,
    /// RFC 3339 timestamp written into the BOM, passed in.
    pub timestamp: &'a str,
    /// A directory of OSV records; none is bundled.
    pub osv_dir: Option<&'a Path>,
}

/// A generated SBOM.
#[derive(Debug, Clone)]
pub struct Sbom {
    /// The CycloneDX 1.6 document, valid against the official schema.
    pub bom: Value,
    /// The packages, sorted by purl.
    pub components: Vec<Component>,
    /// Known vulnerabilities, sorted by id and purl (empty without an OSV directory).
    pub findings: Vec<Finding>,
    /// The lockfiles read, repository-relative, sorted.
    pub lockfiles: Vec<String>,
}

impl Sbom {
    /// The document as pretty JSON with a final newline: byte-identical for the same inputs.
    pub fn to_json_string(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.bom).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The `sbom_generate` tool's `packages[]`: every purl.
    pub fn packages(&self) -> Vec<String> {
        self.components.iter().map(Component::purl).collect()
    }

    /// The tool's `licenses[]`. Lockfiles do not record licences, so this is empty until a
    /// registry lookup adds them; an empty list is the honest answer, not "no licences".
    pub fn licenses(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Repository-relative paths of the lockfiles under `root`, sorted.
pub fn find_lockfiles(root: &Path) -> Result<Vec<String>, SbomError> {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .filter_entry(|entry| !SKIPPED_DIRS.iter().any(|dir| entry.file_name() == *dir))
        .build();
    let mut found = Vec::new();
    for entry in walker {
        let entry = entry.map_err(|e| SbomError::Walk(e.to_string()))?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        if LockfileKind::of(&relative).is_some() {
            found.push(relative);
        }
    }
    found.sort();
    Ok(found)
}

/// The SBOM of a repository on disk.
pub fn generate(root: &Path, options: &SbomOptions<'_>) -> Result<Sbom, SbomError> {
    let mut files = Vec::new();
    for relative in find_lockfiles(root)? {
        let path = root.join(&relative);
        let text =
            std::fs::read_to_string(&path).map_err(|source| SbomError::Read { path, source })?;
        files.push((relative, text));
    }
    from_lockfiles(&files, options)
}

/// The SBOM of lockfiles given as (repository-relative path, content).
pub fn from_lockfiles(
    files: &[(String, String)],
    options: &SbomOptions<'_>,
) -> Result<Sbom, SbomError> {
    let mut merged: BTreeMap<String, Component> = BTreeMap::new();
    let mut lockfiles = Vec::new();
    for (path, text) in files {
        lockfiles.push(path.clone());
        for component in parse_lockfile(path, text)? {
            let entry = merged.entry(component.purl()).or_insert_with(|| Component {
                sources: Vec::new(),
                ..component.clone()
            });
            entry.sources.extend(component.sources);
            entry.sources.sort();
            entry.sources.dedup();
        }
    }
    lockfiles.sort();
    let components: Vec<Component> = merged.into_values().collect();
    let database = options.osv_dir.map(OsvDatabase::load).transpose()?;
    let mut findings: Vec<Finding> = database
        .iter()
        .flat_map(|db| {
            components
                .iter()
                .flat_map(|component| db.findings(component))
        })
        .collect();
    findings.sort();
    findings.dedup();
    tracing::info!(
        lockfiles = lockfiles.len(),
        components = components.len(),
        findings = findings.len(),
        osv_records = database.as_ref().map(|db| db.records).unwrap_or(0),
        "sbom generated"
    );
    let bom = build(
        &components,
        &findings,
        database.as_ref(),
        BomMetadata {
            name: options.name,
            timestamp: options.timestamp,
        },
    );
    validate_bom(&bom)?;
    Ok(Sbom {
        bom,
        components,
        findings,
        lockfiles,
    })
}
