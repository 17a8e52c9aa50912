//! Webhook payloads built from GitHub's real examples (`testdata/github/webhook-examples`,
//! from octokit/webhooks), patched with the test's installation, repository, issue and
//! comment. Starting from the real example keeps every field GitHub sends, so a parser that
//! passes here parses what GitHub delivers.

use serde_json::{Value, json};

use crate::error::TestkitError;
use crate::resources::user_id;

/// The directory holding the examples (`<event>/<action>...payload.json`).
pub fn examples_dir() -> String {
    format!(
        "{}/../../testdata/github/webhook-examples",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Reads one example, e.g. `example("issue_comment/created.payload.json")`.
///
/// # Errors
/// When the file is missing or not JSON.
pub fn example(relative_path: &str) -> Result<Value, TestkitError> {
    let path = format!("{}/{relative_path}", examples_dir());
    let text = std::fs::read_to_string(&path).map_err(|error| TestkitError::Example {
        path: path.clone(),
        reason: error.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|error| TestkitError::Example {
        path,
        reason: error.to_string(),
    })
}

/// What the payloads are patched with. Start from `PayloadParams::default()` and set what
/// the test cares about.
#[derive(Debug, Clone)]
pub struct PayloadParams {
    pub installation: i64,
    pub repo_full_name: String,
    pub repo_id: i64,
    /// `repository.clone_url` (redgreen clones from it); default `https://github.com/<full>.git`.
    pub clone_url: Option<String>,
    pub default_branch: String,
    /// The issue or pull request number.
    pub issue: u64,
    pub issue_title: String,
    pub issue_body: String,
    /// For `issue_comment`: the issue is a pull request (GitHub adds `issue.pull_request`).
    pub issue_is_pull_request: bool,
    pub comment_id: i64,
    pub comment_body: String,
    /// Who acted (comment author, sender): login and `User` or `Bot`.
    pub author_login: String,
    pub author_type: String,
    /// `issues` `labeled`: the label added.
    pub label: String,
    /// `issues` `assigned`: the assignee (e.g. `redgreen[bot]`).
    pub assignee: String,
    /// `pull_request_review_comment`: the file and line, and the PR's head branch and sha.
    pub path: String,
    pub line: u64,
    pub head_ref: String,
    pub head_sha: String,
    /// `pull_request_review_comment`: the comment this one replies to.
    pub in_reply_to: Option<i64>,
    /// `check_run` `requested_action`: the check run and the button's identifier.
    pub check_run_id: i64,
    pub check_run_name: String,
    pub action_identifier: String,
    /// `ping`: the App id.
    pub app_id: u64,
}

impl Default for PayloadParams {
    fn default() -> PayloadParams {
        PayloadParams {
            installation: 1,
            repo_full_name: "octo-org/widgets".to_string(),
            repo_id: 4242,
            clone_url: None,
            default_branch: "main".to_string(),
            issue: 1,
            issue_title: "Widgets crash on empty input".to_string(),
            issue_body: "Steps to reproduce: call `widgets()` with nothing.".to_string(),
            issue_is_pull_request: false,
            comment_id: 9001,
            comment_body: "@redgreen plan".to_string(),
            author_login: "octocat".to_string(),
            author_type: "User".to_string(),
            label: "redgreen".to_string(),
            assignee: "redgreen[bot]".to_string(),
            path: "src/lib.rs".to_string(),
            line: 1,
            head_ref: "redgreen/1-fix".to_string(),
            head_sha: "0123456789abcdef0123456789abcdef01234567".to_string(),
            in_reply_to: None,
            check_run_id: 777,
            check_run_name: "redgreen/test".to_string(),
            action_identifier: "fix".to_string(),
            app_id: 424_242,
        }
    }
}

impl PayloadParams {
    fn owner(&self) -> &str {
        self.repo_full_name.split('/').next().unwrap_or("")
    }

    fn name(&self) -> &str {
        self.repo_full_name.split('/').nth(1).unwrap_or("")
    }

    fn clone_url(&self) -> String {
        self.clone_url
            .clone()
            .unwrap_or_else(|| format!("https://github.com/{}.git", self.repo_full_name))
    }
}

/// Loads an example or panics naming the file: the examples are fixed test data.
fn load(relative_path: &str) -> Value {
    example(relative_path).unwrap_or_else(|error| panic!("{error}"))
}

/// Replaces every occurrence of `from` in the payload's strings (URLs mostly) that is not
/// followed by a further digit or name character, so `/issues/1` leaves `/issues/1347` alone.
fn replace_text(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(text) if text.contains(from) => *text = replace_bounded(text, from, to),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_text(item, from, to)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|item| replace_text(item, from, to)),
        _ => {}
    }
}

fn replace_bounded(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let after = &rest[at + from.len()..];
        let continues = after
            .chars()
            .next()
            .is_some_and(|next| next.is_ascii_alphanumeric() || next == '-' || next == '_');
        out.push_str(&rest[..at]);
        out.push_str(if continues { from } else { to });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Patches a user object in place, keeping the example's other fields.
fn patch_user(user: &mut Value, login: &str, kind: &str) {
    if let Some(old) = user
        .get("login")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        replace_text(user, &format!("/{old}"), &format!("/{login}"));
    }
    user["login"] = json!(login);
    user["id"] = json!(user_id(login));
    user["node_id"] = json!(format!("U_{}", user_id(login)));
    user["type"] = json!(kind);
}

/// The common part of every repository event: repository, sender, installation.
fn patch_common(payload: &mut Value, params: &PayloadParams) {
    if let Some(old) = payload
        .pointer("/repository/full_name")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        replace_text(payload, &old, &params.repo_full_name);
    }
    if let Some(repository) = payload.get_mut("repository") {
        repository["id"] = json!(params.repo_id);
        repository["node_id"] = json!(format!("R_{}", params.repo_id));
        repository["name"] = json!(params.name());
        repository["full_name"] = json!(params.repo_full_name);
        repository["clone_url"] = json!(params.clone_url());
        repository["default_branch"] = json!(params.default_branch);
        repository["private"] = json!(false);
        if let Some(owner) = repository.get_mut("owner") {
            let kind = owner
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("User")
                .to_string();
            patch_user(owner, params.owner(), &kind);
        }
    }
    if let Some(sender) = payload.get_mut("sender") {
        patch_user(sender, &params.author_login, &params.author_type);
    }
    payload["installation"] = json!({
        "id": params.installation,
        "node_id": format!("MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u{}", params.installation),
    });
}

