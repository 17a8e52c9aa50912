//! The outbound rule: no merge, no ref or contents write outside `redgreen/`, no settings
//! writes, no GraphQL, reads allowed, writes only on redgreen's list.

use proptest::prelude::*;
use redgreen_core::outbound::{RefusalReason, check};
use redgreen_core::refs::RefRefused;
use serde_json::json;

fn reason(method: &str, path: &str, body: Option<serde_json::Value>) -> RefusalReason {
    check(method, path, body.as_ref())
        .expect_err("the request should have been refused")
        .reason
}

#[test]
fn refuses_the_merge_endpoint_however_it_is_spelled() {
    for path in [
        "/repos/o/r/pulls/3/merge",
        "/api/v3/repos/o/r/pulls/3/merge",
        "/repos/o/r/pulls/3/merge?merge_method=squash",
        "/repos/o/r/pulls/3/MERGE",
        "/REPOS/o/r/Pulls/3/merge",
        "//repos//o/r/pulls/3//merge/",
        "/repos/o/r/pulls/3/%6derge",
        "/repos/o/r/pulls/3/merge/extra",
    ] {
        assert_eq!(
            reason("PUT", path, Some(json!({"merge_method": "squash"}))),
            RefusalReason::MergePullRequest,
            "{path}"
        );
    }
    // Any writing method, not only PUT.
    assert_eq!(
        reason("post", "/repos/o/r/pulls/3/merge", None),
        RefusalReason::MergePullRequest
    );
}

#[test]
fn refuses_merges_by_other_names() {
    assert_eq!(
        reason(
            "POST",
            "/repos/o/r/merges",
            Some(json!({"base": "main", "head": "x"}))
        ),
        RefusalReason::MergeBranches
    );
    assert_eq!(
        reason(
            "POST",
            "/repos/o/r/merge-upstream",
            Some(json!({"branch": "main"}))
        ),
        RefusalReason::MergeBranches
    );
    assert_eq!(
        reason("PUT", "/repos/o/r/pulls/3/update-branch", None),
        RefusalReason::UpdateBranch
    );
}

#[test]
fn refuses_graphql_entirely() {
    let enable_auto_merge =
        json!({"query": "mutation { enablePullRequestAutoMerge(input: {}) { clientMutationId } }"});
    for path in ["/graphql", "/api/graphql", "/graphql?x=1"] {
        assert_eq!(
            reason("POST", path, Some(enable_auto_merge.clone())),
            RefusalReason::GraphQl
        );
        assert_eq!(reason("GET", path, None), RefusalReason::GraphQl);
    }
    // A repository that happens to be named graphql is not the GraphQL endpoint.
    assert!(check("GET", "/repos/graphql/graphql", None).is_ok());
    assert!(
        check(
            "POST",
            "/repos/graphql/graphql/issues",
            Some(&json!({"title": "t"}))
        )
        .is_ok()
    );
}

#[test]
fn ref_creation_is_allowed_only_under_redgreen() {
    let create = |name: &str| {
        check(
            "POST",
            "/repos/o/r/git/refs",
            Some(&json!({"ref": name, "sha": "0123456789abcdef0123456789abcdef01234567"})),
        )
    };
    assert!(create("refs/heads/redgreen/12-fix").is_ok());
    for name in [
        "refs/heads/main",
        "refs/tags/v1",
        "refs/heads/redgreen/../main",
    ] {
        assert!(
            matches!(
                create(name).unwrap_err().reason,
                RefusalReason::RefOutsideNamespace(_)
            ),
            "{name}"
        );
    }
    assert_eq!(
        reason("POST", "/repos/o/r/git/refs", Some(json!({"sha": "abc"}))),
        RefusalReason::RefNotNamed
    );
    assert_eq!(
        reason("POST", "/repos/o/r/git/refs", Some(json!({"ref": 7}))),
        RefusalReason::RefNotNamed
    );
    assert_eq!(
        reason("POST", "/repos/o/r/git/refs", None),
        RefusalReason::RefNotNamed
    );
}

