//! PostgreSQL: the issue the branch-protection doctor opened per repository and branch,
//! read and written under the installation's scope (row-level security).

use redgreen_core::{InstallationId, Timestamp};

use super::PostgresStore;
use crate::error::StoreError;
use crate::scope::Scope;

impl PostgresStore {
    pub(crate) async fn doctor_issue(
        &self,
        installation: InstallationId,
        repository: &str,
        branch: &str,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin(Scope::Tenant(installation)).await?;
        let number = sqlx::query_scalar(
            "SELECT issue_number FROM doctor_issues
             WHERE installation_id = $1 AND repository = $2 AND branch = $3",
        )
        .bind(installation.0)
        .bind(repository)
        .bind(branch)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
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
        let mut tx = self.begin(Scope::Tenant(installation)).await?;
        let inserted = sqlx::query(
            "INSERT INTO doctor_issues
                 (installation_id, repository, branch, issue_number, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (installation_id, repository, branch) DO NOTHING",
        )
        .bind(installation.0)
        .bind(repository)
        .bind(branch)
        .bind(issue_number)
        .bind(now.millis())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(inserted == 1)
    }
}
