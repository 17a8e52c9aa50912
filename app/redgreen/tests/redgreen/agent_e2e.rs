//! The agent loop through `redgreen serve`, end to end: mentions on an issue and on a pull
//! request, the GitHub stand-in as GitHub, a real git remote over smart HTTP, the scripted
//! model server, and the real sandbox.
//!
//! - A fix pushes a branch with the failing test and the fix, opens exactly one pull request
//!   carrying the evidence and completes the `redgreen/tdd` check; a review comment on that
//!   pull request then pushes exactly one new commit to the same branch and replies in the
//!   thread.
//! - A process SIGKILLed after GitHub opened the pull request but before redgreen heard back
//!   is replaced by a new process on the same data dir, which finishes the run: still exactly
//!   one pull request and one check run.
//! - `@redgreen plan` posts the plan and writes nothing; `@redgreen test` on a pull request
//!   needs no model and reports `redgreen/test`.
//! - A run out of budget parks, and `@redgreen continue` finishes it.
//! - `@redgreen cancel` while the sandbox runs the suite kills the sandboxed processes.
//! - `@redgreen recommend` opens one ADR pull request with no model; impossible constraints
//!   are explained and open nothing. With a model, its context paragraph is used only when
//!   every number and product name in it comes from the ranking.

use std::path::Path;
use std::time::Duration;

use axum::http::Method;
use redgreen_testkit::calculator::{
    CALC, CONFIG, EXISTING_TEST, RED_TEST, plan, script_happy_path, submit_patch,
};
use redgreen_testkit::git_remote::GitRemote;
use redgreen_testkit::payloads::{
    PayloadParams, issue_comment_created, pull_request_review_comment_created,
};
use redgreen_testkit::{GitHubStandIn, ModelServer, PullSpec};
use serde_json::{Value, json};

use super::support::{SERVE_API_TOKEN, SERVE_WEBHOOK_SECRET, ServeProcess, eventually};

const INSTALLATION: i64 = 4242;
const REPO: &str = "Codertocat/Hello-World";
const WRITER: &str = "Codertocat";
const ISSUE: u64 = 1;
const PATIENCE: Duration = Duration::from_secs(120);

/// The calculator repository on GitHub and on its git remote, an issue about its bug, and a
/// model server the test scripts.
struct Scenario {
    github: GitHubStandIn,
    remote: GitRemote,
    repo_id: i64,
    /// The commit `main` holds.
    base: String,
    model: ModelServer,
}

impl Scenario {
    async fn start() -> Scenario {
        Scenario::start_with_config(CONFIG).await
    }

    /// [`Scenario::start`] with another `.github/redgreen.yml`.
    async fn start_with_config(config: &str) -> Scenario {
        let github = GitHubStandIn::start().await;
        github.add_installation(INSTALLATION, "Codertocat");
        let remote = GitRemote::start(github.token_check()).unwrap();
        let (clone_url, base) = remote.create_repo(
            REPO,
            &[
                ("calc.py", CALC),
                ("tests/__init__.py", ""),
                ("tests/test_mul.py", EXISTING_TEST),
                (".github/redgreen.yml", config),
                (".gitignore", "__pycache__/\n"),
            ],
        );
        let repo_id = github.add_repository(INSTALLATION, REPO, "main", Some(clone_url));
        github.set_ref(REPO, "refs/heads/main", &base);
        github.mirror_refs_of(REPO, remote.repo_path(REPO));
        github.set_permission(REPO, WRITER, "write");
        github.add_issue(REPO, ISSUE, "add() is wrong", "add(2, 3) gives -1.", WRITER);
        let model = ModelServer::start().await;
        Scenario {
            github,
            remote,
            repo_id,
            base,
            model,
        }
    }

