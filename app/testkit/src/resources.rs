//! The JSON the stand-in answers with, built from GitHub's own response examples in the
//! OpenAPI file (so every field a client model requires is there) and patched with the
//! stand-in's ids, names, users and URLs.

use std::time::SystemTime;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::auth::iso8601;
use crate::openapi::contract;
use crate::world::{Installation, Repository, World};

/// Repositories named in the examples' URLs, rewritten to the stand-in's repository.
const EXAMPLE_REPOSITORIES: &[&str] = &[
    "octocat/Hello-World",
    "github/hello-world",
    "octokit/octokit.rb",
    "octocat/octorepo",
    "octocat/example",
];

/// A named example from the contract, with its API URLs pointing at the stand-in and its
/// repository names replaced by `full_name` (when given).
pub(crate) fn example(world: &World, name: &str, full_name: Option<&str>) -> Value {
    let value = contract()
        .map(|contract| contract.example(name))
        .unwrap_or(Value::Null);
    rebase(value, &world.api_url, full_name)
}

fn rebase(value: Value, api_url: &str, full_name: Option<&str>) -> Value {
    match value {
        Value::String(text) => {
            let mut text = text.replace("https://api.github.com", api_url);
            if let Some(full_name) = full_name {
                for original in EXAMPLE_REPOSITORIES {
                    text = text.replace(original, full_name);
                }
            }
            Value::String(text)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| rebase(item, api_url, full_name))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, item)| (key, rebase(item, api_url, full_name)))
                .collect(),
        ),
        other => other,
    }
}

pub(crate) fn now() -> String {
    iso8601(SystemTime::now())
}

/// A stable numeric id for a login, so the same user has the same id in every answer.
pub(crate) fn user_id(login: &str) -> i64 {
    let digest = Sha256::digest(login.as_bytes());
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&digest[..4]);
    i64::from(u32::from_be_bytes(bytes) >> 1) + 1
}

/// A deterministic 40-hex "sha" for refs nobody set explicitly.
pub(crate) fn fake_sha(seed: &str) -> String {
    hex::encode(&Sha256::digest(seed.as_bytes())[..20])
}

/// A `simple-user`; logins ending in `[bot]` are `Bot`s, as GitHub marks App accounts.
pub(crate) fn user(world: &World, login: &str) -> Value {
    let mut user = example(world, "issue-comment", None)
        .get("user")
        .cloned()
        .unwrap_or(json!({}));
    let kind = if login.ends_with("[bot]") {
        "Bot"
    } else {
        "User"
    };
    let api = &world.api_url;
    let login_in_url = url_segment(login);
    let patch = json!({
        "login": login,
        "id": user_id(login),
        "node_id": format!("U_{}", user_id(login)),
        "url": format!("{api}/users/{login_in_url}"),
        "html_url": format!("https://github.com/{login_in_url}"),
        "followers_url": format!("{api}/users/{login_in_url}/followers"),
        "following_url": format!("{api}/users/{login_in_url}/following{{/other_user}}"),
        "gists_url": format!("{api}/users/{login_in_url}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/users/{login_in_url}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/users/{login_in_url}/subscriptions"),
        "organizations_url": format!("{api}/users/{login_in_url}/orgs"),
        "repos_url": format!("{api}/users/{login_in_url}/repos"),
        "events_url": format!("{api}/users/{login_in_url}/events{{/privacy}}"),
        "received_events_url": format!("{api}/users/{login_in_url}/received_events"),
        "type": kind,
        "site_admin": false,
    });
    merge(&mut user, patch);
    user
}

/// A login as it appears in GitHub's URLs: `redgreen[bot]` → `redgreen%5Bbot%5D`.
fn url_segment(login: &str) -> String {
    const BRACKETS: &percent_encoding::AsciiSet =
        &percent_encoding::CONTROLS.add(b'[').add(b']').add(b' ');
    percent_encoding::utf8_percent_encode(login, BRACKETS).to_string()
}

