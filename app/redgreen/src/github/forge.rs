//! The forge of `redgreen serve`: the run's repository on GitHub, as the App's installation.
//!
//! Publishing is idempotent, step by step: the push is a fast-forward of the run's own branch
//! (rebuilt with the same commit ids, it pushes nothing new), the pull request is looked up by
//! its head branch before one is opened, and the plan, recommendation and follow-up comments
//! carry a marker that is looked for before posting (`redgreen-github`'s marked comment).

use std::path::Path;

use redgreen_agent::{AgentError, Annotation, Forge, Publication, RunSpec};
use redgreen_core::webhook::{CommentRef, RunRequest, Target};
use redgreen_core::work::{IssueText, Published};
use redgreen_core::{InstallationId, RunKind, WritableRef};
use redgreen_git::{BotIdentity, GitError, RepoCache, Workspace};
use redgreen_github::rest::checks::{
    AnnotationLevel, CheckConclusion, CheckOutput, CheckStatus, NewCheckRun,
};
use redgreen_github::rest::marked_comment::{CommentPlace, WriteMode};
use redgreen_github::rest::pulls::NewPullRequest;
use redgreen_github::{GitHubClient, GitHubError, RepoClient, RepoName, params};
use secrecy::SecretString;

/// One run's repository on GitHub.
pub struct GitHubForge {
    client: GitHubClient,
    cache: RepoCache,
    installation: InstallationId,
    repo: RepoName,
    request: RunRequest,
    identity: BotIdentity,
}

impl GitHubForge {
    pub fn new(
        client: GitHubClient,
        cache: RepoCache,
        installation: InstallationId,
        repo: RepoName,
        request: RunRequest,
        identity: BotIdentity,
    ) -> GitHubForge {
        GitHubForge {
            client,
            cache,
            installation,
            repo,
            request,
            identity,
        }
    }

    fn rest(&self) -> RepoClient {
        self.client.repo(self.installation, self.repo.clone())
    }

    fn number(&self) -> u64 {
        let (Target::Issue(number) | Target::PullRequest(number)) = self.request.target;
        u64::try_from(number).unwrap_or_default()
    }

    async fn token(&self) -> Result<SecretString, AgentError> {
        self.client
            .installation_token(self.installation)
            .await
            .map_err(github_error)
    }

    async fn repository(&self) -> Result<(String, String), AgentError> {
        let repository = self.rest().get().await.map_err(github_error)?;
        let clone_url = repository
            .clone_url
            .map(|url| url.to_string())
            .ok_or_else(|| forge_error("GitHub gave no clone URL for the repository", false))?;
        let default_branch = repository
            .default_branch
            .unwrap_or_else(|| "main".to_owned());
        Ok((clone_url, default_branch))
    }

    /// Opens the pull request for `branch`, or finds the one opened before.
    async fn pull_request(
        &self,
        branch: &WritableRef,
        base: &str,
        publication: &Publication,
    ) -> Result<(u64, Option<String>), AgentError> {
        let rest = self.rest();
        let head = format!("{}:{}", self.repo.owner(), branch.branch());
        let existing = rest
            .list_pulls(params::State::All, Some(&head))
            .await
            .map_err(github_error)?;
        if let Some(pull) = existing.into_iter().next() {
            return Ok((pull.number, pull.html_url.map(|url| url.to_string())));
        }
        let pull = rest
            .create_pull(&NewPullRequest {
                title: &publication.title,
                head: branch,
                base,
                body: &publication.body,
                draft: false,
            })
            .await
            .map_err(github_error)?;
        Ok((pull.number, pull.html_url.map(|url| url.to_string())))
    }

    /// Completes the publication's check run on its head commit, once: a run this run
    /// created before (found by its `external_id`, the run id) is not created again.
    async fn check_run(&self, run: &RunSpec, publication: &Publication) -> Result<(), AgentError> {
        let Some(check) = &publication.check else {
            return Ok(());
        };
        let rest = self.rest();
        let run_id = run.id.to_string();
        let existing = rest
            .list_check_runs_for_ref(&publication.head, check.name)
            .await
            .map_err(github_error)?;
        if existing
            .iter()
            .any(|found| found.external_id.as_deref() == Some(run_id.as_str()))
        {
            return Ok(());
        }
        let annotations = check.annotations.iter().map(annotation).collect();
        rest.create_check_run(&NewCheckRun {
            name: check.name.to_owned(),
            head_sha: publication.head.clone(),
            status: Some(CheckStatus::Completed),
            conclusion: Some(if check.conclusion == "success" {
                CheckConclusion::Success
            } else {
                CheckConclusion::Failure
            }),
            details_url: None,
            external_id: Some(run_id),
            started_at: None,
            completed_at: Some(chrono::Utc::now()),
            output: Some(CheckOutput {
                title: check.title.clone(),
                summary: check.summary.clone(),
                text: None,
                annotations,
            }),
            actions: Vec::new(),
        })
        .await
        .map_err(github_error)?;
        Ok(())
    }

    /// Pushes the tree's HEAD to `branch` (a fast-forward, never forced).
    async fn push(
        &self,
        publication: &Publication,
        branch: &WritableRef,
        clone_url: String,
    ) -> Result<(), AgentError> {
        let token = self.token().await?;
        let tree = publication.tree.clone();
        let identity = self.identity.clone();
        let branch = branch.clone();
        blocking(move || {
            let workspace = Workspace::open(&tree, &clone_url, identity)?;
            workspace.push(&branch, &token)
        })
        .await
    }

    /// Posts `body`, which carries `marker`, once at `place`: a comment with the same marker
    /// (for a thread reply, any review comment of the pull request) is looked for first.
    async fn post_once(
        &self,
        place: CommentPlace,
        marker: &str,
        body: &str,
    ) -> Result<(), AgentError> {
        self.rest()
            .write_marked_comment(place, marker, body, WriteMode::Once)
            .await
            .map_err(github_error)?;
        Ok(())
    }

