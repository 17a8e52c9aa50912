//! Reactions on issue comments, review comments and issues. Like GitHub, reacting twice with
//! the same content answers 200 with the existing reaction instead of adding another.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Call, Reply, repository};
use crate::handlers::issues::issue_view;
use crate::resources;
use crate::world::World;

pub(super) fn for_issue_comment(world: &mut World, call: &Call<'_>) -> Reply {
    let id = call.id("comment_id");
    let exists = repository(world, call).is_some_and(|found| {
        found
            .issue_comments
            .iter()
            .any(|(_, comment)| comment.get("id").and_then(Value::as_i64) == Some(id))
    });
    if !exists {
        return Reply::not_found();
    }
    react(world, call, json!({ "kind": "issue_comment", "id": id }))
}

pub(super) fn for_review_comment(world: &mut World, call: &Call<'_>) -> Reply {
    let id = call.id("comment_id");
    let exists = repository(world, call).is_some_and(|found| {
        found
            .review_comments
            .iter()
            .any(|(_, comment)| comment.get("id").and_then(Value::as_i64) == Some(id))
    });
    if !exists {
        return Reply::not_found();
    }
    react(
        world,
        call,
        json!({ "kind": "pull_request_review_comment", "id": id }),
    )
}

pub(super) fn for_issue(world: &mut World, call: &Call<'_>) -> Reply {
    let number = call.number("issue_number");
    if issue_view(world, &call.full_name(), number).is_none() {
        return Reply::not_found();
    }
    react(world, call, json!({ "kind": "issue", "number": number }))
}

/// Stores the reaction with its subject (`kind`, `id` or `number`, `repository`) for
/// `GitHubStandIn::reactions()`; answers the reaction without it, as GitHub does.
fn react(world: &mut World, call: &Call<'_>, mut subject: Value) -> Reply {
    let content = call.text("content").unwrap_or("").to_string();
    let bot = world.bot_login();
    let full_name = call.full_name().to_ascii_lowercase();
    subject["repository"] = json!(full_name);
    let existing = world.reactions.iter().find(|reaction| {
        reaction.get("subject") == Some(&subject)
            && reaction.get("content").and_then(Value::as_str) == Some(content.as_str())
            && reaction.pointer("/user/login").and_then(Value::as_str) == Some(bot.as_str())
    });
    if let Some(existing) = existing {
        return Reply::json(StatusCode::OK, without_subject(existing));
    }
    let id = world.take_id();
    let reaction = resources::reaction(world, id, &content, &bot);
    let mut stored = reaction.clone();
    stored["subject"] = subject;
    world.reactions.push(stored);
    Reply::created(reaction)
}

fn without_subject(reaction: &Value) -> Value {
    let mut reaction = reaction.clone();
    if let Value::Object(map) = &mut reaction {
        map.remove("subject");
    }
    reaction
}
