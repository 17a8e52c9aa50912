//! Turning a parsed, verified delivery into the one store write that records it: the
//! delivery itself, plus the run and the queue task its route asks for.
//!
//! A denied command gets no run; when the trigger check has a reply for the actor, the
//! delivery carries one `reply` task, so that the comment is posted by a worker, off the
//! webhook's path, and at most once per delivery (a redelivery writes nothing, and the worker
//! looks for the delivery's marker before posting).

use redgreen_core::webhook::{Envelope, IgnoreReason, Route, Target};
use redgreen_core::{DeliveryId, RunId, TaskId, Timestamp};
use redgreen_store::{NewDelivery, NewRun, NewTask, RepositoryRef};
use uuid::Uuid;

use crate::trigger::{DenialReply, Verdict};

/// Attempts a task gets before it is dead-lettered.
const TASK_MAX_ATTEMPTS: i32 = 5;

/// The store write for `envelope`. `payload` is kept verbatim for the record. `verdict` is
/// the trigger check's verdict on the command the envelope asks for: a denied command is
/// recorded as `denied`, with the policies that denied it, and creates no run; its only task
/// is the reply to the actor, when the verdict has one.
pub(crate) fn new_delivery(
    id: DeliveryId,
    envelope: Envelope,
    payload: &[u8],
    now: Timestamp,
    verdict: Option<&Verdict>,
) -> Result<NewDelivery, serde_json::Error> {
    let Envelope {
        event,
        action,
        installation,
        repository,
        sender: _,
        route,
    } = envelope;
    let repository = repository.map(|r| RepositoryRef {
        github_id: r.id,
        full_name: r.full_name,
        clone_url: r.clone_url,
    });
    let mut delivery = NewDelivery {
        id: id.clone(),
        event,
        action,
        installation,
        repository,
        outcome: "accepted".to_owned(),
        reason: None,
        payload: String::from_utf8_lossy(payload).into_owned(),
        received_at: now,
        run: None,
        task: None,
    };
    let task = |kind: &str, run: Option<RunId>, payload: serde_json::Value| NewTask {
        id: TaskId(Uuid::now_v7()),
        kind: kind.to_owned(),
        installation,
        run,
        payload,
        max_attempts: TASK_MAX_ATTEMPTS,
        run_at: now,
    };
    let asked = match &route {
        Route::Run(request) => Some((request.target, request.actor.as_str())),
        Route::Control(control) => Some((control.target, control.actor.as_str())),
        _ => None,
    };
    if let (Some((target, actor)), Some(verdict)) = (asked, verdict)
        && !verdict.decision.allowed
    {
        let decision = &verdict.decision;
        delivery.outcome = "denied".to_owned();
        delivery.reason = Some(format!(
            "{} [policy: {}]",
            decision.reason,
            decision.policy_ids.join(", ")
        ));
        if let (Some(body), Some(repository)) = (&verdict.reply, &delivery.repository)
            && installation.is_some()
        {
            let reply = DenialReply {
                delivery: id.0,
                repository: repository.full_name.clone(),
                target,
                actor: actor.to_owned(),
                body: body.clone(),
            };
            delivery.task = Some(task("reply", None, serde_json::to_value(&reply)?));
        }
        return Ok(delivery);
    }
    match route {
        Route::Run(request) => {
            // A run belongs to a tenant and a repository; a payload that names neither is
            // recorded but cannot start one.
            if installation.is_none() {
                return Ok(ignored(delivery, IgnoreReason::NoInstallation.as_str()));
            }
            if delivery.repository.is_none() {
                return Ok(ignored(delivery, "no_repository"));
            }
            let run = RunId(Uuid::now_v7());
            let (issue, pull_request) = match request.target {
                Target::Issue(n) => (Some(n), None),
                Target::PullRequest(n) => (None, Some(n)),
            };
            delivery.reason = Some(format!("{} run", request.kind));
            delivery.task = Some(task(
                "run",
                Some(run),
                serde_json::Value::Object(serde_json::Map::new()),
            ));
            delivery.run = Some(NewRun {
                id: run,
                kind: request.kind,
                issue,
                pull_request,
                actor: request.actor.clone(),
                request: serde_json::to_value(&request)?,
            });
        }
        Route::Control(control) => {
            delivery.reason = Some(format!("{} command", control.command.as_str()));
            // The request names an issue or PR by number only; the worker also needs the
            // repository to find its runs. An extra key keeps the payload readable as a
            // plain `ControlRequest`.
            let mut payload = serde_json::to_value(&control)?;
            if let (Some(object), Some(repository)) =
                (payload.as_object_mut(), delivery.repository.as_ref())
            {
                object.insert(
                    "repository".to_owned(),
                    serde_json::Value::String(repository.full_name.clone()),
                );
            }
            delivery.task = Some(task("control", None, payload));
        }
        Route::Installation(change) => {
            delivery.reason = Some(format!("installation {}", change.action));
            delivery.task = Some(task("installation", None, serde_json::to_value(&change)?));
        }
        Route::Ping => delivery.reason = Some("ping".to_owned()),
        Route::Ignored(reason) => return Ok(ignored(delivery, reason.as_str())),
    }
    Ok(delivery)
}

fn ignored(mut delivery: NewDelivery, reason: &str) -> NewDelivery {
    delivery.outcome = "ignored".to_owned();
    delivery.reason = Some(reason.to_owned());
    delivery
}
