//! `sast_scan`'s engine: security rules over the index's tree-sitter grammars (a query per
//! language, `queries/<lang>/sast.scm`, so a rule matches code, not the same words in a
//! comment or a string), and text rules for what fits any file (credentials, TLS checks
//! switched off by a flag). Rule ids, severities and messages live in the tables below.
//!
//! This is a small rule set, not a replacement for a full SAST tool: it finds the classic
//! injection, deserialization, TLS and credential mistakes, and says nothing of data flow.

use std::str::FromStr;
use std::sync::LazyLock;

use rayon::prelude::*;
use regex::Regex;
use streaming_iterator::StreamingIterator;
use tree_sitter::QueryCursor;

use crate::error::{IndexError, Result};
use crate::language::Language;
use crate::skip::{self, SkipCounts};
use crate::source::{self, Reader, Source};

/// Largest file scanned, as for the index.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

/// Which rules run: `default` leaves out the low-severity hygiene rules that `strict` adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    #[default]
    Default,
    Strict,
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(name: &str) -> std::result::Result<Profile, String> {
        match name {
            "default" => Ok(Profile::Default),
            "strict" => Ok(Profile::Strict),
            other => Err(format!(
                "unknown profile `{other}`; the profiles are `default` and `strict`"
            )),
        }
    }
}

/// One finding: a rule matched at a line of a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub path: String,
    /// 1-based.
    pub line: u32,
    pub rule_id: &'static str,
    pub severity: Severity,
    pub message: &'static str,
}

/// The findings of one scan, sorted by path, line and rule.
#[derive(Debug, Clone, Default)]
pub struct SastReport {
    pub findings: Vec<Finding>,
    pub files_scanned: u64,
    /// Files left out (binary, minified, generated, vendored, oversized), by reason.
    pub skipped: SkipCounts,
}

/// A rule that a `@rule.<id>` capture of a language's query reports.
struct Rule {
    id: &'static str,
    severity: Severity,
    message: &'static str,
}

const QUERY_RULES: &[Rule] = &[
    Rule {
        id: "py-eval",
        severity: Severity::High,
        message: "eval/exec runs a string as code; with any outside input this is code injection (CWE-95)",
    },
    Rule {
        id: "py-unsafe-deserialization",
        severity: Severity::High,
        message: "unpickling (pickle, marshal, dill, shelve) runs code from the data; never load untrusted data this way (CWE-502)",
    },
    Rule {
        id: "py-yaml-load",
        severity: Severity::Medium,
        message: "yaml.load without an explicit Loader can build arbitrary objects; use yaml.safe_load (CWE-502)",
    },
    Rule {
        id: "py-shell-true",
        severity: Severity::High,
        message: "shell=True hands the command line to a shell; pass an argument list instead (CWE-78)",
    },
    Rule {
        id: "py-os-system",
        severity: Severity::Medium,
        message: "os.system/os.popen run a shell command line; use subprocess with an argument list (CWE-78)",
    },
    Rule {
        id: "py-tls-verify-off",
        severity: Severity::High,
        message: "verify=False turns off TLS certificate checks (CWE-295)",
    },
    Rule {
        id: "py-weak-hash",
        severity: Severity::Low,
        message: "MD5 and SHA-1 are broken for security uses; use SHA-256 or better, or say usedforsecurity=False (CWE-327)",
    },
    Rule {
        id: "py-mktemp",
        severity: Severity::Low,
        message: "tempfile.mktemp returns a name another process can take first; use mkstemp or NamedTemporaryFile (CWE-377)",
    },
    Rule {
        id: "js-eval",
        severity: Severity::High,
        message: "eval and the Function constructor run a string as code (CWE-95)",
    },
    Rule {
        id: "js-html-injection",
        severity: Severity::Medium,
        message: "writing markup (innerHTML, outerHTML, document.write) from values allows cross-site scripting; use textContent or escape (CWE-79)",
    },
    Rule {
        id: "js-shell-exec",
        severity: Severity::High,
        message: "child_process.exec runs a shell command line; use execFile or spawn with an argument list (CWE-78)",
    },
    Rule {
        id: "c-unbounded-copy",
        severity: Severity::High,
        message: "gets/strcpy/strcat/sprintf write without a bound: buffer overflow (CWE-120); use the bounded forms",
    },
    Rule {
        id: "c-shell-exec",
        severity: Severity::Medium,
        message: "system/popen run a shell command line (CWE-78)",
    },
];

/// A rule matched on the text, line by line.
struct TextRule {
    id: &'static str,
    severity: Severity,
    message: &'static str,
    /// File-name suffixes the rule applies to; empty: every file.
    suffixes: &'static [&'static str],
    pattern: &'static str,
}

