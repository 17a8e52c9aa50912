//! The git identity redgreen commits as, independent of the host's git configuration.

/// Author and committer of every commit redgreen makes, e.g. `redgreen[bot]` and
/// `<app user id>+redgreen[bot]@users.noreply.github.com` (the address GitHub links to the
/// app's bot account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    pub name: String,
    pub email: String,
}
