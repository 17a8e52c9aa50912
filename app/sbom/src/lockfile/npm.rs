//! `package-lock.json`: lockfile versions 2 and 3 list every installed package under
//! `packages` keyed by its `node_modules/...` path; version 1 nests `dependencies`.

use serde_json::Value;

use crate::component::{Component, Ecosystem};

pub(super) fn parse(path: &str, text: &str) -> Result<Vec<Component>, String> {
    let lock: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let mut components = Vec::new();
    if let Some(packages) = lock.get("packages").and_then(Value::as_object) {
        for (key, package) in packages {
            // "" is the project itself; links point at workspace folders, not packages.
            let Some((_, name)) = key.rsplit_once("node_modules/") else {
                continue;
            };
            if package.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = package.get("name").and_then(Value::as_str).unwrap_or(name);
            if let Some(version) = package.get("version").and_then(Value::as_str) {
                components.push(Component::new(Ecosystem::Npm, name, version, path));
            }
        }
        return Ok(components);
    }
    match lock.get("dependencies") {
        Some(dependencies) => {
            walk_v1(dependencies, path, &mut components);
            Ok(components)
        }
        None => Err("neither `packages` (v2/v3) nor `dependencies` (v1) is present".to_string()),
    }
}

fn walk_v1(dependencies: &Value, path: &str, out: &mut Vec<Component>) {
    let Some(map) = dependencies.as_object() else {
        return;
    };
    for (name, entry) in map {
        if let Some(version) = entry.get("version").and_then(Value::as_str)
            && !version.starts_with("file:")
        {
            out.push(Component::new(Ecosystem::Npm, name, version, path));
        }
        if let Some(nested) = entry.get("dependencies") {
            walk_v1(nested, path, out);
        }
    }
}
