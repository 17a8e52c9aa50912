//! The git identity redgreen commits as, independent of the host's git configuration.

/// Author and committer of every commit redgreen makes, e.g. `redgreen[bot]` and
/// `<app user id>+redgreen[bot]@users.noreply.github.com` (the address GitHub links to the
/// app's bot account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    pub name: String,
    pub email: String,
}

impl BotIdentity {
    /// The identity GitHub shows as the app's bot account: `<slug>[bot]` with the noreply
    /// address built from the bot user's id (`GET /users/<slug>[bot]` gives the id).
    pub fn github_app(slug: &str, bot_user_id: u64) -> BotIdentity {
        BotIdentity {
            name: format!("{slug}[bot]"),
            email: format!("{bot_user_id}+{slug}[bot]@users.noreply.github.com"),
        }
    }
}