#[test]
fn ref_updates_and_deletes_are_allowed_only_under_redgreen() {
    let body = json!({"sha": "0123456789abcdef0123456789abcdef01234567", "force": false});
    assert!(
        check(
            "PATCH",
            "/repos/o/r/git/refs/heads/redgreen/12-fix",
            Some(&body)
        )
        .is_ok()
    );
    assert!(
        check(
            "DELETE",
            "/api/v3/repos/o/r/git/refs/heads/redgreen/12-fix",
            None
        )
        .is_ok()
    );
    assert!(
        check(
            "PATCH",
            "/repos/o/r/git/refs/heads%2Fredgreen%2F12-fix",
            Some(&body)
        )
        .is_ok()
    );
    for path in [
        "/repos/o/r/git/refs/heads/main",
        "/repos/o/r/git/refs/heads%2Fmain",
        "/repos/o/r/git/refs/tags/v1",
        "/repos/o/r/git/refs/heads/redgreen",
    ] {
        assert!(
            matches!(
                reason("PATCH", path, Some(body.clone())),
                RefusalReason::RefOutsideNamespace(_)
            ),
            "{path}"
        );
        assert!(
            matches!(
                reason("DELETE", path, None),
                RefusalReason::RefOutsideNamespace(_)
            ),
            "{path}"
        );
    }
    // Dot segments could be resolved by a server to another ref.
    assert!(matches!(
        reason(
            "PATCH",
            "/repos/o/r/git/refs/heads/redgreen/../main",
            Some(body)
        ),
        RefusalReason::AmbiguousPath(_)
    ));
}

#[test]
fn contents_writes_need_a_redgreen_branch() {
    let path = "/repos/o/r/contents/src/lib.rs";
    let body = |branch: Option<&str>| {
        let mut b = json!({"message": "m", "content": "aGk="});
        if let Some(branch) = branch {
            b["branch"] = json!(branch);
        }
        b
    };
    assert!(check("PUT", path, Some(&body(Some("redgreen/3-fix")))).is_ok());
    assert!(check("DELETE", path, Some(&body(Some("redgreen/3-fix")))).is_ok());
    assert_eq!(
        reason("PUT", path, Some(body(None))),
        RefusalReason::ContentsOutsideNamespace { branch: None }
    );
    assert_eq!(
        reason("PUT", path, Some(body(Some("main")))),
        RefusalReason::ContentsOutsideNamespace {
            branch: Some("main".into())
        }
    );
    assert_eq!(
        reason("DELETE", path, None),
        RefusalReason::ContentsOutsideNamespace { branch: None }
    );
    assert!(check("GET", path, None).is_ok());
}

#[test]
fn refuses_settings_protection_and_rulesets() {
    let cases = [
        ("PATCH", "/repos/o/r", RefusalReason::RepositorySettings),
        ("DELETE", "/repos/o/r", RefusalReason::RepositorySettings),
        (
            "PATCH",
            "/api/v3/repos/o/r/",
            RefusalReason::RepositorySettings,
        ),
        (
            "PUT",
            "/repos/o/r/branches/main/protection",
            RefusalReason::BranchSettings,
        ),
        (
            "DELETE",
            "/repos/o/r/branches/main/protection",
            RefusalReason::BranchSettings,
        ),
        (
            "POST",
            "/repos/o/r/branches/main/protection/enforce_admins",
            RefusalReason::BranchSettings,
        ),
        (
            "POST",
            "/repos/o/r/branches/main/rename",
            RefusalReason::BranchSettings,
        ),
        ("POST", "/repos/o/r/rulesets", RefusalReason::Rulesets),
        ("PUT", "/repos/o/r/rulesets/7", RefusalReason::Rulesets),
        ("DELETE", "/repos/o/r/rulesets/7", RefusalReason::Rulesets),
        ("POST", "/orgs/o/rulesets", RefusalReason::UnlistedWrite),
        (
            "PUT",
            "/repos/o/r/collaborators/mallory",
            RefusalReason::UnlistedWrite,
        ),
        ("POST", "/repos/o/r/keys", RefusalReason::UnlistedWrite),
        (
            "POST",
            "/repos/o/r/pulls/3/reviews",
            RefusalReason::UnlistedWrite,
        ),
    ];
    for (method, path, expected) in cases {
        assert_eq!(
            reason(method, path, Some(json!({}))),
            expected,
            "{method} {path}"
        );
    }
}

#[test]
fn allows_the_writes_redgreen_makes() {
    let body = json!({});
    for (method, path) in [
        ("POST", "/app/installations/42/access_tokens"),
        ("POST", "/api/v3/app/installations/42/access_tokens"),
        ("POST", "/repos/o/r/issues"),
        ("POST", "/repos/o/r/issues/3/comments"),
        ("PATCH", "/repos/o/r/issues/comments/99"),
        ("POST", "/repos/o/r/issues/comments/99/reactions"),
        ("POST", "/repos/o/r/issues/3/reactions"),
        ("POST", "/repos/o/r/pulls"),
        ("PATCH", "/repos/o/r/pulls/3"),
        ("POST", "/repos/o/r/pulls/3/comments"),
        ("POST", "/repos/o/r/pulls/comments/5/reactions"),
        ("POST", "/repos/o/r/check-runs"),
        ("PATCH", "/repos/o/r/check-runs/17"),
        ("POST", "/repos/o/r/git/commits"),
    ] {
        assert!(check(method, path, Some(&body)).is_ok(), "{method} {path}");
    }
}

