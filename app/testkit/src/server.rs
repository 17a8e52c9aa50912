//! The stand-in's HTTP pipeline. Every request goes through the same steps, in GitHub's
//! order where it matters: match the operation in the contract (unknown → violation, 404),
//! check query and body against it (mismatch → violation), apply an injected fault, check
//! the credential (401/404), refuse a contract mismatch (422), then serve it. Every request
//! is recorded with the status it got.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use serde_json::{Value, json};

use crate::auth::{unix_now, verify_app_jwt};
use crate::fault::Fault;
use crate::handlers::{self, Call, Reply};
use crate::openapi::{contract, form_pairs};
use crate::recorded::{AuthKind, RecordedRequest};
use crate::resources::fake_sha;
use crate::world::World;

pub(crate) type SharedWorld = Arc<Mutex<World>>;

pub(crate) fn router(world: SharedWorld) -> Router {
    Router::new().fallback(handle).with_state(world)
}

/// A reply plus the headers a fault adds.
struct Answer {
    reply: Reply,
    headers: Vec<(&'static str, String)>,
}

impl From<Reply> for Answer {
    fn from(reply: Reply) -> Answer {
        Answer {
            reply,
            headers: Vec::new(),
        }
    }
}

async fn handle(
    State(world): State<SharedWorld>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received_at = std::time::Instant::now();
    // Nothing locked lives across the await below.
    let (answer, withheld) = {
        let mut world = world.lock();
        let path = uri.path().to_string();
        let query = uri.query().map(str::to_string);
        let (json_body, body_problem) = parse_body(&body);
        // An armed expiry fires before this request's credential is checked, so the request that
        // trips it is the first to be refused.
        if let Some(armed) = world
            .token_expiries
            .iter()
            .position(|(on, prefix)| *on == method && path.starts_with(prefix.as_str()))
        {
            world.token_expiries.remove(armed);
            for token in world.tokens.values_mut() {
                token.revoked = true;
            }
        }
        let auth = authenticate(&world, &headers);
        let mut recorded = RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            body: json_body.clone().or_else(|| {
                body_problem
                    .as_ref()
                    .map(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
            }),
            status: 0,
            auth: auth.kind.clone(),
            operation: None,
            received_at,
        };
        let answer = answer(
            &mut world,
            &method,
            &path,
            query.as_deref(),
            json_body.as_ref(),
            body_problem,
            &auth,
            &mut recorded,
        );
        recorded.status = answer.reply.status.as_u16();
        world.requests.push(recorded);
        let withheld = world
            .withheld_answers
            .iter()
            .position(|(on, prefix)| *on == method && path.starts_with(prefix.as_str()));
        if let Some(withheld) = withheld {
            world.withheld_answers.remove(withheld);
        }
        (answer, withheld.is_some())
    };
    if withheld {
        return std::future::pending().await;
    }
    respond(answer)
}

fn parse_body(body: &Bytes) -> (Option<Value>, Option<String>) {
    if body.iter().all(u8::is_ascii_whitespace) {
        return (None, None);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => (Some(value), None),
        Err(error) => (None, Some(format!("body is not JSON: {error}"))),
    }
}

struct Authenticated {
    kind: AuthKind,
    /// Why a credential was refused (GitHub's message).
    refusal: Option<String>,
}

fn authenticate(world: &World, headers: &HeaderMap) -> Authenticated {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    else {
        return Authenticated {
            kind: AuthKind::None,
            refusal: None,
        };
    };
    let credential = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .or_else(|| value.strip_prefix("token "))
        .unwrap_or("")
        .trim();
    // A JWT is three dot-separated parts; installation tokens have no dots.
    if credential.split('.').count() == 3 {
        return match verify_app_jwt(credential, world.app_id) {
            Ok(()) => Authenticated {
                kind: AuthKind::AppJwt,
                refusal: None,
            },
            Err(crate::error::TestkitError::Credential { reason }) => Authenticated {
                kind: AuthKind::Refused,
                refusal: Some(reason),
            },
            Err(other) => Authenticated {
                kind: AuthKind::Refused,
                refusal: Some(other.to_string()),
            },
        };
    }
    match world.tokens.get(credential) {
        Some(token) if token.is_live(std::time::SystemTime::now()) => Authenticated {
            kind: AuthKind::InstallationToken {
                installation: token.installation,
            },
            refusal: None,
        },
        _ => Authenticated {
            kind: AuthKind::Refused,
            refusal: Some("Bad credentials".to_string()),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn answer(
    world: &mut World,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: Option<&Value>,
    body_problem: Option<String>,
    auth: &Authenticated,
    recorded: &mut RecordedRequest,
) -> Answer {
    let described = format!("{method} {path}");
    if let Some(problem) = body_problem {
        world.violations.push(format!("{described}: {problem}"));
        return Reply::message(StatusCode::BAD_REQUEST, "Problems parsing JSON").into();
    }
    if let Some(merge) = merge_attempt(world, method, path, auth) {
        recorded.operation = Some("pulls/merge".to_string());
        return merge.into();
    }
    let contract = match contract() {
        Ok(contract) => contract,
        Err(error) => {
            world.violations.push(format!("{described}: {error}"));
            return Reply::message(StatusCode::INTERNAL_SERVER_ERROR, "Server Error").into();
        }
    };
    let Some(matched) = contract.find(method.as_str(), path) else {
        world.violations.push(format!(
            "{described}: no such operation in rest-openapi-subset.json"
        ));
        return Reply::not_found().into();
    };
    let operation = &matched.operation;
    recorded.operation = Some(operation.id.clone());
    let problems = operation.check_request(query, body, &matched.params);
    for problem in &problems {
        world.violations.push(format!(
            "{described} ({} {}): {problem}",
            operation.id, operation.template
        ));
    }
    if let Some(fault) = take_fault(world, method, path) {
        return fault_answer(&fault, auth);
    }
    if let Some(refused) = authorize(world, &operation.id, &matched.params, auth) {
        return refused.into();
    }
    if !problems.is_empty() {
        return Reply::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "message": format!("Invalid request.\n\n{}", problems.join("\n")),
                "documentation_url": "https://docs.github.com/rest",
                "status": "422",
            }),
        )
        .into();
    }
    let call = Call {
        params: &matched.params,
        query: form_pairs(query.unwrap_or("")),
        body,
    };
    let reply = handlers::serve(world, &operation.id, &call);
    if let Some(answered) = &reply.body {
        for mismatch in operation.check_response(reply.status.as_u16(), answered) {
            world.answer_mismatches.push(format!(
                "{described} ({}) {}: {mismatch}",
                operation.id,
                reply.status.as_u16()
            ));
        }
    }
    reply.into()
}

/// `PUT /repos/{owner}/{repo}/pulls/{n}/merge` is not in the contract (redgreen must never
/// merge) but GitHub would serve it, so the stand-in does too, and records a violation: a
/// test in which anything merges fails.
fn merge_attempt(
    world: &mut World,
    method: &Method,
    path: &str,
    auth: &Authenticated,
) -> Option<Reply> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let ["repos", owner, repo, "pulls", number, "merge"] = segments.as_slice() else {
        return None;
    };
    if method != Method::PUT {
        return None;
    }
    world.violations.push(format!(
        "PUT {path}: the merge endpoint was called; redgreen must never merge"
    ));
    let full_name = format!("{owner}/{repo}");
    if !matches!(auth.kind, AuthKind::InstallationToken { .. }) {
        return Some(Reply::message(StatusCode::UNAUTHORIZED, "Bad credentials"));
    }
    let number: u64 = number.parse().unwrap_or(0);
    let Some(pull) = world
        .repository_mut(&full_name)
        .and_then(|found| found.pulls.get_mut(&number))
    else {
        return Some(Reply::not_found());
    };
    pull["state"] = json!("closed");
    pull["merged"] = json!(true);
    let sha = fake_sha(&format!("merge {full_name} {number}"));
    Some(Reply::ok(json!({
        "sha": sha,
        "merged": true,
        "message": "Pull Request successfully merged",
    })))
}

