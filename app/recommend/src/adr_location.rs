//! Where the ADR goes and what it is called (PRODUCT.md, "Stack-recommendation PR"): the
//! configured folder (`.adr-dir` or `adr_dir`), else the first existing one of
//! `docs/decisions`, `docs/adr`, `doc/adr`, `adr`, else `docs/decisions`; the file name copies
//! the numbering style the folder already uses.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// Folders looked for, in order, when none is configured.
pub const ADR_DIRS: [&str; 4] = ["docs/decisions", "docs/adr", "doc/adr", "adr"];
/// The folder used when the repository has none.
pub const DEFAULT_ADR_DIR: &str = "docs/decisions";

/// How the folder's ADR files are named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NumberingStyle {
    /// `0001-title.md`, `ADR-012-title.md`: a prefix, a zero-padded number, a separator.
    Numbered {
        prefix: String,
        width: usize,
        separator: char,
    },
    /// `2024-05-01-title.md`.
    Dated,
    /// `title.md`.
    Unnumbered,
}

/// The ADR's place: its folder, naming style, and number (for numbered styles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdrPath {
    pub dir: String,
    pub style: NumberingStyle,
    /// The next free number, for the numbered style.
    pub number: Option<u32>,
}

static NUMBERED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z]+[-_]?)?(\d+)([-_.])").ok());
static DATED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}[-_]").ok());

/// Files in an ADR folder that are not decisions.
const NOT_DECISIONS: [&str; 5] = [
    "readme.md",
    "index.md",
    "template.md",
    "adr-template.md",
    "_template.md",
];

/// Places the ADR. `repo_files` are the repository's paths (`/`-separated, relative);
/// `adr_dir_config` is the content of `.adr-dir`, or `adr_dir` from `.github/redgreen.yml`,
/// when the repository has one.
pub fn adr_location(repo_files: &[String], adr_dir_config: Option<&str>) -> AdrPath {
    let configured = adr_dir_config
        .map(|dir| {
            dir.trim()
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string()
        })
        .filter(|dir| !dir.is_empty() && !dir.split('/').any(|part| part == ".."));
    let dir = configured.unwrap_or_else(|| {
        ADR_DIRS
            .iter()
            .find(|dir| {
                let prefix = format!("{dir}/");
                repo_files.iter().any(|file| file.starts_with(&prefix))
            })
            .unwrap_or(&DEFAULT_ADR_DIR)
            .to_string()
    });
    let prefix = format!("{dir}/");
    let names: Vec<&str> = repo_files
        .iter()
        .filter_map(|file| file.strip_prefix(&prefix))
        .filter(|name| !name.contains('/') && name.to_lowercase().ends_with(".md"))
        .filter(|name| !NOT_DECISIONS.contains(&name.to_lowercase().as_str()))
        .collect();
    let (Some(numbered), Some(dated)) = (NUMBERED.as_ref(), DATED.as_ref()) else {
        return madr(dir, 1);
    };
    let mut styles: BTreeMap<(String, usize, char), u32> = BTreeMap::new();
    let mut highest = 0u32;
    let mut dated_count = 0usize;
    for name in &names {
        if dated.is_match(name) {
            dated_count += 1;
        } else if let Some(captures) = numbered.captures(name) {
            let prefix = captures
                .get(1)
                .map(|m| m.as_str())
                .unwrap_or("")
                .to_string();
            let digits = &captures[2];
            let separator = captures[3].chars().next().unwrap_or('-');
            *styles.entry((prefix, digits.len(), separator)).or_default() += 1;
            highest = highest.max(digits.parse().unwrap_or(0));
        }
    }
    let numbered_count: u32 = styles.values().sum();
    if names.is_empty() {
        return madr(dir, 1);
    }
    if dated_count > numbered_count as usize {
        return AdrPath {
            dir,
            style: NumberingStyle::Dated,
            number: None,
        };
    }
    // The most used style wins; among equals, the first in sort order (stable output).
    match styles
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
    {
        Some(((prefix, width, separator), _)) => AdrPath {
            dir,
            style: NumberingStyle::Numbered {
                prefix,
                width,
                separator,
            },
            number: Some(highest.saturating_add(1)),
        },
        None => AdrPath {
            dir,
            style: NumberingStyle::Unnumbered,
            number: None,
        },
    }
}

/// MADR's own convention: `NNNN-title.md`.
fn madr(dir: String, number: u32) -> AdrPath {
    AdrPath {
        dir,
        style: NumberingStyle::Numbered {
            prefix: String::new(),
            width: 4,
            separator: '-',
        },
        number: Some(number),
    }
}

/// A file-name slug of a title: lower-case ASCII letters and digits joined by `-`, at most
/// 60 characters.
pub fn slug(title: &str) -> String {
    let mut slug = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_string();
    if slug.len() > 60 {
        slug.truncate(60);
        slug = slug.trim_end_matches('-').to_string();
    }
    if slug.is_empty() {
        "stack".to_string()
    } else {
        slug
    }
}

impl AdrPath {
    /// The ADR's file name for a slug; `date` (`YYYY-MM-DD`) is used by the dated style.
    pub fn file_name(&self, slug: &str, date: &str) -> String {
        format!("{}.md", self.stem(slug, date))
    }

    /// The ADR's path in the repository.
    pub fn adr_file(&self, slug: &str, date: &str) -> String {
        format!("{}/{}", self.dir, self.file_name(slug, date))
    }

    /// The infrastructure spec's path: beside the ADR, same stem.
    pub fn spec_file(&self, slug: &str, date: &str) -> String {
        format!("{}/{}.infrastructure.json", self.dir, self.stem(slug, date))
    }

    fn stem(&self, slug: &str, date: &str) -> String {
        match &self.style {
            NumberingStyle::Numbered {
                prefix,
                width,
                separator,
            } => format!(
                "{prefix}{:0width$}{separator}{slug}",
                self.number.unwrap_or(1),
                width = *width
            ),
            NumberingStyle::Dated => format!("{date}-{slug}"),
            NumberingStyle::Unnumbered => slug.to_string(),
        }
    }
}
