//! What the requester asked for: parsed from the mention's text and from a fenced YAML block
//! in it. Words that mean nothing to the parser are handed back, never silently dropped.

mod text;
mod vocabulary;
mod yaml_block;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::catalog::Catalog;

pub use vocabulary::Vocabulary;

/// The normalised constraints. Sets are sorted, so equal constraints serialise equally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Constraints {
    /// Programming languages the stack must support (`python`, `rust`, ...).
    pub languages: BTreeSet<String>,
    /// Catalog option ids the requester named as preferences (`fastapi`, `postgresql`).
    pub preferences: BTreeSet<String>,
    /// Compliance targets: `soc2`, `hipaa`, `gdpr`, `pci_dss`, `iso27001`.
    pub compliance: BTreeSet<String>,
    /// OWASP ASVS level (1-3).
    pub asvs_level: Option<u8>,
    /// SLSA build level (1-3).
    pub slsa_level: Option<u8>,
    pub users: Option<u64>,
    pub requests_per_second: Option<u64>,
    pub data_volume_gb: Option<u64>,
    pub budget_usd_per_month: Option<u64>,
    /// Clouds allowed: `aws`, `gcp`, `azure` (empty: any).
    pub clouds: BTreeSet<String>,
    /// Data residency region: `eu` or `us`.
    pub region: Option<String>,
    /// What the team already knows: languages and option ids.
    pub team_skills: BTreeSet<String>,
    pub github_first: bool,
    pub strict_tdd: bool,
    pub multi_tenancy: bool,
    /// `managed` or `self_hosted` when the requester prefers one.
    pub operations: Option<String>,
    /// SPDX licence ids no option may carry.
    pub deny_licences: BTreeSet<String>,
}

/// Where an unrecognised word came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WordOrigin {
    /// The mention's free text.
    Text,
    /// A key of the fenced YAML block.
    YamlKey,
    /// A value of the fenced YAML block.
    YamlValue,
    /// The YAML block as a whole (it does not parse).
    YamlBlock,
}

/// A word (or YAML key or value) the parser did not understand; reported back to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownWord {
    pub word: String,
    pub origin: WordOrigin,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Constraints {
    /// Parses a mention's text (a leading `@bot recommend` is ignored) and a fenced
    /// ```` ```yaml ```` block in it; the block's values win over the text's for single
    /// values, and sets are merged. Option names come from the catalog.
    pub fn parse(input: &str, catalog: &Catalog) -> (Constraints, Vec<UnknownWord>) {
        let vocabulary = Vocabulary::new(catalog);
        let mut constraints = Constraints::default();
        let mut unknown = Vec::new();
        let (prose, block) = yaml_block::split(input);
        text::parse_into(&prose, &vocabulary, &mut constraints, &mut unknown);
        if let Some(block) = block {
            yaml_block::parse_into(&block, &vocabulary, &mut constraints, &mut unknown);
        }
        let mut seen = BTreeSet::new();
        unknown.retain(|word: &UnknownWord| seen.insert((word.word.clone(), word.origin)));
        (constraints, unknown)
    }

    /// The tags that select weight presets and knock-out rules, sorted.
    pub fn tags(&self) -> BTreeSet<String> {
        let mut tags: BTreeSet<String> = self.compliance.iter().cloned().collect();
        let flags = [
            (self.asvs_level.is_some(), "asvs"),
            (self.slsa_level.is_some(), "slsa"),
            (self.github_first, "github_first"),
            (self.strict_tdd, "strict_tdd"),
            (self.multi_tenancy, "multi_tenancy"),
            (self.budget_usd_per_month.is_some(), "budget"),
            (!self.team_skills.is_empty(), "team_skills"),
            (!self.preferences.is_empty(), "preferences"),
        ];
        tags.extend(
            flags
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, tag)| tag.to_string()),
        );
        if self.region.as_deref() == Some("eu") {
            tags.insert("eu_residency".to_string());
        }
        if let Some(operations) = &self.operations {
            tags.insert(operations.clone());
        }
        tags
    }
}
