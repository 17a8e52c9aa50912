//! Pull requests: create, list, get, update, files, reviews, and review comments with
//! threaded replies (`in_reply_to`).

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Call, Reply, repository};
use crate::resources::{self, PullFields, ReviewCommentFields, fake_sha};
use crate::world::{Repository, World};

/// The commit a branch points at, or a stable stand-in sha when no test set the ref.
pub(crate) fn branch_sha(found: &Repository, branch: &str) -> String {
    let name = format!("refs/heads/{branch}");
    let mirrored = found.git_dir.as_ref().and_then(|dir| {
        let repository = git2::Repository::open_bare(dir).ok()?;
        let target = repository.refname_to_id(&name).ok()?;
        Some(target.to_string())
    });
    mirrored
        .or_else(|| found.refs.get(&name).cloned())
        .unwrap_or_else(|| fake_sha(&format!("{} {branch}", found.full_name)))
}

/// The pull request as GitHub would show it now: its head follows its branch.
fn live(found: &Repository, pull: &Value) -> Value {
    let mut pull = pull.clone();
    if found.git_dir.is_some()
        && let Some(branch) = pull.pointer("/head/ref").and_then(Value::as_str)
    {
        pull["head"]["sha"] = json!(branch_sha(found, branch));
    }
    pull
}

pub(super) fn list(world: &World, call: &Call<'_>) -> Reply {
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let state = call.query("state").unwrap_or("open");
    // `head` is `user:ref-name`.
    let head = call.query("head").map(|head| {
        head.split_once(':')
            .map_or(head, |(_, branch)| branch)
            .to_string()
    });
    let base = call.query("base");
    let pulls = found
        .pulls
        .values()
        .filter(|pull| state == "all" || pull.get("state").and_then(Value::as_str) == Some(state))
        .filter(|pull| {
            head.as_deref()
                .is_none_or(|head| pull.pointer("/head/ref").and_then(Value::as_str) == Some(head))
        })
        .filter(|pull| {
            base.is_none_or(|base| pull.pointer("/base/ref").and_then(Value::as_str) == Some(base))
        })
        .map(|pull| live(found, pull))
        .collect();
    Reply::ok(Value::Array(super::page(call, pulls)))
}

pub(super) fn create(world: &mut World, call: &Call<'_>) -> Reply {
    let (Some(head), Some(base)) = (call.text("head"), call.text("base")) else {
        return Reply::validation_failed("PullRequest", "head", "missing_field", "");
    };
    let head = head.split_once(':').map_or(head, |(_, branch)| branch);
    let Some(title) = call.text("title") else {
        return Reply::validation_failed("PullRequest", "title", "missing_field", "");
    };
    let bot = world.bot_login();
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    if head == base {
        return Reply::validation_failed(
            "PullRequest",
            "head",
            "custom",
            &format!("No commits between {base} and {head}"),
        );
    }
    let duplicate = found.pulls.values().any(|pull| {
        pull.get("state").and_then(Value::as_str) == Some("open")
            && pull.pointer("/head/ref").and_then(Value::as_str) == Some(head)
            && pull.pointer("/base/ref").and_then(Value::as_str) == Some(base)
    });
    if duplicate {
        return Reply::validation_failed(
            "PullRequest",
            "",
            "custom",
            &format!(
                "A pull request already exists for {}:{head}.",
                found.owner()
            ),
        );
    }
    let (head_sha, base_sha) = (branch_sha(found, head), branch_sha(found, base));
    let full_name = found.full_name.clone();
    let Some(found) = world.repository_mut(&full_name) else {
        return Reply::not_found();
    };
    let number = found.take_number();
    let Some(found) = world.repository(&full_name) else {
        return Reply::not_found();
    };
    let pull = resources::pull(
        world,
        found,
        &PullFields {
            number,
            title,
            body: call.text("body"),
            head,
            head_sha: &head_sha,
            base,
            base_sha: &base_sha,
            draft: call.field("draft").and_then(Value::as_bool) == Some(true),
            author: &bot,
        },
    );
    if let Some(found) = world.repository_mut(&full_name) {
        found.pulls.insert(number, pull.clone());
    }
    Reply::created(pull)
}

pub(super) fn get(world: &World, call: &Call<'_>) -> Reply {
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    match found.pulls.get(&call.number("pull_number")) {
        Some(pull) => Reply::ok(live(found, pull)),
        None => Reply::not_found(),
    }
}

pub(super) fn update(world: &mut World, call: &Call<'_>) -> Reply {
    let number = call.number("pull_number");
    let Some(found) = world.repository_mut(&call.full_name()) else {
        return Reply::not_found();
    };
    let Some(pull) = found.pulls.get_mut(&number) else {
        return Reply::not_found();
    };
    for key in ["title", "body", "state", "maintainer_can_modify"] {
        if let Some(value) = call.field(key) {
            pull[key] = value.clone();
        }
    }
    if let Some(base) = call.text("base") {
        pull["base"]["ref"] = json!(base);
    }
    if call.text("state") == Some("closed") {
        pull["closed_at"] = json!(resources::now());
    }
    pull["updated_at"] = json!(resources::now());
    Reply::ok(pull.clone())
}

