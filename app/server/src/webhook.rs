//! `POST /webhooks/github`: check the delivery (content type, size, headers, signature),
//! parse and route it, and record it with its run and task in one store write.
//!
//! The answers are a fixed contract (PRODUCT.md, "Webhook answers"): 415, 413, 400 for a
//! missing header, 401, 400 for malformed JSON, then 202 for everything recorded, including
//! ignored events and redeliveries. Two more protect the endpoint from senders without the
//! secret: 408 for a body not arrived by its deadline, 503 while the budget of unverified
//! bytes stays full (`crate::limits`).

mod body;
mod record;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use redgreen_core::webhook::{Envelope, Route, parse_with_bots};
use redgreen_core::{Command, DeliveryId, RunId, RunKind, TaskId};
use redgreen_store::Recorded;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio::time::Instant;
use tracing::Instrument;

use crate::clock;
use crate::error::HttpError;
use crate::metrics::event_label;
use crate::state::AppState;
use crate::trigger::Trigger;
use body::{BodyRead, linger, read_signed};
use redgreen_core::webhook::SignatureCheck;

/// A delivery whose signature matched: from GitHub (or whoever holds the secret).
struct Verified {
    delivery: DeliveryId,
    event: String,
    body: Bytes,
}

/// A delivery refused before its signature was verified.
struct Refusal {
    error: HttpError,
    /// Some of the body is left unread (or is being discarded): the answer closes the
    /// connection, which cannot carry another request after it.
    close: bool,
}