/// Shallow merge: `patch`'s keys replace `target`'s.
pub(crate) fn merge(target: &mut Value, patch: Value) {
    if let (Value::Object(target), Value::Object(patch)) = (target, patch) {
        for (key, value) in patch {
            target.insert(key, value);
        }
    }
}

pub(crate) fn app(world: &World) -> Value {
    let mut app = example(world, "integration", None);
    let owner = user(world, "redgreen-dev");
    merge(
        &mut app,
        json!({
            "id": world.app_id,
            "slug": world.app_slug,
            "name": world.app_slug,
            "client_id": format!("Iv1.{}", fake_sha("client")[..16].to_string()),
            "node_id": format!("A_{}", world.app_id),
            "owner": owner,
            "html_url": format!("https://github.com/apps/{}", world.app_slug),
            "permissions": {
                "checks": "write", "contents": "write", "issues": "write",
                "metadata": "read", "pull_requests": "write",
            },
            "events": ["issue_comment", "issues", "pull_request_review_comment", "check_run"],
        }),
    );
    app
}

pub(crate) fn installation(world: &World, installation: &Installation) -> Value {
    let mut value = example(world, "installation", None);
    let api = &world.api_url;
    let id = installation.id;
    let account = user(world, &installation.account);
    merge(
        &mut value,
        json!({
            "id": id,
            "account": account,
            "repository_selection": "selected",
            "access_tokens_url": format!("{api}/app/installations/{id}/access_tokens"),
            "repositories_url": format!("{api}/installation/repositories"),
            "html_url": format!("https://github.com/settings/installations/{id}"),
            "app_id": world.app_id,
            "app_slug": world.app_slug,
            "target_id": user_id(&installation.account),
            "target_type": "User",
            "permissions": {
                "checks": "write", "contents": "write", "issues": "write",
                "metadata": "read", "pull_requests": "write",
            },
            "single_file_name": null,
            "single_file_paths": [],
            "has_multiple_single_files": false,
        }),
    );
    value
}

pub(crate) fn installation_token(token: &str, expires_at: SystemTime) -> Value {
    json!({
        "token": token,
        "expires_at": iso8601(expires_at),
        "permissions": {
            "checks": "write", "contents": "write", "issues": "write",
            "metadata": "read", "pull_requests": "write",
        },
        "repository_selection": "selected",
    })
}

pub(crate) fn repository(world: &World, repository: &Repository) -> Value {
    let full_name = &repository.full_name;
    let mut value = example(world, "full-repository-default-response", Some(full_name));
    let owner = user(world, repository.owner());
    let clone_url = repository
        .clone_url
        .clone()
        .unwrap_or_else(|| format!("https://github.com/{full_name}.git"));
    merge(
        &mut value,
        json!({
            "id": repository.id,
            "node_id": format!("R_{}", repository.id),
            "name": repository.name(),
            "full_name": full_name,
            "owner": owner,
            "private": false,
            "fork": false,
            "default_branch": repository.default_branch,
            "clone_url": clone_url,
            "html_url": format!("https://github.com/{full_name}"),
            "git_url": format!("git://github.com/{full_name}.git"),
            "ssh_url": format!("git@github.com:{full_name}.git"),
            "svn_url": format!("https://svn.github.com/{full_name}"),
            "mirror_url": null,
            "homepage": null,
            "language": null,
            "template_repository": null,
            "organization": null,
            "permissions": {
                "admin": false, "maintain": false, "push": true, "triage": true, "pull": true,
            },
        }),
    );
    // A repository that is no fork has no `parent` or `source` at all.
    if let Value::Object(map) = &mut value {
        map.remove("parent");
        map.remove("source");
    }
    value
}

pub(crate) fn git_ref(world: &World, repository: &Repository, name: &str, sha: &str) -> Value {
    let api = &world.api_url;
    let full_name = &repository.full_name;
    json!({
        "ref": name,
        "node_id": format!("REF_{}", fake_sha(name)[..12].to_string()),
        "url": format!("{api}/repos/{full_name}/git/{name}"),
        "object": {
            "type": "commit",
            "sha": sha,
            "url": format!("{api}/repos/{full_name}/git/commits/{sha}"),
        },
    })
}

