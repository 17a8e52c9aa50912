//! SQLite: the issue the branch-protection doctor opened per repository and branch.

use rusqlite::params;

use super::SqliteStore;
use crate::error::StoreError;
use redgreen_core::{InstallationId, Timestamp};

impl SqliteStore {
    pub(crate) async fn doctor_issue(
        &self,
        installation: InstallationId,
        repository: &str,
        branch: &str,
    ) -> Result<Option<i64>, StoreError> {
        let number = sqlx::query_scalar(
            "SELECT issue_number FROM doctor_issues
             WHERE installation_id = ?1 AND repository = ?2 AND branch = ?3",
        )
        .bind(installation.0)
        .bind(repository)
        .bind(branch)
        .fetch_optional(&self.reader)
        .await?;
        Ok(number)
    }

    pub(crate) async fn record_doctor_issue(
        &self,
        installation: InstallationId,
        repository: &str,
        branch: &str,
        issue_number: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (repository, branch) = (repository.to_owned(), branch.to_owned());
        self.writer
            .write(move |conn| {
                let inserted = conn
                    .prepare_cached(
                        "INSERT INTO doctor_issues
                             (installation_id, repository, branch, issue_number, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (installation_id, repository, branch) DO NOTHING",
                    )?
                    .execute(params![
                        installation.0,
                        repository,
                        branch,
                        issue_number,
                        now.millis()
                    ])?;
                Ok(inserted == 1)
            })
            .await
    }
}
