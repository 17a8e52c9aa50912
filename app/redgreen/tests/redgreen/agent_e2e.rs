//! The agent loop through `redgreen serve`, end to end: a mention on an issue, the GitHub
//! stand-in as GitHub, a real git remote over smart HTTP, the scripted model server, and the
//! real sandbox. The run must push a branch with the failing test and the fix, open exactly
//! one pull request carrying the evidence, and complete the `redgreen/tdd` check.

use std::time::Duration;

use redgreen_testkit::calculator::{CALC, CONFIG, EXISTING_TEST, script_happy_path};
use redgreen_testkit::git_remote::GitRemote;
use redgreen_testkit::payloads::{PayloadParams, issue_comment_created};
use redgreen_testkit::{GitHubStandIn, ModelServer};

use super::support::{SERVE_API_TOKEN, SERVE_WEBHOOK_SECRET, ServeProcess, eventually};

const INSTALLATION: i64 = 4242;
const REPO: &str = "Codertocat/Hello-World";
const WRITER: &str = "Codertocat";
const ISSUE: u64 = 1;
const PATIENCE: Duration = Duration::from_secs(120);

#[tokio::test]
async fn a_fix_mention_opens_one_pull_request_with_the_evidence_and_a_tdd_check() {
    let github = GitHubStandIn::start().await;
    github.add_installation(INSTALLATION, "Codertocat");
    let remote = GitRemote::start(github.token_check()).unwrap();
    let (clone_url, base) = remote.create_repo(
        REPO,
        &[
            ("calc.py", CALC),
            ("tests/__init__.py", ""),
            ("tests/test_mul.py", EXISTING_TEST),
            (".github/redgreen.yml", CONFIG),
            (".gitignore", "__pycache__/\n"),
        ],
    );
    let repo_id = github.add_repository(INSTALLATION, REPO, "main", Some(clone_url));
    github.set_ref(REPO, "refs/heads/main", &base);
    github.set_permission(REPO, WRITER, "write");
    github.add_issue(REPO, ISSUE, "add() is wrong", "add(2, 3) gives -1.", WRITER);
    let model = ModelServer::start().await;
    script_happy_path(&model);
    let serve = ServeProcess::start_with_env(
        &github,
        &[
            ("REDGREEN_LLM_BASE_URL", model.base_url_openai()),
            ("REDGREEN_LLM_MODEL", "scripted-model".to_owned()),
        ],
    )
    .await;

    let body = "@redgreen fix";
    let comment = github.add_issue_comment(REPO, ISSUE, body, WRITER);
    let payload = issue_comment_created(&PayloadParams {
        installation: INSTALLATION,
        repo_full_name: REPO.into(),
        repo_id,
        issue: ISSUE,
        comment_id: comment,
        comment_body: body.into(),
        author_login: WRITER.into(),
        author_type: "User".into(),
        ..PayloadParams::default()
    });
    let (status, answer) = serve
        .webhooks()
        .send(
            "issue_comment",
            "agent-e2e-1",
            serde_json::to_vec(&payload).unwrap(),
        )
        .await;
    assert_eq!(status, 202, "{answer}");

    let check = eventually(PATIENCE, "the redgreen/tdd check run", || async {
        github
            .check_runs(REPO)
            .into_iter()
            .find(|run| run["name"] == "redgreen/tdd")
    })
    .await;
    let logs = serve.stop().await;
    let pulls = github.pulls(REPO);
    assert_eq!(
        pulls.len(),
        1,
        "exactly one pull request: {pulls:?}\n{logs}"
    );
    let pull = &pulls[0];
    let branch = pull["head"]["ref"].as_str().unwrap();
    assert!(branch.starts_with("redgreen/1-add"), "{branch}");
    let pushed = remote
        .ref_target(REPO, &format!("refs/heads/{branch}"))
        .expect("the branch was pushed to the remote");
    assert_eq!(check["head_sha"], pushed.as_str(), "{check}");
    assert_eq!(check["conclusion"], "success", "{check}");
    let pr_body = pull["body"].as_str().unwrap();
    for needle in [
        "Fixes #1",
        "## Red",
        "## Green",
        "test_add_adds",
        "<!-- redgreen:evidence -->",
    ] {
        assert!(
            pr_body.contains(needle),
            "PR body lacks {needle}:\n{pr_body}"
        );
    }
    // Nothing secret reached the model; GitHub saw only requests within its contract.
    for request in model.requests() {
        for secret in [
            SERVE_WEBHOOK_SECRET,
            SERVE_API_TOKEN,
            github.app_private_key_pem(),
        ] {
            assert!(
                !request.raw_body.contains(secret),
                "a secret reached the model"
            );
        }
        assert!(
            !request.raw_body.contains("ghs_"),
            "an installation token reached the model"
        );
    }
    github.assert_no_violations();
}