pub(crate) fn issue(
    world: &World,
    repository: &Repository,
    number: u64,
    title: &str,
    body: &str,
    author: &str,
) -> Value {
    let full_name = &repository.full_name;
    let api = &world.api_url;
    let mut value = example(world, "issue", Some(full_name));
    if let Value::Object(map) = &mut value {
        map.remove("pull_request");
    }
    let id = user_id(&format!("{full_name}#{number}"));
    let author = user(world, author);
    let now = now();
    merge(
        &mut value,
        json!({
            "id": id,
            "node_id": format!("I_{id}"),
            "url": format!("{api}/repos/{full_name}/issues/{number}"),
            "repository_url": format!("{api}/repos/{full_name}"),
            "labels_url": format!("{api}/repos/{full_name}/issues/{number}/labels{{/name}}"),
            "comments_url": format!("{api}/repos/{full_name}/issues/{number}/comments"),
            "events_url": format!("{api}/repos/{full_name}/issues/{number}/events"),
            "html_url": format!("https://github.com/{full_name}/issues/{number}"),
            "number": number,
            "state": "open",
            "state_reason": null,
            "title": title,
            "body": body,
            "user": author,
            "labels": [],
            "assignee": null,
            "assignees": [],
            "milestone": null,
            "locked": false,
            "active_lock_reason": null,
            "comments": 0,
            "closed_at": null,
            "closed_by": null,
            "created_at": now,
            "updated_at": now,
            "author_association": "OWNER",
        }),
    );
    value
}

pub(crate) fn issue_comment(
    world: &World,
    repository: &Repository,
    issue_number: u64,
    id: i64,
    body: &str,
    author: &str,
) -> Value {
    let full_name = &repository.full_name;
    let api = &world.api_url;
    let mut value = example(world, "issue-comment", Some(full_name));
    let author = user(world, author);
    let now = now();
    merge(
        &mut value,
        json!({
            "id": id,
            "node_id": format!("IC_{id}"),
            "url": format!("{api}/repos/{full_name}/issues/comments/{id}"),
            "html_url": format!("https://github.com/{full_name}/issues/{issue_number}#issuecomment-{id}"),
            "issue_url": format!("{api}/repos/{full_name}/issues/{issue_number}"),
            "body": body,
            "user": author,
            "created_at": now,
            "updated_at": now,
        }),
    );
    value
}

pub(crate) struct ReviewCommentFields<'a> {
    pub pull: u64,
    pub id: i64,
    pub body: &'a str,
    pub author: &'a str,
    pub path: &'a str,
    pub line: Option<u64>,
    pub commit_id: &'a str,
    pub in_reply_to: Option<i64>,
}

pub(crate) fn review_comment(
    world: &World,
    repository: &Repository,
    fields: &ReviewCommentFields<'_>,
) -> Value {
    let full_name = &repository.full_name;
    let api = &world.api_url;
    let mut value = example(world, "pull-request-review-comment", Some(full_name));
    let author = user(world, fields.author);
    let now = now();
    let (id, pull) = (fields.id, fields.pull);
    merge(
        &mut value,
        json!({
            "id": id,
            "node_id": format!("PRRC_{id}"),
            "url": format!("{api}/repos/{full_name}/pulls/comments/{id}"),
            "html_url": format!("https://github.com/{full_name}/pull/{pull}#discussion_r{id}"),
            "pull_request_url": format!("{api}/repos/{full_name}/pulls/{pull}"),
            "pull_request_review_id": id,
            "body": fields.body,
            "user": author,
            "path": fields.path,
            "line": fields.line,
            "original_line": fields.line,
            "position": fields.line,
            "original_position": fields.line,
            "commit_id": fields.commit_id,
            "original_commit_id": fields.commit_id,
            "in_reply_to_id": fields.in_reply_to,
            "created_at": now,
            "updated_at": now,
            "_links": {
                "self": { "href": format!("{api}/repos/{full_name}/pulls/comments/{id}") },
                "html": { "href": format!("https://github.com/{full_name}/pull/{pull}#discussion_r{id}") },
                "pull_request": { "href": format!("{api}/repos/{full_name}/pulls/{pull}") },
            },
        }),
    );
    if fields.in_reply_to.is_none()
        && let Value::Object(map) = &mut value
    {
        map.remove("in_reply_to_id");
    }
    value
}

