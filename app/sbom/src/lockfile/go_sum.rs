//! `go.sum`: each line is `module version hash`; a `/go.mod` suffix marks the hash of the
//! module's go.mod alone. Every module version listed is reported once (go.sum can hold
//! versions the build no longer selects; the SBOM errs on listing them).

use std::collections::BTreeSet;

use crate::component::{Component, Ecosystem};

pub(super) fn parse(path: &str, text: &str) -> Vec<Component> {
    let mut seen = BTreeSet::new();
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (module, version) = (fields.next()?, fields.next()?);
            let version = version.trim_end_matches("/go.mod");
            seen.insert((module.to_string(), version.to_string()))
                .then(|| Component::new(Ecosystem::Go, module, version, path))
        })
        .collect()
}
