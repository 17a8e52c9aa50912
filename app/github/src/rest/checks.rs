//! Check runs (`redgreen/tdd`, `redgreen/test`): created and updated with their evidence.
//!
//! GitHub takes at most 50 annotations per request and keeps adding them across updates, so
//! the first 50 go with the create (or update) and the rest follow in further updates. A
//! check run shows at most 3 action buttons; more is refused here, before any request.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::RepoClient;
use crate::error::GitHubError;

/// The most annotations GitHub accepts in one request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
/// The most action buttons a check run may have.
pub const MAX_ACTIONS: usize = 3;

const UPDATE_ROUTE: &str = "/repos/{owner}/{repo}/check-runs/{check_run_id}";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Queued,
    InProgress,
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckConclusion {
    Success,
    Failure,
    Neutral,
    Cancelled,
    Skipped,
    TimedOut,
    ActionRequired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationLevel {
    Notice,
    Warning,
    Failure,
}

/// A line annotation; `path` is repository-relative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// Only allowed when the annotation is on one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
    pub annotation_level: AnnotationLevel,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_details: Option<String>,
}

/// The check run's text and annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutput {
    pub title: String,
    pub summary: String,
    pub text: Option<String>,
    /// Any number: sent 50 at a time.
    pub annotations: Vec<Annotation>,
}

/// A button on the check run (`requested_action` comes back with `identifier`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckAction {
    /// At most 20 characters.
    pub label: String,
    /// At most 40 characters.
    pub description: String,
    /// At most 20 characters.
    pub identifier: String,
}

/// A check run to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheckRun {
    pub name: String,
    pub head_sha: String,
    pub status: Option<CheckStatus>,
    pub conclusion: Option<CheckConclusion>,
    pub details_url: Option<String>,
    pub external_id: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub output: Option<CheckOutput>,
    pub actions: Vec<CheckAction>,
}

/// Changes to a check run; `None` (or no actions) leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckRunUpdate {
    pub status: Option<CheckStatus>,
    pub conclusion: Option<CheckConclusion>,
    pub details_url: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub output: Option<CheckOutput>,
    pub actions: Vec<CheckAction>,
}

/// A check run as GitHub returned it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CheckRun {
    pub id: u64,
    pub name: String,
    pub head_sha: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub html_url: Option<String>,
    /// The integrator's own reference: redgreen puts the run id here, which makes a check run
    /// it created findable again after a crash.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// `GET .../commits/{ref}/check-runs` answers with a count and one page of runs.
#[derive(Deserialize)]
struct CheckRunPage {
    check_runs: Vec<CheckRun>,
}

/// The JSON body of a create or an update.
#[derive(Serialize)]
struct CheckRunBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    head_sha: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<CheckStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conclusion: Option<CheckConclusion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<OutputBody<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    actions: &'a [CheckAction],
}

#[derive(Serialize)]
struct OutputBody<'a> {
    title: &'a str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    annotations: &'a [Annotation],
}

impl CheckOutput {
    /// The output with one batch of annotations.
    fn with_batch<'a>(&'a self, batch: &'a [Annotation]) -> OutputBody<'a> {
        OutputBody {
            title: &self.title,
            summary: &self.summary,
            text: self.text.as_deref(),
            annotations: batch,
        }
    }

    /// The annotations after the first batch, in batches.
    fn later_batches(&self) -> std::slice::Chunks<'_, Annotation> {
        let rest = self
            .annotations
            .get(ANNOTATIONS_PER_REQUEST..)
            .unwrap_or_default();
        rest.chunks(ANNOTATIONS_PER_REQUEST)
    }

    fn first_batch(&self) -> &[Annotation] {
        let end = self.annotations.len().min(ANNOTATIONS_PER_REQUEST);
        &self.annotations[..end]
    }
}

impl RepoClient {
    /// `POST .../check-runs`, then one `PATCH` per further 50 annotations.
    pub async fn create_check_run(&self, new: &NewCheckRun) -> Result<CheckRun, GitHubError> {
        validate(&new.actions, new.output.as_ref())?;
        let body = CheckRunBody {
            name: Some(&new.name),
            head_sha: Some(&new.head_sha),
            status: new.status,
            conclusion: new.conclusion,
            details_url: new.details_url.as_deref(),
            external_id: new.external_id.as_deref(),
            started_at: new.started_at,
            completed_at: new.completed_at,
            output: new.output.as_ref().map(|o| o.with_batch(o.first_batch())),
            actions: &new.actions,
        };
        let route = self.path("/check-runs");
        let route = &route;
        let body = &body;
        let created: CheckRun = self
            .client
            .call(
                self.credential(),
                "POST",
                "/repos/{owner}/{repo}/check-runs",
                |crab| async move { crab.post(route, Some(body)).await },
            )
            .await?;
        match &new.output {
            Some(output) => self.send_later_batches(created.id, output, created).await,
            None => Ok(created),
        }
    }

