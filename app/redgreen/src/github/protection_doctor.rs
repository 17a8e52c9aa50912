//! The branch-protection doctor as redgreen runs it: for a repository of an installation,
//! read the default branch's protection and, when asked and it is unprotected, open the
//! explanatory issue once. Which issue was opened is kept in the store (one per installation,
//! repository and branch), so neither a second run nor a retried task opens another.

use redgreen_core::InstallationId;
use redgreen_github::{
    GitHubClient, GitHubError, IssueOutcome, ProtectionReport, RepoName, doctor,
    open_issue_if_unprotected,
};
use redgreen_store::{Store, StoreError};

use crate::now;

/// What the doctor found, and what it did about the issue (`None` when not asked to open one).
#[derive(Debug, Clone)]
pub struct DoctorOutcome {
    pub report: ProtectionReport,
    pub issue: Option<IssueOutcome>,
}

/// Why the doctor could not finish.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DoctorError {
    pub fn is_retryable(&self) -> bool {
        match self {
            DoctorError::GitHub(error) => error.is_retryable(),
            DoctorError::Store(error) => error.is_retryable(),
        }
    }
}

/// Checks `repository` as `installation`. With `store`, an unprotected branch gets its
/// issue (once); without, the report is all.
pub async fn check_repository(
    client: &GitHubClient,
    store: Option<&Store>,
    installation: InstallationId,
    repository: &RepoName,
) -> Result<DoctorOutcome, DoctorError> {
    let repo = client.repo(installation, repository.clone());
    let report = doctor(&repo).await?;
    let Some(store) = store else {
        return Ok(DoctorOutcome {
            report,
            issue: None,
        });
    };
    if report.is_protected() {
        return Ok(DoctorOutcome {
            report,
            issue: Some(IssueOutcome::Protected),
        });
    }
    let full_name = repository.to_string();
    let recorded = store
        .doctor_issue(installation, &full_name, &report.branch)
        .await?
        .and_then(|number| u64::try_from(number).ok());
    let issue = open_issue_if_unprotected(&repo, &report, recorded).await?;
    if let IssueOutcome::Opened(number) = issue {
        let number = i64::try_from(number).map_err(|_| {
            GitHubError::InvalidRequest(format!("GitHub answered issue number {number}"))
        })?;
        let first = store
            .record_doctor_issue(installation, &full_name, &report.branch, number, now())
            .await?;
        if !first {
            tracing::warn!(
                repository = %full_name,
                branch = %report.branch,
                issue = number,
                "another doctor run recorded an issue for this branch at the same time"
            );
        }
    }
    Ok(DoctorOutcome {
        report,
        issue: Some(issue),
    })
}
