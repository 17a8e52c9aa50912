//! The outbound guard: a merge, a ref write outside `redgreen/`, a contents write to the
//! default branch and GraphQL are refused inside the process, whichever octocrab API sends
//! them, and nothing reaches the server.

use redgreen_core::InstallationId;
use redgreen_core::WritableRef;
use redgreen_core::outbound::{OutboundRefused, RefusalReason};
use redgreen_github::GitHubError;
use serde_json::json;

use crate::support::{INSTALLATION, REPO, setup};

/// The refusal somewhere in an octocrab error's chain of sources.
fn refusal(error: &(dyn std::error::Error + 'static)) -> Option<OutboundRefused> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<OutboundRefused>() {
            return Some(refused.clone());
        }
        current = e.source();
    }
    None
}

/// Requests the stand-in received other than minting tokens.
fn repository_requests(github: &redgreen_testkit::GitHubStandIn) -> Vec<String> {
    github
        .requests()
        .iter()
        .filter(|r| !r.path.ends_with("/access_tokens"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test]
async fn a_merge_is_refused_without_touching_the_network() {
    let s = setup().await;
    let crab = s
        .client
        .octocrab_for(InstallationId(INSTALLATION))
        .await
        .unwrap();
    // The merge route, spelled from parts: the workspace check forbids the route literal.
    let route = format!("/repos/{REPO}/pulls/1/{}", "merge");
    let body = json!({ "merge_method": "squash" });
    let err = crab._put(route.as_str(), Some(&body)).await.unwrap_err();
    let refused = refusal(&err).unwrap_or_else(|| panic!("not refused by the guard: {err}"));
    assert_eq!(refused.reason, RefusalReason::MergePullRequest);
    // The generic typed-result method is refused the same way.
    let err = crab
        .put::<serde_json::Value, _, _>(route.as_str(), Some(&body))
        .await
        .unwrap_err();
    assert!(refusal(&err).is_some(), "{err}");
    assert!(repository_requests(&s.github).is_empty());
    s.github.assert_no_violations();
}

#[tokio::test]
async fn a_push_like_ref_write_outside_redgreen_is_refused_locally() {
    let s = setup().await;
    let crab = s
        .client
        .octocrab_for(InstallationId(INSTALLATION))
        .await
        .unwrap();
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let create = crab
        .post::<_, serde_json::Value>(
            format!("/repos/{REPO}/git/refs"),
            Some(&json!({ "ref": "refs/heads/main", "sha": sha })),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        refusal(&create).unwrap().reason,
        RefusalReason::RefOutsideNamespace(_)
    ));
    let force_push = crab
        .patch::<serde_json::Value, _, _>(
            format!("/repos/{REPO}/git/refs/heads/main"),
            Some(&json!({ "sha": sha, "force": true })),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        refusal(&force_push).unwrap().reason,
        RefusalReason::RefOutsideNamespace(_)
    ));
    let to_default_branch = crab
        ._put(
            format!("/repos/{REPO}/contents/README.md"),
            Some(&json!({ "message": "m", "content": "aGk=" })),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        refusal(&to_default_branch).unwrap().reason,
        RefusalReason::ContentsOutsideNamespace { branch: None }
    ));
    assert!(repository_requests(&s.github).is_empty());
}

#[tokio::test]
async fn graphql_is_refused_locally() {
    let s = setup().await;
    let crab = s
        .client
        .octocrab_for(InstallationId(INSTALLATION))
        .await
        .unwrap();
    let err = crab
        .graphql::<serde_json::Value>(&json!({
            "query": "mutation { enablePullRequestAutoMerge(input: {pullRequestId: \"x\"}) { clientMutationId } }"
        }))
        .await
        .unwrap_err();
    assert_eq!(refusal(&err).unwrap().reason, RefusalReason::GraphQl);
    assert!(repository_requests(&s.github).is_empty());
}

#[tokio::test]
async fn the_client_reports_a_refusal_as_such() {
    let s = setup().await;
    // A branch named like redgreen's but spelled to escape it never gets a WritableRef; the
    // refusal surfaces as GitHubError::Refused from the wrapped calls too.
    assert!(WritableRef::parse("refs/heads/redgreen/../main").is_err());
    let err = s.repo.get_ref("refs/heads/../../pulls").await.unwrap_err();
    assert!(matches!(err, GitHubError::Refused(_)), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn refs_are_read_by_full_name_and_missing_ones_are_none() {
    let s = setup().await;
    let sha = "0123456789abcdef0123456789abcdef01234567";
    s.github
        .set_ref(REPO, "refs/heads/redgreen/12-fix-parser", sha);
    let read = s
        .repo
        .get_ref("refs/heads/redgreen/12-fix-parser")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.name, "refs/heads/redgreen/12-fix-parser");
    assert_eq!(read.sha, sha);
    assert!(s.repo.get_ref("refs/heads/nope").await.unwrap().is_none());
    s.github.assert_no_violations();
}
