//! The one reply a denied trigger gets on GitHub, posted by a worker from the `reply` task
//! the intake queued with the denied delivery.
//!
//! At most one per delivery without stored state: the comment carries a marker naming the
//! delivery, looked for before posting (`redgreen-github`'s marked comment, posted once), so
//! a task run again after a crash or a lost lease finds its own comment instead of posting a
//! second one. (A redelivery queues no task.)

use redgreen_core::InstallationId;
use redgreen_core::webhook::Target;
use redgreen_github::rest::marked_comment::{CommentPlace, WriteMode, Written};
use redgreen_github::{GitHubClient, GitHubError, RepoName};
use redgreen_server::trigger::DenialReply;

/// Posts `reply` on its issue or pull request, unless this delivery's reply is already there.
/// Returns whether a comment was posted.
pub async fn post_denial_reply(
    client: &GitHubClient,
    installation: InstallationId,
    reply: &DenialReply,
) -> Result<bool, GitHubError> {
    let number = match reply.target {
        Target::Issue(n) | Target::PullRequest(n) => n,
    };
    let number = u64::try_from(number).map_err(|_| {
        GitHubError::InvalidRequest(format!("a reply names issue {number}, which is not valid"))
    })?;
    let repo = client.repo(installation, RepoName::parse(&reply.repository)?);
    // The delivery id comes from a request header, which the webhook signature does not
    // cover: only its plain characters go into the HTML comment.
    let delivery: String = reply
        .delivery
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let marker = format!("<!-- redgreen:denied delivery={delivery} -->");
    let written = repo
        .write_marked_comment(
            CommentPlace::Conversation(number),
            &marker,
            &format!("{}\n\n{marker}", reply.body),
            WriteMode::Once,
        )
        .await?;
    if !matches!(written, Written::Created(_)) {
        tracing::info!(delivery = %reply.delivery, "the denial reply is already posted");
        return Ok(false);
    }
    tracing::info!(
        delivery = %reply.delivery,
        repository = %reply.repository,
        actor = %reply.actor,
        "denial reply posted"
    );
    Ok(true)
}
