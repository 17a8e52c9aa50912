//! What redgreen does with a delivery: start a run, control runs, track tenants, or ignore it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::command::Command;
use crate::ids::InstallationId;
use crate::mention::{Mention, find_mention};
use crate::run::RunKind;
use crate::webhook::envelope::{Actor, ActorKind, ParseError, Payload, Repository};

/// The `identifier` of the "Fix with redgreen" button redgreen puts on failing check runs.
pub const FIX_ACTION: &str = "fix";

/// Labelling an issue with this (in any case) asks redgreen to fix it.
pub const TRIGGER_LABEL: &str = "redgreen";

/// Branches redgreen pushes to; a review on a PR from one of them is a follow-up.
const BRANCH_PREFIX: &str = "redgreen/";

/// The events `route` understands (keep in step with its `match`). Payloads of these must be
/// well formed.
const HANDLED_EVENTS: [&str; 9] = [
    "issue_comment",
    "pull_request_review_comment",
    "pull_request_review",
    "issues",
    "pull_request",
    "check_run",
    "installation",
    "installation_repositories",
    "ping",
];

/// The work a delivery asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "route", rename_all = "snake_case")]
pub enum Route {
    /// Start a run.
    Run(RunRequest),
    /// `status`, `cancel`, `retry` or `continue` on the runs of an issue or PR.
    Control(ControlRequest),
    /// Installation lifecycle (created, deleted, suspended, repositories added or removed).
    Installation(InstallationChange),
    /// GitHub's `ping` on webhook creation.
    Ping,
    /// Accepted and recorded, but no work: the reason says why.
    Ignored(IgnoreReason),
}

/// Where a run's result goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "number", rename_all = "snake_case")]
pub enum Target {
    Issue(i64),
    PullRequest(i64),
}

/// The comment that triggered work, so redgreen can react to it and reply in its thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum CommentRef {
    /// An issue (or PR conversation) comment.
    Issue(i64),
    /// A pull-request review comment (a line comment, with a thread).
    Review(i64),
}

/// A request to start a run, as typed data (stored with the run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRequest {
    pub kind: RunKind,
    pub target: Target,
    /// Login of the person who asked.
    pub actor: String,
    /// Free text after the command (untrusted; sanitised before any prompt).
    pub instructions: String,
    pub comment: Option<CommentRef>,
    /// For follow-ups and `test`: the PR's head branch and commit, when the payload has them.
    pub head_ref: Option<String>,
    pub head_sha: Option<String>,
    /// For `requested_action` on a check run: the check run it came from.
    pub check_run_id: Option<i64>,
}

/// A run-control command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlRequest {
    pub command: Command,
    pub target: Target,
    pub actor: String,
    pub comment: Option<CommentRef>,
}

/// An installation lifecycle event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationChange {
    /// The payload's action (`created`, `deleted`, `suspend`, `added`, ...).
    pub action: String,
    /// `owner/name` of repositories added by this event.
    pub repositories_added: Vec<String>,
    /// `owner/name` of repositories removed by this event.
    pub repositories_removed: Vec<String>,
}

/// Why a delivery leads to no work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IgnoreReason {
    /// An event type redgreen does not handle.
    UnhandledEvent,
    /// A handled event type, but an action that needs nothing (e.g. `issues.closed`).
    UnhandledAction,
    /// The text does not mention the bot.
    NoMention,
    /// Sent by redgreen itself (it never reacts to its own comments).
    OwnEvent,
    /// Sent by another bot (bots are ignored unless allow-listed).
    Bot,
    /// The payload lacks `installation`: it cannot be acted on as any tenant.
    NoInstallation,
}

impl IgnoreReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            IgnoreReason::UnhandledEvent => "unhandled_event",
            IgnoreReason::UnhandledAction => "unhandled_action",
            IgnoreReason::NoMention => "no_mention",
            IgnoreReason::OwnEvent => "own_event",
            IgnoreReason::Bot => "bot",
            IgnoreReason::NoInstallation => "no_installation",
        }
    }
}

pub(crate) fn is_handled(event: &str) -> bool {
    HANDLED_EVENTS.contains(&event)
}

