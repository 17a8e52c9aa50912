//! App-level operations (JWT-authenticated): the App itself, its installations and their
//! access tokens; and the rate-limit overview.

use std::time::SystemTime;

use serde_json::json;

use super::{Call, Reply};
use crate::auth::{new_installation_token, unix_now};
use crate::resources;
use crate::world::{IssuedToken, World};

pub(super) fn get_app(world: &World) -> Reply {
    Reply::ok(resources::app(world))
}

pub(super) fn get_installation(world: &World, call: &Call<'_>) -> Reply {
    match world.installations.get(&call.id("installation_id")) {
        Some(installation) => Reply::ok(resources::installation(world, installation)),
        None => Reply::not_found(),
    }
}

pub(super) fn get_repo_installation(world: &World, call: &Call<'_>) -> Reply {
    let installation = world
        .repository(&call.full_name())
        .and_then(|repository| world.installations.get(&repository.installation));
    match installation {
        Some(installation) => Reply::ok(resources::installation(world, installation)),
        None => Reply::not_found(),
    }
}

pub(super) fn create_token(world: &mut World, call: &Call<'_>) -> Reply {
    let installation = call.id("installation_id");
    if !world.installations.contains_key(&installation) {
        return Reply::not_found();
    }
    let token = new_installation_token();
    let expires_at = SystemTime::now() + world.token_lifetime;
    world.tokens.insert(
        token.clone(),
        IssuedToken {
            installation,
            expires_at,
            revoked: false,
        },
    );
    Reply::created(resources::installation_token(&token, expires_at))
}

pub(super) fn rate_limit(world: &World) -> Reply {
    let mut overview = resources::example(world, "rate-limit-overview", None);
    let reset = unix_now() + 3600;
    overview["rate"] = json!({ "limit": 5000, "used": 1, "remaining": 4999, "reset": reset });
    if let Some(core) = overview.pointer_mut("/resources/core") {
        *core = json!({ "limit": 5000, "used": 1, "remaining": 4999, "reset": reset });
    }
    Reply::ok(overview)
}