    /// The environment that points `redgreen serve` at the model server.
    fn model_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("REDGREEN_LLM_BASE_URL", self.model.base_url_openai()),
            ("REDGREEN_LLM_MODEL", "scripted-model".to_owned()),
        ]
    }

    fn params(&self) -> PayloadParams {
        PayloadParams {
            installation: INSTALLATION,
            repo_full_name: REPO.into(),
            repo_id: self.repo_id,
            author_login: WRITER.into(),
            author_type: "User".into(),
            ..PayloadParams::default()
        }
    }

    /// `body` commented on issue or pull request `number` and delivered to `serve`.
    async fn comment(&self, serve: &ServeProcess, number: u64, body: &str, delivery: &str) {
        let comment = self.github.add_issue_comment(REPO, number, body, WRITER);
        let is_pull = self
            .github
            .pulls(REPO)
            .iter()
            .any(|pull| pull["number"] == number);
        let payload = issue_comment_created(&PayloadParams {
            issue: number,
            issue_is_pull_request: is_pull,
            comment_id: comment,
            comment_body: body.into(),
            ..self.params()
        });
        let (status, answer) = serve
            .webhooks()
            .send(
                "issue_comment",
                delivery,
                serde_json::to_vec(&payload).unwrap(),
            )
            .await;
        assert_eq!(status, 202, "{answer}");
    }

    /// The first comment on the issue whose body contains `text`.
    async fn issue_comment_saying(&self, text: &str) -> Value {
        eventually(PATIENCE, &format!("a comment saying {text:?}"), || async {
            self.github
                .issue_comments(REPO, ISSUE)
                .into_iter()
                .find(|comment| comment["body"].as_str().is_some_and(|b| b.contains(text)))
        })
        .await
    }

    /// The first check run named `name`, on whatever commit.
    async fn first_check_run(&self, name: &str) -> Value {
        eventually(PATIENCE, &format!("the {name} check run"), || async {
            self.github
                .check_runs(REPO)
                .into_iter()
                .find(|run| run["name"] == name)
        })
        .await
    }

    async fn check_run(&self, name: &str, head: &str) -> Value {
        eventually(
            PATIENCE,
            &format!("the {name} check run on {head}"),
            || async {
                self.github
                    .check_runs(REPO)
                    .into_iter()
                    .find(|run| run["name"] == name && run["head_sha"] == head)
            },
        )
        .await
    }

    /// The one pull request redgreen opened, its branch, and the commit the branch holds.
    fn only_pull(&self, logs: &str) -> (Value, String, String) {
        let pulls = self.github.pulls(REPO);
        assert_eq!(
            pulls.len(),
            1,
            "exactly one pull request: {pulls:?}\n{logs}"
        );
        let pull = pulls[0].clone();
        let branch = pull["head"]["ref"].as_str().unwrap().to_owned();
        let head = self
            .remote
            .ref_target(REPO, &format!("refs/heads/{branch}"))
            .expect("the branch was pushed to the remote");
        (pull, branch, head)
    }

    /// Nothing secret reached the model; GitHub saw only requests within its contract.
    fn assert_clean(&self) {
        for request in self.model.requests() {
            for secret in [
                SERVE_WEBHOOK_SECRET,
                SERVE_API_TOKEN,
                self.github.app_private_key_pem(),
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
        self.model.assert_no_violations();
        self.github.assert_no_violations();
    }
}

/// The review comment's follow-up: a plan with no test strategy (nothing behavioural, so no
/// red step), a docstring for `add`, and the patch submitted.
fn script_docstring_follow_up(model: &ModelServer) {
    let mut follow_up_plan = plan();
    follow_up_plan["summary"] = json!("document add()");
    follow_up_plan["test_strategy"] = json!("");
    model.push_tool_calls(vec![("submit_plan", follow_up_plan)]);
    model.push_tool_calls(vec![(
        "code_patch",
        json!({
            "file_path": "calc.py",
            "rationale": "the reviewer asked for a docstring",
            "edits": [{
                "old_text": "def add(a, b):\n",
                "new_text": "def add(a, b):\n    \"\"\"The sum of a and b.\"\"\"\n"
            }]
        }),
    )]);
    model.push_tool_calls(vec![("submit_patch", submit_patch())]);
}

#[tokio::test]
async fn a_fix_opens_one_evidence_carrying_pull_request_and_a_review_comment_adds_one_commit() {
    let scenario = Scenario::start().await;
    script_happy_path(&scenario.model);
    let serve = ServeProcess::start_with_env(&scenario.github, &scenario.model_env()).await;

    scenario
        .comment(&serve, ISSUE, "@redgreen fix", "agent-e2e-fix")
        .await;
    let check = scenario.first_check_run("redgreen/tdd").await;
    let (pull, branch, fixed) = scenario.only_pull("");
    assert!(branch.starts_with("redgreen/1-add"), "{branch}");
    assert_eq!(check["head_sha"], fixed.as_str(), "{check}");
    assert_eq!(check["conclusion"], "success", "{check}");
    let pr_body = pull["body"].as_str().unwrap();
    for needle in [
        "Fixes #1",
        "## Red",
        "## Green",
        "test_add_adds",
        "<!-- redgreen:evidence -->",
        // The impact, from the code index's reference graph.
        "- `add` (function, `calc.py`): referenced by `tests/test_add.py`",
    ] {
        assert!(
            pr_body.contains(needle),
            "PR body lacks {needle}:\n{pr_body}"
        );
    }

    // A reviewer asks for more on the pull request's diff.
    script_docstring_follow_up(&scenario.model);
    let number = pull["number"].as_u64().unwrap();
    let body = "@redgreen please give add() a docstring";
    let comment = scenario
        .github
        .add_review_comment(REPO, number, body, WRITER, "calc.py", 1);
    let payload = pull_request_review_comment_created(&PayloadParams {
        issue: number,
        comment_id: comment,
        comment_body: body.into(),
        path: "calc.py".into(),
        line: 1,
        head_ref: branch.clone(),
        head_sha: fixed.clone(),
        ..scenario.params()
    });
    let (status, answer) = serve
        .webhooks()
        .send(
            "pull_request_review_comment",
            "agent-e2e-review",
            serde_json::to_vec(&payload).unwrap(),
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    let reply = eventually(PATIENCE, "the reply in the review thread", || async {
        scenario
            .github
            .review_comments(REPO, number)
            .into_iter()
            .find(|reply| reply["in_reply_to_id"] == comment)
    })
    .await;
    let logs = serve.stop().await;

    let (_, _, followed_up) = scenario.only_pull(&logs);
    assert_ne!(followed_up, fixed, "the follow-up pushed nothing\n{logs}");
    let history = git_log(&scenario.remote.repo_path(REPO), &followed_up);
    assert_eq!(
        history.get(1),
        Some(&fixed),
        "exactly one new commit, on top of the fix: {history:?}"
    );
    let calc = git_show(
        &scenario.remote.repo_path(REPO),
        &format!("{followed_up}:calc.py"),
    );
    assert!(
        calc.contains("The sum of a and b.") && calc.contains("return a + b"),
        "{calc}"
    );
    let reply_text = reply["body"].as_str().unwrap();
    assert!(
        reply_text.contains(&followed_up[..7]),
        "the reply names the commit: {reply_text}"
    );
    let follow_up_check = scenario.check_run("redgreen/tdd", &followed_up).await;
    assert_eq!(
        follow_up_check["conclusion"], "success",
        "{follow_up_check}"
    );
    assert_eq!(
        scenario.model.remaining(),
        0,
        "every scripted reply was used"
    );
    scenario.assert_clean();
}

#[tokio::test]
async fn a_process_killed_while_github_opens_the_pull_request_is_finished_by_the_next() {
    killed_while_github_acts("pulls").await;
}

#[tokio::test]
async fn a_process_killed_while_github_creates_the_check_run_is_finished_by_the_next() {
    killed_while_github_acts("check-runs").await;
}

/// GitHub does what redgreen asked at `POST /repos/{repo}/{endpoint}`, but the answer never
/// reaches redgreen, which is SIGKILLed while it waits. A new process on the same data dir
/// takes the task over once its lease expires and finishes the run without doing anything
/// twice: one pull request, one check run, no model call repeated.
async fn killed_while_github_acts(endpoint: &str) {
    let scenario = Scenario::start().await;
    script_happy_path(&scenario.model);
    let path = format!("/repos/{REPO}/{endpoint}");
    scenario.github.withhold_answer(Method::POST, path.clone());
    let data_dir = tempfile::tempdir().unwrap();
    let mut env = scenario.model_env();
    env.push(("REDGREEN_TASK_LEASE_SECS", "3".to_owned()));
    let first = ServeProcess::start_in(&scenario.github, data_dir.path(), &env).await;
    scenario
        .comment(&first, ISSUE, "@redgreen fix", "agent-e2e-crash")
        .await;
    eventually(
        PATIENCE,
        &format!("GitHub to have served {path}"),
        || async {
            scenario
                .github
                .requests()
                .iter()
                .any(|request| request.method == "POST" && request.path == path)
                .then_some(())
        },
    )
    .await;
    let first_logs = first.kill();

    let second = ServeProcess::start_in(&scenario.github, data_dir.path(), &env).await;
    run_reaches(&second, "done").await;
    let logs = second.stop().await;

    let (pull, _, head) = scenario.only_pull(&format!("{first_logs}\n{logs}"));
    let checks: Vec<Value> = scenario
        .github
        .check_runs(REPO)
        .into_iter()
        .filter(|run| run["name"] == "redgreen/tdd")
        .collect();
    assert_eq!(checks.len(), 1, "one check run: {checks:?}");
    assert_eq!(checks[0]["head_sha"], head.as_str());
    assert_eq!(checks[0]["conclusion"], "success");
    assert!(
        pull["body"]
            .as_str()
            .unwrap()
            .contains("<!-- redgreen:evidence -->")
    );
    // The model's work was checkpointed before the crash: none of it was asked for again.
    assert_eq!(scenario.model.remaining(), 0);
    assert_eq!(scenario.model.requests().len(), 5, "{logs}");
    scenario.assert_clean();
}

#[tokio::test]
async fn a_run_out_of_budget_parks_and_continue_from_github_finishes_it() {
    // Every model call costs 1,000 tokens; the allowance lets three calls start (the budget
    // is checked before each), so the run parks before the fix.
    let config = format!("{CONFIG}budget: {{ tokens: 2500 }}\n");
    let scenario = Scenario::start_with_config(&config).await;
    scenario.model.set_usage(600, 400);
    script_happy_path(&scenario.model);
    let serve = ServeProcess::start_with_env(&scenario.github, &scenario.model_env()).await;
    scenario
        .comment(&serve, ISSUE, "@redgreen fix", "agent-e2e-budget")
        .await;
    run_reaches(&serve, "needs_human").await;
    assert_eq!(scenario.model.requests().len(), 3);
    assert!(scenario.github.pulls(REPO).is_empty());
    // The parked run says how to go on (the comment follows the stored state).
    scenario.issue_comment_saying("`@redgreen continue`").await;

    scenario
        .comment(&serve, ISSUE, "@redgreen continue", "agent-e2e-continue")
        .await;
    let check = scenario.first_check_run("redgreen/tdd").await;
    let logs = serve.stop().await;
    let (_, _, head) = scenario.only_pull(&logs);
    assert_eq!(check["head_sha"], head.as_str());
    assert_eq!(check["conclusion"], "success");
    assert_eq!(scenario.model.requests().len(), 5, "no call was made twice");
    scenario.assert_clean();
}

#[tokio::test]
async fn a_cancel_while_the_suite_runs_kills_the_sandboxed_processes() {
    // The baseline suite (the first thing a fix runs under `verify: full`) never ends on its
    // own before the test does; a unique sleep length marks its processes in the host's
    // process table.
    let marker = format!("7{}.{}", std::process::id() % 10_000, nanos() % 100_000);
    let config = format!("test: \"sleep {marker}\"\nverify: full\n");
    let scenario = Scenario::start_with_config(&config).await;
    let serve = ServeProcess::start_with_env(&scenario.github, &scenario.model_env()).await;
    scenario
        .comment(&serve, ISSUE, "@redgreen fix", "agent-e2e-cancel-fix")
        .await;
    eventually(PATIENCE, "the suite to run in the sandbox", || async {
        (!host_processes_with(&marker).is_empty()).then_some(())
    })
    .await;

    scenario
        .comment(&serve, ISSUE, "@redgreen cancel", "agent-e2e-cancel")
        .await;
    run_reaches(&serve, "cancelled").await;
    // The abandoned phase's sandboxed run is killed, not left to its timeout (ten minutes).
    eventually(
        Duration::from_secs(15),
        "the sandboxed processes to end",
        || async { host_processes_with(&marker).is_empty().then_some(()) },
    )
    .await;
    let logs = serve.stop().await;
    assert!(scenario.github.pulls(REPO).is_empty(), "{logs}");
    assert!(scenario.model.requests().is_empty());
}

#[tokio::test]
async fn a_plan_mention_posts_the_plan_and_changes_nothing() {
    let scenario = Scenario::start().await;
    scenario
        .model
        .push_tool_calls(vec![("submit_plan", plan())]);
    let serve = ServeProcess::start_with_env(&scenario.github, &scenario.model_env()).await;
    scenario
        .comment(&serve, ISSUE, "@redgreen plan", "agent-e2e-plan")
        .await;
    let posted = scenario
        .issue_comment_saying("add() subtracts instead of adding")
        .await;
    let logs = serve.stop().await;
    let body = posted["body"].as_str().unwrap();
    assert!(body.contains("calc.py"), "the plan names its files: {body}");
    assert!(scenario.github.pulls(REPO).is_empty(), "{logs}");
    assert!(scenario.remote.pushes().is_empty(), "a plan pushes nothing");
    assert!(scenario.github.check_runs(REPO).is_empty());
    assert_eq!(scenario.model.requests().len(), 1);
    scenario.assert_clean();
}

#[tokio::test]
async fn a_recommend_mention_opens_one_adr_pull_request_without_a_model() {
    let scenario = Scenario::start().await;
    // No model is configured at all: the ranking is deterministic.
    let serve = ServeProcess::start(&scenario.github).await;
    scenario
        .comment(
            &serve,
            ISSUE,
            "@redgreen recommend a python service on aws, soc2, flibbertigibbet",
            "agent-e2e-recommend",
        )
        .await;
    run_reaches(&serve, "done").await;
    let logs = serve.stop().await;

    let (pull, branch, head) = scenario.only_pull(&logs);
    assert_eq!(branch, "redgreen/adr-technology-stack");
    assert_eq!(pull["base"]["ref"], "main");
    let body = pull["body"].as_str().unwrap();
    assert!(body.contains("| runtime |"), "{body}");
    assert!(
        body.contains("`flibbertigibbet`"),
        "unknown words are reported: {body}"
    );
    // The branch holds the ADR and its infrastructure spec, in the default ADR folder.
    let git_dir = scenario.remote.repo_path(REPO);
    let adr = git_show(
        &git_dir,
        &format!("{head}:docs/decisions/0001-technology-stack.md"),
    );
    assert!(adr.contains("## Decision Outcome"), "{adr}");
    let spec: Value = serde_json::from_str(&git_show(
        &git_dir,
        &format!("{head}:docs/decisions/0001-technology-stack.infrastructure.json"),
    ))
    .unwrap();
    assert!(spec["hosting"]["provider"].is_string(), "{spec}");
    assert_eq!(git_log(&git_dir, &head).get(1), Some(&scenario.base));
    let summaries: Vec<Value> = scenario
        .github
        .issue_comments(REPO, ISSUE)
        .into_iter()
        .filter(|comment| {
            comment["body"]
                .as_str()
                .is_some_and(|body| body.contains("stack recommendation is ready"))
        })
        .collect();
    assert_eq!(summaries.len(), 1, "one summary comment");
    assert!(scenario.github.check_runs(REPO).is_empty());
    scenario.assert_clean();
}

/// The ADR on the recommendation branch after `@redgreen recommend`, with the model saying
/// `narrative`, and the pull request's body.
async fn recommend_with_narrative(narrative: &str, delivery: &str) -> (String, String, Scenario) {
    let scenario = Scenario::start().await;
    scenario.model.push_text(narrative);
    let serve = ServeProcess::start_with_env(&scenario.github, &scenario.model_env()).await;
    scenario
        .comment(
            &serve,
            ISSUE,
            "@redgreen recommend a python service on aws, soc2",
            delivery,
        )
        .await;
    run_reaches(&serve, "done").await;
    let logs = serve.stop().await;
    let (pull, _, head) = scenario.only_pull(&logs);
    let adr = git_show(
        &scenario.remote.repo_path(REPO),
        &format!("{head}:docs/decisions/0001-technology-stack.md"),
    );
    (adr, pull["body"].as_str().unwrap().to_owned(), scenario)
}

#[tokio::test]
async fn a_model_writes_the_context_of_the_adr_only_from_the_ranking() {
    let prose = "The service needs a stack that its small team can run on the cloud it \
                 already uses, and its compliance goal shapes every layer below.";
    let (adr, body, scenario) = recommend_with_narrative(prose, "agent-e2e-narrative").await;
    let context = adr
        .split("## Context and Problem Statement\n\n")
        .nth(1)
        .unwrap();
    assert!(context.starts_with(prose), "{adr}");
    assert!(
        body.contains("a model wrote only the context paragraph"),
        "{body}"
    );
    // One call, with the ranking as its evidence and no tools.
    let requests = scenario.model.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].raw_body.contains("catalog_version"));
    scenario.assert_clean();

    // Invented numbers and products are refused: the template's text is used instead.
    let invented = "It serves 73123 requests per second on HyperScaleDB.";
    let (adr, body, _) = recommend_with_narrative(invented, "agent-e2e-invented").await;
    assert!(
        !adr.contains("73123") && !adr.contains("HyperScaleDB"),
        "{adr}"
    );
    assert!(
        adr.contains("The project needs a technology stack across"),
        "{adr}"
    );
    assert!(body.contains("no model wrote it"), "{body}");
}