fn patch_issue(issue: &mut Value, params: &PayloadParams) {
    let number = params.issue;
    let old_number = issue.get("number").and_then(Value::as_u64).unwrap_or(0);
    for suffix in ["issues", "pull"] {
        replace_text(
            issue,
            &format!("/{suffix}/{old_number}"),
            &format!("/{suffix}/{number}"),
        );
    }
    issue["number"] = json!(number);
    issue["id"] = json!(user_id(&format!("{}#{number}", params.repo_full_name)));
    issue["title"] = json!(params.issue_title);
    issue["body"] = json!(params.issue_body);
    issue["state"] = json!("open");
}

/// `issue_comment` `created`: someone commented on an issue (or a pull request, with
/// `issue_is_pull_request`).
pub fn issue_comment_created(params: &PayloadParams) -> Value {
    let mut payload = load("issue_comment/created.with-installation.payload.json");
    patch_common(&mut payload, params);
    if let Some(issue) = payload.get_mut("issue") {
        patch_issue(issue, params);
        if params.issue_is_pull_request {
            let full_name = &params.repo_full_name;
            let number = params.issue;
            issue["pull_request"] = json!({
                "url": format!("https://api.github.com/repos/{full_name}/pulls/{number}"),
                "html_url": format!("https://github.com/{full_name}/pull/{number}"),
                "diff_url": format!("https://github.com/{full_name}/pull/{number}.diff"),
                "patch_url": format!("https://github.com/{full_name}/pull/{number}.patch"),
                "merged_at": null,
            });
        } else if let Value::Object(map) = issue {
            map.remove("pull_request");
        }
    }
    if let Some(comment) = payload.get_mut("comment") {
        let old_id = comment.get("id").and_then(Value::as_i64).unwrap_or(0);
        replace_text(comment, &old_id.to_string(), &params.comment_id.to_string());
        comment["id"] = json!(params.comment_id);
        comment["node_id"] = json!(format!("IC_{}", params.comment_id));
        comment["body"] = json!(params.comment_body);
        comment["issue_url"] = json!(format!(
            "https://api.github.com/repos/{}/issues/{}",
            params.repo_full_name, params.issue
        ));
        comment["performed_via_github_app"] = Value::Null;
        if let Some(user) = comment.get_mut("user") {
            patch_user(user, &params.author_login, &params.author_type);
        }
    }
    payload
}

