//! The free-text half of the constraint parser: phrases first (compliance targets, levels,
//! scale, budget, flags, option names), each consuming its span; then the remaining words
//! one by one, where anything neither filler nor known is reported as unknown.

use std::sync::LazyLock;

use regex::Regex;

use super::vocabulary::LICENCE_FAMILIES;
use super::{Constraints, UnknownWord, Vocabulary, WordOrigin};

/// A phrase pattern and what a match sets.
struct Phrase {
    pattern: &'static str,
    apply: fn(&regex::Captures<'_>, &mut Constraints),
}

const PHRASES: &[Phrase] = &[
    Phrase {
        pattern: r"\basvs(?:\s*(?:v?5(?:\.0(?:\.0)?)?))?[\s:-]*(?:level|l)?\s*-?\s*([123])\b",
        apply: |c, k| k.asvs_level = c[1].parse().ok(),
    },
    Phrase {
        pattern: r"\bslsa(?:\s*build)?[\s:-]*(?:level|l)?\s*-?\s*([123])\b",
        apply: |c, k| k.slsa_level = c[1].parse().ok(),
    },
    Phrase {
        pattern: r"\bsoc[\s-]?2(?:\s*type\s*(?:ii|2|i|1)\b)?",
        apply: |_, k| {
            k.compliance.insert("soc2".into());
        },
    },
    Phrase {
        pattern: r"\bhipaa\b",
        apply: |_, k| {
            k.compliance.insert("hipaa".into());
        },
    },
    Phrase {
        pattern: r"\bgdpr\b",
        apply: |_, k| {
            k.compliance.insert("gdpr".into());
        },
    },
    Phrase {
        pattern: r"\bpci(?:[\s-]?dss)?\b",
        apply: |_, k| {
            k.compliance.insert("pci_dss".into());
        },
    },
    Phrase {
        pattern: r"\biso(?:[\s/-]?iec)?[\s-]?27001\b",
        apply: |_, k| {
            k.compliance.insert("iso27001".into());
        },
    },
    Phrase {
        pattern: r"(\d[\d,]*(?:\.\d+)?)\s*([km])?\s*(?:concurrent\s+|active\s+|monthly\s+|daily\s+)?(?:users?|mau|dau|customers)\b",
        apply: |c, k| k.users = number(&c[1], c.get(2).map(|m| m.as_str())),
    },
    Phrase {
        pattern: r"(\d[\d,]*(?:\.\d+)?)\s*([km])?\s*(?:rps|qps|req/s|reqs?/sec|requests?\s*/\s*s(?:ec(?:ond)?)?|requests?\s+(?:per|a)\s+second)\b",
        apply: |c, k| k.requests_per_second = number(&c[1], c.get(2).map(|m| m.as_str())),
    },
    Phrase {
        pattern: r"(\d[\d,]*(?:\.\d+)?)\s*(mb|gb|tb|pb)\b",
        apply: |c, k| {
            let factor = match &c[2] {
                "tb" => 1_000.0,
                "pb" => 1_000_000.0,
                "mb" => 0.001,
                _ => 1.0,
            };
            k.data_volume_gb = number(&c[1], None).map(|gb| ((gb as f64) * factor).ceil() as u64);
        },
    },
    Phrase {
        pattern: r"(?:budget\s*(?:of|is|:|=)?\s*)?(?:\$|usd\s*)\s*(\d[\d,]*(?:\.\d+)?)\s*([km])?(?:\s*(?:/|per|a)\s*(?:month|mo)\b)?",
        apply: |c, k| k.budget_usd_per_month = number(&c[1], c.get(2).map(|m| m.as_str())),
    },
    Phrase {
        pattern: r"(?:budget\s*(?:of|is|:|=)?\s*)?(\d[\d,]*(?:\.\d+)?)\s*([km])?\s*(?:usd|dollars|\$)(?:\s*(?:/|per|a)\s*(?:month|mo)\b)?",
        apply: |c, k| k.budget_usd_per_month = number(&c[1], c.get(2).map(|m| m.as_str())),
    },
    Phrase {
        pattern: r"\bbudget\s*(?:of|is|:|=)?\s*(\d[\d,]*(?:\.\d+)?)\s*([km])?(?:\s*(?:/|per|a)\s*(?:month|mo)\b)?",
        apply: |c, k| k.budget_usd_per_month = number(&c[1], c.get(2).map(|m| m.as_str())),
    },
    Phrase {
        pattern: r"\bgithub[\s-]first\b",
        apply: |_, k| k.github_first = true,
    },
    Phrase {
        pattern: r"\b(?:strict\s+)?(?:tdd|test[\s-]driven(?:\s+development)?|test[\s-]first)\b",
        apply: |_, k| k.strict_tdd = true,
    },
    Phrase {
        pattern: r"\bmulti[\s-]?tenan(?:t|cy|ted|ts)\b",
        apply: |_, k| k.multi_tenancy = true,
    },
    Phrase {
        pattern: r"\bself[\s-]?host(?:ed|ing)?\b|\bon[\s-]?prem(?:ise|ises)?\b",
        apply: |_, k| k.operations = Some("self_hosted".into()),
    },
    Phrase {
        pattern: r"\b(?:fully[\s-]+)?managed(?:\s+services?)?\b|\bserverless\b",
        apply: |_, k| k.operations = Some("managed".into()),
    },
    Phrase {
        pattern: r"\b(?:eu|europe|european union)(?:[\s-]+(?:only|region|regions|residency|data\s+residency))?\b",
        apply: |_, k| k.region = Some("eu".into()),
    },
    Phrase {
        pattern: r"\b(?:no|deny|without|avoid)\s+(agpl|sspl|busl|bsl|gpl)\b",
        apply: |c, k| {
            if let Some((_, ids)) = LICENCE_FAMILIES.iter().find(|(family, _)| *family == &c[1]) {
                k.deny_licences.extend(ids.iter().map(|id| id.to_string()));
            }
        },
    },
];

/// Cloud words, matched after option names (so "google cloud run" stays an option).
const CLOUDS: &str = r"\b(aws|amazon(?:\s+web\s+services)?|gcp|google\s+cloud(?:\s+platform)?|azure|microsoft\s+azure)\b";

/// Words after which the languages and options named are the team's skills.
const SKILL_MARKER: &str = r"\b(?:knows?|skills?|skilled\s+(?:in|with)|familiar\s+with|experience\s+(?:with|in)|experienced\s+(?:with|in)|fluent\s+in)\b";

static COMPILED: LazyLock<Vec<Option<Regex>>> =
    LazyLock::new(|| PHRASES.iter().map(|p| Regex::new(p.pattern).ok()).collect());
static CLOUD_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(CLOUDS).ok());
static SKILL_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(SKILL_MARKER).ok());
static MENTION_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*@[\w-]+(?:\[bot\])?\s+recommend\b").ok());

