//! End to end: the built `redgreen serve` as a process, a GitHub stand-in as its GitHub App,
//! signed webhooks over real HTTP. Who may trigger work and who may not (a read-only
//! collaborator, another bot, redgreen itself), and an allowed run riding out an expired
//! installation token and a 429. Every test ends with the stand-in's verdict: every request
//! within GitHub's contract, no merge, no ref written outside `refs/heads/redgreen/`.

use std::time::Duration;

use axum::http::Method;
use redgreen_testkit::payloads::{PayloadParams, issue_comment_created};
use redgreen_testkit::{Fault, GitHubStandIn, RecordedRequest};
use serde_json::Value;

use super::support::{ServeProcess, eventually};

const INSTALLATION: i64 = 4242;
const REPO: &str = "Codertocat/Hello-World";
/// A collaborator with `write`: allowed to run every command.
const WRITER: &str = "Codertocat";
/// A collaborator with `read`: below the default minimum.
const READER: &str = "read-only-rita";
/// The issue the test's trigger is on.
const ISSUE: u64 = 1;
/// Where an allowed run is started after a trigger that must do nothing, to know the server
/// has worked through everything queued before it (one worker).
const LATER_ISSUE: u64 = 2;
/// The start of the hidden line that marks a run's progress comment.
const PROGRESS_MARKER: &str = "<!-- redgreen:progress";
/// How long a run may take to reach GitHub, on a busy 2-core machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// A stand-in with one installation, one repository, a writer, a reader and two issues, and
/// `redgreen serve` pointed at it.
struct E2e {
    github: GitHubStandIn,
    serve: ServeProcess,
    repo_id: i64,
}

impl E2e {
    async fn start() -> E2e {
        let github = GitHubStandIn::start().await;
        github.add_installation(INSTALLATION, "Codertocat");
        let repo_id = github.add_repository(INSTALLATION, REPO, "main", None);
        github.set_permission(REPO, WRITER, "write");
        github.set_permission(REPO, READER, "read");
        github.add_issue(REPO, ISSUE, "Spelling error", "", WRITER);
        github.add_issue(REPO, LATER_ISSUE, "Another spelling error", "", WRITER);
        let serve = ServeProcess::start(&github).await;
        E2e {
            github,
            serve,
            repo_id,
        }
    }

    /// `author` comments `body` on `issue` (on the stand-in) and GitHub delivers it; returns
    /// the comment's id, the delivery id and redgreen's 202 answer.
    async fn comment(
        &self,
        issue: u64,
        author: &str,
        author_type: &str,
        body: &str,
    ) -> (i64, String, Value) {
        let comment = self.github.add_issue_comment(REPO, issue, body, author);
        let payload = issue_comment_created(&PayloadParams {
            installation: INSTALLATION,
            repo_full_name: REPO.into(),
            repo_id: self.repo_id,
            issue,
            comment_id: comment,
            comment_body: body.into(),
            author_login: author.into(),
            author_type: author_type.into(),
            ..PayloadParams::default()
        });
        let delivery = format!("e2e-delivery-{comment}");
        let (status, answer) = self
            .serve
            .webhooks()
            .send(
                "issue_comment",
                &delivery,
                serde_json::to_vec(&payload).unwrap(),
            )
            .await;
        assert_eq!(status, 202, "{answer}");
        (comment, delivery, serde_json::from_str(&answer).unwrap())
    }

    /// The writer asks for `@redgreen plan` on `issue`; waits until the run's progress
    /// comment says it stopped for a human (this build has no model, so every run does);
    /// returns the trigger comment's id.
    async fn allowed_plan_runs_to_its_end(&self, issue: u64) -> i64 {
        let (comment, _, answer) = self.comment(issue, WRITER, "User", "@redgreen plan").await;
        assert_eq!(answer["outcome"], "accepted", "{answer}");
        eventually(PATIENCE, "the run's progress comment to settle", || async {
            let settled = self.github.issue_comments(REPO, issue).iter().any(|c| {
                c["body"]
                    .as_str()
                    .is_some_and(|b| b.contains(PROGRESS_MARKER) && b.contains("needs a human"))
            });
            settled.then_some(())
        })
        .await;
        comment
    }

    /// 👀 reactions on this comment.
    fn eyes_on(&self, comment: i64) -> usize {
        self.github
            .reactions()
            .iter()
            .filter(|r| r["content"] == "eyes" && r["subject"]["id"] == comment)
            .count()
    }

