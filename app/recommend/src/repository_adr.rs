//! The stack-recommendation ADR and its infrastructure spec as files of one repository: placed
//! in its ADR folder by PRODUCT.md's rules and numbered in the folder's style. Shared by
//! `redgreen recommend --out` and the `@redgreen recommend` pull request.

use std::path::Path;

use crate::adr::AdrContext;
use crate::adr_location::{ADR_DIRS, adr_location, slug};
use crate::catalog::Catalog;
use crate::constraints::{Constraints, UnknownWord};
use crate::error::RecommendError;
use crate::ranking::recommend;
use crate::recommendation::Recommendation;

/// What a recommendation writes into a repository.
#[derive(Debug)]
pub struct RepositoryAdr {
    /// Words of the constraints that were not understood, so not used.
    pub unknown: Vec<UnknownWord>,
    pub recommendation: Recommendation,
    /// `(repository-relative path, content)`: the ADR, then the infrastructure spec.
    pub files: Vec<(String, String)>,
}

/// Ranks the catalog for `constraints` (the text of the mention: free words and/or a fenced
/// YAML block) and renders the ADR titled `title`, dated `date` (`YYYY-MM-DD`), for the
/// repository checked out at `repo`. Reads only the repository's ADR folders and its
/// `.adr-dir` and `.github/redgreen.yml`. A model-written `narrative` replaces the template's
/// context paragraph only if it passes [`crate::check_narrative`].
pub fn repository_adr(
    catalog: &Catalog,
    constraints: &str,
    repo: &Path,
    title: &str,
    date: &str,
    narrative: Option<&str>,
) -> Result<RepositoryAdr, RecommendError> {
    let (constraints, unknown) = Constraints::parse(constraints, catalog);
    let recommendation = recommend(catalog, &constraints)?;
    let adr = recommendation.render_adr(&AdrContext {
        title,
        date,
        decision_makers: &[],
        narrative,
    })?;
    let spec = recommendation.infrastructure_spec(title)?;
    let (configured, existing) = adr_folders(repo);
    let place = adr_location(&existing, configured.as_deref());
    let name = slug(title);
    let spec_text = serde_json::to_string_pretty(&spec)
        .map_err(|error| RecommendError::Spec(error.to_string()))?;
    let files = vec![
        (place.adr_file(&name, date), adr),
        (place.spec_file(&name, date), format!("{spec_text}\n")),
    ];
    Ok(RepositoryAdr {
        unknown,
        recommendation,
        files,
    })
}

/// The configured ADR folder (`.adr-dir`, then `adr_dir` in `.github/redgreen.yml`) and the
/// files of every candidate folder, as repository-relative paths. An unreadable folder or
/// file counts as absent: the placement then falls back to the defaults.
fn adr_folders(repo: &Path) -> (Option<String>, Vec<String>) {
    let configured = std::fs::read_to_string(repo.join(".adr-dir"))
        .ok()
        .map(|text| text.trim().to_string())
        .filter(|dir| !dir.is_empty())
        .or_else(|| {
            let text = std::fs::read_to_string(repo.join(".github/redgreen.yml")).ok()?;
            redgreen_core::repo_config::RepoConfig::parse(&text)
                .ok()?
                .adr_dir
        });
    let mut files = Vec::new();
    for dir in configured.iter().map(String::as_str).chain(ADR_DIRS) {
        let Ok(entries) = std::fs::read_dir(repo.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|kind| kind.is_file()) {
                files.push(format!("{dir}/{}", entry.file_name().to_string_lossy()));
            }
        }
    }
    files.sort();
    (configured, files)
}