pub(crate) fn reaction(world: &World, id: i64, content: &str, author: &str) -> Value {
    let mut value = example(world, "reaction", None);
    let author = user(world, author);
    merge(
        &mut value,
        json!({
            "id": id,
            "node_id": format!("REA_{id}"),
            "user": author,
            "content": content,
            "created_at": now(),
        }),
    );
    value
}

pub(crate) struct PullFields<'a> {
    pub number: u64,
    pub title: &'a str,
    pub body: Option<&'a str>,
    pub head: &'a str,
    pub head_sha: &'a str,
    pub base: &'a str,
    pub base_sha: &'a str,
    pub draft: bool,
    pub author: &'a str,
}

pub(crate) fn pull(world: &World, repository: &Repository, fields: &PullFields<'_>) -> Value {
    let full_name = &repository.full_name;
    let api = &world.api_url;
    let number = fields.number;
    let mut value = example(world, "pull-request", Some(full_name));
    let id = user_id(&format!("{full_name}!{number}"));
    let author = user(world, fields.author);
    let repo = repository_summary(world, repository);
    let owner = repository.owner();
    let now = now();
    merge(
        &mut value,
        json!({
            "id": id,
            "node_id": format!("PR_{id}"),
            "url": format!("{api}/repos/{full_name}/pulls/{number}"),
            "html_url": format!("https://github.com/{full_name}/pull/{number}"),
            "diff_url": format!("https://github.com/{full_name}/pull/{number}.diff"),
            "patch_url": format!("https://github.com/{full_name}/pull/{number}.patch"),
            "issue_url": format!("{api}/repos/{full_name}/issues/{number}"),
            "commits_url": format!("{api}/repos/{full_name}/pulls/{number}/commits"),
            "review_comments_url": format!("{api}/repos/{full_name}/pulls/{number}/comments"),
            "comments_url": format!("{api}/repos/{full_name}/issues/{number}/comments"),
            "statuses_url": format!("{api}/repos/{full_name}/statuses/{}", fields.head_sha),
            "number": number,
            "state": "open",
            "locked": false,
            "title": fields.title,
            "user": author,
            "body": fields.body,
            "labels": [],
            "milestone": null,
            "active_lock_reason": null,
            "created_at": now,
            "updated_at": now,
            "closed_at": null,
            "merged_at": null,
            "merge_commit_sha": null,
            "assignee": null,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": {
                "label": format!("{owner}:{}", fields.head),
                "ref": fields.head,
                "sha": fields.head_sha,
                "user": user(world, owner),
                "repo": repo.clone(),
            },
            "base": {
                "label": format!("{owner}:{}", fields.base),
                "ref": fields.base,
                "sha": fields.base_sha,
                "user": user(world, owner),
                "repo": repo,
            },
            "author_association": "NONE",
            "auto_merge": null,
            "draft": fields.draft,
            "merged": false,
            "mergeable": null,
            "rebaseable": null,
            "mergeable_state": "unknown",
            "merged_by": null,
            "comments": 0,
            "review_comments": 0,
            "commits": 1,
            "additions": 0,
            "deletions": 0,
            "changed_files": 0,
        }),
    );
    value
}

