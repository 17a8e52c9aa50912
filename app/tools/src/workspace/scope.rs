//! The repository's write scope (`write_scope` in `.github/redgreen.yml`): globs of paths the
//! agent may change, and globs it must not change even when allowed.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::error::ToolError;

/// Paths denied when the repository's config denies nothing: CI definitions and code owners
/// (GitHub reads `CODEOWNERS` from the root, `.github/` and `docs/`).
pub const DEFAULT_DENY: [&str; 4] = [
    ".github/workflows/**",
    "CODEOWNERS",
    ".github/CODEOWNERS",
    "docs/CODEOWNERS",
];

/// Paths no configuration can open: git's own data, here or in a nested repository.
const ALWAYS_DENY: [&str; 4] = [".git", ".git/**", "**/.git", "**/.git/**"];

/// Globs of repository-relative paths (`*` stays within one directory, `**` crosses them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteScope {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
}

impl Default for WriteScope {
    /// Everything but [`DEFAULT_DENY`].
    fn default() -> Self {
        WriteScope {
            allow: vec!["**".to_owned()],
            deny: DEFAULT_DENY.map(str::to_owned).to_vec(),
        }
    }
}

impl WriteScope {
    /// A scope from the repository's config. An empty `allow` allows everything and an empty
    /// `deny` keeps [`DEFAULT_DENY`], so leaving a key out never widens the defaults; a
    /// non-empty `deny` replaces them. `.git` is always denied.
    pub fn new(allow: Vec<String>, deny: Vec<String>) -> Self {
        let defaults = WriteScope::default();
        WriteScope {
            allow: if allow.is_empty() {
                defaults.allow
            } else {
                allow
            },
            deny: if deny.is_empty() { defaults.deny } else { deny },
        }
    }

    pub(crate) fn compile(&self) -> Result<CompiledScope, ToolError> {
        let deny: Vec<String> = self
            .deny
            .iter()
            .cloned()
            .chain(ALWAYS_DENY.map(str::to_owned))
            .collect();
        Ok(CompiledScope {
            allow: build(&self.allow)?,
            deny: build(&deny)?,
            deny_patterns: deny,
        })
    }
}

fn build(patterns: &[String]) -> Result<GlobSet, ToolError> {
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        set.add(glob(pattern)?);
    }
    set.build().map_err(|error| ToolError::InvalidGlob {
        pattern: patterns.join(", "),
        message: error.to_string(),
    })
}

fn glob(pattern: &str) -> Result<Glob, ToolError> {
    GlobBuilder::new(pattern.trim_start_matches('/'))
        .literal_separator(true)
        .build()
        .map_err(|error| ToolError::InvalidGlob {
            pattern: pattern.to_owned(),
            message: error.kind().to_string(),
        })
}

/// A [`WriteScope`] ready to match.
#[derive(Debug, Clone)]
pub(crate) struct CompiledScope {
    allow: GlobSet,
    deny: GlobSet,
    deny_patterns: Vec<String>,
}

impl CompiledScope {
    /// Why `path` (normalized, repository-relative) may not be written, if it may not.
    pub(crate) fn refusal(&self, path: &str) -> Option<String> {
        if let Some(index) = self.deny.matches(path).first() {
            let pattern = self.deny_patterns.get(*index).map_or("", String::as_str);
            return Some(format!(
                "it matches `{pattern}`, which the repository's write scope denies"
            ));
        }
        if !self.allow.is_match(path) {
            return Some("it is outside the repository's write scope (write_scope.allow)".into());
        }
        None
    }
}
