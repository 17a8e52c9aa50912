//! The parts of a webhook payload redgreen needs, parsed from the raw bytes GitHub signed.

use serde::Serialize;
use serde_json::Value;

use crate::ids::InstallationId;
use crate::webhook::route::{self, Route};

/// Who sent an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub login: String,
    pub id: i64,
    pub kind: ActorKind,
}

/// GitHub's `sender.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    Bot,
    Organization,
}

/// The repository an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repository {
    pub id: i64,
    /// `owner/name`.
    pub full_name: String,
    pub clone_url: String,
    pub default_branch: Option<String>,
}

/// A parsed delivery: who, where, and what redgreen should do with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Envelope {
    /// The `X-GitHub-Event` header.
    pub event: String,
    /// The payload's `action`, when it has one.
    pub action: Option<String>,
    pub installation: Option<InstallationId>,
    pub repository: Option<Repository>,
    pub sender: Option<Actor>,
    pub route: Route,
}

/// A payload that cannot be read as the event it claims to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not JSON, or not a JSON object.
    #[error("malformed JSON payload: {0}")]
    MalformedJson(String),
    /// Valid JSON, but a field this event must carry is missing or of the wrong type.
    #[error("payload for {event:?} lacks a valid {field}")]
    MissingField { event: String, field: &'static str },
}

impl ParseError {
    /// Parse errors are properties of the bytes: retrying cannot help.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// Parses a delivery's body as the event named by its `X-GitHub-Event` header and routes it.
/// `bot_name` is the mention handle (`REDGREEN_BOT_NAME`), without the `@`.
///
/// Events redgreen handles must be well formed; for any other event only the common fields
/// are read, and those that are malformed are left out, since GitHub adds events freely.
pub fn parse(event: &str, body: &[u8], bot_name: &str) -> Result<Envelope, ParseError> {
    parse_with_bots(event, body, bot_name, &[])
}

/// Like [`parse`], but a bot whose login is in `allowed_bots` (case-insensitive, e.g.
/// `dependabot[bot]`) is routed like a person, so that its command reaches the trigger check
/// instead of being ignored. redgreen's own account is ignored whatever the list says.
pub fn parse_with_bots(
    event: &str,
    body: &[u8],
    bot_name: &str,
    allowed_bots: &[String],
) -> Result<Envelope, ParseError> {
    let json: Value = serde_json::from_slice(body)
        .map_err(|error| ParseError::MalformedJson(error.to_string()))?;
    if !json.is_object() {
        return Err(ParseError::MalformedJson("expected a JSON object".into()));
    }
    let payload = Payload { event, json: &json };
    let strict = route::is_handled(event);
    let action = strictly(strict, payload.opt_str("action"))?;
    let installation = strictly(strict, installation(&payload))?;
    let repository = strictly(strict, repository(&payload))?;
    let sender = strictly(strict, sender(&payload))?;
    let route = route::route(
        &payload,
        action,
        installation,
        repository.as_ref(),
        sender.as_ref(),
        bot_name,
        allowed_bots,
    )?;
    Ok(Envelope {
        event: event.to_owned(),
        action: action.map(str::to_owned),
        installation,
        repository,
        sender,
        route,
    })
}

/// For a handled event a malformed field is an error; otherwise it is treated as absent.
fn strictly<T>(
    strict: bool,
    field: Result<Option<T>, ParseError>,
) -> Result<Option<T>, ParseError> {
    if strict {
        field
    } else {
        Ok(field.ok().flatten())
    }
}

fn installation(payload: &Payload<'_>) -> Result<Option<InstallationId>, ParseError> {
    if payload.get("installation").is_none() {
        return Ok(None);
    }
    payload
        .i64("installation.id")
        .map(|id| Some(InstallationId(id)))
}

fn repository(payload: &Payload<'_>) -> Result<Option<Repository>, ParseError> {
    if payload.get("repository").is_none() {
        return Ok(None);
    }
    Ok(Some(Repository {
        id: payload.i64("repository.id")?,
        full_name: payload.str("repository.full_name")?.to_owned(),
        clone_url: payload.str("repository.clone_url")?.to_owned(),
        default_branch: payload
            .opt_str("repository.default_branch")?
            .map(str::to_owned),
    }))
}

fn sender(payload: &Payload<'_>) -> Result<Option<Actor>, ParseError> {
    if payload.get("sender").is_none() {
        return Ok(None);
    }
    let kind = match payload.str("sender.type")? {
        "User" => ActorKind::User,
        "Bot" => ActorKind::Bot,
        "Organization" => ActorKind::Organization,
        _ => return Err(payload.missing("sender.type")),
    };
    Ok(Some(Actor {
        login: payload.str("sender.login")?.to_owned(),
        id: payload.i64("sender.id")?,
        kind,
    }))
}

/// A payload's JSON, with typed access that names the missing field on failure.
pub(crate) struct Payload<'a> {
    event: &'a str,
    json: &'a Value,
}

impl<'a> Payload<'a> {
    pub(crate) fn event(&self) -> &'a str {
        self.event
    }

    /// The value at a dotted path (`comment.body`); JSON `null` counts as absent.
    pub(crate) fn get(&self, path: &str) -> Option<&'a Value> {
        path.split('.')
            .try_fold(self.json, |value, key| value.get(key))
            .filter(|value| !value.is_null())
    }

    pub(crate) fn missing(&self, field: &'static str) -> ParseError {
        ParseError::MissingField {
            event: self.event.to_owned(),
            field,
        }
    }

    pub(crate) fn str(&self, path: &'static str) -> Result<&'a str, ParseError> {
        self.get(path)
            .and_then(Value::as_str)
            .ok_or_else(|| self.missing(path))
    }

    pub(crate) fn i64(&self, path: &'static str) -> Result<i64, ParseError> {
        self.get(path)
            .and_then(Value::as_i64)
            .ok_or_else(|| self.missing(path))
    }

    /// A string that may be absent or `null`, but not of another type.
    pub(crate) fn opt_str(&self, path: &'static str) -> Result<Option<&'a str>, ParseError> {
        self.get(path)
            .map(|value| value.as_str().ok_or_else(|| self.missing(path)))
            .transpose()
    }
}
