//! The REST calls against the stand-in, each held to GitHub's contract: issues and the
//! progress comment edited in place, reactions, pull requests, thread replies, check runs
//! with batched annotations, contents, refs, and the cached permission lookup.

use octocrab::models::reactions::ReactionContent;
use octocrab::params;
use redgreen_core::WritableRef;
use redgreen_github::GitHubError;
use redgreen_github::rest::checks::{
    Annotation, AnnotationLevel, CheckAction, CheckConclusion, CheckOutput, CheckRunUpdate,
    CheckStatus, NewCheckRun,
};
use redgreen_github::rest::pulls::NewPullRequest;
use redgreen_testkit::PullSpec;

use crate::support::{REPO, count, setup};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

#[tokio::test]
async fn the_progress_comment_is_created_once_and_edited_in_place() {
    let s = setup().await;
    s.github
        .add_issue(REPO, 3, "Parser crashes", "on empty input", "alice");
    let issue = s.repo.get_issue(3).await.unwrap();
    assert_eq!(issue.title, "Parser crashes");
    let comment = s.repo.create_issue_comment(3, "Planning…").await.unwrap();
    let edited = s
        .repo
        .edit_issue_comment(comment.id.0, "Red: 1 failing test")
        .await
        .unwrap();
    assert_eq!(edited.id, comment.id);
    let comments = s.github.issue_comments(REPO, 3);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0]["body"], "Red: 1 failing test");
    s.github.assert_no_violations();
}

