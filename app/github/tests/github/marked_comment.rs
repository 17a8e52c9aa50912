//! The marked comment against the stand-in: looked for by its marker, then created once,
//! edited only when an upsert changes its text, left alone when posted once, and never
//! doubled by a redo; also as a reply in a review thread, and through the client's retries.

use http::Method;
use redgreen_github::GitHubError;
use redgreen_github::rest::marked_comment::{CommentPlace, WriteMode, Written};
use redgreen_testkit::{Fault, PullSpec};

use crate::support::{REPO, Setup, count, setup};

const MARKER: &str = "<!-- redgreen:test run=01J0 -->";
const ISSUE: u64 = 3;
const HERE: CommentPlace = CommentPlace::Conversation(ISSUE);

fn body(text: &str) -> String {
    format!("{text}\n\n{MARKER}")
}

async fn with_issue() -> Setup {
    let s = setup().await;
    s.github
        .add_issue(REPO, ISSUE, "Parser crashes", "on empty input", "alice");
    s
}

/// Comment writes the stand-in received: (creations, edits).
fn writes(s: &Setup) -> (usize, usize) {
    let edits = s
        .github
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/comments/"))
        .count();
    (count(&s.github, "POST", "/comments"), edits)
}

fn bodies(s: &Setup) -> Vec<String> {
    s.github
        .issue_comments(REPO, ISSUE)
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_absent_comment_is_created_once_and_a_redo_keeps_it() {
    for mode in [WriteMode::Once, WriteMode::Upsert] {
        let s = with_issue().await;
        let first = s
            .repo
            .write_marked_comment(HERE, MARKER, &body("Denied."), mode)
            .await
            .unwrap();
        let Written::Created(id) = first else {
            panic!("{mode:?}: {first:?}")
        };
        // A redo after a crash: the same write again finds the comment.
        let again = s
            .repo
            .write_marked_comment(HERE, MARKER, &body("Denied."), mode)
            .await
            .unwrap();
        assert_eq!(again, Written::Kept(id), "{mode:?}");
        assert_eq!(bodies(&s), vec![body("Denied.")], "{mode:?}");
        let comments = s.github.issue_comments(REPO, ISSUE);
        assert_eq!(comments[0]["id"].as_u64(), Some(id));
        assert_eq!(comments[0]["user"]["login"], s.github.bot_login());
        assert_eq!(writes(&s), (1, 0), "{mode:?}: one creation, no edit");
        s.github.assert_no_violations();
    }
}

#[tokio::test]
async fn an_upsert_edits_only_when_the_text_changes() {
    let s = with_issue().await;
    let id = s
        .repo
        .write_marked_comment(HERE, MARKER, &body("State: `red`"), WriteMode::Upsert)
        .await
        .unwrap()
        .id();
    let same = s
        .repo
        .write_marked_comment(HERE, MARKER, &body("State: `red`"), WriteMode::Upsert)
        .await
        .unwrap();
    assert_eq!(same, Written::Kept(id));
    assert_eq!(writes(&s), (1, 0), "an identical body writes nothing");

    let edited = s
        .repo
        .write_marked_comment(HERE, MARKER, &body("State: `green`"), WriteMode::Upsert)
        .await
        .unwrap();
    assert_eq!(edited, Written::Edited(id));
    // Done again (a resumed run publishing the same state): nothing more.
    let redo = s
        .repo
        .write_marked_comment(HERE, MARKER, &body("State: `green`"), WriteMode::Upsert)
        .await
        .unwrap();
    assert_eq!(redo, Written::Kept(id));
    assert_eq!(bodies(&s), vec![body("State: `green`")]);
    assert_eq!(writes(&s), (1, 1));
    s.github.assert_no_violations();
}

#[tokio::test]
async fn posted_once_a_comment_with_another_body_is_left_alone() {
    let s = with_issue().await;
    let id = s
        .repo
        .write_marked_comment(
            HERE,
            MARKER,
            &body("The plan, first draft."),
            WriteMode::Once,
        )
        .await
        .unwrap()
        .id();
    let second = s
        .repo
        .write_marked_comment(HERE, MARKER, &body("The plan, redone."), WriteMode::Once)
        .await
        .unwrap();
    assert_eq!(second, Written::Kept(id));
    assert_eq!(bodies(&s), vec![body("The plan, first draft.")]);
    assert_eq!(writes(&s), (1, 0));
    s.github.assert_no_violations();
}

#[tokio::test]
async fn the_look_up_comes_first_and_says_what_it_found() {
    // The progress comment's way: look, do what a creation needs first, then write.
    let s = with_issue().await;
    s.github
        .add_issue_comment(REPO, ISSUE, "@redgreen fix", "alice");
    let looked = s.repo.find_marked_comment(HERE, MARKER).await.unwrap();
    assert_eq!(looked.found(), None);
    let id = looked
        .write(&body("On it."), WriteMode::Upsert)
        .await
        .unwrap()
        .id();
    let looked = s.repo.find_marked_comment(HERE, MARKER).await.unwrap();
    let found = looked.found().unwrap();
    assert_eq!(
        (found.id, found.body.as_str()),
        (id, body("On it.").as_str())
    );
    assert_eq!(
        looked
            .write(&body("Done."), WriteMode::Upsert)
            .await
            .unwrap(),
        Written::Edited(id)
    );
    assert_eq!(bodies(&s), vec!["@redgreen fix".to_owned(), body("Done.")]);
    s.github.assert_no_violations();
}

#[tokio::test]
async fn the_author_is_not_checked_and_the_oldest_match_wins() {
    // As redgreen always did: any comment carrying the marker is the one. Ours comes first,
    // so someone quoting it later changes nothing.
    let s = with_issue().await;
    let ours = s
        .repo
        .write_marked_comment(HERE, MARKER, &body("State: `red`"), WriteMode::Upsert)
        .await
        .unwrap()
        .id();
    let quote = format!("> {}", body("State: `red`"));
    s.github.add_issue_comment(REPO, ISSUE, &quote, "mallory");
    let edited = s
        .repo
        .write_marked_comment(HERE, MARKER, &body("State: `green`"), WriteMode::Upsert)
        .await
        .unwrap();
    assert_eq!(edited, Written::Edited(ours));
    assert_eq!(bodies(&s), vec![body("State: `green`"), quote]);

    // A marker only in someone else's comment counts too: posted once, nothing is written.
    let other = "<!-- redgreen:denied delivery=d-1 -->";
    let theirs = s
        .github
        .add_issue_comment(REPO, ISSUE, &format!("quoting {other}"), "mallory");
    let kept = s
        .repo
        .write_marked_comment(HERE, other, &format!("Denied.\n\n{other}"), WriteMode::Once)
        .await
        .unwrap();
    assert_eq!(kept, Written::Kept(u64::try_from(theirs).unwrap()));
    assert_eq!(writes(&s), (1, 1));
    s.github.assert_no_violations();
}

#[tokio::test]
async fn a_pull_requests_conversation_is_an_issues() {
    let s = setup().await;
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
    let place = CommentPlace::Conversation(pull);
    for _ in 0..2 {
        s.repo
            .write_marked_comment(place, MARKER, &body("Pushed."), WriteMode::Once)
            .await
            .unwrap();
    }
    assert_eq!(s.github.issue_comments(REPO, pull).len(), 1);
    s.github.assert_no_violations();
}

#[tokio::test]
async fn a_review_thread_reply_is_posted_once() {
    let s = setup().await;
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
    let asked =
        s.github
            .add_review_comment(REPO, pull, "@redgreen rename it", "alice", "src/lib.rs", 3);
    let place = CommentPlace::ReviewThread {
        pull,
        comment: u64::try_from(asked).unwrap(),
    };
    let reply = format!("{MARKER}\nPushed abc1234 to `redgreen/fix`.");
    let first = s
        .repo
        .write_marked_comment(place, MARKER, &reply, WriteMode::Once)
        .await
        .unwrap();
    let Written::Created(id) = first else {
        panic!("{first:?}")
    };
    let other = format!("{MARKER}\nPushed def5678 to `redgreen/fix`.");
    let again = s
        .repo
        .write_marked_comment(place, MARKER, &other, WriteMode::Once)
        .await
        .unwrap();
    assert_eq!(again, Written::Kept(id), "another body is left alone");
    let redo = s
        .repo
        .write_marked_comment(place, MARKER, &reply, WriteMode::Once)
        .await
        .unwrap();
    assert_eq!(redo, Written::Kept(id));
    let comments = s.github.review_comments(REPO, pull);
    assert_eq!(comments.len(), 2, "{comments:?}");
    assert_eq!(comments[1]["id"].as_u64(), Some(id));
    assert_eq!(comments[1]["in_reply_to_id"].as_i64(), Some(asked));
    assert_eq!(comments[1]["body"], reply.as_str());
    s.github.assert_no_violations();
}

#[tokio::test]
async fn what_cannot_be_found_again_is_refused_before_anything_is_written() {
    let s = setup().await;
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
    let asked = s
        .github
        .add_review_comment(REPO, pull, "@redgreen fix", "alice", "src/lib.rs", 3);
    let thread = CommentPlace::ReviewThread {
        pull,
        comment: u64::try_from(asked).unwrap(),
    };
    let conversation = CommentPlace::Conversation(pull);
    let refused = [
        // An empty marker would match any comment.
        (conversation, "", "text", WriteMode::Once),
        // A body without its marker would not be found by the next look-up.
        (conversation, MARKER, "text", WriteMode::Upsert),
        // A thread reply is never edited.
        (thread, MARKER, &body("text"), WriteMode::Upsert),
    ];
    for (place, marker, text, mode) in refused {
        let answer = s.repo.write_marked_comment(place, marker, text, mode).await;
        assert!(
            matches!(answer, Err(GitHubError::InvalidRequest(_))),
            "{place:?} {marker:?} {mode:?}: {answer:?}"
        );
    }
    assert_eq!(writes(&s), (0, 0));
    assert_eq!(s.github.issue_comments(REPO, pull).len(), 0);
    assert_eq!(s.github.review_comments(REPO, pull).len(), 1);
    s.github.assert_no_violations();
}

#[tokio::test]
async fn the_look_up_and_the_write_go_through_the_clients_retries() {
    let s = with_issue().await;
    let comments = format!("/repos/{REPO}/issues/{ISSUE}/comments");
    s.github
        .inject(Fault::status(Method::GET, comments.clone(), 502));
    s.github.inject(Fault::status(Method::POST, comments, 502));
    let written = s
        .repo
        .write_marked_comment(HERE, MARKER, &body("On it."), WriteMode::Upsert)
        .await
        .unwrap();
    assert!(matches!(written, Written::Created(_)), "{written:?}");
    assert_eq!(bodies(&s), vec![body("On it.")]);
    assert_eq!(s.sleeper.waits().len(), 2, "{:?}", s.sleeper.waits());
    s.github.assert_no_violations();
}
