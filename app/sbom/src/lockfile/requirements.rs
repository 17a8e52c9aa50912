//! `requirements*.txt`: only exact pins (`name==version`, with optional extras, markers and
//! hashes) identify a package version; other lines (ranges, options, includes) are skipped.

use std::sync::LazyLock;

use regex::Regex;

use crate::component::{Component, Ecosystem};

static PIN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9][A-Za-z0-9.!+_-]*)\s*(?:;.*)?$").ok()
});

pub(super) fn parse(path: &str, text: &str) -> Vec<Component> {
    let Some(pin) = PIN.as_ref() else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| {
            // Comments and trailing `--hash` options are not part of the requirement.
            let line = line.split(" #").next().unwrap_or(line);
            let line = line
                .split(" --")
                .next()
                .unwrap_or(line)
                .trim()
                .trim_end_matches('\\')
                .trim();
            let captures = pin.captures(line)?;
            Some(Component::new(
                Ecosystem::PyPI,
                &captures[1],
                &captures[2],
                path,
            ))
        })
        .collect()
}