#[tokio::test]
async fn an_impossible_recommendation_is_explained_and_opens_nothing() {
    let scenario = Scenario::start().await;
    let serve = ServeProcess::start(&scenario.github).await;
    scenario
        .comment(
            &serve,
            ISSUE,
            "@redgreen recommend a COBOL service",
            "agent-e2e-infeasible",
        )
        .await;
    run_reaches(&serve, "failed").await;
    let progress = scenario
        .issue_comment_saying("No stack satisfies these constraints")
        .await;
    let logs = serve.stop().await;
    let text = progress["body"].as_str().unwrap();
    assert!(text.contains("cobol"), "{text}");
    assert!(scenario.github.pulls(REPO).is_empty(), "{logs}");
    assert!(scenario.remote.pushes().is_empty());
    scenario.assert_clean();
}

#[tokio::test]
async fn a_test_mention_on_a_pull_request_reports_redgreen_test_without_a_model() {
    let scenario = Scenario::start().await;
    // The calculator's bug makes this test fail.
    scenario
        .remote
        .set_ref(REPO, "refs/heads/feature", &scenario.base);
    let head = scenario.remote.commit(
        REPO,
        "feature",
        &[("tests/test_add.py", RED_TEST)],
        "a test for add",
    );
    let number = scenario.github.add_pull(
        REPO,
        &PullSpec {
            title: "Test add",
            body: "",
            head: "feature",
            base: "main",
            author: WRITER,
        },
    );
    // No model is configured at all.
    let serve = ServeProcess::start(&scenario.github).await;
    scenario
        .comment(&serve, number, "@redgreen test", "agent-e2e-test")
        .await;
    let check = scenario.check_run("redgreen/test", &head).await;
    let logs = serve.stop().await;

    assert_eq!(check["conclusion"], "failure", "{check}\n{logs}");
    let summary = check["output"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("1 failed"), "{check}");
    assert!(
        summary.contains("test_add_adds`"),
        "the summary names the failure: {summary}"
    );
    // The failure is annotated on the assertion's line of the failing test.
    let annotations = check["annotations"].as_array().cloned().unwrap_or_default();
    assert!(
        annotations.iter().any(|annotation| {
            annotation["path"] == "tests/test_add.py"
                && annotation["start_line"] == 8
                && annotation["title"]
                    .as_str()
                    .is_some_and(|title| title.contains("AddTest.test_add_adds failed"))
        }),
        "an annotation on the failing test: {annotations:?}"
    );
    assert_eq!(scenario.github.pulls(REPO).len(), 1, "no new pull request");
    assert!(scenario.model.requests().is_empty());
    scenario.assert_clean();
}

/// Waits until the latest run `serve` knows of is in `state`.
async fn run_reaches(serve: &ServeProcess, state: &str) {
    eventually(PATIENCE, &format!("the run to reach {state}"), || async {
        let runs = serve.api("runs").await;
        (runs["runs"][0]["state"] == state).then_some(())
    })
    .await;
}

/// Host processes whose command line contains `marker` (sandboxed processes included: their
/// PID namespace is a child of the host's).
fn host_processes_with(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            entry.file_name().to_str()?.parse::<u32>().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(marker).then_some(cmdline)
        })
        .collect()
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
}

/// The first-parent history of `commit` in the bare repository at `dir`, newest first.
fn git_log(dir: &Path, commit: &str) -> Vec<String> {
    let output = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(dir)
        .args(["rev-list", "--first-parent", commit])
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn git_show(dir: &Path, object: &str) -> String {
    let output = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(dir)
        .args(["show", object])
        .output()
        .unwrap();
    assert!(output.status.success(), "git show {object}");
    String::from_utf8(output.stdout).unwrap()
}