    /// Posts `body` on the issue once, after a first line holding `marker`.
    async fn comment_once(&self, marker: &str, body: &str) -> Result<(), AgentError> {
        let place = CommentPlace::Conversation(self.number());
        self.post_once(place, marker, &format!("{marker}\n{body}"))
            .await
    }
}

impl Forge for GitHubForge {
    async fn issue(&self, _run: &RunSpec) -> Result<IssueText, AgentError> {
        let issue = self
            .rest()
            .get_issue(self.number())
            .await
            .map_err(github_error)?;
        Ok(IssueText {
            title: issue.title,
            body: issue.body.unwrap_or_default(),
        })
    }

    async fn base_commit(&self, run: &RunSpec) -> Result<String, AgentError> {
        match run.kind {
            RunKind::FollowUp | RunKind::Test => {
                let pull = self
                    .rest()
                    .get_pull(self.number())
                    .await
                    .map_err(github_error)?;
                Ok(pull.head.sha)
            }
            _ => {
                let (_, default_branch) = self.repository().await?;
                let reference = self
                    .rest()
                    .get_ref(&format!("refs/heads/{default_branch}"))
                    .await
                    .map_err(github_error)?
                    .ok_or_else(|| {
                        forge_error(
                            &format!("the default branch {default_branch} has no commit"),
                            false,
                        )
                    })?;
                Ok(reference.sha)
            }
        }
    }

    async fn checkout(&self, _run: &RunSpec, commit: &str, dest: &Path) -> Result<(), AgentError> {
        let (clone_url, _) = self.repository().await?;
        let token = self.token().await?;
        let cache = self.cache.clone();
        let commit = commit.to_owned();
        let dest = dest.to_path_buf();
        blocking(move || cache.checkout(&clone_url, &commit, &token, &dest).map(drop)).await
    }

    async fn publish(
        &self,
        run: &RunSpec,
        publication: &Publication,
    ) -> Result<Published, AgentError> {
        let marker = format!("<!-- redgreen:publication run={} -->", run.id);
        match (&publication.branch, run.kind) {
            (Some(branch), kind @ (RunKind::Fix | RunKind::Recommend)) => {
                let (clone_url, default_branch) = self.repository().await?;
                let branch = WritableRef::from_branch(branch)
                    .map_err(|error| forge_error(&error.to_string(), false))?;
                self.push(publication, &branch, clone_url).await?;
                let (number, url) = self
                    .pull_request(&branch, &default_branch, publication)
                    .await?;
                if kind == RunKind::Recommend {
                    let link = url.clone().unwrap_or_else(|| format!("#{number}"));
                    let summary = format!(
                        "The stack recommendation is ready for review: {link}\n\n{}",
                        publication.body
                    );
                    self.comment_once(&marker, &summary).await?;
                }
                self.check_run(run, publication).await?;
                Ok(Published {
                    branch: branch.branch().to_owned(),
                    commit: publication.head.clone(),
                    pr_number: Some(number),
                    pr_url: url,
                })
            }
            (Some(branch), RunKind::FollowUp) => {
                let (clone_url, _) = self.repository().await?;
                let branch = WritableRef::from_branch(branch)
                    .map_err(|error| forge_error(&error.to_string(), false))?;
                self.push(publication, &branch, clone_url).await?;
                self.check_run(run, publication).await?;
                let short = publication.head.get(..7).unwrap_or(&publication.head);
                let reply = format!(
                    "{marker}\nPushed {short} to `{}`.\n\n{}",
                    branch.branch(),
                    publication.body
                );
                match self.request.comment {
                    Some(CommentRef::Review(comment)) => {
                        let place = CommentPlace::ReviewThread {
                            pull: self.number(),
                            comment: u64::try_from(comment).unwrap_or_default(),
                        };
                        self.post_once(place, &marker, &reply).await?;
                    }
                    _ => self.comment_once(&marker, &reply).await?,
                }
                Ok(Published {
                    branch: branch.branch().to_owned(),
                    commit: publication.head.clone(),
                    pr_number: Some(self.number()),
                    pr_url: None,
                })
            }
            _ => {
                // Plan and test runs change no code: a comment, or a check run.
                if run.kind == RunKind::Test {
                    self.check_run(run, publication).await?;
                } else {
                    self.comment_once(&marker, &publication.body).await?;
                }
                Ok(Published {
                    branch: String::new(),
                    commit: publication.head.clone(),
                    pr_number: None,
                    pr_url: None,
                })
            }
        }
    }
}

fn annotation(annotation: &Annotation) -> redgreen_github::rest::checks::Annotation {
    redgreen_github::rest::checks::Annotation {
        path: annotation.path.clone(),
        start_line: annotation.start_line,
        end_line: annotation.end_line,
        start_column: None,
        end_column: None,
        annotation_level: match annotation.level {
            "failure" => AnnotationLevel::Failure,
            "warning" => AnnotationLevel::Warning,
            _ => AnnotationLevel::Notice,
        },
        message: annotation.message.clone(),
        title: Some(annotation.title.clone()),
        raw_details: None,
    }
}

async fn blocking<F>(work: F) -> Result<(), AgentError>
where
    F: FnOnce() -> Result<(), GitError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| forge_error(&format!("the git task failed: {error}"), true))?
        .map_err(AgentError::Git)
}

fn github_error(error: GitHubError) -> AgentError {
    forge_error(&error.to_string(), error.is_retryable())
}

fn forge_error(message: &str, retryable: bool) -> AgentError {
    AgentError::Forge {
        message: message.to_owned(),
        retryable,
    }
}
