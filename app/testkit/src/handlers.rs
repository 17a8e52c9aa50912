//! Serving a request that passed the fault, auth and contract checks: one function per
//! GitHub operation, chosen by `operationId`, each reading and changing the `World`.

mod app;
mod checks;
mod issues;
mod pulls;
mod reactions;
mod repository;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::world::{Repository, World};

pub(crate) use checks::served as checks_served;
pub(crate) use pulls::branch_sha;

/// What a handler gets: the decoded path parameters, the query, the body, and who is calling.
pub(crate) struct Call<'a> {
    pub params: &'a BTreeMap<String, String>,
    pub query: Vec<(String, String)>,
    pub body: Option<&'a Value>,
}

impl Call<'_> {
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }

    pub fn number(&self, name: &str) -> u64 {
        self.param(name).parse().unwrap_or(0)
    }

    pub fn id(&self, name: &str) -> i64 {
        self.param(name).parse().unwrap_or(0)
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn field(&self, name: &str) -> Option<&Value> {
        self.body.and_then(|body| body.get(name))
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.field(name).and_then(Value::as_str)
    }

    /// `owner/repo` from the path.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.param("owner"), self.param("repo"))
    }
}

/// A handler's answer.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Option<Value>,
}

impl Reply {
    pub fn json(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
        }
    }

    pub fn ok(body: Value) -> Reply {
        Reply::json(StatusCode::OK, body)
    }

    pub fn created(body: Value) -> Reply {
        Reply::json(StatusCode::CREATED, body)
    }

    pub fn no_content() -> Reply {
        Reply {
            status: StatusCode::NO_CONTENT,
            body: None,
        }
    }

    pub fn not_found() -> Reply {
        Reply::message(StatusCode::NOT_FOUND, "Not Found")
    }

    pub fn message(status: StatusCode, message: &str) -> Reply {
        Reply::json(
            status,
            json!({
                "message": message,
                "documentation_url": "https://docs.github.com/rest",
                "status": status.as_u16().to_string(),
            }),
        )
    }

    /// GitHub's 422: "Validation Failed" with one error object.
    pub fn validation_failed(resource: &str, field: &str, code: &str, message: &str) -> Reply {
        let mut error = json!({ "resource": resource, "code": code, "field": field });
        if !message.is_empty() {
            error["message"] = json!(message);
        }
        Reply::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "message": "Validation Failed",
                "errors": [error],
                "documentation_url": "https://docs.github.com/rest",
                "status": "422",
            }),
        )
    }
}

/// Serves one operation. The repository (for `/repos/...` operations) has already been
/// checked to exist and to belong to the caller's installation.
pub(crate) fn serve(world: &mut World, operation: &str, call: &Call<'_>) -> Reply {
    match operation {
        "apps/get-authenticated" => app::get_app(world),
        "apps/get-installation" => app::get_installation(world, call),
        "apps/create-installation-access-token" => app::create_token(world, call),
        "apps/get-repo-installation" => app::get_repo_installation(world, call),
        "rate-limit/get" => app::rate_limit(world),
        "repos/get" => repository::get(world, call),
        "git/get-ref" => repository::get_ref(world, call),
        "git/create-ref" => repository::create_ref(world, call),
        "git/update-ref" => repository::update_ref(world, call),
        "git/delete-ref" => repository::delete_ref(world, call),
        "repos/get-content" => repository::get_content(world, call),
        "repos/create-or-update-file-contents" => repository::put_content(world, call),
        "repos/get-branch" => repository::get_branch(world, call),
        "repos/get-branch-protection" => repository::get_protection(world, call),
        "repos/get-branch-rules" => repository::get_rules(world, call),
        "repos/get-collaborator-permission-level" => repository::get_permission(world, call),
        "pulls/list" => pulls::list(world, call),
        "pulls/create" => pulls::create(world, call),
        "pulls/get" => pulls::get(world, call),
        "pulls/update" => pulls::update(world, call),
        "pulls/list-files" => pulls::list_files(world, call),
        "pulls/list-review-comments" => pulls::list_review_comments(world, call),
        "pulls/create-review-comment" => pulls::create_review_comment(world, call),
        "pulls/create-reply-for-review-comment" => pulls::create_reply(world),
        "pulls/get-review-comment" => pulls::get_review_comment(world, call),
        "pulls/create-review" => pulls::create_review(world, call),
        "issues/get" => issues::get(world, call),
        "issues/create" => issues::create(world, call),
        "issues/update" => issues::update(world, call),
        "issues/list-comments" => issues::list_comments(world, call),
        "issues/create-comment" => issues::create_comment(world, call),
        "issues/update-comment" => issues::update_comment(world, call),
        "reactions/create-for-issue-comment" => reactions::for_issue_comment(world, call),
        "reactions/create-for-pull-request-review-comment" => {
            reactions::for_review_comment(world, call)
        }
        "reactions/create-for-issue" => reactions::for_issue(world, call),
        "checks/create" => checks::create(world, call),
        "checks/update" => checks::update(world, call),
        "checks/get" => checks::get(world, call),
        "checks/list-for-ref" => checks::list_for_ref(world, call),
        other => {
            world.violations.push(format!(
                "operation {other} is in the contract but the stand-in does not serve it yet"
            ));
            Reply::message(StatusCode::NOT_IMPLEMENTED, "Not Implemented")
        }
    }
}

/// The repository a `/repos/{owner}/{repo}` call names; the pipeline has checked it exists.
fn repository<'w>(world: &'w World, call: &Call<'_>) -> Option<&'w Repository> {
    world.repository(&call.full_name())
}

/// The page of `items` that `per_page`/`page` ask for (GitHub's defaults: 30 and 1).
fn page(call: &Call<'_>, items: Vec<Value>) -> Vec<Value> {
    let per_page: usize = call
        .query("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page: usize = call
        .query("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect()
}
