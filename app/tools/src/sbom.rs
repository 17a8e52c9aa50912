//! `sbom_generate`: a CycloneDX 1.6 bill of materials of the repository's dependencies (or of
//! one directory or lockfile), read from its lockfiles and matched against the operator's OSV
//! directory. The document goes to the run's artifacts directory, never into the work tree:
//! there it would become part of the change.

use std::path::{Path, PathBuf};

use redgreen_sbom::{LockfileKind, SbomOptions, find_lockfiles, from_lockfiles};

use crate::contract::{SbomGenerateInput, SbomGenerateOutput, SbomPackage, SbomVulnerability};
use crate::error::ToolError;
use crate::workspace::Workspace;

/// Where `sbom_generate` writes, and what goes into every document of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomSettings {
    /// Host directory the documents are written to (created when missing).
    pub artifacts_dir: PathBuf,
    /// How that directory is named to the model (relative to the data dir, so no host
    /// layout reaches a prompt).
    pub shown_dir: String,
    /// A directory of OSV records to match packages against; none is bundled.
    pub osv_dir: Option<PathBuf>,
    /// The repository's name: the BOM's root component.
    pub name: String,
    /// RFC 3339 time written into the BOM (the run's, so a repeated call writes the same bytes).
    pub timestamp: String,
}

/// Runs the tool over `workspace`.
pub fn sbom_generate(
    workspace: &Workspace,
    settings: &SbomSettings,
    input: &SbomGenerateInput,
) -> Result<SbomGenerateOutput, ToolError> {
    let paths = lockfiles(workspace, input.target.as_deref())?;
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = workspace
            .read(&path)?
            .ok_or_else(|| ToolError::NotFound { path: path.clone() })?;
        let text = String::from_utf8(bytes).map_err(|_| ToolError::NotText {
            path: path.clone(),
            reason: "a lockfile must be UTF-8 text".into(),
        })?;
        files.push((path, text));
    }
    let sbom = from_lockfiles(
        &files,
        &SbomOptions {
            name: &settings.name,
            timestamp: &settings.timestamp,
            osv_dir: settings.osv_dir.as_deref(),
        },
    )?;
    let file_name = match input.target.as_deref() {
        None => "sbom.cdx.json".to_owned(),
        Some(target) => format!("sbom-{}.cdx.json", file_safe(target)),
    };
    write_atomically(
        &settings.artifacts_dir,
        &file_name,
        sbom.to_json_string().as_bytes(),
    )?;
    Ok(SbomGenerateOutput {
        sbom_path: format!("{}/{file_name}", settings.shown_dir.trim_end_matches('/')),
        packages: sbom
            .components
            .iter()
            .map(|component| SbomPackage {
                name: component.name.clone(),
                version: component.version.clone(),
                purl: Some(component.purl()),
            })
            .collect(),
        licenses: sbom.licenses(),
        lockfiles: sbom.lockfiles.clone(),
        vulnerabilities: sbom
            .findings
            .iter()
            .map(|finding| SbomVulnerability {
                id: finding.id.clone(),
                purl: finding.purl.clone(),
                summary: finding.summary.clone(),
            })
            .collect(),
    })
}

/// The repository-relative lockfiles the call describes: all of them, those under a
/// directory, the one named, or those beside a manifest that is not itself a lockfile.
fn lockfiles(workspace: &Workspace, target: Option<&str>) -> Result<Vec<String>, ToolError> {
    let directory = match target {
        None => None,
        Some(target) => {
            let normal = workspace.check_path(target)?;
            let full = workspace.root().join(&normal);
            let metadata = std::fs::symlink_metadata(&full).map_err(|_| ToolError::NotFound {
                path: normal.clone(),
            })?;
            if metadata.is_dir() {
                Some(normal)
            } else if LockfileKind::of(&normal).is_some() {
                return Ok(vec![normal]);
            } else {
                // A manifest (`Cargo.toml`, `package.json`): its directory's lockfiles.
                normal.rsplit_once('/').map(|(parent, _)| parent.to_owned())
            }
        }
    };
    let root = match &directory {
        Some(directory) => workspace.root().join(directory),
        None => workspace.root().to_path_buf(),
    };
    let found: Vec<String> = find_lockfiles(&root)?
        .into_iter()
        .map(|relative| match &directory {
            Some(directory) => format!("{directory}/{relative}"),
            None => relative,
        })
        .collect();
    if found.is_empty() {
        return Err(ToolError::Unavailable {
            tool: "sbom_generate".into(),
            reason: format!(
                "no lockfile under {}; the SBOM is read from Cargo.lock, package-lock.json, \
                 yarn.lock, poetry.lock, requirements.txt (pinned) and go.sum",
                directory.as_deref().unwrap_or("the repository root")
            ),
        });
    }
    Ok(found)
}

/// A target path as one file-name component: every character but ASCII letters, digits,
/// `.`, `-` and `_` becomes `_`.
fn file_safe(target: &str) -> String {
    target
        .trim_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes `dir/name` whole or not at all: a reader never sees half a document.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), ToolError> {
    let shown = || format!("the run's artifacts ({name})");
    std::fs::create_dir_all(dir).map_err(|source| ToolError::io("creating", shown(), source))?;
    let partial = dir.join(format!(".{name}.partial"));
    std::fs::write(&partial, bytes).map_err(|source| ToolError::io("writing", shown(), source))?;
    std::fs::rename(&partial, dir.join(name))
        .map_err(|source| ToolError::io("writing", shown(), source))
}