    /// Comments on `issue` other than the ones the test wrote, and how many of them are
    /// progress comments.
    fn replies_on(&self, issue: u64, written_by_test: usize) -> (usize, usize) {
        let comments = self.github.issue_comments(REPO, issue);
        let progress = comments
            .iter()
            .filter(|c| c["body"].as_str().unwrap_or("").contains(PROGRESS_MARKER))
            .count();
        (comments.len() - written_by_test, progress)
    }

    fn requests_where(&self, keep: impl Fn(&RecordedRequest) -> bool) -> Vec<RecordedRequest> {
        self.github.requests().into_iter().filter(keep).collect()
    }

    /// Stops redgreen (clean exit, no secret logged) and checks what it did on GitHub: every
    /// request within the contract, no merge, and no ref or file written outside
    /// `refs/heads/redgreen/`. Returns the logs.
    async fn finish(self) -> String {
        let logs = self.serve.stop().await;
        for request in self.github.requests() {
            let described = format!("{} {}", request.method, request.path);
            // Spelled in two pieces: the workspace scan for merge calls
            // (app/github/tests/github/no_merge_calls.rs) allows the route nowhere else.
            let merge = concat!("/mer", "ge");
            assert!(
                request.operation.as_deref() != Some(&format!("pulls{merge}"))
                    && !request.path.ends_with(merge),
                "a merge was requested: {described}"
            );
            if request.method == "GET" {
                continue;
            }
            let decoded = request.path.replace("%2F", "/").replace("%2f", "/");
            let written = match decoded.split_once("/git/refs") {
                Some(_) if request.method == "POST" => request
                    .body
                    .as_ref()
                    .and_then(|body| body["ref"].as_str())
                    .map(str::to_owned),
                Some((_, name)) => Some(format!("refs{name}")),
                None if decoded.contains("/contents/") => request
                    .body
                    .as_ref()
                    .and_then(|body| body["branch"].as_str())
                    .map(|branch| format!("refs/heads/{branch}")),
                None => None,
            };
            if let Some(written) = written {
                assert!(
                    written.starts_with("refs/heads/redgreen/"),
                    "{described} wrote {written}, outside refs/heads/redgreen/"
                );
            }
        }
        self.github.assert_no_violations();
        logs
    }
}

#[tokio::test]
async fn a_read_only_collaborators_mention_is_denied_and_starts_nothing() {
    let e2e = E2e::start().await;
    let (comment, delivery, answer) = e2e
        .comment(ISSUE, READER, "User", "@redgreen plan please")
        .await;
    assert_eq!(answer["outcome"], "denied", "{answer}");
    assert!(answer.get("run").is_none(), "{answer}");
    assert_eq!(e2e.serve.api("runs").await["runs"], serde_json::json!([]));
    let looked_up = e2e.requests_where(|r| {
        r.method == "GET"
            && r.path
                .ends_with(&format!("/collaborators/{READER}/permission"))
    });
    assert_eq!(looked_up.len(), 1, "the denial rests on GitHub's answer");

    e2e.allowed_plan_runs_to_its_end(LATER_ISSUE).await;
    let runs = e2e.serve.api("runs").await;
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "only the later run: {runs:?}");
    assert_eq!(runs[0]["issue"], LATER_ISSUE);
    assert_eq!(e2e.eyes_on(comment), 0, "{:?}", e2e.github.reactions());
    let (replies, progress) = e2e.replies_on(ISSUE, 1);
    assert!(replies <= 1, "at most one short reply saying why");
    assert_eq!(progress, 0, "no progress comment for a denied trigger");
    let deliveries = e2e.serve.api("deliveries").await;
    let recorded = deliveries["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == delivery.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{delivery} is not listed: {deliveries}"));
    assert_eq!(recorded["outcome"], "denied", "{recorded}");
    assert!(
        recorded["reason"].as_str().unwrap().contains("[policy: "),
        "{recorded}"
    );

    let logs = e2e.finish().await;
    assert!(
        logs.lines()
            .any(|line| line.contains("trigger decision") && line.contains(READER)),
        "the denial is logged with its policy: {logs}"
    );
}

