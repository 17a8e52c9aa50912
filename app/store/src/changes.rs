//! The run events and audit entries each change writes, decided once for both backends so
//! that SQLite and PostgreSQL record the same history for the same calls.

use redgreen_core::{InstallationId, RunId, RunState};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::model::{NewDelivery, NewRun, RepositoryRef, RunRecord, RunTransition};

/// The audit chain of app-level entries (deliveries without an installation).
const SYSTEM_CHAIN: i64 = 0;

/// A run event to append (its `seq` is the run's next).
pub(crate) struct NewEvent {
    pub kind: &'static str,
    pub state: RunState,
    pub message: String,
    pub data: serde_json::Value,
}

/// An audit entry to append to a chain.
pub(crate) struct NewAudit {
    pub kind: &'static str,
    pub subject: String,
    /// JSON text; hashed exactly as stored.
    pub data: String,
}

/// The audit chain a delivery's entries go to.
pub(crate) fn delivery_chain(delivery: &NewDelivery) -> i64 {
    delivery.installation.map_or(SYSTEM_CHAIN, |i| i.0)
}

/// The run a delivery creates, with the installation and repository it belongs to.
pub(crate) struct RunToCreate<'a> {
    pub run: &'a NewRun,
    pub installation: InstallationId,
    pub repository: &'a RepositoryRef,
}

/// The run `delivery` asks to create, if any; a run without an installation and a repository
/// would belong to no tenant, so that is refused before anything is written.
pub(crate) fn run_to_create(delivery: &NewDelivery) -> Result<Option<RunToCreate<'_>>, StoreError> {
    let Some(run) = &delivery.run else {
        return Ok(None);
    };
    match (delivery.installation, &delivery.repository) {
        (Some(installation), Some(repository)) => Ok(Some(RunToCreate {
            run,
            installation,
            repository,
        })),
        _ => Err(StoreError::NotFound {
            what: format!(
                "installation and repository for run {} (delivery {})",
                run.id, delivery.id
            ),
        }),
    }
}

/// The audit entry of a recorded delivery. It carries the payload's digest rather than the
/// payload, so the chain also vouches for the stored payload without growing with it.
pub(crate) fn delivery_recorded(delivery: &NewDelivery) -> NewAudit {
    let data = json!({
        "event": delivery.event,
        "action": delivery.action,
        "outcome": delivery.outcome,
        "reason": delivery.reason,
        "repository": delivery.repository.as_ref().map(|r| &r.full_name),
        "payload_sha256": hex::encode(Sha256::digest(delivery.payload.as_bytes())),
    });
    NewAudit {
        kind: "delivery",
        subject: delivery.id.0.clone(),
        data: data.to_string(),
    }
}

/// The first event and the audit entry of a new run.
pub(crate) fn run_created(
    delivery: &NewDelivery,
    create: &RunToCreate<'_>,
) -> (NewEvent, NewAudit) {
    let run = create.run;
    let event = NewEvent {
        kind: "created",
        state: RunState::Queued,
        message: format!("{} requested by {}", run.kind, run.actor),
        data: json!({ "delivery": delivery.id }),
    };
    let audit = NewAudit {
        kind: "run_created",
        subject: run.id.to_string(),
        data: json!({
            "kind": run.kind,
            "repository": create.repository.full_name,
            "issue": run.issue,
            "pull_request": run.pull_request,
            "actor": run.actor,
            "delivery": delivery.id,
        })
        .to_string(),
    };
    (event, audit)
}

/// A transition is refused up front when it starts from a terminal state: terminal runs never
/// move again, whatever the caller believes.
pub(crate) fn check_transition(id: RunId, transition: &RunTransition) -> Result<(), StoreError> {
    if transition.from.is_terminal() {
        return Err(StoreError::Conflict {
            what: format!("run {id} cannot leave terminal state {}", transition.from),
        });
    }
    Ok(())
}

/// The event and audit entry of a transition.
pub(crate) fn transitioned(id: RunId, transition: &RunTransition) -> (NewEvent, NewAudit) {
    let event = NewEvent {
        kind: "transition",
        state: transition.to,
        message: transition.message.clone(),
        data: transition.data.clone(),
    };
    let audit = NewAudit {
        kind: "run_transition",
        subject: id.to_string(),
        data: json!({
            "from": transition.from,
            "to": transition.to,
            "event": transition.event_kind,
            "pr_url": transition.pr_url,
        })
        .to_string(),
    };
    (event, audit)
}

/// What a transition that matched no row means: the run is elsewhere, or not visible.
pub(crate) fn transition_refused(
    id: RunId,
    transition: &RunTransition,
    current: Option<RunState>,
) -> StoreError {
    match current {
        Some(state) => StoreError::Conflict {
            what: format!(
                "run {id} is {state}, not {}; cannot move it to {}",
                transition.from, transition.to
            ),
        },
        None => StoreError::NotFound {
            what: format!("run {id}"),
        },
    }
}

/// What a cancel request does to a run.
pub(crate) struct CancelChange {
    pub state: RunState,
    /// Whether the run's queued tasks are cancelled with it (it never started).
    pub cancel_tasks: bool,
    pub event: NewEvent,
    pub audit: NewAudit,
}

/// A queued run is cancelled at once; a running one is flagged for its worker to stop at the
/// next step. A terminal run, or one already flagged, is left as it is (`None`).
pub(crate) fn cancel_change(run: &RunRecord, actor: &str) -> Option<CancelChange> {
    if run.state.is_terminal() || run.cancel_requested {
        return None;
    }
    let at_once = run.state == RunState::Queued;
    let (state, kind, message) = if at_once {
        (
            RunState::Cancelled,
            "cancelled",
            format!("cancelled by {actor} before it started"),
        )
    } else {
        (
            run.state,
            "cancel_requested",
            format!("cancel requested by {actor}"),
        )
    };
    Some(CancelChange {
        state,
        cancel_tasks: at_once,
        event: NewEvent {
            kind,
            state,
            message,
            data: json!({ "actor": actor }),
        },
        audit: NewAudit {
            kind: "cancel_requested",
            subject: run.id.to_string(),
            data: json!({
                "actor": actor,
                "state": run.state,
                "cancelled": at_once,
            })
            .to_string(),
        },
    })
}