/// `issues` `opened`: the issue body is `issue_body` (mentions in it count).
pub fn issues_opened(params: &PayloadParams) -> Value {
    let mut payload = load("issues/opened.payload.json");
    patch_common(&mut payload, params);
    if let Some(issue) = payload.get_mut("issue") {
        patch_issue(issue, params);
        if let Some(user) = issue.get_mut("user") {
            patch_user(user, &params.author_login, &params.author_type);
        }
    }
    payload
}

/// `issues` `labeled` with `label`.
pub fn issues_labeled(params: &PayloadParams) -> Value {
    let mut payload = load("issues/labeled.payload.json");
    patch_common(&mut payload, params);
    if let Some(issue) = payload.get_mut("issue") {
        patch_issue(issue, params);
    }
    if let Some(label) = payload.get_mut("label") {
        label["name"] = json!(params.label);
        label["id"] = json!(user_id(&format!("label {}", params.label)));
    }
    let label = payload.get("label").cloned().unwrap_or(Value::Null);
    if let Some(labels) = payload
        .pointer_mut("/issue/labels")
        .and_then(Value::as_array_mut)
    {
        labels.clear();
        labels.push(label);
    }
    payload
}

/// `issues` `assigned` to `assignee` (a `...[bot]` assignee is a `Bot`).
pub fn issues_assigned(params: &PayloadParams) -> Value {
    let mut payload = load("issues/assigned.with-installation.payload.json");
    patch_common(&mut payload, params);
    if let Some(issue) = payload.get_mut("issue") {
        patch_issue(issue, params);
    }
    let kind = if params.assignee.ends_with("[bot]") {
        "Bot"
    } else {
        "User"
    };
    if let Some(assignee) = payload.get_mut("assignee") {
        patch_user(assignee, &params.assignee, kind);
    }
    let assignee = payload.get("assignee").cloned().unwrap_or(Value::Null);
    if let Some(issue) = payload.get_mut("issue") {
        issue["assignee"] = assignee.clone();
        issue["assignees"] = json!([assignee]);
    }
    payload
}

/// `pull_request_review_comment` `created` on pull request `issue`, at `path`:`line`,
/// optionally replying to `in_reply_to`.
pub fn pull_request_review_comment_created(params: &PayloadParams) -> Value {
    let mut payload = load("pull_request_review_comment/created.payload.json");
    patch_common(&mut payload, params);
    if let Some(pull) = payload.get_mut("pull_request") {
        patch_issue(pull, params);
        pull["head"]["ref"] = json!(params.head_ref);
        pull["head"]["sha"] = json!(params.head_sha);
        pull["head"]["label"] = json!(format!("{}:{}", params.owner(), params.head_ref));
        pull["base"]["ref"] = json!(params.default_branch);
        // A branch of the repository itself, not of a fork.
        for side in ["head", "base"] {
            if let Some(repo) = pull[side].get_mut("repo").filter(|repo| repo.is_object()) {
                repo["id"] = json!(params.repo_id);
                repo["full_name"] = json!(params.repo_full_name);
            }
        }
    }
    if let Some(comment) = payload.get_mut("comment") {
        let old_id = comment.get("id").and_then(Value::as_i64).unwrap_or(0);
        replace_text(comment, &old_id.to_string(), &params.comment_id.to_string());
        comment["id"] = json!(params.comment_id);
        comment["node_id"] = json!(format!("PRRC_{}", params.comment_id));
        comment["body"] = json!(params.comment_body);
        comment["path"] = json!(params.path);
        comment["line"] = json!(params.line);
        comment["original_line"] = json!(params.line);
        comment["commit_id"] = json!(params.head_sha);
        comment["pull_request_url"] = json!(format!(
            "https://api.github.com/repos/{}/pulls/{}",
            params.repo_full_name, params.issue
        ));
        match params.in_reply_to {
            Some(parent) => comment["in_reply_to_id"] = json!(parent),
            None => {
                if let Value::Object(map) = comment {
                    map.remove("in_reply_to_id");
                }
            }
        }
        if let Some(user) = comment.get_mut("user") {
            patch_user(user, &params.author_login, &params.author_type);
        }
    }
    payload
}

