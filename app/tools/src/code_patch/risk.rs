//! The risk level of one file's change, by a fixed rule so that reviewers can predict it:
//!
//! - `high`: CI and workflow definitions, build scripts and dependency manifests or lock files
//!   (a change there runs or pulls in code beyond the diff), deleting or emptying a file, or
//!   more than 200 changed lines;
//! - `medium`: other configuration files (`*.toml`, `*.yml`, `*.json`, `*.ini`, `*.cfg`,
//!   `*.xml`, `*.properties`, dotfiles) or more than 50 changed lines;
//! - `low`: everything else.

use crate::contract::RiskLevel;

const HIGH_LINES: u32 = 200;
const MEDIUM_LINES: u32 = 50;

/// File names whose change is high risk wherever they are.
const HIGH_NAMES: [&str; 32] = [
    "Cargo.toml",
    "Cargo.lock",
    "build.rs",
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "go.mod",
    "go.sum",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "tox.ini",
    "noxfile.py",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
    "gradle.properties",
    "Gemfile",
    "Gemfile.lock",
    "Makefile",
    "Dockerfile",
    "Jenkinsfile",
    ".gitlab-ci.yml",
    "azure-pipelines.yml",
];

/// Directories whose files are CI or build definitions.
const HIGH_DIRS: [&str; 4] = [".github/", ".circleci/", ".buildkite/", "gradle/"];

const CONFIG_EXTENSIONS: [&str; 9] = [
    "toml",
    "yml",
    "yaml",
    "json",
    "ini",
    "cfg",
    "xml",
    "properties",
    "conf",
];

/// The risk of changing `path` from `before` to `after` by `lines_changed` lines.
pub(crate) fn risk_level(
    path: &str,
    before: Option<&str>,
    after: &str,
    lines_changed: u32,
) -> RiskLevel {
    let name = path.rsplit('/').next().unwrap_or(path);
    let emptied = before.is_some_and(|b| !b.trim().is_empty()) && after.trim().is_empty();
    if HIGH_NAMES.contains(&name)
        || name.starts_with("requirements") && name.ends_with(".txt")
        || name.ends_with(".gemspec")
        || HIGH_DIRS.iter().any(|dir| path.starts_with(dir))
        || emptied
        || lines_changed > HIGH_LINES
    {
        return RiskLevel::High;
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    if CONFIG_EXTENSIONS.contains(&extension)
        || name.starts_with('.')
        || lines_changed > MEDIUM_LINES
    {
        return RiskLevel::Medium;
    }
    RiskLevel::Low
}