    /// `GET .../commits/{ref}/check-runs?check_name=…`: the check runs named `name` on a
    /// commit, newest first. One page of 100: a commit carries a handful of runs of a name.
    pub async fn list_check_runs_for_ref(
        &self,
        git_ref: &str,
        name: &str,
    ) -> Result<Vec<CheckRun>, GitHubError> {
        let route = self.path(&format!("/commits/{git_ref}/check-runs"));
        let route = &route;
        let page: CheckRunPage = self
            .client
            .call(
                self.credential(),
                "GET",
                "/repos/{owner}/{repo}/commits/{ref}/check-runs",
                |crab| async move {
                    let query = [("check_name", name), ("filter", "all"), ("per_page", "100")];
                    crab.get(route, Some(&query)).await
                },
            )
            .await?;
        Ok(page.check_runs)
    }

    /// `PATCH .../check-runs/{id}`, then one more `PATCH` per further 50 annotations.
    pub async fn update_check_run(
        &self,
        check_run_id: u64,
        update: &CheckRunUpdate,
    ) -> Result<CheckRun, GitHubError> {
        validate(&update.actions, update.output.as_ref())?;
        let body = CheckRunBody {
            name: None,
            head_sha: None,
            status: update.status,
            conclusion: update.conclusion,
            details_url: update.details_url.as_deref(),
            external_id: None,
            started_at: None,
            completed_at: update.completed_at,
            output: update
                .output
                .as_ref()
                .map(|o| o.with_batch(o.first_batch())),
            actions: &update.actions,
        };
        let updated = self.patch_check_run(check_run_id, &body).await?;
        match &update.output {
            Some(output) => self.send_later_batches(check_run_id, output, updated).await,
            None => Ok(updated),
        }
    }

    async fn send_later_batches(
        &self,
        check_run_id: u64,
        output: &CheckOutput,
        mut latest: CheckRun,
    ) -> Result<CheckRun, GitHubError> {
        for batch in output.later_batches() {
            let body = CheckRunBody {
                name: None,
                head_sha: None,
                status: None,
                conclusion: None,
                details_url: None,
                external_id: None,
                started_at: None,
                completed_at: None,
                output: Some(output.with_batch(batch)),
                actions: &[],
            };
            latest = self.patch_check_run(check_run_id, &body).await?;
        }
        Ok(latest)
    }

    async fn patch_check_run(
        &self,
        check_run_id: u64,
        body: &CheckRunBody<'_>,
    ) -> Result<CheckRun, GitHubError> {
        let route = self.path(&format!("/check-runs/{check_run_id}"));
        let route = &route;
        self.client
            .call(
                self.credential(),
                "PATCH",
                UPDATE_ROUTE,
                |crab| async move { crab.patch(route, Some(body)).await },
            )
            .await
    }
}

/// GitHub's limits on buttons and annotation columns, checked before anything is sent.
fn validate(actions: &[CheckAction], output: Option<&CheckOutput>) -> Result<(), GitHubError> {
    if actions.len() > MAX_ACTIONS {
        return Err(GitHubError::InvalidRequest(format!(
            "a check run can have at most {MAX_ACTIONS} action buttons, not {}",
            actions.len()
        )));
    }
    for action in actions {
        let too_long = [
            ("label", &action.label, 20),
            ("description", &action.description, 40),
            ("identifier", &action.identifier, 20),
        ]
        .into_iter()
        .find(|(_, value, max)| value.is_empty() || value.chars().count() > *max);
        if let Some((field, value, max)) = too_long {
            return Err(GitHubError::InvalidRequest(format!(
                "check run action {field} {value:?} must be 1 to {max} characters"
            )));
        }
    }
    let annotations = output.map(|o| o.annotations.as_slice()).unwrap_or_default();
    if let Some(bad) = annotations.iter().find(|a| {
        a.end_line < a.start_line
            || ((a.start_column.is_some() || a.end_column.is_some()) && a.start_line != a.end_line)
    }) {
        return Err(GitHubError::InvalidRequest(format!(
            "annotation on {}:{}-{} has inverted lines, or columns across lines",
            bad.path, bad.start_line, bad.end_line
        )));
    }
    Ok(())
}