#[tokio::test]
async fn reactions_acknowledge_comments_and_issues() {
    let s = setup().await;
    s.github.add_issue(REPO, 3, "t", "b", "alice");
    let comment = s
        .github
        .add_issue_comment(REPO, 3, "@redgreen plan", "alice");
    let reaction = s
        .repo
        .react_to_issue_comment(u64::try_from(comment).unwrap(), ReactionContent::Eyes)
        .await
        .unwrap();
    assert_eq!(reaction.content, ReactionContent::Eyes);
    s.repo
        .react_to_issue(3, ReactionContent::Eyes)
        .await
        .unwrap();
    let pull = s.github.add_pull(
        REPO,
        &PullSpec {
            title: "p",
            body: "b",
            head: "feature",
            base: "main",
            author: "alice",
        },
    );
    let review =
        s.github
            .add_review_comment(REPO, pull, "@redgreen rename it", "alice", "src/lib.rs", 3);
    s.repo
        .react_to_review_comment(u64::try_from(review).unwrap(), ReactionContent::Eyes)
        .await
        .unwrap();
    let reactions = s.github.reactions();
    assert_eq!(reactions.len(), 3, "{reactions:?}");
    let kinds: Vec<_> = reactions
        .iter()
        .map(|r| r["subject"]["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.contains(&"issue_comment".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"issue".to_owned()), "{kinds:?}");
    assert!(
        kinds.contains(&"pull_request_review_comment".to_owned()),
        "{kinds:?}"
    );
    s.github.assert_no_violations();
}

#[tokio::test]
async fn a_review_thread_reply_uses_in_reply_to() {
    let s = setup().await;
    let pull = s.github.add_pull(
        REPO,
        &PullSpec {
            title: "p",
            body: "b",
            head: "redgreen/3-fix",
            base: "main",
            author: "redgreen[bot]",
        },
    );
    let review = s.github.add_review_comment(
        REPO,
        pull,
        "@redgreen use a match",
        "alice",
        "src/lib.rs",
        3,
    );
    s.repo
        .reply_to_review_comment(pull, u64::try_from(review).unwrap(), "Done in abc1234.")
        .await
        .unwrap();
    let comments = s.github.review_comments(REPO, pull);
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[1]["in_reply_to_id"], serde_json::json!(review));
    assert_eq!(comments[1]["body"], "Done in abc1234.");
    // The /replies endpoint (not usable by Apps) was not used.
    assert_eq!(count(&s.github, "POST", "/replies"), 0);
    s.github.assert_no_violations();
}

#[tokio::test]
async fn pull_requests_are_opened_from_redgreen_branches_and_listed() {
    let s = setup().await;
    s.github.set_ref(REPO, "refs/heads/main", SHA);
    s.github
        .set_ref(REPO, "refs/heads/redgreen/3-fix-parser", SHA);
    let head = WritableRef::from_branch("redgreen/3-fix-parser").unwrap();
    let pull = s
        .repo
        .create_pull(&NewPullRequest {
            title: "Fix parser on empty input",
            head: &head,
            base: "main",
            body: "Fixes #3",
            draft: false,
        })
        .await
        .unwrap();
    let number = pull.number;
    let fetched = s.repo.get_pull(number).await.unwrap();
    assert_eq!(fetched.head.ref_field, "redgreen/3-fix-parser");
    assert_eq!(fetched.body.as_deref(), Some("Fixes #3"));
    let open = s
        .repo
        .list_pulls(params::State::Open, Some("octo:redgreen/3-fix-parser"))
        .await
        .unwrap();
    assert_eq!(
        open.iter().map(|p| p.number).collect::<Vec<_>>(),
        vec![number]
    );
    assert_eq!(s.github.pulls(REPO).len(), 1);
    s.github.assert_no_violations();
}

fn annotations(n: u32) -> Vec<Annotation> {
    (1..=n)
        .map(|line| Annotation {
            path: "tests/test_parser.py".into(),
            start_line: line,
            end_line: line,
            start_column: None,
            end_column: None,
            annotation_level: AnnotationLevel::Failure,
            message: format!("assertion {line} failed"),
            title: None,
            raw_details: None,
        })
        .collect()
}

#[tokio::test]
async fn annotations_beyond_fifty_are_sent_in_batches() {
    let s = setup().await;
    let run = s
        .repo
        .create_check_run(&NewCheckRun {
            name: "redgreen/tdd".into(),
            head_sha: SHA.into(),
            status: Some(CheckStatus::Completed),
            conclusion: Some(CheckConclusion::Failure),
            details_url: None,
            external_id: Some("run-1".into()),
            started_at: None,
            completed_at: Some(chrono::Utc::now()),
            output: Some(CheckOutput {
                title: "3 tests failing".into(),
                summary: "red on base".into(),
                text: None,
                annotations: annotations(120),
            }),
            actions: vec![CheckAction {
                label: "Fix with redgreen".into(),
                description: "Start a fix task for this check".into(),
                identifier: "fix".into(),
            }],
        })
        .await
        .unwrap();
    assert_eq!(run.name, "redgreen/tdd");
    let sent: Vec<usize> = s
        .github
        .requests()
        .iter()
        .filter(|r| r.path.contains("/check-runs"))
        .map(|r| {
            r.body.as_ref().unwrap()["output"]["annotations"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(sent, vec![50, 50, 20], "one create, then two updates");
    let stored = &s.github.check_runs(REPO)[0];
    assert_eq!(stored["annotations"].as_array().unwrap().len(), 120);
    s.github.assert_no_violations();
}

#[tokio::test]
async fn an_update_batches_too_and_more_than_three_buttons_are_refused() {
    let s = setup().await;
    let run = s
        .repo
        .create_check_run(&NewCheckRun {
            name: "redgreen/test".into(),
            head_sha: SHA.into(),
            status: Some(CheckStatus::InProgress),
            conclusion: None,
            details_url: None,
            external_id: None,
            started_at: None,
            completed_at: None,
            output: None,
            actions: Vec::new(),
        })
        .await
        .unwrap();
    let update = CheckRunUpdate {
        status: Some(CheckStatus::Completed),
        conclusion: Some(CheckConclusion::Success),
        completed_at: Some(chrono::Utc::now()),
        output: Some(CheckOutput {
            title: "green".into(),
            summary: "all pass".into(),
            text: Some("details".into()),
            annotations: annotations(51),
        }),
        ..CheckRunUpdate::default()
    };
    s.repo.update_check_run(run.id, &update).await.unwrap();
    assert_eq!(
        count(&s.github, "PATCH", &format!("/check-runs/{}", run.id)),
        2
    );

    let before = s.github.requests().len();
    let button = |i: u32| CheckAction {
        label: format!("Button {i}"),
        description: "d".into(),
        identifier: format!("b{i}"),
    };
    let too_many = CheckRunUpdate {
        actions: (1..=4).map(button).collect(),
        ..CheckRunUpdate::default()
    };
    let err = s
        .repo
        .update_check_run(run.id, &too_many)
        .await
        .unwrap_err();
    assert!(matches!(err, GitHubError::InvalidRequest(_)), "{err:?}");
    assert_eq!(s.github.requests().len(), before, "nothing was sent");
    s.github.assert_no_violations();
}

#[tokio::test]
async fn permission_lookups_are_cached() {
    let s = setup().await;
    s.github.set_permission(REPO, "alice", "write");
    s.github.set_permission(REPO, "bob", "read");
    let first = s.repo.collaborator_permission("alice").await.unwrap();
    let second = s.repo.collaborator_permission("Alice").await.unwrap();
    assert_eq!(first.permission, "write");
    assert_eq!(first, second);
    let bob = s.repo.collaborator_permission("bob").await.unwrap();
    assert_eq!(bob.permission, "read");
    assert_eq!(
        count(&s.github, "GET", "/collaborators/alice/permission"),
        1
    );
    assert_eq!(count(&s.github, "GET", "/collaborators/bob/permission"), 1);
    s.github.assert_no_violations();
}

#[tokio::test]
async fn permission_answers_expire() {
    let github = redgreen_testkit::GitHubStandIn::start().await;
    github.add_installation(crate::support::INSTALLATION, "octo");
    github.add_repository(crate::support::INSTALLATION, REPO, "main", None);
    github.set_permission(REPO, "alice", "write");
    let mut config = crate::support::config_for(&github);
    config.permission_cache_ttl = std::time::Duration::ZERO;
    let client = redgreen_github::GitHubClient::new(config).unwrap();
    let repo = client.repo(
        redgreen_core::InstallationId(crate::support::INSTALLATION),
        redgreen_github::RepoName::parse(REPO).unwrap(),
    );
    repo.collaborator_permission("alice").await.unwrap();
    repo.collaborator_permission("alice").await.unwrap();
    assert_eq!(count(&github, "GET", "/collaborators/alice/permission"), 2);
}

#[tokio::test]
async fn files_are_read_at_a_ref() {
    let s = setup().await;
    s.github.add_file(
        REPO,
        "main",
        ".github/redgreen.yml",
        "test: \"cargo test\"\n",
    );
    let file = s
        .repo
        .get_file(".github/redgreen.yml", "main")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(file.text, "test: \"cargo test\"\n");
    assert_eq!(file.path, ".github/redgreen.yml");
    assert!(
        s.repo
            .get_file("missing.yml", "main")
            .await
            .unwrap()
            .is_none()
    );
    s.github.assert_no_violations();
}

#[tokio::test]
async fn the_repository_and_its_installation_are_read() {
    let s = setup().await;
    let repository = s.repo.get().await.unwrap();
    assert_eq!(repository.default_branch.as_deref(), Some("main"));
    let installation = s
        .client
        .repository_installation(s.repo.repo())
        .await
        .unwrap();
    assert_eq!(
        installation.id.0,
        u64::try_from(crate::support::INSTALLATION).unwrap()
    );
    let issue = s.repo.create_issue("t", "b", &[]).await.unwrap();
    assert_eq!(s.github.issues(REPO).len(), 1);
    assert_eq!(issue.title, "t");
    s.github.assert_no_violations();
}
