//! Repository-level reads and ref writes: the repository, git refs, file contents, branches,
//! branch protection, rulesets and collaborator permissions.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Call, Reply, repository};
use crate::resources::{self, fake_sha};
use crate::world::{Repository, World};

pub(super) fn get(world: &World, call: &Call<'_>) -> Reply {
    match repository(world, call) {
        Some(found) => Reply::ok(resources::repository(world, found)),
        None => Reply::not_found(),
    }
}

pub(super) fn get_ref(world: &World, call: &Call<'_>) -> Reply {
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let name = format!("refs/{}", call.param("ref"));
    match found.refs.get(&name) {
        Some(sha) => Reply::ok(resources::git_ref(world, found, &name, sha)),
        None => Reply::not_found(),
    }
}

pub(super) fn create_ref(world: &mut World, call: &Call<'_>) -> Reply {
    let name = call.text("ref").unwrap_or("").to_string();
    let sha = call.text("sha").unwrap_or("").to_string();
    // GitHub: "If it doesn't start with 'refs' and have at least two slashes, it will be
    // rejected."
    if !name.starts_with("refs/") || name.matches('/').count() < 2 {
        return Reply::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Reference name is not fully qualified",
        );
    }
    if !is_sha(&sha) {
        return Reply::message(StatusCode::UNPROCESSABLE_ENTITY, "Object does not exist");
    }
    let Some(found) = world.repository_mut(&call.full_name()) else {
        return Reply::not_found();
    };
    if found.refs.contains_key(&name) {
        return Reply::message(StatusCode::UNPROCESSABLE_ENTITY, "Reference already exists");
    }
    found.refs.insert(name.clone(), sha.clone());
    let Some(found) = world.repository(&call.full_name()) else {
        return Reply::not_found();
    };
    Reply::created(resources::git_ref(world, found, &name, &sha))
}

pub(super) fn update_ref(world: &mut World, call: &Call<'_>) -> Reply {
    let name = format!("refs/{}", call.param("ref"));
    let sha = call.text("sha").unwrap_or("").to_string();
    if !is_sha(&sha) {
        return Reply::message(StatusCode::UNPROCESSABLE_ENTITY, "Object does not exist");
    }
    let Some(found) = world.repository_mut(&call.full_name()) else {
        return Reply::not_found();
    };
    // The stand-in has no commit graph, so a non-fast-forward cannot be detected here; the
    // git remote's hooks are where history is checked.
    let Some(current) = found.refs.get_mut(&name) else {
        return Reply::message(StatusCode::UNPROCESSABLE_ENTITY, "Reference does not exist");
    };
    current.clone_from(&sha);
    let Some(found) = world.repository(&call.full_name()) else {
        return Reply::not_found();
    };
    Reply::ok(resources::git_ref(world, found, &name, &sha))
}

pub(super) fn delete_ref(world: &mut World, call: &Call<'_>) -> Reply {
    let name = format!("refs/{}", call.param("ref"));
    let Some(found) = world.repository_mut(&call.full_name()) else {
        return Reply::not_found();
    };
    match found.refs.remove(&name) {
        Some(_) => Reply::no_content(),
        None => Reply::message(StatusCode::UNPROCESSABLE_ENTITY, "Reference does not exist"),
    }
}

/// The branch a `ref` query names: a branch name, `refs/heads/<name>`, or a commit sha that
/// a branch points at. `None` means the repository's default branch.
fn branch_of(found: &Repository, git_ref: Option<&str>) -> String {
    let Some(git_ref) = git_ref else {
        return found.default_branch.clone();
    };
    let git_ref = git_ref.strip_prefix("refs/heads/").unwrap_or(git_ref);
    if is_sha(git_ref) {
        for (name, sha) in &found.refs {
            if sha == git_ref
                && let Some(branch) = name.strip_prefix("refs/heads/")
            {
                return branch.to_string();
            }
        }
    }
    git_ref.to_string()
}

