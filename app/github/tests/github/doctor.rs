//! The branch-protection doctor: reads protection and rulesets, reports, opens one issue
//! when the default branch is unprotected (not again once the caller recorded it), and never
//! writes a setting.

use redgreen_github::{IssueOutcome, doctor, open_issue_if_unprotected};
use serde_json::json;

use crate::support::{REPO, setup};

/// No request the doctor makes may write anything but the one issue.
fn writes(github: &redgreen_testkit::GitHubStandIn) -> Vec<String> {
    github
        .requests()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.ends_with("/access_tokens"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test]
async fn an_unprotected_branch_gets_one_issue_across_two_runs() {
    let s = setup().await;
    s.github.set_branch_protection(REPO, "main", None);
    let report = doctor(&s.repo).await.unwrap();
    let first = open_issue_if_unprotected(&s.repo, &report, None)
        .await
        .unwrap();
    let IssueOutcome::Opened(number) = first else {
        panic!("expected an issue, got {first:?}");
    };
    let issues = s.github.issues(REPO);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["number"], json!(number));
    assert_eq!(issues[0]["title"], json!(report.issue_title()));
    assert_eq!(issues[0]["body"], json!(report.issue_body()));

    // The second run is handed the number the first one recorded: no second issue, and no
    // issue listing either (the only write is the first issue).
    let report = doctor(&s.repo).await.unwrap();
    let second = open_issue_if_unprotected(&s.repo, &report, Some(number))
        .await
        .unwrap();
    assert_eq!(second, IssueOutcome::AlreadyOpened(number));
    assert_eq!(s.github.issues(REPO).len(), 1);
    assert_eq!(
        writes(&s.github),
        vec![format!("POST /repos/{REPO}/issues")]
    );
    s.github.assert_no_violations();
}

#[tokio::test]
async fn a_protected_branch_gets_no_issue() {
    let s = setup().await;
    let protection = s.github.example_branch_protection(REPO);
    s.github
        .set_branch_protection(REPO, "main", Some(protection));
    let report = doctor(&s.repo).await.unwrap();
    assert!(report.is_protected(), "{report:?}");
    for recorded in [None, Some(3)] {
        assert_eq!(
            open_issue_if_unprotected(&s.repo, &report, recorded)
                .await
                .unwrap(),
            IssueOutcome::Protected
        );
    }
    assert!(s.github.issues(REPO).is_empty());
    assert!(writes(&s.github).is_empty());
    s.github.assert_no_violations();
}

#[tokio::test]
async fn an_unprotected_branch_is_reported_with_the_settings_to_apply() {
    let s = setup().await;
    s.github.set_branch_protection(REPO, "main", None);
    let report = doctor(&s.repo).await.unwrap();
    assert!(!report.is_protected());
    assert!(!report.requires_pull_request);
    assert_eq!(report.branch, "main");
    let body = report.issue_body();
    assert!(
        body.contains("Require a pull request before merging"),
        "{body}"
    );
    assert!(body.contains("Required approvals: 1"), "{body}");
    assert!(
        body.contains("Do not allow bypassing the above settings"),
        "{body}"
    );
    assert!(writes(&s.github).is_empty());
    s.github.assert_no_violations();
}

#[tokio::test]
async fn githubs_example_protection_counts_as_protected() {
    let s = setup().await;
    let protection = s.github.example_branch_protection(REPO);
    s.github
        .set_branch_protection(REPO, "main", Some(protection));
    let report = doctor(&s.repo).await.unwrap();
    assert!(report.requires_pull_request, "{report:?}");
    assert!(report.required_approvals >= 1, "{report:?}");
    assert!(report.is_protected(), "{report:?}");
    assert!(writes(&s.github).is_empty());
    s.github.assert_no_violations();
}

#[tokio::test]
async fn admins_bypassing_and_zero_approvals_are_reported() {
    let s = setup().await;
    let mut protection = s.github.example_branch_protection(REPO);
    protection["enforce_admins"]["enabled"] = json!(false);
    s.github
        .set_branch_protection(REPO, "main", Some(protection.clone()));
    let report = doctor(&s.repo).await.unwrap();
    assert!(!report.is_protected());
    assert!(
        report.bypasses.iter().any(|b| b.contains("enforce_admins")),
        "{report:?}"
    );

    protection["enforce_admins"]["enabled"] = json!(true);
    protection["required_pull_request_reviews"]["required_approving_review_count"] = json!(0);
    s.github
        .set_branch_protection(REPO, "main", Some(protection));
    let report = doctor(&s.repo).await.unwrap();
    assert!(report.requires_pull_request);
    assert_eq!(report.required_approvals, 0);
    assert!(!report.is_protected());
    assert!(report.issue_body().contains("without anyone reviewing it"));
}

#[tokio::test]
async fn a_ruleset_pull_request_rule_counts_only_if_its_bypass_list_is_known() {
    let s = setup().await;
    s.github.set_branch_rules(
        REPO,
        "main",
        vec![json!({
            "type": "pull_request",
            "parameters": {
                "required_approving_review_count": 2,
                "dismiss_stale_reviews_on_push": true,
                "require_code_owner_review": false,
                "require_last_push_approval": false,
                "required_review_thread_resolution": false
            },
            "ruleset_source_type": "Repository",
            "ruleset_source": REPO,
            "ruleset_id": 42
        })],
    );
    let report = doctor(&s.repo).await.unwrap();
    assert!(report.requires_pull_request, "{report:?}");
    assert_eq!(report.required_approvals, 2);
    // The stand-in does not serve `GET .../rulesets/{id}` (not in the OpenAPI subset), so the
    // bypass list is unknown and the branch is not counted as protected.
    assert!(!report.is_protected(), "{report:?}");
    assert!(
        report.bypasses.iter().any(|b| b.contains("Ruleset 42")),
        "{report:?}"
    );
    let violations = s.github.take_violations();
    assert!(
        violations.iter().all(|v| v.contains("rulesets/42")),
        "{violations:?}"
    );
}
