//! Check runs: create, update (annotations accumulate across updates), get, list for a ref.
//! GitHub's limits apply: at most 50 annotations and 3 actions per request, else 422.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Call, Reply, repository};
use crate::resources;
use crate::world::World;

const MAX_ANNOTATIONS_PER_REQUEST: usize = 50;
const MAX_ACTIONS: usize = 3;

/// Keys the stand-in keeps on a stored check run for read-back but GitHub does not answer.
const STORED_ONLY: &[&str] = &["annotations", "actions"];

fn over_limits(call: &Call<'_>) -> Option<Reply> {
    let annotations = call
        .body
        .and_then(|body| body.pointer("/output/annotations"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if annotations > MAX_ANNOTATIONS_PER_REQUEST {
        return Some(Reply::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid request.\n\nOnly 50 annotations are allowed per request.",
        ));
    }
    let actions = call
        .field("actions")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if actions > MAX_ACTIONS {
        return Some(Reply::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid request.\n\nOnly 3 actions are allowed per request.",
        ));
    }
    None
}

/// Applies a create or update body to a stored check run.
fn apply(run: &mut Value, call: &Call<'_>) {
    for key in [
        "name",
        "head_sha",
        "details_url",
        "external_id",
        "status",
        "started_at",
        "completed_at",
    ] {
        if let Some(value) = call.field(key) {
            run[key] = value.clone();
        }
    }
    if let Some(conclusion) = call.field("conclusion") {
        // "Providing `conclusion` will automatically set the `status` parameter to
        // `completed`."
        run["conclusion"] = conclusion.clone();
        run["status"] = json!("completed");
        if run.get("completed_at").is_none_or(Value::is_null) {
            run["completed_at"] = json!(resources::now());
        }
    }
    if let Some(output) = call.field("output") {
        for key in ["title", "summary", "text"] {
            if let Some(value) = output.get(key) {
                run["output"][key] = value.clone();
            }
        }
        if let Some(added) = output.get("annotations").and_then(Value::as_array) {
            let mut all = run
                .get("annotations")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            all.extend(added.iter().cloned());
            run["output"]["annotations_count"] = json!(all.len());
            run["annotations"] = Value::Array(all);
        }
    }
    if let Some(actions) = call.field("actions") {
        run["actions"] = actions.clone();
    }
}

pub(crate) fn served(run: &Value) -> Value {
    let mut run = run.clone();
    if let Value::Object(map) = &mut run {
        for key in STORED_ONLY {
            map.remove(*key);
        }
    }
    run
}

pub(super) fn create(world: &mut World, call: &Call<'_>) -> Reply {
    if let Some(refused) = over_limits(call) {
        return refused;
    }
    if call.text("status") == Some("completed") && call.field("conclusion").is_none() {
        return Reply::validation_failed("CheckRun", "conclusion", "missing_field", "");
    }
    let id = world.take_id();
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let mut run = resources::check_run(world, found, id);
    run["annotations"] = json!([]);
    run["actions"] = json!([]);
    apply(&mut run, call);
    if let Some(found) = world.repository_mut(&call.full_name()) {
        found.check_runs.push(run.clone());
    }
    Reply::created(served(&run))
}

pub(super) fn update(world: &mut World, call: &Call<'_>) -> Reply {
    if let Some(refused) = over_limits(call) {
        return refused;
    }
    let id = call.id("check_run_id");
    let Some(found) = world.repository_mut(&call.full_name()) else {
        return Reply::not_found();
    };
    let Some(run) = found
        .check_runs
        .iter_mut()
        .find(|run| run.get("id").and_then(Value::as_i64) == Some(id))
    else {
        return Reply::not_found();
    };
    apply(run, call);
    Reply::ok(served(run))
}

pub(super) fn get(world: &World, call: &Call<'_>) -> Reply {
    let id = call.id("check_run_id");
    let run = repository(world, call).and_then(|found| {
        found
            .check_runs
            .iter()
            .find(|run| run.get("id").and_then(Value::as_i64) == Some(id))
    });
    match run {
        Some(run) => Reply::ok(served(run)),
        None => Reply::not_found(),
    }
}

pub(super) fn list_for_ref(world: &World, call: &Call<'_>) -> Reply {
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let git_ref = call.param("ref");
    let sha = if super::repository::is_sha(git_ref) {
        git_ref.to_string()
    } else {
        let branch = git_ref.strip_prefix("refs/heads/").unwrap_or(git_ref);
        super::pulls::branch_sha(found, branch)
    };
    let runs: Vec<Value> = found
        .check_runs
        .iter()
        .filter(|run| run.get("head_sha").and_then(Value::as_str) == Some(sha.as_str()))
        .filter(|run| {
            call.query("check_name")
                .is_none_or(|name| run.get("name").and_then(Value::as_str) == Some(name))
        })
        .map(served)
        .collect();
    let total = runs.len();
    Reply::ok(json!({ "total_count": total, "check_runs": super::page(call, runs) }))
}