fn take_fault(world: &mut World, method: &Method, path: &str) -> Option<Fault> {
    let fault = world
        .faults
        .iter_mut()
        .find(|fault| fault.matches(method, path))?;
    fault.times -= 1;
    let fired = fault.clone();
    world.faults.retain(|fault| fault.times > 0);
    Some(fired)
}

fn fault_answer(fault: &Fault, auth: &Authenticated) -> Answer {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = Vec::new();
    if let Some(seconds) = fault.retry_after_secs {
        headers.push(("retry-after", seconds.to_string()));
    }
    let message = if let Some(reset) = fault.ratelimit_reset {
        headers.push(("x-ratelimit-remaining", "0".to_string()));
        headers.push(("x-ratelimit-reset", reset.to_string()));
        headers.push(("x-ratelimit-used", "5000".to_string()));
        match auth.kind {
            AuthKind::InstallationToken { installation } => {
                format!("API rate limit exceeded for installation ID {installation}.")
            }
            _ => "API rate limit exceeded.".to_string(),
        }
    } else {
        match fault.status {
            403 | 429 => "You have exceeded a secondary rate limit. Please wait a few minutes \
                          before you try again. If you reach out to GitHub Support for help, \
                          please include the request ID."
                .to_string(),
            422 => "Validation Failed".to_string(),
            500 => "Server Error".to_string(),
            502 => "Bad Gateway".to_string(),
            503 => "Service Unavailable".to_string(),
            _ => status
                .canonical_reason()
                .unwrap_or("Injected fault")
                .to_string(),
        }
    };
    let documentation_url = if fault.status == 403 || fault.status == 429 {
        "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
    } else {
        "https://docs.github.com/rest"
    };
    Answer {
        reply: Reply::json(
            status,
            json!({
                "message": message,
                "documentation_url": documentation_url,
                "status": fault.status.to_string(),
            }),
        ),
        headers,
    }
}

