//! Integration tests of redgreen-git over real HTTP and real git: the testkit's smart-HTTP
//! remote (`git http-backend` behind axum) with token auth and a namespace hook.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "git/fixture.rs"]
mod fixture;

#[path = "git/checkout.rs"]
mod checkout;
#[path = "git/clone_url.rs"]
mod clone_url;
#[path = "git/commit.rs"]
mod commit;
#[path = "git/push.rs"]
mod push;
#[path = "git/push_guard.rs"]
mod push_guard;
#[path = "git/secrets.rs"]
mod secrets;
#[path = "git/test_remote.rs"]
mod test_remote;
#[path = "git/unified_diff.rs"]
mod unified_diff;
#[path = "git/work_tree.rs"]
mod work_tree;
