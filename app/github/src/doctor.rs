//! The branch-protection doctor: does the default branch require a pull request with at least
//! one approving review, and could the App get around that? If not protected, it opens one
//! issue explaining the exact settings to apply. It never changes a setting itself.
//!
//! Which issue it opened is remembered by the caller (the store keeps one per installation,
//! repository and branch), not found again on GitHub: listing a repository's issues is
//! costly on a busy repository and a title can be edited by anyone.

use serde_json::Value;

use crate::error::GitHubError;
use crate::rest::RepoClient;

/// What the doctor found for a repository's default branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectionReport {
    pub repository: String,
    pub branch: String,
    /// Some active protection (classic or ruleset) requires a pull request to merge.
    pub requires_pull_request: bool,
    /// The most approving reviews any active protection requires.
    pub required_approvals: u64,
    /// Ways the App (or anyone it could act as) could merge without that review. Empty when
    /// at least one review requirement binds everyone.
    pub bypasses: Vec<String>,
    /// What could not be read, and why. The report is then conservative: unread protection
    /// does not count as protection.
    pub unreadable: Vec<String>,
}

/// One protection source (classic protection, or one ruleset) and what it enforces.
struct Enforcement {
    requires_pull_request: bool,
    approvals: u64,
    bypasses: Vec<String>,
}

/// What opening the issue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOutcome {
    /// The branch is protected; no issue is needed.
    Protected,
    /// The doctor opened an issue for this branch before (its number); no second one.
    AlreadyOpened(u64),
    /// A new issue was opened (its number).
    Opened(u64),
}

impl ProtectionReport {
    /// Protected: a pull request with at least one approving review is required, and nothing
    /// lets the App around it.
    pub fn is_protected(&self) -> bool {
        self.requires_pull_request && self.required_approvals >= 1 && self.bypasses.is_empty()
    }

    /// The title of the issue, fixed per branch.
    pub fn issue_title(&self) -> String {
        format!(
            "redgreen: require a reviewed pull request to merge into `{}`",
            self.branch
        )
    }

