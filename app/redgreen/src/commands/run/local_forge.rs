//! The forge of `redgreen run`: a repository on this machine instead of GitHub. The run
//! starts from its HEAD, and publishing leaves a branch in it and the PR body in a file.

use std::path::{Path, PathBuf};

use git2::Repository;
use redgreen_agent::{AgentError, Forge, Publication, RunSpec};
use redgreen_core::work::{IssueText, Published};

/// A local repository, and where the PR body goes.
pub struct LocalForge {
    repo: PathBuf,
    issue: IssueText,
    pr_body_dir: PathBuf,
}

impl LocalForge {
    /// `issue` is the issue's text: its first line is the title.
    pub fn new(repo: PathBuf, issue: &str, pr_body_dir: PathBuf) -> LocalForge {
        let (title, body) = issue.trim().split_once('\n').unwrap_or((issue.trim(), ""));
        LocalForge {
            repo,
            issue: IssueText {
                title: title.trim().to_owned(),
                body: body.trim().to_owned(),
            },
            pr_body_dir,
        }
    }

    /// Where the PR body of `run` is written.
    pub fn pr_body_path(&self, run: &RunSpec) -> PathBuf {
        self.pr_body_dir.join(format!("{}.md", run.id))
    }

    fn open(&self, operation: &str) -> Result<Repository, AgentError> {
        Repository::open(&self.repo).map_err(|error| forge_error(operation, &error))
    }
}

fn forge_error(operation: &str, error: &git2::Error) -> AgentError {
    AgentError::Forge {
        message: format!("{operation}: {}", error.message()),
        retryable: false,
    }
}

impl Forge for LocalForge {
    async fn issue(&self, _run: &RunSpec) -> Result<IssueText, AgentError> {
        Ok(self.issue.clone())
    }

    async fn base_commit(&self, _run: &RunSpec) -> Result<String, AgentError> {
        let repo = self.open("reading the repository's HEAD")?;
        let head = repo
            .head()
            .and_then(|head| head.peel_to_commit())
            .map_err(|error| forge_error("reading the repository's HEAD", &error))?;
        Ok(head.id().to_string())
    }

    async fn checkout(&self, _run: &RunSpec, commit: &str, dest: &Path) -> Result<(), AgentError> {
        let source = self.repo.to_str().ok_or_else(|| AgentError::Forge {
            message: "the repository path is not valid UTF-8".into(),
            retryable: false,
        })?;
        let fail = |error: git2::Error| forge_error("checking out the base commit", &error);
        let repo = git2::build::RepoBuilder::new()
            .clone(source, dest)
            .map_err(fail)?;
        let oid = git2::Oid::from_str(commit).map_err(fail)?;
        let target = repo.find_commit(oid).map_err(fail)?;
        repo.checkout_tree(
            target.as_object(),
            Some(git2::build::CheckoutBuilder::new().force()),
        )
        .map_err(fail)?;
        repo.set_head_detached(oid).map_err(fail)
    }

    /// Fetches the run's head into `refs/heads/<branch>` of the repository (a fast-forward or
    /// a new branch, never forced) and writes the PR body next to the run.
    async fn publish(
        &self,
        run: &RunSpec,
        publication: &Publication,
    ) -> Result<Published, AgentError> {
        let repo = self.open("publishing")?;
        let tree = publication.tree.to_str().ok_or_else(|| AgentError::Forge {
            message: "the work tree path is not valid UTF-8".into(),
            retryable: false,
        })?;
        if let Some(branch) = &publication.branch {
            let refspec = format!("{}:refs/heads/{branch}", publication.head);
            let mut remote = repo
                .remote_anonymous(tree)
                .map_err(|error| forge_error("publishing", &error))?;
            remote
                .fetch(&[refspec.as_str()], None, None)
                .map_err(|error| forge_error("fetching the run's branch", &error))?;
        }
        std::fs::create_dir_all(&self.pr_body_dir).map_err(|source| AgentError::Io {
            operation: "creating the PR body directory",
            source,
        })?;
        let path = self.pr_body_path(run);
        let text = format!("# {}\n\n{}", publication.title, publication.body);
        std::fs::write(&path, text).map_err(|source| AgentError::Io {
            operation: "writing the PR body",
            source,
        })?;
        Ok(Published {
            branch: publication.branch.clone().unwrap_or_default(),
            commit: publication.head.clone(),
            pr_number: None,
            pr_url: Some(path.display().to_string()),
        })
    }
}