pub(super) fn list_files(world: &World, call: &Call<'_>) -> Reply {
    let number = call.number("pull_number");
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    if !found.pulls.contains_key(&number) {
        return Reply::not_found();
    }
    let files = found.pull_files.get(&number).cloned().unwrap_or_default();
    Reply::ok(Value::Array(super::page(call, files)))
}

pub(super) fn list_review_comments(world: &World, call: &Call<'_>) -> Reply {
    let number = call.number("pull_number");
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let comments = found
        .review_comments
        .iter()
        .filter(|(on, _)| *on == number)
        .map(|(_, comment)| comment.clone())
        .collect();
    Reply::ok(Value::Array(super::page(call, comments)))
}

pub(super) fn create_review_comment(world: &mut World, call: &Call<'_>) -> Reply {
    let number = call.number("pull_number");
    let body = call.text("body").unwrap_or("").to_string();
    let bot = world.bot_login();
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    if !found.pulls.contains_key(&number) {
        return Reply::not_found();
    }
    // A reply takes its place (path, line, commit) from the comment it answers, which must be
    // a comment on this pull request.
    let (path, line, commit_id, in_reply_to) = match call.field("in_reply_to") {
        Some(target) => {
            let target = target.as_i64().unwrap_or(0);
            let Some((_, parent)) = found.review_comments.iter().find(|(on, comment)| {
                *on == number && comment.get("id").and_then(Value::as_i64) == Some(target)
            }) else {
                return Reply::not_found();
            };
            // Replies to a reply join the thread's top comment, as GitHub threads are flat.
            let root = parent
                .get("in_reply_to_id")
                .and_then(Value::as_i64)
                .unwrap_or(target);
            (
                parent
                    .get("path")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                parent.get("line").and_then(Value::as_u64),
                parent
                    .get("commit_id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                Some(root),
            )
        }
        None => {
            let (Some(path), Some(commit_id)) = (call.text("path"), call.text("commit_id")) else {
                return Reply::validation_failed(
                    "PullRequestReviewComment",
                    "path",
                    "missing_field",
                    "",
                );
            };
            let line = call
                .field("line")
                .or_else(|| call.field("position"))
                .and_then(Value::as_u64);
            if line.is_none() && call.text("subject_type") != Some("file") {
                return Reply::validation_failed(
                    "PullRequestReviewComment",
                    "line",
                    "missing_field",
                    "",
                );
            }
            (path.to_string(), line, commit_id.to_string(), None)
        }
    };
    let id = world.take_id();
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let comment = resources::review_comment(
        world,
        found,
        &ReviewCommentFields {
            pull: number,
            id,
            body: &body,
            author: &bot,
            path: &path,
            line,
            commit_id: &commit_id,
            in_reply_to,
        },
    );
    if let Some(found) = world.repository_mut(&call.full_name()) {
        found.review_comments.push((number, comment.clone()));
    }
    Reply::created(comment)
}

/// `POST .../comments/{id}/replies` refuses installation tokens (apps must reply with
/// `in_reply_to`); the stand-in also records it as a violation so a test names the mistake.
pub(super) fn create_reply(world: &mut World) -> Reply {
    world.violations.push(
        "POST .../pulls/{n}/comments/{id}/replies is not usable by GitHub Apps: reply with \
         POST .../pulls/{n}/comments and `in_reply_to`"
            .to_string(),
    );
    Reply::not_found()
}

pub(super) fn get_review_comment(world: &World, call: &Call<'_>) -> Reply {
    let id = call.id("comment_id");
    let found = repository(world, call).and_then(|found| {
        found
            .review_comments
            .iter()
            .find(|(_, comment)| comment.get("id").and_then(Value::as_i64) == Some(id))
    });
    match found {
        Some((_, comment)) => Reply::ok(comment.clone()),
        None => Reply::not_found(),
    }
}

pub(super) fn create_review(world: &mut World, call: &Call<'_>) -> Reply {
    let number = call.number("pull_number");
    let bot = world.bot_login();
    let id = world.take_id();
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    if !found.pulls.contains_key(&number) {
        return Reply::not_found();
    }
    if matches!(call.text("event"), Some("REQUEST_CHANGES" | "COMMENT"))
        && call.text("body").is_none_or(str::is_empty)
    {
        return Reply::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unprocessable Entity: body is required",
        );
    }
    let mut review = resources::example(world, "pull-request-review", Some(&found.full_name));
    review["id"] = json!(id);
    review["user"] = resources::user(world, &bot);
    review["body"] = json!(call.text("body").unwrap_or(""));
    review["state"] = json!(match call.text("event") {
        Some("APPROVE") => "APPROVED",
        Some("REQUEST_CHANGES") => "CHANGES_REQUESTED",
        Some("COMMENT") => "COMMENTED",
        _ => "PENDING",
    });
    if let Some(found) = world.repository_mut(&call.full_name()) {
        found.reviews.push((number, review.clone()));
    }
    Reply::ok(review)
}