/// A mention by `author` (a `Bot` account) is ignored for `reason` before any permission is
/// looked up; nothing at all happens on GitHub because of it.
async fn a_bot_mention_does_nothing(e2e: &E2e, author: &str, reason: &str) {
    e2e.github.set_permission(REPO, author, "admin");
    let (comment, _, answer) = e2e
        .comment(
            ISSUE,
            author,
            "Bot",
            "**redgreen** is on it: `plan` run, requested by @Codertocat. @redgreen plan",
        )
        .await;
    assert_eq!(answer["outcome"], "ignored", "{answer}");
    assert_eq!(answer["reason"], reason, "{answer}");
    assert!(answer.get("run").is_none(), "{answer}");

    e2e.allowed_plan_runs_to_its_end(LATER_ISSUE).await;
    let runs = e2e.serve.api("runs").await;
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1, "{runs}");
    assert_eq!(e2e.eyes_on(comment), 0, "{:?}", e2e.github.reactions());
    assert_eq!(
        e2e.replies_on(ISSUE, 1),
        (0, 0),
        "no comment at all: {:?}",
        e2e.github.issue_comments(REPO, ISSUE)
    );
    let looked_up = e2e.requests_where(|r| r.path.contains(&format!("/collaborators/{author}")));
    assert!(
        looked_up.is_empty(),
        "no work, not even a permission lookup"
    );
}

#[tokio::test]
async fn a_mention_by_another_bot_does_nothing() {
    let e2e = E2e::start().await;
    a_bot_mention_does_nothing(&e2e, "dependabot[bot]", "bot").await;
    e2e.finish().await;
}

#[tokio::test]
async fn a_mention_by_redgreen_itself_does_nothing() {
    let e2e = E2e::start().await;
    let own = e2e.github.bot_login();
    a_bot_mention_does_nothing(&e2e, &own, "own_event").await;
    e2e.finish().await;
}

#[tokio::test]
async fn an_installation_token_expiring_mid_run_is_refreshed_once_and_the_run_carries_on() {
    let e2e = E2e::start().await;
    // The trigger check has used the first token by the time the run reacts: it dies then.
    let reaction_path = format!("/repos/{REPO}/issues/comments/");
    e2e.github
        .expire_tokens_on(Method::POST, reaction_path.clone());

    let comment = e2e.allowed_plan_runs_to_its_end(ISSUE).await;

    assert_eq!(e2e.eyes_on(comment), 1, "{:?}", e2e.github.reactions());
    assert_eq!(e2e.replies_on(ISSUE, 1), (1, 1), "one progress comment");
    let refused = e2e.requests_where(|r| r.status == 401);
    assert_eq!(refused.len(), 1, "one refusal, then a fresh token");
    assert_eq!(refused[0].method, "POST");
    assert!(
        refused[0].path.starts_with(&reaction_path),
        "{}",
        refused[0].path
    );
    let issued = e2e.requests_where(|r| {
        r.method == "POST" && r.path == format!("/app/installations/{INSTALLATION}/access_tokens")
    });
    assert_eq!(issued.len(), 2, "the first token, and one refresh");
    assert!(issued[1].received_at > refused[0].received_at);
    let reactions =
        e2e.requests_where(|r| r.method == "POST" && r.path.starts_with(&reaction_path));
    let statuses: Vec<u16> = reactions.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![401, 201],
        "the refused reaction, retried once"
    );
    e2e.finish().await;
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_nothing_is_posted_twice() {
    let e2e = E2e::start().await;
    let writes = format!("/repos/{REPO}/issues/");
    e2e.github.inject(Fault {
        retry_after_secs: Some(1),
        ..Fault::status(Method::POST, writes.clone(), 429)
    });

    let comment = e2e.allowed_plan_runs_to_its_end(ISSUE).await;

    assert_eq!(e2e.eyes_on(comment), 1, "{:?}", e2e.github.reactions());
    assert_eq!(
        e2e.replies_on(ISSUE, 1),
        (1, 1),
        "exactly one progress comment"
    );
    let posts = e2e.requests_where(|r| r.method == "POST" && r.path.starts_with(&writes));
    let limited = posts
        .iter()
        .position(|r| r.status == 429)
        .expect("the 429 was served");
    let retry = posts[limited + 1..]
        .iter()
        .find(|r| r.path == posts[limited].path)
        .expect("the refused request was sent again");
    assert!((200..300).contains(&retry.status), "{}", retry.status);
    // Not a timing: the 1 s is what `retry-after` asked for, so any earlier retry is a
    // client that did not wait.
    assert!(
        retry.received_at.duration_since(posts[limited].received_at) >= Duration::from_secs(1),
        "retried after {:?}",
        retry.received_at.duration_since(posts[limited].received_at)
    );
    assert_eq!(
        posts.iter().filter(|r| r.status == 429).count(),
        1,
        "one 429"
    );
    e2e.finish().await;
}
