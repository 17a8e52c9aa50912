//! `poetry.lock`: every `[[package]]` with its name and version.

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
}

pub(super) fn parse(path: &str, text: &str) -> Result<Vec<Component>, String> {
    let lock: Lock = toml::from_str(text).map_err(|e| format!("not a poetry.lock: {e}"))?;
    Ok(lock
        .package
        .into_iter()
        .map(|package| Component::new(Ecosystem::PyPI, &package.name, &package.version, path))
        .collect())
}
