//! The one rule for which git refs redgreen may write: branches under `refs/heads/redgreen/`.
//!
//! Invariant: every ref write redgreen makes (a git push, a REST call that creates, moves or
//! deletes a ref) is checked against this rule before it leaves the process. A
//! [`WritableRef`] can only be built by [`WritableRef::parse`] or
//! [`WritableRef::from_branch`], so holding one is proof that the check ran.

use std::fmt;

/// The namespace redgreen writes to. Nothing outside it is ever pushed or updated.
pub const WRITABLE_REF_PREFIX: &str = "refs/heads/redgreen/";

/// The same namespace as a branch name prefix (`redgreen/<issue>-<slug>`).
pub const BRANCH_PREFIX: &str = "redgreen/";

/// A full ref name (`refs/heads/redgreen/...`) that passed the write rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WritableRef(String);

/// Why a ref may not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefRefused {
    #[error("ref {name:?} is outside {WRITABLE_REF_PREFIX}: redgreen writes only its own branches")]
    OutsideNamespace { name: String },
    #[error("ref {name:?} is not a valid branch name: {reason}")]
    Malformed { name: String, reason: &'static str },
}

impl WritableRef {
    /// Checks a full ref name such as `refs/heads/redgreen/12-fix-parser`.
    ///
    /// The name must be under [`WRITABLE_REF_PREFIX`] and well formed by git's rules
    /// (`git check-ref-format`), so that no spelling (`..`, doubled slashes, a trailing
    /// `.lock`) can make git or GitHub resolve it to a ref outside the namespace.
    pub fn parse(name: &str) -> Result<WritableRef, RefRefused> {
        let Some(branch) = name.strip_prefix(WRITABLE_REF_PREFIX) else {
            return Err(RefRefused::OutsideNamespace {
                name: name.to_owned(),
            });
        };
        if let Some(reason) = malformed(branch) {
            return Err(RefRefused::Malformed {
                name: name.to_owned(),
                reason,
            });
        }
        Ok(WritableRef(name.to_owned()))
    }

    /// Checks a branch name such as `redgreen/12-fix-parser` (no `refs/heads/`).
    pub fn from_branch(branch: &str) -> Result<WritableRef, RefRefused> {
        WritableRef::parse(&format!("refs/heads/{branch}"))
    }

    /// The full ref name, `refs/heads/redgreen/...`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The branch name, `redgreen/...`.
    pub fn branch(&self) -> &str {
        self.0.strip_prefix("refs/heads/").unwrap_or(&self.0)
    }
}

impl fmt::Display for WritableRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// The first of git's ref-name rules that `rest` (the part after the namespace) breaks.
fn malformed(rest: &str) -> Option<&'static str> {
    if rest.is_empty() {
        return Some("the branch name after redgreen/ is empty");
    }
    if rest.chars().any(|c| c.is_control() || c == '\u{7f}') {
        return Some("it contains a control character");
    }
    if rest
        .chars()
        .any(|c| matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
    {
        return Some("it contains one of ' ~ ^ : ? * [ \\'");
    }
    if rest.contains("..") {
        return Some("it contains '..'");
    }
    if rest.contains("@{") {
        return Some("it contains '@{'");
    }
    if rest.ends_with('.') || rest.ends_with('/') {
        return Some("it ends with '.' or '/'");
    }
    for component in rest.split('/') {
        if component.is_empty() {
            return Some("it contains an empty path component ('//')");
        }
        if component.starts_with('.') {
            return Some("a path component starts with '.'");
        }
        if component.ends_with(".lock") {
            return Some("a path component ends with '.lock'");
        }
    }
    None
}