/// `10k` → 10000, `1.5m` → 1500000, `10,000` → 10000.
fn number(digits: &str, suffix: Option<&str>) -> Option<u64> {
    let value: f64 = digits.replace(',', "").parse().ok()?;
    let factor = match suffix {
        Some("k") => 1_000.0,
        Some("m") => 1_000_000.0,
        _ => 1.0,
    };
    let scaled = (value * factor).round();
    (scaled.is_finite() && scaled >= 0.0).then_some(scaled as u64)
}

/// The text, lower-cased, with a span mask of what has been understood so far.
struct Scan {
    text: String,
    used: Vec<bool>,
}

impl Scan {
    fn free(&self, start: usize, end: usize) -> bool {
        !self.used[start..end].iter().any(|used| *used)
    }

    fn take(&mut self, start: usize, end: usize) {
        self.used[start..end]
            .iter_mut()
            .for_each(|used| *used = true);
    }
}

/// Byte offsets where the team's skills start: from a skill marker to the end of its
/// sentence.
fn skill_spans(text: &str) -> Vec<(usize, usize)> {
    let Some(marker) = SKILL_RE.as_ref() else {
        return Vec::new();
    };
    marker
        .find_iter(text)
        .map(|m| {
            let end = text[m.end()..]
                .find(['.', ';', '\n', '!', '?'])
                .map(|offset| m.end() + offset)
                .unwrap_or(text.len());
            (m.start(), end)
        })
        .collect()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '#' || c == '+'
}