    /// The issue text: what was found and the exact settings that fix it.
    pub fn issue_body(&self) -> String {
        let mut found = Vec::new();
        if !self.requires_pull_request {
            found.push(format!(
                "- Merging into `{}` does not require a pull request: anyone with write access (including a GitHub App) can push to it directly.",
                self.branch
            ));
        } else if self.required_approvals == 0 {
            found.push(
                "- A pull request is required, but no approving review: a pull request can be merged without anyone reviewing it.".to_owned(),
            );
        }
        found.extend(self.bypasses.iter().map(|b| format!("- {b}")));
        found.extend(
            self.unreadable
                .iter()
                .map(|u| format!("- Could not be checked: {u}")),
        );
        let branch = &self.branch;
        format!(
            "redgreen only ever proposes changes as pull requests and never merges them. That \
guarantee is only as strong as this repository's settings: GitHub itself must refuse a merge \
into `{branch}` without a reviewed pull request, for everyone, redgreen included.

## What redgreen found on `{repository}` (default branch `{branch}`)

{found}

## Settings to apply (either one is enough)

**A branch ruleset** (Settings → Rules → Rulesets → New ruleset → New branch ruleset):
- Enforcement status: **Active**
- Target branches: **Include default branch**
- Rule: **Require a pull request before merging**, with **Required approvals: 1** (or more)
- Bypass list: **empty** (do not add the redgreen App, \"Repository admin\" or deploy keys)

**Or classic branch protection** (Settings → Branches → Add branch protection rule, pattern `{branch}`):
- **Require a pull request before merging**
- **Require approvals**: 1 (or more)
- **Do not allow bypassing the above settings** (turns on `enforce_admins`)
- Under \"Allow specified actors to bypass required pull requests\": nobody, and in particular not the redgreen App

redgreen does not change these settings itself, and will not open this issue again. Run `redgreen doctor --repo {repository}` to check again after changing them.",
            repository = self.repository,
            found = if found.is_empty() {
                "- Nothing definite; see below.".to_owned()
            } else {
                found.join("\n")
            },
        )
    }
}

/// Reads the default branch's classic protection and the rulesets that apply to it.
pub async fn doctor(repo: &RepoClient) -> Result<ProtectionReport, GitHubError> {
    let repository = repo.get().await?;
    let branch = repository
        .default_branch
        .clone()
        .unwrap_or_else(|| "main".to_owned());
    let mut unreadable = Vec::new();
    // Who the App is, to recognise it in bypass lists. Best effort: without it, any App in a
    // bypass list counts as a possible bypass.
    let app = repo.client().app().await.ok();
    let is_this_app = |slug: Option<&str>, id: Option<u64>| match &app {
        Some(app) => id == Some(app.id) || (slug.is_some() && slug == app.slug.as_deref()),
        None => true,
    };

    let mut enforcements = Vec::new();
    match repo.branch_protection(&branch).await {
        Ok(Some(protection)) => enforcements.push(classic(&protection, &is_this_app)),
        Ok(None) => {}
        Err(e) => unreadable.push(format!(
            "the classic branch protection of `{branch}` ({e}); the App needs the \"Administration: read\" permission to read it"
        )),
    }
    match repo.rules_for_branch(&branch).await {
        Ok(rules) => {
            for ruleset_id in pull_request_rulesets(&rules) {
                let ruleset = repo.ruleset(ruleset_id).await.unwrap_or_else(|e| {
                    unreadable.push(format!("ruleset {ruleset_id} ({e})"));
                    None
                });
                enforcements.push(from_ruleset(ruleset_id, &rules, ruleset.as_ref()));
            }
        }
        Err(e) => unreadable.push(format!("the rulesets that apply to `{branch}` ({e})")),
    }

    let requires_pull_request = enforcements.iter().any(|e| e.requires_pull_request);
    let required_approvals = enforcements.iter().map(|e| e.approvals).max().unwrap_or(0);
    // One requirement that binds everyone is enough: all active protections apply together.
    let binding = enforcements
        .iter()
        .any(|e| e.requires_pull_request && e.approvals >= 1 && e.bypasses.is_empty());
    let bypasses = if binding {
        Vec::new()
    } else {
        enforcements
            .into_iter()
            .filter(|e| e.requires_pull_request)
            .flat_map(|e| e.bypasses)
            .collect()
    };
    let report = ProtectionReport {
        repository: repo.repo().to_string(),
        branch,
        requires_pull_request,
        required_approvals,
        bypasses,
        unreadable,
    };
    tracing::info!(
        repository = %report.repository,
        branch = %report.branch,
        protected = report.is_protected(),
        requires_pull_request = report.requires_pull_request,
        required_approvals = report.required_approvals,
        "branch protection checked"
    );
    Ok(report)
}

/// Opens the report's issue when the branch is not protected, unless `already_opened` names
/// the issue the doctor opened for this branch before. The caller records an
/// [`IssueOutcome::Opened`] number so that the next run passes it back.
pub async fn open_issue_if_unprotected(
    repo: &RepoClient,
    report: &ProtectionReport,
    already_opened: Option<u64>,
) -> Result<IssueOutcome, GitHubError> {
    if report.is_protected() {
        return Ok(IssueOutcome::Protected);
    }
    if let Some(number) = already_opened {
        return Ok(IssueOutcome::AlreadyOpened(number));
    }
    let issue = repo
        .create_issue(&report.issue_title(), &report.issue_body(), &[])
        .await?;
    tracing::info!(
        repository = %report.repository,
        branch = %report.branch,
        issue = issue.number,
        "branch-protection issue opened"
    );
    Ok(IssueOutcome::Opened(issue.number))
}

/// Classic protection: `required_pull_request_reviews`, `enforce_admins`, bypass allowances.
fn classic(
    protection: &Value,
    is_this_app: &dyn Fn(Option<&str>, Option<u64>) -> bool,
) -> Enforcement {
    let reviews = protection.get("required_pull_request_reviews");
    let approvals = reviews
        .and_then(|r| r.get("required_approving_review_count"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let mut bypasses = Vec::new();
    let enforce_admins = protection
        .pointer("/enforce_admins/enabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if reviews.is_some() && !enforce_admins {
        bypasses.push(
            "Classic protection: \"Do not allow bypassing the above settings\" (enforce_admins) is off, so administrators, and an App granted administration, can merge without review.".to_owned(),
        );
    }
    let apps = reviews
        .and_then(|r| r.pointer("/bypass_pull_request_allowances/apps"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for app in apps {
        let slug = app.get("slug").and_then(Value::as_str);
        let id = app.get("id").and_then(Value::as_u64);
        if is_this_app(slug, id) {
            bypasses.push(format!(
                "Classic protection lets the App {} bypass required pull requests.",
                slug.unwrap_or("(unnamed)")
            ));
        }
    }
    Enforcement {
        requires_pull_request: reviews.is_some(),
        approvals,
        bypasses,
    }
}

/// The ids of the rulesets whose `pull_request` rule applies to the branch.
fn pull_request_rulesets(rules: &[Value]) -> Vec<u64> {
    let mut ids: Vec<u64> = rules
        .iter()
        .filter(|rule| rule.get("type").and_then(Value::as_str) == Some("pull_request"))
        .filter_map(|rule| rule.get("ruleset_id").and_then(Value::as_u64))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A ruleset's pull request rule, and whether the App can bypass it.
fn from_ruleset(ruleset_id: u64, rules: &[Value], ruleset: Option<&Value>) -> Enforcement {
    let approvals = rules
        .iter()
        .filter(|rule| rule.get("ruleset_id").and_then(Value::as_u64) == Some(ruleset_id))
        .filter_map(|rule| rule.pointer("/parameters/required_approving_review_count"))
        .filter_map(Value::as_u64)
        .max()
        .unwrap_or(0);
    let mut bypasses = Vec::new();
    match ruleset {
        None => bypasses.push(format!(
            "Ruleset {ruleset_id} could not be read, so whether the App is on its bypass list is unknown."
        )),
        Some(ruleset) => {
            let name = ruleset
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("(unnamed)");
            // `current_user_can_bypass` is answered for the caller: here, the App itself.
            match ruleset.get("current_user_can_bypass").and_then(Value::as_str) {
                Some("never") | None => {}
                Some(how) => bypasses.push(format!(
                    "Ruleset \"{name}\" ({ruleset_id}) lets the App bypass it ({how})."
                )),
            }
            let actors = ruleset
                .get("bypass_actors")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for actor in actors {
                let kind = actor.get("actor_type").and_then(Value::as_str);
                if matches!(kind, Some("Integration" | "DeployKey" | "RepositoryRole" | "OrganizationAdmin")) {
                    bypasses.push(format!(
                        "Ruleset \"{name}\" ({ruleset_id}) has a bypass actor of type {}.",
                        kind.unwrap_or_default()
                    ));
                }
            }
        }
    }
    Enforcement {
        requires_pull_request: true,
        approvals,
        bypasses,
    }
}
