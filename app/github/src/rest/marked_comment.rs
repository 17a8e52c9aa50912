//! Repeatable comments: a comment that carries a hidden marker (an HTML comment naming a run
//! or a delivery) is looked for before it is written, so a task run again after a crash or a
//! lost lease finds its own comment instead of posting a second one, without stored state.
//!
//! Built on the calls in `issues.rs` and `review_comments.rs` (so on the client's guard and
//! retries): every page of the comments is listed, the first whose body contains the marker
//! is the one, and then it is created, edited or left as it is. Who wrote the matching
//! comment is not checked, as redgreen never did; the first match (the oldest) wins, so a
//! later comment quoting the marker does not displace redgreen's own.

use super::RepoClient;
use crate::error::GitHubError;

/// Where a marked comment lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentPlace {
    /// The conversation of issue or pull request `number` (issue comments).
    Conversation(u64),
    /// A reply in the review thread of review comment `comment` on pull request `pull`. The
    /// marker is looked for among all of the pull request's review comments. Such a reply is
    /// only posted once, never edited ([`WriteMode::Once`]).
    ReviewThread { pull: u64, comment: u64 },
}

/// What to do when the marked comment is already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// Create it if absent; never edit it (a denial reply, a plan, a follow-up's answer).
    Once,
    /// Create it if absent, or edit it to the new body when its body differs (the progress
    /// comment). Conversation comments only.
    Upsert,
}

/// What [`MarkedComment::write`] did; each names the comment's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// No comment carried the marker: one was created.
    Created(u64),
    /// The marked comment had another body and was edited ([`WriteMode::Upsert`]).
    Edited(u64),
    /// The marked comment was left as it is: its body is already the one asked for, or the
    /// mode is [`WriteMode::Once`].
    Kept(u64),
}

impl Written {
    /// The comment's id, whatever was done.
    pub fn id(self) -> u64 {
        match self {
            Written::Created(id) | Written::Edited(id) | Written::Kept(id) => id,
        }
    }
}

/// A comment found by its marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundComment {
    pub id: u64,
    pub body: String,
}

/// The result of looking for a marker at a place: the comment found, if any, ready to be
/// written. Between the look-up and the write a caller may do what must come first on a
/// creation only (the progress comment reacts to its trigger first).
pub struct MarkedComment<'r> {
    repo: &'r RepoClient,
    place: CommentPlace,
    marker: String,
    found: Option<FoundComment>,
}

impl RepoClient {
    /// Lists every comment at `place` and keeps the first whose body contains `marker`.
    /// An empty marker is refused: it would match any comment.
    pub async fn find_marked_comment(
        &self,
        place: CommentPlace,
        marker: &str,
    ) -> Result<MarkedComment<'_>, GitHubError> {
        if marker.is_empty() {
            return Err(GitHubError::InvalidRequest(
                "a marked comment needs a non-empty marker".to_owned(),
            ));
        }
        let found = match place {
            CommentPlace::Conversation(number) => self
                .list_issue_comments(number)
                .await?
                .into_iter()
                .find_map(|comment| {
                    let body = comment.body.filter(|body| body.contains(marker))?;
                    Some(FoundComment {
                        id: comment.id.0,
                        body,
                    })
                }),
            CommentPlace::ReviewThread { pull, .. } => self
                .list_review_comments(pull)
                .await?
                .into_iter()
                .find(|comment| comment.body.contains(marker))
                .map(|comment| FoundComment {
                    id: comment.id.0,
                    body: comment.body,
                }),
        };
        Ok(MarkedComment {
            repo: self,
            place,
            marker: marker.to_owned(),
            found,
        })
    }

    /// [`find_marked_comment`](RepoClient::find_marked_comment), then
    /// [`MarkedComment::write`]: the whole operation, for callers with nothing to do between.
    pub async fn write_marked_comment(
        &self,
        place: CommentPlace,
        marker: &str,
        body: &str,
        mode: WriteMode,
    ) -> Result<Written, GitHubError> {
        self.find_marked_comment(place, marker)
            .await?
            .write(body, mode)
            .await
    }
}

impl MarkedComment<'_> {
    /// The comment that carries the marker, if one does.
    pub fn found(&self) -> Option<&FoundComment> {
        self.found.as_ref()
    }

    /// Creates the comment with `body` if none carried the marker; otherwise edits it to
    /// `body` ([`WriteMode::Upsert`], and only when its body differs) or leaves it. `body`
    /// must contain the marker, or the next look-up would not find it: that, and an upsert
    /// in a review thread, are refused before anything is sent.
    pub async fn write(self, body: &str, mode: WriteMode) -> Result<Written, GitHubError> {
        if !body.contains(&self.marker) {
            return Err(GitHubError::InvalidRequest(
                "a marked comment's body must contain its marker".to_owned(),
            ));
        }
        if let (CommentPlace::ReviewThread { .. }, WriteMode::Upsert) = (self.place, mode) {
            return Err(GitHubError::InvalidRequest(
                "a reply in a review thread is posted once, never edited".to_owned(),
            ));
        }
        match (self.found, mode) {
            (Some(found), WriteMode::Upsert) if found.body != body => {
                self.repo.edit_issue_comment(found.id, body).await?;
                Ok(Written::Edited(found.id))
            }
            (Some(found), _) => Ok(Written::Kept(found.id)),
            (None, _) => {
                let id = match self.place {
                    CommentPlace::Conversation(number) => {
                        self.repo.create_issue_comment(number, body).await?.id.0
                    }
                    CommentPlace::ReviewThread { pull, comment } => {
                        self.repo
                            .reply_to_review_comment(pull, comment, body)
                            .await?
                            .id
                            .0
                    }
                };
                Ok(Written::Created(id))
            }
        }
    }
}
