//! `yarn.lock`: Yarn 1's own format (entries of comma-separated specifiers with an indented
//! `version "x"`), and Yarn 2+ ("berry"), which is YAML with a `resolution` per entry.

use serde_yaml_ng::Value;

use crate::component::{Component, Ecosystem};

pub(super) fn parse(path: &str, text: &str) -> Result<Vec<Component>, String> {
    if text.lines().any(|line| line.starts_with("__metadata:")) {
        berry(path, text)
    } else {
        Ok(classic(path, text))
    }
}

/// The package name of a specifier such as `"@babel/core@^7.0.0"` or `lodash@npm:^4`.
fn name_of(specifier: &str) -> &str {
    let specifier = specifier.trim().trim_matches('"');
    // A scoped name starts with `@`, so the version's `@` is the first one after index 0.
    match specifier[1.min(specifier.len())..].find('@') {
        Some(at) => &specifier[..at + 1],
        None => specifier,
    }
}

fn classic(path: &str, text: &str) -> Vec<Component> {
    let mut components = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            current = line
                .trim_end_matches(':')
                .split(", ")
                .next()
                .map(|specifier| name_of(specifier).to_string());
        } else if let (Some(name), Some(version)) = (&current, line.trim().strip_prefix("version "))
        {
            components.push(Component::new(
                Ecosystem::Npm,
                name,
                version.trim().trim_matches('"'),
                path,
            ));
            current = None;
        }
    }
    components
}

fn berry(path: &str, text: &str) -> Result<Vec<Component>, String> {
    let lock: Value = serde_yaml_ng::from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    let Value::Mapping(entries) = lock else {
        return Err("expected a mapping of entries".to_string());
    };
    let mut components = Vec::new();
    for (key, entry) in &entries {
        if key.as_str() == Some("__metadata") {
            continue;
        }
        let Some(resolution) = entry.get("resolution").and_then(Value::as_str) else {
            continue;
        };
        // Only registry packages: workspace, link, portal, patch and file protocols are the
        // project's own code or modifications of a package listed separately.
        let Some((name, _)) = resolution.split_once("@npm:") else {
            continue;
        };
        let version = match entry.get("version") {
            Some(Value::String(version)) => version.clone(),
            Some(Value::Number(number)) => number.to_string(),
            _ => continue,
        };
        components.push(Component::new(Ecosystem::Npm, name, &version, path));
    }
    Ok(components)
}
