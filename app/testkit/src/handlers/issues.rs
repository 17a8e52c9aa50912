//! Issues and issue comments (pull requests are issues too, for comments and reactions).

use serde_json::{Value, json};

use super::{Call, Reply, repository};
use crate::resources;
use crate::world::World;

/// The issue view of `number`: the issue itself, or a pull request seen as an issue (with
/// the `pull_request` key GitHub adds).
pub(super) fn issue_view(world: &World, full_name: &str, number: u64) -> Option<Value> {
    let found = world.repository(full_name)?;
    if let Some(issue) = found.issues.get(&number) {
        return Some(issue.clone());
    }
    let pull = found.pulls.get(&number)?;
    let title = pull.get("title").and_then(Value::as_str).unwrap_or("");
    let body = pull.get("body").and_then(Value::as_str).unwrap_or("");
    let author = pull
        .pointer("/user/login")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut issue = resources::issue(world, found, number, title, body, author);
    let api = &world.api_url;
    issue["pull_request"] = json!({
        "url": format!("{api}/repos/{full_name}/pulls/{number}"),
        "html_url": format!("https://github.com/{full_name}/pull/{number}"),
        "diff_url": format!("https://github.com/{full_name}/pull/{number}.diff"),
        "patch_url": format!("https://github.com/{full_name}/pull/{number}.patch"),
        "merged_at": null,
    });
    issue["state"] = pull.get("state").cloned().unwrap_or(json!("open"));
    Some(issue)
}

pub(super) fn get(world: &World, call: &Call<'_>) -> Reply {
    match issue_view(world, &call.full_name(), call.number("issue_number")) {
        Some(issue) => Reply::ok(issue),
        None => Reply::not_found(),
    }
}

pub(super) fn create(world: &mut World, call: &Call<'_>) -> Reply {
    let title = match call.field("title") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => return Reply::validation_failed("Issue", "title", "missing_field", ""),
    };
    let body = call.text("body").unwrap_or("").to_string();
    let bot = world.bot_login();
    let Some(found) = world.repository_mut(&call.full_name()) else {
        return Reply::not_found();
    };
    let number = found.take_number();
    let Some(found) = world.repository(&call.full_name()) else {
        return Reply::not_found();
    };
    let mut issue = resources::issue(world, found, number, &title, &body, &bot);
    if let Some(labels) = call.field("labels").and_then(Value::as_array) {
        issue["labels"] = Value::Array(labels.iter().map(label).collect());
    }
    if let Some(found) = world.repository_mut(&call.full_name()) {
        found.issues.insert(number, issue.clone());
    }
    Reply::created(issue)
}

fn label(name: &Value) -> Value {
    let name = name
        .as_str()
        .map(str::to_string)
        .or_else(|| name.get("name").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    json!({
        "id": resources::user_id(&format!("label {name}")),
        "node_id": "LA_label",
        "url": "",
        "name": name,
        "description": null,
        "color": "ededed",
        "default": false,
    })
}

pub(super) fn update(world: &mut World, call: &Call<'_>) -> Reply {
    let number = call.number("issue_number");
    let Some(found) = world.repository_mut(&call.full_name()) else {
        return Reply::not_found();
    };
    let Some(issue) = found.issues.get_mut(&number) else {
        return Reply::not_found();
    };
    for key in ["title", "body", "state", "state_reason"] {
        if let Some(value) = call.field(key) {
            issue[key] = value.clone();
        }
    }
    if let Some(labels) = call.field("labels").and_then(Value::as_array) {
        issue["labels"] = Value::Array(labels.iter().map(label).collect());
    }
    issue["updated_at"] = json!(resources::now());
    Reply::ok(issue.clone())
}

pub(super) fn list_comments(world: &World, call: &Call<'_>) -> Reply {
    let number = call.number("issue_number");
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    if issue_view(world, &call.full_name(), number).is_none() {
        return Reply::not_found();
    }
    let comments = found
        .issue_comments
        .iter()
        .filter(|(on, _)| *on == number)
        .map(|(_, comment)| comment.clone())
        .collect();
    Reply::ok(Value::Array(super::page(call, comments)))
}

pub(super) fn create_comment(world: &mut World, call: &Call<'_>) -> Reply {
    let number = call.number("issue_number");
    if issue_view(world, &call.full_name(), number).is_none() {
        return Reply::not_found();
    }
    let body = call.text("body").unwrap_or("").to_string();
    let bot = world.bot_login();
    let id = world.take_id();
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let comment = resources::issue_comment(world, found, number, id, &body, &bot);
    if let Some(found) = world.repository_mut(&call.full_name()) {
        found.issue_comments.push((number, comment.clone()));
        if let Some(issue) = found.issues.get_mut(&number) {
            let count = issue.get("comments").and_then(Value::as_u64).unwrap_or(0);
            issue["comments"] = json!(count + 1);
        }
    }
    Reply::created(comment)
}

pub(super) fn update_comment(world: &mut World, call: &Call<'_>) -> Reply {
    let id = call.id("comment_id");
    let body = call.text("body").unwrap_or("").to_string();
    let Some(found) = world.repository_mut(&call.full_name()) else {
        return Reply::not_found();
    };
    let Some((_, comment)) = found
        .issue_comments
        .iter_mut()
        .find(|(_, comment)| comment.get("id").and_then(Value::as_i64) == Some(id))
    else {
        return Reply::not_found();
    };
    comment["body"] = json!(body);
    comment["updated_at"] = json!(resources::now());
    Reply::ok(comment.clone())
}