pub(super) fn get_content(world: &World, call: &Call<'_>) -> Reply {
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let branch = branch_of(found, call.query("ref"));
    let path = call.param("path").trim_matches('/').to_string();
    match found.files.get(&(branch.clone(), path.clone())) {
        Some(content) => Reply::ok(resources::content_file(
            world, found, &path, content, &branch,
        )),
        None => Reply::not_found(),
    }
}

pub(super) fn put_content(world: &mut World, call: &Call<'_>) -> Reply {
    use base64::Engine;
    let Some(encoded) = call.text("content") else {
        return Reply::validation_failed("File", "content", "missing_field", "");
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded.replace('\n', ""))
    else {
        return Reply::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "content is not valid Base64",
        );
    };
    let content = String::from_utf8_lossy(&bytes).into_owned();
    let path = call.param("path").trim_matches('/').to_string();
    let Some(found) = world.repository_mut(&call.full_name()) else {
        return Reply::not_found();
    };
    let branch = call
        .text("branch")
        .map_or_else(|| found.default_branch.clone(), str::to_string);
    let key = (branch.clone(), path.clone());
    let existed = found.files.contains_key(&key);
    if existed && call.text("sha").is_none() {
        // GitHub refuses an update without the blob sha being replaced.
        return Reply::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid request.\n\n\"sha\" wasn't supplied.",
        );
    }
    found.files.insert(key, content.clone());
    let commit_sha = fake_sha(&format!("commit {branch} {path} {content}"));
    found
        .refs
        .insert(format!("refs/heads/{branch}"), commit_sha.clone());
    let Some(found) = world.repository(&call.full_name()) else {
        return Reply::not_found();
    };
    let mut answer = resources::example(
        world,
        "file-commit-example-for-creating-a-file",
        Some(&found.full_name),
    );
    answer["content"] = resources::content_file(world, found, &path, &content, &branch);
    if let Some(commit) = answer.get_mut("commit") {
        commit["sha"] = json!(commit_sha);
        commit["message"] = json!(call.text("message").unwrap_or(""));
    }
    if existed {
        Reply::ok(answer)
    } else {
        Reply::created(answer)
    }
}

pub(super) fn get_branch(world: &World, call: &Call<'_>) -> Reply {
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let branch = call.param("branch");
    let Some(sha) = found.refs.get(&format!("refs/heads/{branch}")) else {
        return Reply::message(StatusCode::NOT_FOUND, "Branch not found");
    };
    let mut answer = resources::example(world, "branch-get", Some(&found.full_name));
    answer["name"] = json!(branch);
    answer["protected"] = json!(found.protections.contains_key(branch));
    if let Some(commit) = answer.get_mut("commit") {
        commit["sha"] = json!(sha);
    }
    Reply::ok(answer)
}

pub(super) fn get_protection(world: &World, call: &Call<'_>) -> Reply {
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    match found.protections.get(call.param("branch")) {
        Some(protection) => Reply::ok(protection.clone()),
        None => Reply::json(
            StatusCode::NOT_FOUND,
            json!({
                "message": "Branch not protected",
                "documentation_url": "https://docs.github.com/rest/branches/branch-protection#get-branch-protection",
                "status": "404",
            }),
        ),
    }
}

pub(super) fn get_rules(world: &World, call: &Call<'_>) -> Reply {
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let rules = found
        .rules
        .get(call.param("branch"))
        .cloned()
        .unwrap_or_default();
    Reply::ok(Value::Array(super::page(call, rules)))
}

pub(super) fn get_permission(world: &World, call: &Call<'_>) -> Reply {
    let Some(found) = repository(world, call) else {
        return Reply::not_found();
    };
    let login = call.param("username");
    // A user the test did not grant anything has no role on the repository.
    let permission = found
        .permissions
        .get(&login.to_ascii_lowercase())
        .map_or("none", String::as_str);
    Reply::ok(resources::collaborator_permission(world, login, permission))
}

pub(crate) fn is_sha(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}
