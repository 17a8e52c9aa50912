//! A package found in a lockfile, its ecosystem, and its package URL (purl).

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;

/// The package ecosystems the lockfiles cover, with their OSV and purl names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Ecosystem {
    Cargo,
    Npm,
    PyPI,
    Go,
}

impl Ecosystem {
    /// The ecosystem's name in OSV records.
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::Cargo => "crates.io",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Go => "Go",
        }
    }

    /// The purl type.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Cargo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Go => "golang",
        }
    }

    pub fn from_osv_name(name: &str) -> Option<Ecosystem> {
        [
            Ecosystem::Cargo,
            Ecosystem::Npm,
            Ecosystem::PyPI,
            Ecosystem::Go,
        ]
        .into_iter()
        .find(|ecosystem| ecosystem.osv_name() == name)
    }

    /// The name as the ecosystem compares it: PyPI names are case-insensitive and treat
    /// `-`, `_` and `.` alike (PEP 503); the others compare exactly.
    pub fn normalise(self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => name.to_lowercase().replace(['_', '.'], "-"),
            _ => name.to_string(),
        }
    }
}

/// A package at one version, as a lockfile pins it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Component {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    /// The lockfiles (repository-relative) that pin it.
    pub sources: Vec<String>,
}

/// Characters escaped in a purl's name and version segments (the purl spec's rule: keep
/// unreserved characters, escape the rest, `@` and `/` included).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b',')
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

fn encode(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

impl Component {
    pub fn new(ecosystem: Ecosystem, name: &str, version: &str, source: &str) -> Component {
        Component {
            ecosystem,
            name: name.to_string(),
            version: version.to_string(),
            sources: vec![source.to_string()],
        }
    }

    /// The package URL: `pkg:cargo/serde@1.0.0`, `pkg:npm/%40scope/name@1.0.0`,
    /// `pkg:pypi/django@4.2.0`, `pkg:golang/github.com/pkg/errors@v0.9.1`.
    pub fn purl(&self) -> String {
        let name = match self.ecosystem {
            // A purl namespace is `/`-separated, each segment encoded on its own.
            Ecosystem::Npm | Ecosystem::Go => self
                .name
                .split('/')
                .map(encode)
                .collect::<Vec<_>>()
                .join("/"),
            Ecosystem::PyPI => encode(&self.ecosystem.normalise(&self.name)),
            Ecosystem::Cargo => encode(&self.name),
        };
        format!(
            "pkg:{}/{name}@{}",
            self.ecosystem.purl_type(),
            encode(&self.version)
        )
    }

    /// The CycloneDX `group`: an npm scope or a Go module's path before its last segment.
    pub fn group_and_name(&self) -> (Option<String>, String) {
        match self.ecosystem {
            Ecosystem::Npm | Ecosystem::Go => match self.name.rsplit_once('/') {
                Some((group, name)) => (Some(group.to_string()), name.to_string()),
                None => (None, self.name.clone()),
            },
            _ => (None, self.name.clone()),
        }
    }
}