/// Decides what a parsed delivery asks for.
pub(crate) fn route(
    payload: &Payload<'_>,
    action: Option<&str>,
    installation: Option<InstallationId>,
    repository: Option<&Repository>,
    sender: Option<&Actor>,
    bot_name: &str,
    allowed_bots: &[String],
) -> Result<Route, ParseError> {
    let required_action = || action.ok_or_else(|| payload.missing("action"));
    let handler = match payload.event() {
        "ping" => return Ok(Route::Ping),
        "pull_request" => return Ok(Route::Ignored(IgnoreReason::UnhandledAction)),
        "installation" | "installation_repositories" => {
            let action = required_action()?;
            if installation.is_none() {
                return Err(payload.missing("installation.id"));
            }
            return installation_change(payload, action);
        }
        "issue_comment" => Work::issue_comment,
        "issues" => Work::issues,
        "pull_request_review_comment" => Work::review_comment,
        "pull_request_review" => Work::review,
        "check_run" => Work::check_run,
        _ => return Ok(Route::Ignored(IgnoreReason::UnhandledEvent)),
    };
    let action = required_action()?;
    let sender = sender.ok_or_else(|| payload.missing("sender"))?;
    // Before anything else, so that redgreen's own comments can never loop back.
    if is_own_login(&sender.login, bot_name) {
        return Ok(Route::Ignored(IgnoreReason::OwnEvent));
    }
    let allowed_bot = allowed_bots
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(&sender.login));
    if sender.kind == ActorKind::Bot && !allowed_bot {
        return Ok(Route::Ignored(IgnoreReason::Bot));
    }
    let work = Work {
        payload,
        actor: &sender.login,
        bot_name,
        repository_id: repository.map(|repository| repository.id),
    };
    let route = handler(&work, action)?;
    let creates_work = matches!(route, Route::Run(_) | Route::Control(_));
    Ok(if creates_work && installation.is_none() {
        Route::Ignored(IgnoreReason::NoInstallation)
    } else {
        route
    })
}

/// The App acts on GitHub as `<bot_name>[bot]`; GitHub logins are case-insensitive.
fn is_own_login(login: &str, bot_name: &str) -> bool {
    const SUFFIX: &str = "[bot]";
    let split = login.len().saturating_sub(SUFFIX.len());
    match (login.get(..split), login.get(split..)) {
        (Some(name), Some(suffix)) => {
            suffix.eq_ignore_ascii_case(SUFFIX) && name.eq_ignore_ascii_case(bot_name)
        }
        _ => false,
    }
}

fn installation_change(payload: &Payload<'_>, action: &str) -> Result<Route, ParseError> {
    let (repositories_added, repositories_removed) = match (payload.event(), action) {
        ("installation", "created") => (full_names(payload, "repositories", false)?, Vec::new()),
        ("installation", "deleted") => (Vec::new(), full_names(payload, "repositories", false)?),
        ("installation", _) => (Vec::new(), Vec::new()),
        (_, "added" | "removed") => (
            full_names(payload, "repositories_added", true)?,
            full_names(payload, "repositories_removed", true)?,
        ),
        _ => return Ok(Route::Ignored(IgnoreReason::UnhandledAction)),
    };
    Ok(Route::Installation(InstallationChange {
        action: action.to_owned(),
        repositories_added,
        repositories_removed,
    }))
}

/// The `full_name`s of the repository list at `path`.
fn full_names(
    payload: &Payload<'_>,
    path: &'static str,
    required: bool,
) -> Result<Vec<String>, ParseError> {
    let Some(list) = payload.get(path) else {
        return if required {
            Err(payload.missing(path))
        } else {
            Ok(Vec::new())
        };
    };
    list.as_array()
        .ok_or_else(|| payload.missing(path))?
        .iter()
        .map(|repository| {
            repository
                .get("full_name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| payload.missing(path))
        })
        .collect()
}

/// An event from a person that may ask for work.
struct Work<'a> {
    payload: &'a Payload<'a>,
    actor: &'a str,
    bot_name: &'a str,
    repository_id: Option<i64>,
}

impl<'a> Work<'a> {
    fn issue_comment(&self, action: &str) -> Result<Route, ParseError> {
        if action != "created" {
            return Ok(Route::Ignored(IgnoreReason::UnhandledAction));
        }
        let body = self.payload.str("comment.body")?;
        let comment = CommentRef::Issue(self.payload.i64("comment.id")?);
        let number = self.payload.i64("issue.number")?;
        // GitHub delivers PR conversation comments as issue comments, marked this way.
        let target = if self.payload.get("issue.pull_request").is_some() {
            Target::PullRequest(number)
        } else {
            Target::Issue(number)
        };
        Ok(self.on_mention(Some(body), self.origin(target, Some(comment))))
    }

    fn issues(&self, action: &str) -> Result<Route, ParseError> {
        let target = Target::Issue(self.payload.i64("issue.number")?);
        let asked = match action {
            "opened" => {
                let body = self.payload.opt_str("issue.body")?;
                return Ok(self.on_mention(body, self.origin(target, None)));
            }
            "assigned" => is_own_login(self.payload.str("assignee.login")?, self.bot_name),
            "labeled" => self
                .payload
                .str("label.name")?
                .eq_ignore_ascii_case(TRIGGER_LABEL),
            _ => false,
        };
        Ok(if asked {
            self.origin(target, None).run(RunKind::Fix, String::new())
        } else {
            Route::Ignored(IgnoreReason::UnhandledAction)
        })
    }