const TEXT_RULES: &[TextRule] = &[
    TextRule {
        id: "secret-private-key",
        severity: Severity::Critical,
        message: "a private key is committed; revoke it and load keys from a secret store (CWE-798)",
        suffixes: &[],
        pattern: r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
    },
    TextRule {
        id: "secret-github-token",
        severity: Severity::Critical,
        message: "a GitHub token is committed; revoke it (CWE-798)",
        suffixes: &[],
        pattern: r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b",
    },
    TextRule {
        id: "secret-aws-access-key",
        severity: Severity::High,
        message: "an AWS access key id is committed; rotate it (CWE-798)",
        suffixes: &[],
        pattern: r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    },
    TextRule {
        id: "secret-slack-token",
        severity: Severity::High,
        message: "a Slack token is committed; revoke it (CWE-798)",
        suffixes: &[],
        pattern: r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b",
    },
    TextRule {
        id: "go-tls-skip-verify",
        severity: Severity::High,
        message: "InsecureSkipVerify: true turns off TLS certificate checks (CWE-295)",
        suffixes: &[".go"],
        pattern: r"InsecureSkipVerify\s*:\s*true",
    },
    TextRule {
        id: "rust-tls-danger",
        severity: Severity::High,
        message: "danger_accept_invalid_certs/hostnames(true) turns off TLS checks (CWE-295)",
        suffixes: &[".rs"],
        pattern: r"danger_accept_invalid_(?:certs|hostnames)\s*\(\s*true",
    },
];

static COMPILED_TEXT_RULES: LazyLock<std::result::Result<Vec<(&'static TextRule, Regex)>, String>> =
    LazyLock::new(|| {
        TEXT_RULES
            .iter()
            .map(|rule| {
                Regex::new(rule.pattern)
                    .map(|regex| (rule, regex))
                    .map_err(|e| format!("{}: {e}", rule.id))
            })
            .collect()
    });

fn in_profile(severity: Severity, profile: Profile) -> bool {
    profile == Profile::Strict || severity <= Severity::Medium
}

/// Scans every file of `source` (a work tree honouring `.gitignore`, or a revision), on all
/// cores.
pub fn scan(source: &Source, profile: Profile) -> Result<SastReport> {
    let mut skipped = SkipCounts::default();
    let mut wanted = Vec::new();
    for entry in source::list(source)? {
        match skip::by_path(&entry.path, entry.size, MAX_FILE_BYTES) {
            Some(reason) => skipped.add(reason),
            None => wanted.push(entry),
        }
    }
    let results: Vec<Result<std::result::Result<Vec<Finding>, skip::SkipReason>>> = wanted
        .par_iter()
        .map_init(
            || Reader::open(source),
            |reader, entry| {
                let reader = reader.as_ref().map_err(|e| IndexError::Grammar {
                    language: "any",
                    message: e.to_string(),
                })?;
                let (content, _) = reader.read(entry)?;
                if let Some(reason) = skip::by_content(&content) {
                    return Ok(Err(reason));
                }
                let text = String::from_utf8_lossy(&content);
                scan_file(&entry.path, &text, profile).map(Ok)
            },
        )
        .collect();
    let mut report = SastReport {
        skipped,
        ..SastReport::default()
    };
    for result in results {
        match result? {
            Ok(findings) => {
                report.files_scanned += 1;
                report.findings.extend(findings);
            }
            Err(reason) => report.skipped.add(reason),
        }
    }
    report.findings.sort();
    Ok(report)
}

/// The findings in one file, `path` repository-relative (its name picks the language).
pub fn scan_file(path: &str, text: &str, profile: Profile) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    if let Some(language) = Language::from_path(path.as_ref())
        && let Some(query) = language.sast_query()?
        && let Some(tree) = language.parser()?.parse(text, None)
    {
        let names = query.capture_names();
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(query, tree.root_node(), text.as_bytes());
        while let Some(m) = matches.next() {
            for capture in m.captures {
                let Some(id) = names[capture.index as usize].strip_prefix("rule.") else {
                    continue;
                };
                let Some(rule) = QUERY_RULES.iter().find(|rule| rule.id == id) else {
                    continue;
                };
                if in_profile(rule.severity, profile) {
                    findings.push(Finding {
                        path: path.to_owned(),
                        line: u32::try_from(capture.node.start_position().row + 1)
                            .unwrap_or(u32::MAX),
                        rule_id: rule.id,
                        severity: rule.severity,
                        message: rule.message,
                    });
                }
            }
        }
    }
    let rules = COMPILED_TEXT_RULES
        .as_ref()
        .map_err(|message| IndexError::Grammar {
            language: "text rules",
            message: message.clone(),
        })?;
    for (rule, regex) in rules {
        if !in_profile(rule.severity, profile)
            || !(rule.suffixes.is_empty() || rule.suffixes.iter().any(|s| path.ends_with(s)))
        {
            continue;
        }
        for (index, line) in text.lines().enumerate() {
            if regex.is_match(line) {
                findings.push(Finding {
                    path: path.to_owned(),
                    line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                    rule_id: rule.id,
                    severity: rule.severity,
                    message: rule.message,
                });
            }
        }
    }
    findings.sort();
    findings.dedup();
    Ok(findings)
}