/// `check_run` `requested_action`: someone pressed the button `action_identifier` on check
/// run `check_run_id`.
pub fn check_run_requested_action(params: &PayloadParams) -> Value {
    let mut payload = load("check_run/requested_action.payload.json");
    patch_common(&mut payload, params);
    if let Some(run) = payload.get_mut("check_run") {
        let old_id = run.get("id").and_then(Value::as_i64).unwrap_or(0);
        replace_text(run, &old_id.to_string(), &params.check_run_id.to_string());
        run["id"] = json!(params.check_run_id);
        run["name"] = json!(params.check_run_name);
        run["head_sha"] = json!(params.head_sha);
        run["status"] = json!("completed");
        run["conclusion"] = json!("failure");
        if let Some(app) = run.get_mut("app") {
            app["id"] = json!(params.app_id);
        }
    }
    payload["requested_action"] = json!({ "identifier": params.action_identifier });
    payload
}

/// The installation object of `installation`/`installation_repositories` events.
fn patch_installation(payload: &mut Value, params: &PayloadParams) {
    let account = params.owner().to_string();
    if let Some(installation) = payload.get_mut("installation") {
        let old_id = installation.get("id").and_then(Value::as_i64).unwrap_or(0);
        replace_text(
            installation,
            &old_id.to_string(),
            &params.installation.to_string(),
        );
        installation["id"] = json!(params.installation);
        installation["app_id"] = json!(params.app_id);
        if let Some(owner) = installation.get_mut("account") {
            let kind = owner
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("User")
                .to_string();
            patch_user(owner, &account, &kind);
        }
    }
    if let Some(sender) = payload.get_mut("sender") {
        patch_user(sender, &params.author_login, &params.author_type);
    }
}

fn repository_entry(params: &PayloadParams) -> Value {
    json!({
        "id": params.repo_id,
        "node_id": format!("R_{}", params.repo_id),
        "name": params.name(),
        "full_name": params.repo_full_name,
        "private": false,
    })
}

/// `installation` `created`, with the repository as the only selected one.
pub fn installation_created(params: &PayloadParams) -> Value {
    let mut payload = load("installation/created.payload.json");
    patch_installation(&mut payload, params);
    payload["repositories"] = json!([repository_entry(params)]);
    payload
}

/// `installation_repositories` `added`, adding the repository.
pub fn installation_repositories_added(params: &PayloadParams) -> Value {
    let mut payload = load("installation_repositories/added.payload.json");
    patch_installation(&mut payload, params);
    payload["repositories_added"] = json!([repository_entry(params)]);
    payload["repositories_removed"] = json!([]);
    payload
}

/// `ping` for the App (`hook.app_id`), as GitHub sends when the webhook is set up.
pub fn ping(params: &PayloadParams) -> Value {
    let mut payload = load("ping/with-app_id.payload.json");
    patch_common(&mut payload, params);
    if let Value::Object(map) = &mut payload {
        // App pings carry no installation.
        map.remove("installation");
    }
    if let Some(hook) = payload.get_mut("hook") {
        hook["app_id"] = json!(params.app_id);
        hook["type"] = json!("App");
    }
    payload
}