/// Parses free text into `constraints`, pushing what it cannot read onto `unknown`.
pub(super) fn parse_into(
    input: &str,
    vocabulary: &Vocabulary,
    constraints: &mut Constraints,
    unknown: &mut Vec<UnknownWord>,
) {
    let lowered = input.to_lowercase();
    let start = MENTION_RE
        .as_ref()
        .and_then(|re| re.find(&lowered))
        .map(|m| m.end())
        .unwrap_or(0);
    let mut scan = Scan {
        used: vec![false; lowered.len()],
        text: lowered,
    };
    scan.take(0, start);
    let skills = skill_spans(&scan.text);
    for (start, end) in skills.iter().copied() {
        // The marker itself is understood; what follows is read below.
        if let Some(m) = SKILL_RE
            .as_ref()
            .and_then(|re| re.find_at(&scan.text, start))
            && m.start() == start
        {
            scan.take(m.start(), m.end().min(end));
        }
    }
    let in_skills = |at: usize| skills.iter().any(|(s, e)| *s <= at && at < *e);

    for (phrase, regex) in PHRASES.iter().zip(COMPILED.iter()) {
        let Some(regex) = regex else { continue };
        let matches: Vec<(usize, usize, regex::Captures<'_>)> = regex
            .captures_iter(&scan.text)
            .filter_map(|c| c.get(0).map(|m| (m.start(), m.end(), c)))
            .collect();
        let mut taken = Vec::new();
        for (s, e, captures) in matches {
            if scan.free(s, e) {
                (phrase.apply)(&captures, constraints);
                taken.push((s, e));
            }
        }
        for (s, e) in taken {
            scan.take(s, e);
        }
    }

    // Option names, longest first; the cloud words are not option names.
    for (name, id) in &vocabulary.products {
        let found: Vec<usize> = scan
            .text
            .match_indices(name.as_str())
            .map(|(at, _)| at)
            .collect();
        for at in found {
            let end = at + name.len();
            let before = scan.text[..at].chars().next_back();
            let after = scan.text[end..].chars().next();
            let bounded = !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char);
            if bounded && scan.free(at, end) {
                scan.take(at, end);
                if in_skills(at) {
                    constraints.team_skills.insert(id.clone());
                } else {
                    constraints.preferences.insert(id.clone());
                }
            }
        }
    }
    if let Some(clouds) = CLOUD_RE.as_ref() {
        let found: Vec<(usize, usize, String)> = clouds
            .find_iter(&scan.text)
            .map(|m| (m.start(), m.end(), m.as_str().to_string()))
            .collect();
        for (s, e, word) in found {
            if scan.free(s, e) {
                scan.take(s, e);
                let cloud = if word.starts_with("am") || word == "aws" {
                    "aws"
                } else if word.starts_with("g") {
                    "gcp"
                } else {
                    "azure"
                };
                if in_skills(s) {
                    constraints.team_skills.insert(cloud.to_string());
                } else {
                    constraints.clouds.insert(cloud.to_string());
                }
            }
        }
    }

    // What is left, word by word.
    let mut words: Vec<(usize, String)> = Vec::new();
    let mut current = String::new();
    let mut current_start = 0;
    for (at, c) in scan.text.char_indices() {
        let keep =
            !scan.used[at] && (c.is_alphanumeric() || matches!(c, '#' | '+' | '.' | '-' | '_'));
        if keep {
            if current.is_empty() {
                current_start = at;
            }
            current.push(c);
        } else if !current.is_empty() {
            words.push((current_start, std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        words.push((current_start, current));
    }
    for (at, raw) in words {
        let word = raw.trim_matches(|c| c == '-' || c == '_');
        let word = if word == ".net" {
            word
        } else {
            word.trim_end_matches('.').trim_start_matches('.')
        };
        if word.is_empty() || vocabulary.is_filler(word) {
            continue;
        }
        if let Some(language) = vocabulary.language(word) {
            if in_skills(at) {
                constraints.team_skills.insert(language.to_string());
            } else {
                constraints.languages.insert(language.to_string());
            }
            continue;
        }
        unknown.push(UnknownWord {
            word: word.to_string(),
            origin: WordOrigin::Text,
            note: None,
        });
    }
}
