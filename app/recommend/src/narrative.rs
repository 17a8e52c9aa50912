//! The check a model-written narrative must pass before it replaces the template text:
//! every number in it, and every product name it mentions, must come from the evidence
//! (the recommendation's own JSON). A narrative that fails is not used.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::recommendation::Recommendation;

/// What a narrative may mention.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Numbers, as written in the evidence (commas removed).
    pub numbers: BTreeSet<String>,
    /// Names the recommendation considered (chosen, alternatives, others, excluded), and
    /// layer titles.
    pub names: BTreeSet<String>,
    /// Every product name the catalog knows; mentioning one outside `names` is refused.
    pub known_names: BTreeSet<String>,
}

static NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\d+(?:[.,]\d+)*").ok());
/// Words shaped like product names (`MongoDB`, `DynamoDB`): a capital inside the word.
static PRODUCT_SHAPED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b[A-Z]?[a-z]+[A-Z][A-Za-z0-9]*\b").ok());

fn numbers_in(text: &str) -> impl Iterator<Item = String> + '_ {
    NUMBER
        .as_ref()
        .into_iter()
        .flat_map(move |re| re.find_iter(text))
        .map(|m| {
            m.as_str()
                .replace(',', "")
                .trim_end_matches('.')
                .to_string()
        })
}

impl Recommendation {
    /// The evidence a narrative of this recommendation may draw on.
    pub fn evidence(&self) -> Evidence {
        let json = self.to_json().to_string();
        let mut names: BTreeSet<String> = BTreeSet::new();
        for decision in &self.layers {
            names.insert(decision.layer.title().to_string());
            for option in decision.considered() {
                names.insert(option.name.clone());
            }
            for exclusion in &decision.excluded {
                names.insert(exclusion.name.clone());
            }
        }
        // Scores are out of 1000 and confidences out of 100: those scales are evidence too.
        let scales = ["1000".to_string(), "100".to_string()];
        Evidence {
            numbers: numbers_in(&json).chain(scales).collect(),
            names,
            known_names: self.catalog_names.clone(),
        }
    }
}

fn mentions(haystack: &str, name: &str) -> bool {
    let haystack = haystack.to_lowercase();
    let name = name.to_lowercase();
    haystack.match_indices(&name).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + name.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Accepts `prose` only if each number in it is in the evidence and each product name it
/// mentions is one the recommendation considered; otherwise lists every offending item.
pub fn check_narrative(prose: &str, evidence: &Evidence) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for number in numbers_in(prose) {
        if !evidence.numbers.contains(&number) {
            problems.push(format!("the number {number} is not in the evidence"));
        }
    }
    for name in &evidence.known_names {
        if !evidence.names.contains(name) && mentions(prose, name) {
            problems.push(format!("{name} is not an option of this recommendation"));
        }
    }
    if let Some(shaped) = PRODUCT_SHAPED.as_ref() {
        for word in shaped.find_iter(prose).map(|m| m.as_str()) {
            let known = evidence
                .names
                .iter()
                .chain(evidence.known_names.iter())
                .any(|name| mentions(name, word));
            if !known {
                problems.push(format!(
                    "{word} looks like a product name that is not in the evidence"
                ));
            }
        }
    }
    problems.sort();
    problems.dedup();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
