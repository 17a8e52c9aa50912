//! `Cargo.lock` (versions 1 to 4): every `[[package]]` with a `source` (registry or git);
//! packages without one are the workspace's own crates, not dependencies.

use serde::Deserialize;

use crate::component::{Component, Ecosystem};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
}

pub(super) fn parse(path: &str, text: &str) -> Result<Vec<Component>, String> {
    let lock: Lock = toml::from_str(text).map_err(|e| format!("not a Cargo.lock: {e}"))?;
    Ok(lock
        .package
        .into_iter()
        .filter(|package| package.source.is_some())
        .map(|package| Component::new(Ecosystem::Cargo, &package.name, &package.version, path))
        .collect())
}
