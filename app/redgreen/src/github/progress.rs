//! A run's acknowledgement on GitHub: a 👀 reaction on what triggered it, and one progress
//! comment per run, edited in place as the run moves.
//!
//! Both are idempotent without stored state, so a run resumed after a crash never posts
//! twice: GitHub answers a repeated reaction with the existing one, and the progress comment
//! carries a marker naming the run, which is looked for before a new comment is created
//! (`redgreen-github`'s marked comment, upserted: edited only when its text changes).

use redgreen_core::machine::Machine;
use redgreen_core::webhook::{CommentRef, RunRequest, Target};
use redgreen_core::{RunId, RunState};
use redgreen_github::models::reactions::ReactionContent;
use redgreen_github::rest::marked_comment::{CommentPlace, WriteMode};
use redgreen_github::{GitHubClient, GitHubError, RepoClient, RepoName};
use redgreen_store::RunRecord;

/// Publishes runs' progress through the GitHub App.
#[derive(Clone)]
pub struct GitHubProgress {
    client: GitHubClient,
    /// The mention handle (`REDGREEN_BOT_NAME`), for the commands a parked run suggests.
    bot_name: String,
}

impl GitHubProgress {
    pub fn new(client: GitHubClient, bot_name: String) -> GitHubProgress {
        GitHubProgress { client, bot_name }
    }

    /// Makes the run's progress comment show `machine`'s state, creating it (and reacting
    /// to the trigger) the first time.
    pub async fn publish(&self, run: &RunRecord, machine: &Machine) -> Result<(), GitHubError> {
        let request: RunRequest = serde_json::from_value(run.request.clone()).map_err(|e| {
            GitHubError::InvalidRequest(format!("run {} has an unreadable request: {e}", run.id))
        })?;
        let number = match request.target {
            Target::Issue(n) | Target::PullRequest(n) => n,
        };
        let number = u64::try_from(number).map_err(|_| {
            GitHubError::InvalidRequest(format!("run {} names issue {number}", run.id))
        })?;
        let repo = self
            .client
            .repo(run.installation, RepoName::parse(&run.repository)?);
        let marker = marker(run.id);
        let body = progress_body(run, machine, &self.bot_name, &marker);
        let comment = repo
            .find_marked_comment(CommentPlace::Conversation(number), &marker)
            .await?;
        if comment.found().is_none() {
            // The 👀 comes before the comment: a crash in between leaves no comment, so the
            // run's next publish reacts again (GitHub keeps one reaction) and then posts.
            acknowledge(&repo, &request, number).await?;
        }
        comment.write(&body, WriteMode::Upsert).await?;
        Ok(())
    }
}

/// The 👀 on the comment that asked, or on the issue when the trigger was not a comment.
async fn acknowledge(
    repo: &RepoClient,
    request: &RunRequest,
    number: u64,
) -> Result<(), GitHubError> {
    let eyes = ReactionContent::Eyes;
    let id = |id: i64| {
        u64::try_from(id)
            .map_err(|_| GitHubError::InvalidRequest(format!("comment id {id} is not valid")))
    };
    match request.comment {
        Some(CommentRef::Issue(comment)) => repo.react_to_issue_comment(id(comment)?, eyes).await,
        Some(CommentRef::Review(comment)) => repo.react_to_review_comment(id(comment)?, eyes).await,
        None => repo.react_to_issue(number, eyes).await,
    }
    .map(drop)
}

/// The hidden line that identifies a run's progress comment.
fn marker(run: RunId) -> String {
    format!("<!-- redgreen:progress run={run} -->")
}

/// The progress comment's text: what was asked, where the run is, and why it stopped.
fn progress_body(run: &RunRecord, machine: &Machine, bot_name: &str, marker: &str) -> String {
    let state = machine.state;
    let status = match state {
        RunState::Queued | RunState::Preparing => "is on it",
        RunState::Done => "is done",
        RunState::NeedsHuman => "needs a human",
        RunState::Failed => "failed",
        RunState::Cancelled => "was cancelled",
        _ => "is working",
    };
    let mut body = format!(
        "**redgreen** {status}: `{kind}` run `{id}`, requested by @{actor}.\n\nState: `{state}`",
        kind = run.kind,
        id = run.id,
        actor = run.actor,
    );
    if let Some(reason) = machine
        .last_error
        .as_deref()
        .filter(|_| matches!(state, RunState::NeedsHuman | RunState::Failed))
    {
        // The reason may quote untrusted output (a test log, a setup command's): shown as
        // code, it can neither mention anyone nor break out of its place.
        body.push_str("\n\n");
        body.push_str(&redgreen_core::untrusted::markdown_code_block(reason));
    }
    if state == RunState::NeedsHuman {
        body.push_str(&format!(
            "\n\nTo go on, someone with write access comments `@{bot_name} continue` (another \
             allowance, keeping the work so far) or `@{bot_name} retry` (start over)."
        ));
    }
    if let Some(pr) = &run.pr_url {
        body.push_str(&format!("\n\nPull request: {pr}"));
    }
    body.push_str("\n\n");
    body.push_str(marker);
    body
}