/// The credential check for one operation; `None` means go ahead.
fn authorize(
    world: &World,
    operation: &str,
    params: &std::collections::BTreeMap<String, String>,
    auth: &Authenticated,
) -> Option<Reply> {
    let refused = |auth: &Authenticated| {
        Reply::message(
            StatusCode::UNAUTHORIZED,
            auth.refusal.as_deref().unwrap_or("Bad credentials"),
        )
    };
    if operation == "rate-limit/get" {
        return match auth.kind {
            AuthKind::Refused => Some(refused(auth)),
            _ => None,
        };
    }
    if operation.starts_with("apps/") {
        return match auth.kind {
            AuthKind::AppJwt => None,
            AuthKind::InstallationToken { .. } => Some(Reply::message(
                StatusCode::UNAUTHORIZED,
                "A JSON web token could not be decoded",
            )),
            _ => Some(refused(auth)),
        };
    }
    match auth.kind {
        AuthKind::InstallationToken { installation } => {
            let full_name = format!(
                "{}/{}",
                params.get("owner").map_or("", String::as_str),
                params.get("repo").map_or("", String::as_str)
            );
            // Another installation's repository, or none at all: GitHub does not reveal
            // which, both are 404.
            match world.repository(&full_name) {
                Some(found) if found.installation == installation => None,
                _ => Some(Reply::not_found()),
            }
        }
        AuthKind::AppJwt => Some(Reply::message(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
        )),
        AuthKind::None | AuthKind::Refused => Some(refused(auth)),
    }
}

fn respond(answer: Answer) -> Response {
    let Answer { reply, headers } = answer;
    let mut response = match reply.body {
        Some(body) => (
            reply.status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body.to_string(),
        )
            .into_response(),
        None => reply.status.into_response(),
    };
    let map = response.headers_mut();
    let reset = (unix_now() + 3600).to_string();
    for (name, value) in [
        ("x-github-api-version-selected", "2022-11-28".to_string()),
        ("x-github-request-id", fake_sha(&reset)[..16].to_uppercase()),
        ("x-ratelimit-limit", "5000".to_string()),
        ("x-ratelimit-remaining", "4999".to_string()),
        ("x-ratelimit-used", "1".to_string()),
        ("x-ratelimit-reset", reset),
        ("x-ratelimit-resource", "core".to_string()),
    ]
    .into_iter()
    .chain(headers)
    {
        if let Ok(value) = HeaderValue::from_str(&value) {
            map.insert(name, value);
        }
    }
    response
}