impl Refusal {
    fn into_response(self) -> Response {
        let mut response = self.error.into_response();
        if self.close {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// The 202 body: what redgreen did with the delivery.
#[derive(Serialize)]
struct Answer {
    delivery: String,
    /// `accepted`, `ignored` or `duplicate`.
    outcome: String,
    reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<RunId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<TaskId>,
}

pub(crate) async fn receive(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Header values are logged before the signature is checked; they are ids, not secrets.
    let span = tracing::info_span!(
        "webhook",
        delivery = header_value(&parts.headers, "x-github-delivery").unwrap_or_default(),
        event = header_value(&parts.headers, "x-github-event").unwrap_or_default(),
        installation = tracing::field::Empty,
    );
    async move {
        let verified = match verify(&state, &parts.headers, body).await {
            Ok(verified) => verified,
            Err(refusal) => {
                // The event header of an unverified request is anyone's to choose: it must
                // not become a metrics label, or label cardinality is theirs to inflate.
                state.metrics.delivery("unverified", refusal.error.kind());
                tracing::warn!(
                    status = refusal.error.status().as_u16(),
                    kind = refusal.error.kind(),
                    "webhook refused"
                );
                return refusal.into_response();
            }
        };
        // Even a signed event name is a label only when it is one redgreen knows.
        let event = event_label(&verified.event);
        match record(&state, &verified).await {
            Ok(answer) => {
                state.metrics.delivery(event, &answer.outcome);
                tracing::info!(
                    outcome = %answer.outcome,
                    reason = %answer.reason,
                    run = answer.run.map(|run| run.to_string()),
                    "webhook recorded"
                );
                (StatusCode::ACCEPTED, Json(answer)).into_response()
            }
            Err(refusal) => {
                state.metrics.delivery(event, refusal.kind());
                tracing::warn!(
                    status = refusal.status().as_u16(),
                    kind = refusal.kind(),
                    "webhook not recorded"
                );
                refusal.into_response()
            }
        }
    }
    .instrument(span)
    .await
}

/// Everything up to and including the signature check. Nothing here parses the body.
///
/// Whatever the headers alone can refuse (including a missing or malformed signature) is
/// refused before any body byte is read; the body is then read under the size limit, the
/// body deadline and the unverified-bytes budget, and hashed as it arrives.
async fn verify(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Verified, Refusal> {
    let limit = state.config.max_body_bytes;
    let linger_for = state.config.limits.body_timeout;
    let refuse_unread = |error: HttpError, body: Body| Refusal {
        close: linger(body, limit, linger_for, expects_continue(headers)),
        error,
    };
    let (delivery, event, mut signature) = match check_headers(state, headers) {
        Ok(found) => found,
        Err(error) => return Err(refuse_unread(error, body)),
    };
    let deadline = Instant::now() + state.config.limits.body_timeout;
    let refuse = |error: HttpError| Refusal { error, close: true };
    let unverified = match read_signed(
        body,
        limit,
        deadline,
        linger_for,
        &state.unverified_bytes,
        &mut signature,
    )
    .await
    {
        BodyRead::Complete(unverified) => unverified,
        BodyRead::TooLarge => return Err(refuse(HttpError::PayloadTooLarge { limit })),
        BodyRead::TimedOut => return Err(refuse(HttpError::BodyTimeout)),
        BodyRead::Busy => return Err(refuse(HttpError::Busy)),
        BodyRead::Failed => return Err(refuse(HttpError::UnreadableBody)),
    };
    // The body was read whole, so the connection may carry another request after a 401.
    signature.verify().map_err(|error| Refusal {
        error: error.into(),
        close: false,
    })?;
    Ok(Verified {
        delivery: DeliveryId(delivery.to_owned()),
        event: event.to_owned(),
        body: unverified.into_bytes(),
    })
}

/// The refusals decided by headers alone, in the contract's order of precedence; then the
/// signature header, parsed so that the body can be hashed as it streams in.
fn check_headers<'a>(
    state: &'a AppState,
    headers: &'a HeaderMap,
) -> Result<(&'a str, &'a str, SignatureCheck), HttpError> {
    let is_json = header_value(headers, header::CONTENT_TYPE.as_str())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(HttpError::UnsupportedMediaType);
    }
    let limit = state.config.max_body_bytes;
    let declared = header_value(headers, header::CONTENT_LENGTH.as_str())
        .and_then(|value| value.parse::<u64>().ok());
    // Answered before any body byte is read: a declared size says enough.
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(HttpError::PayloadTooLarge { limit });
    }
    let event = header_value(headers, "x-github-event")
        .ok_or(HttpError::MissingHeader("X-GitHub-Event"))?;
    let delivery = header_value(headers, "x-github-delivery")
        .ok_or(HttpError::MissingHeader("X-GitHub-Delivery"))?;
    let secret: &SecretString = state
        .config
        .webhook_secret
        .as_ref()
        .ok_or(HttpError::WebhookSecretUnset)?;
    let signature = SignatureCheck::start(
        secret.expose_secret().as_bytes(),
        header_value(headers, "x-hub-signature-256"),
    )?;
    Ok((delivery, event, signature))
}

/// Whether the client waits for `100 Continue` before sending its body.
fn expects_continue(headers: &HeaderMap) -> bool {
    header_value(headers, header::EXPECT.as_str())
        .is_some_and(|value| value.eq_ignore_ascii_case("100-continue"))
}

/// Parses, routes and stores a verified delivery.
async fn record(state: &AppState, verified: &Verified) -> Result<Answer, HttpError> {
    let envelope = parse_with_bots(
        &verified.event,
        &verified.body,
        &state.config.bot_name,
        state.trigger.allowed_bots(),
    )?;
    if let Some(installation) = envelope.installation {
        tracing::Span::current().record("installation", installation.0);
    }
    let decision = match trigger_in(&envelope) {
        Some(trigger) => Some(state.trigger.decide(trigger).await),
        None => None,
    };
    let delivery = record::new_delivery(
        verified.delivery.clone(),
        envelope,
        &verified.body,
        clock::now(),
        decision.as_ref(),
    )?;
    let answer = match state.store.record_delivery(&delivery).await? {
        Recorded::New { run, task } => Answer {
            delivery: verified.delivery.0.clone(),
            outcome: delivery.outcome,
            reason: delivery.reason.unwrap_or_default(),
            run,
            task,
        },
        Recorded::Duplicate => Answer {
            delivery: verified.delivery.0.clone(),
            outcome: "duplicate".to_owned(),
            reason: "this delivery was already recorded; nothing changed".to_owned(),
            run: None,
            task: None,
        },
    };
    Ok(answer)
}

/// The command `envelope` asks for, for the trigger check; `None` when it asks for none (or
/// names no tenant and repository, which `record::new_delivery` records as ignored).
fn trigger_in(envelope: &Envelope) -> Option<Trigger<'_>> {
    let (actor, command) = match &envelope.route {
        Route::Run(request) => (&request.actor, command_of(request.kind)),
        Route::Control(control) => (&control.actor, control.command),
        Route::Installation(_) | Route::Ping | Route::Ignored(_) => return None,
    };
    Some(Trigger {
        installation: envelope.installation?,
        repository: &envelope.repository.as_ref()?.full_name,
        actor,
        command,
    })
}

/// The command a run kind answers to; a follow-up on a redgreen PR changes code like `fix`.
fn command_of(kind: RunKind) -> Command {
    match kind {
        RunKind::Fix | RunKind::FollowUp => Command::Fix,
        RunKind::Plan => Command::Plan,
        RunKind::Test => Command::Test,
        RunKind::Recommend => Command::Recommend,
    }
}

/// A header's value, if present, valid text and not blank.
fn header_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}