#[test]
fn the_refusal_names_the_request_but_not_the_query() {
    let err = check("PUT", "/repos/o/r/pulls/3/merge?token=secret", None).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("PUT /repos/o/r/pulls/3/merge"), "{text}");
    assert!(!text.contains("secret"), "{text}");
    assert!(matches!(
        check(
            "POST",
            "/repos/o/r/git/refs",
            Some(&json!({"ref": "refs/heads/main"}))
        )
        .unwrap_err()
        .reason,
        RefusalReason::RefOutsideNamespace(RefRefused::OutsideNamespace { .. })
    ));
}

fn segment() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,12}".prop_filter("not a dot segment", |s| s != "." && s != "..")
}

fn writing_method() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "POST", "PUT", "PATCH", "DELETE", "post", "Put", "OPTIONS",
    ])
    .prop_map(str::to_owned)
}

fn base_prefix() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "/api/v3", "/github/api/v3", "//"]).prop_map(str::to_owned)
}

/// Spells `word` with random letter case and random percent-escaped letters.
fn disguised(word: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec((any::<bool>(), any::<bool>()), word.len()).prop_map(move |flags| {
        word.chars()
            .zip(flags)
            .map(|(c, (upper, escape))| {
                let c = if upper { c.to_ascii_uppercase() } else { c };
                if escape {
                    format!("%{:02X}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn every_spelling_of_the_merge_endpoint_is_refused(
        method in writing_method(),
        prefix in base_prefix(),
        owner in segment(),
        repo in segment(),
        number in 1u32..100_000,
        pulls in disguised("pulls"),
        merge in disguised("merge"),
    ) {
        let path = format!("{prefix}/repos/{owner}/{repo}/{pulls}/{number}/{merge}");
        prop_assert_eq!(
            check(&method, &path, None).unwrap_err().reason,
            RefusalReason::MergePullRequest
        );
    }

    #[test]
    fn creating_a_ref_outside_redgreen_is_refused(
        prefix in base_prefix(),
        name in "[a-zA-Z0-9/._-]{0,30}",
    ) {
        prop_assume!(!name.starts_with("refs/heads/redgreen/"));
        let body = serde_json::json!({"ref": name, "sha": "0123456789abcdef0123456789abcdef01234567"});
        let path = format!("{prefix}/repos/o/r/git/refs");
        let refused = check("POST", &path, Some(&body));
        prop_assert!(matches!(refused.unwrap_err().reason, RefusalReason::RefOutsideNamespace(_)));
    }

    #[test]
    fn moving_a_branch_outside_redgreen_is_refused(
        method in prop::sample::select(vec!["PATCH", "DELETE"]),
        branch in "[a-zA-Z0-9_-]{1,12}(/[a-zA-Z0-9_-]{1,12}){0,2}",
    ) {
        prop_assume!(!branch.starts_with("redgreen/"));
        let path = format!("/repos/o/r/git/refs/heads/{branch}");
        let refused = check(method, &path, Some(&serde_json::json!({"sha": "abc"})));
        prop_assert!(matches!(refused.unwrap_err().reason, RefusalReason::RefOutsideNamespace(_)));
    }

    #[test]
    fn redgreen_branches_can_be_created_and_moved(
        prefix in base_prefix(),
        rest in "[a-z0-9][a-z0-9-]{0,20}",
    ) {
        let name = format!("refs/heads/redgreen/{rest}");
        let body = serde_json::json!({"ref": name, "sha": "0123456789abcdef0123456789abcdef01234567"});
        let create_path = format!("{prefix}/repos/o/r/git/refs");
        let created = check("POST", &create_path, Some(&body));
        prop_assert!(created.is_ok(), "{:?}", created);
        let path = format!("{prefix}/repos/o/r/git/refs/heads/redgreen/{rest}");
        let moved = check("PATCH", &path, Some(&serde_json::json!({"sha": "abc"})));
        prop_assert!(moved.is_ok(), "{:?}", moved);
    }

    #[test]
    fn reads_below_a_repository_are_allowed(
        method in prop::sample::select(vec!["GET", "HEAD", "get"]),
        prefix in base_prefix(),
        segments in prop::collection::vec(segment(), 0..6),
    ) {
        let path = format!("{prefix}/repos/o/r/{}", segments.join("/"));
        prop_assert!(check(method, &path, None).is_ok(), "{}", path);
    }

    #[test]
    fn unlisted_writes_below_a_repository_are_refused(
        method in writing_method(),
        first in "[a-z]{3,10}",
        more in prop::collection::vec(segment(), 0..3),
    ) {
        let listed = ["issues", "pulls", "statuses", "contents", "git"];
        prop_assume!(!listed.contains(&first.as_str()));
        let path = format!("/repos/o/r/{first}/{}", more.join("/"));
        prop_assert!(check(&method, &path, Some(&serde_json::json!({}))).is_err(), "{}", path);
    }
}