    fn review_comment(&self, action: &str) -> Result<Route, ParseError> {
        if action != "created" {
            return Ok(Route::Ignored(IgnoreReason::UnhandledAction));
        }
        let body = self.payload.str("comment.body")?;
        let comment = CommentRef::Review(self.payload.i64("comment.id")?);
        Ok(self.on_mention(Some(body), self.pull_request_origin(Some(comment))?))
    }

    fn review(&self, action: &str) -> Result<Route, ParseError> {
        if action != "submitted" {
            return Ok(Route::Ignored(IgnoreReason::UnhandledAction));
        }
        let body = self.payload.opt_str("review.body")?;
        Ok(self.on_mention(body, self.pull_request_origin(None)?))
    }

    fn check_run(&self, action: &str) -> Result<Route, ParseError> {
        if action != "requested_action" {
            return Ok(Route::Ignored(IgnoreReason::UnhandledAction));
        }
        let identifier = self.payload.str("requested_action.identifier")?;
        let check_run_id = self.payload.i64("check_run.id")?;
        let head_sha = self.payload.str("check_run.head_sha")?;
        let pull_requests = self
            .payload
            .get("check_run.pull_requests")
            .and_then(Value::as_array)
            .ok_or_else(|| self.payload.missing("check_run.pull_requests"))?;
        // A check run on a commit that no open PR points at has nowhere to publish a fix.
        let (true, Some(pull_request)) = (identifier == FIX_ACTION, pull_requests.first()) else {
            return Ok(Route::Ignored(IgnoreReason::UnhandledAction));
        };
        let number = pull_request
            .get("number")
            .and_then(Value::as_i64)
            .ok_or_else(|| self.payload.missing("check_run.pull_requests.number"))?;
        let origin = Origin {
            head_ref: pull_request
                .get("head")
                .and_then(|head| head.get("ref"))
                .and_then(Value::as_str),
            head_sha: Some(head_sha),
            check_run_id: Some(check_run_id),
            ..self.origin(Target::PullRequest(number), None)
        };
        Ok(origin.run(RunKind::Fix, String::new()))
    }

    fn origin(&self, target: Target, comment: Option<CommentRef>) -> Origin<'a> {
        Origin {
            actor: self.actor,
            target,
            comment,
            head_ref: None,
            head_sha: None,
            check_run_id: None,
            on_redgreen_branch: false,
        }
    }

    /// Review comments and reviews carry the PR, including its head branch.
    fn pull_request_origin(&self, comment: Option<CommentRef>) -> Result<Origin<'a>, ParseError> {
        let number = self.payload.i64("pull_request.number")?;
        let head_ref = self.payload.str("pull_request.head.ref")?;
        let head_sha = self.payload.str("pull_request.head.sha")?;
        // A fork's branch may be named `redgreen/...` too, but redgreen can only push to its
        // own repository, so only a same-repository branch is one it can follow up on.
        let head_repository = self
            .payload
            .get("pull_request.head.repo.id")
            .and_then(Value::as_i64);
        let on_redgreen_branch = head_ref.starts_with(BRANCH_PREFIX)
            && head_repository.is_some()
            && head_repository == self.repository_id;
        Ok(Origin {
            head_ref: Some(head_ref),
            head_sha: Some(head_sha),
            on_redgreen_branch,
            ..self.origin(Target::PullRequest(number), comment)
        })
    }

    fn on_mention(&self, text: Option<&str>, origin: Origin<'_>) -> Route {
        match text.and_then(|text| find_mention(text, self.bot_name)) {
            Some(mention) => origin.command(mention),
            None => Route::Ignored(IgnoreReason::NoMention),
        }
    }
}

/// Where and by whom work was asked for.
struct Origin<'a> {
    actor: &'a str,
    target: Target,
    comment: Option<CommentRef>,
    head_ref: Option<&'a str>,
    head_sha: Option<&'a str>,
    check_run_id: Option<i64>,
    on_redgreen_branch: bool,
}

impl Origin<'_> {
    fn command(self, mention: Mention) -> Route {
        match mention.command.starts_run() {
            // On redgreen's own PR, "fix" (or free text) means: add a commit to this branch.
            Some(RunKind::Fix) if self.on_redgreen_branch => {
                self.run(RunKind::FollowUp, mention.instructions)
            }
            Some(kind) => self.run(kind, mention.instructions),
            None => Route::Control(ControlRequest {
                command: mention.command,
                target: self.target,
                actor: self.actor.to_owned(),
                comment: self.comment,
            }),
        }
    }

    fn run(self, kind: RunKind, instructions: String) -> Route {
        Route::Run(RunRequest {
            kind,
            target: self.target,
            actor: self.actor.to_owned(),
            instructions,
            comment: self.comment,
            head_ref: self.head_ref.map(str::to_owned),
            head_sha: self.head_sha.map(str::to_owned),
            check_run_id: self.check_run_id,
        })
    }
}