/// The `repository` object nested in pulls (the example's, re-pointed).
fn repository_summary(world: &World, repository: &Repository) -> Value {
    let mut value = self::repository(world, repository);
    if let Value::Object(map) = &mut value {
        for key in ["organization", "parent", "source", "template_repository"] {
            map.remove(key);
        }
    }
    value
}

pub(crate) fn check_run(world: &World, repository: &Repository, id: i64) -> Value {
    let full_name = &repository.full_name;
    let api = &world.api_url;
    let mut value = example(world, "check-run", Some(full_name));
    let app = app(world);
    merge(
        &mut value,
        json!({
            "id": id,
            "node_id": format!("CR_{id}"),
            "url": format!("{api}/repos/{full_name}/check-runs/{id}"),
            "html_url": format!("https://github.com/{full_name}/runs/{id}"),
            "external_id": "",
            "details_url": null,
            "status": "queued",
            "conclusion": null,
            "started_at": now(),
            "completed_at": null,
            "output": {
                "title": null,
                "summary": null,
                "text": null,
                "annotations_count": 0,
                "annotations_url": format!("{api}/repos/{full_name}/check-runs/{id}/annotations"),
            },
            "check_suite": { "id": id },
            "app": app,
            "pull_requests": [],
        }),
    );
    // Only check runs made by a deployment carry `deployment`.
    if let Value::Object(map) = &mut value {
        map.remove("deployment");
    }
    value
}

pub(crate) fn content_file(
    world: &World,
    repository: &Repository,
    path: &str,
    content: &str,
    git_ref: &str,
) -> Value {
    use base64::Engine;
    let full_name = &repository.full_name;
    let api = &world.api_url;
    let mut value = example(
        world,
        "content-file-response-if-content-is-a-file",
        Some(full_name),
    );
    let sha = fake_sha(&format!("blob {content}"));
    let name = path.rsplit('/').next().unwrap_or(path);
    // GitHub wraps the base64 at 60 columns with `\n`, and clients must strip that.
    let encoded = base64::engine::general_purpose::STANDARD.encode(content.as_bytes());
    let wrapped: Vec<String> = encoded
        .as_bytes()
        .chunks(60)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect();
    merge(
        &mut value,
        json!({
            "type": "file",
            "encoding": "base64",
            "size": content.len(),
            "name": name,
            "path": path,
            "content": format!("{}\n", wrapped.join("\n")),
            "sha": sha,
            "url": format!("{api}/repos/{full_name}/contents/{path}?ref={git_ref}"),
            "git_url": format!("{api}/repos/{full_name}/git/blobs/{sha}"),
            "html_url": format!("https://github.com/{full_name}/blob/{git_ref}/{path}"),
            "download_url": format!("https://raw.githubusercontent.com/{full_name}/{git_ref}/{path}"),
            "_links": {
                "self": format!("{api}/repos/{full_name}/contents/{path}?ref={git_ref}"),
                "git": format!("{api}/repos/{full_name}/git/blobs/{sha}"),
                "html": format!("https://github.com/{full_name}/blob/{git_ref}/{path}"),
            },
        }),
    );
    value
}

pub(crate) fn collaborator_permission(world: &World, login: &str, permission: &str) -> Value {
    let mut value = example(
        world,
        "repository-collaborator-permission-response-if-user-has-admin-permissions",
        None,
    );
    // `permission` is the legacy ladder (maintain reads as write, triage as read);
    // `role_name` is the precise role.
    let legacy = match permission {
        "maintain" => "write",
        "triage" => "read",
        other => other,
    };
    let mut account = user(world, login);
    merge(
        &mut account,
        json!({
            "permissions": {
                "admin": permission == "admin",
                "maintain": matches!(permission, "admin" | "maintain"),
                "push": matches!(permission, "admin" | "maintain" | "write"),
                "triage": matches!(permission, "admin" | "maintain" | "write" | "triage"),
                "pull": permission != "none",
            },
            "role_name": permission,
        }),
    );
    merge(
        &mut value,
        json!({ "permission": legacy, "role_name": permission, "user": account }),
    );
    value
}
