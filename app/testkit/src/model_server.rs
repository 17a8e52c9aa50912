//! `ModelServer`: a scripted model provider for tests. It serves OpenAI Chat Completions
//! (`POST /v1/chat/completions`) and Anthropic Messages (`POST /v1/messages`) on loopback and
//! answers from a script the test pushes, a FIFO of replies, each rendered in the format of
//! the endpoint that was called. It records every request, and holds each to the rules the
//! real providers enforce on a tool-calling conversation (a broken request is answered 400
//! and fails the test on `Drop`, like a contract violation at the GitHub stand-in).
//!
//! An empty script answers 500 "script exhausted", so a test that scripts too few replies
//! fails loudly rather than hanging.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::oneshot;

mod render;
mod rules;

use render::{Answer, error_answer, render};
use rules::{check_anthropic, check_openai};

/// Which API a request was addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelApi {
    /// `POST /v1/chat/completions`.
    OpenAi,
    /// `POST /v1/messages`.
    Anthropic,
}

/// One request as received, with the status it was answered with.
#[derive(Debug, Clone)]
pub struct ModelRequest {
    /// `None` for a path that is neither endpoint (a violation).
    pub api: Option<ModelApi>,
    pub method: String,
    pub path: String,
    /// Header names lower-cased; a repeated header keeps its last value.
    pub headers: BTreeMap<String, String>,
    /// The JSON body, `None` when it was not JSON.
    pub body: Option<Value>,
    /// The body exactly as received, for assertions that something never appears in it.
    pub raw_body: String,
    pub status: u16,
    /// When it arrived, so a test can check a client waited as long as `retry-after` asked.
    pub received_at: Instant,
}

impl ModelRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The names of the tools offered, in either API's format.
    pub fn tool_names(&self) -> Vec<String> {
        self.body
            .as_ref()
            .and_then(|body| body.get("tools"))
            .and_then(Value::as_array)
            .map(|tools| {
                tools
                    .iter()
                    .filter_map(|tool| {
                        tool.pointer("/function/name")
                            .or_else(|| tool.get("name"))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One tool call the scripted model makes; `arguments` is the raw text (for OpenAI it is sent
/// as is, so it may be invalid JSON on purpose).
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedCall {
    pub name: String,
    pub arguments: String,
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub enum ModelReply {
    /// The model answers in prose and ends its turn.
    Text(String),
    /// The model calls tools, optionally saying something first.
    ToolCalls {
        text: Option<String>,
        calls: Vec<ScriptedCall>,
    },
    /// An error in the provider's own error format (`{"error": {...}}` for OpenAI,
    /// `{"type": "error", ...}` for Anthropic), with extra headers such as `retry-after`.
    Error {
        status: u16,
        headers: Vec<(String, String)>,
        message: String,
    },
    /// Exactly this status, headers and body, whatever the endpoint.
    Status {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// `reply`, after a pause (for client timeouts).
    Delayed {
        delay: Duration,
        reply: Box<ModelReply>,
    },
}

type ReplyFn = Box<dyn FnOnce(&ModelRequest) -> ModelReply + Send>;

enum Step {
    Reply(ModelReply),
    /// Decided when the request arrives. Runs under the server's lock: it must not call the
    /// server.
    Function(ReplyFn),
}

struct Script {
    steps: VecDeque<Step>,
    requests: Vec<ModelRequest>,
    violations: Vec<String>,
    /// Fixed usage for every reply; `None` estimates it from the sizes (about four bytes a
    /// token).
    usage: Option<(u64, u64)>,
    api_key: Option<String>,
    next_id: u64,
}

type Shared = Arc<Mutex<Script>>;

/// The running server. Dropping it stops it, and fails the test if any request broke the
/// providers' rules.
pub struct ModelServer {
    script: Shared,
    address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl ModelServer {
    /// Starts the server on `127.0.0.1:0` in the current tokio runtime.
    ///
    /// # Panics
    /// When no loopback port can be bound: a test cannot run without one.
    pub async fn start() -> ModelServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|error| panic!("model server: cannot bind 127.0.0.1:0: {error}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("model server: no local address: {error}"));
        let script = Arc::new(Mutex::new(Script {
            steps: VecDeque::new(),
            requests: Vec::new(),
            violations: Vec::new(),
            usage: None,
            api_key: None,
            next_id: 1,
        }));
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&script));
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(error) = serving.await {
                tracing::warn!(%error, "model server stopped with an error");
            }
        });
        ModelServer {
            script,
            address,
            shutdown: Some(shutdown),
        }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:PORT/v1`: the OpenAI base URL (the client appends
    /// `/chat/completions`).
    pub fn base_url_openai(&self) -> String {
        format!("http://{}/v1", self.address)
    }

    /// `http://127.0.0.1:PORT`: the Anthropic base URL (the client appends `/v1/messages`).
    pub fn base_url_anthropic(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn push(&self, reply: ModelReply) {
        self.script.lock().steps.push_back(Step::Reply(reply));
    }

    pub fn push_text(&self, text: impl Into<String>) {
        self.push(ModelReply::Text(text.into()));
    }

    /// The model calls these tools, with these JSON arguments, in one turn.
    pub fn push_tool_calls<N: Into<String>>(&self, calls: Vec<(N, Value)>) {
        self.push_tool_calls_raw(
            calls
                .into_iter()
                .map(|(name, arguments)| (name, arguments.to_string()))
                .collect(),
        );
    }

    /// The model calls these tools with these argument texts, valid JSON or not. (Anthropic
    /// sends an object: arguments that are not JSON are sent there as a JSON string.)
    pub fn push_tool_calls_raw<N: Into<String>, A: Into<String>>(&self, calls: Vec<(N, A)>) {
        self.push(ModelReply::ToolCalls {
            text: None,
            calls: calls
                .into_iter()
                .map(|(name, arguments)| ScriptedCall {
                    name: name.into(),
                    arguments: arguments.into(),
                })
                .collect(),
        });
    }

    /// Exactly this status, headers and body (for 429 with `retry-after`, 500, a proxy's
    /// HTML page).
    pub fn push_status(&self, status: u16, headers: &[(&str, &str)], body: impl Into<String>) {
        self.push(ModelReply::Status {
            status,
            headers: owned_pairs(headers),
            body: body.into(),
        });
    }

    /// An error in the format of the endpoint called, with this message.
    pub fn push_error(&self, status: u16, headers: &[(&str, &str)], message: impl Into<String>) {
        self.push(ModelReply::Error {
            status,
            headers: owned_pairs(headers),
            message: message.into(),
        });
    }

    /// `reply`, sent `delay` after the request arrives.
    pub fn push_delayed(&self, delay: Duration, reply: ModelReply) {
        self.push(ModelReply::Delayed {
            delay,
            reply: Box::new(reply),
        });
    }

    /// A reply decided from the request itself (it runs under the server's lock, so it must
    /// not call the server).
    pub fn push_fn(&self, reply: impl FnOnce(&ModelRequest) -> ModelReply + Send + 'static) {
        self.script
            .lock()
            .steps
            .push_back(Step::Function(Box::new(reply)));
    }

    /// Every later reply reports this usage.
    pub fn set_usage(&self, input_tokens: u64, output_tokens: u64) {
        self.script.lock().usage = Some((input_tokens, output_tokens));
    }

    /// Later replies estimate usage from the sizes again (the default).
    pub fn estimate_usage(&self) {
        self.script.lock().usage = None;
    }

    /// Requests without this key (`Authorization: Bearer` for OpenAI, `x-api-key` for
    /// Anthropic) are answered 401, as the providers do.
    pub fn require_api_key(&self, key: impl Into<String>) {
        self.script.lock().api_key = Some(key.into());
    }

    pub fn requests(&self) -> Vec<ModelRequest> {
        self.script.lock().requests.clone()
    }

    /// Script entries not yet consumed.
    pub fn remaining(&self) -> usize {
        self.script.lock().steps.len()
    }

    /// Requests that broke the providers' rules so far.
    pub fn violations(&self) -> Vec<String> {
        self.script.lock().violations.clone()
    }

    /// Returns and clears the violations, for tests that provoke them on purpose.
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut self.script.lock().violations)
    }

    /// # Panics
    /// When any request broke the providers' rules, listing them.
    pub fn assert_no_violations(&self) {
        let violations = self.violations();
        assert!(
            violations.is_empty(),
            "requests to the model server broke the provider's rules:\n  {}",
            violations.join("\n  ")
        );
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if std::thread::panicking() {
            return;
        }
        let violations = self.script.lock().violations.clone();
        if !violations.is_empty() {
            panic!(
                "requests to the model server broke the provider's rules:\n  {}",
                violations.join("\n  ")
            );
        }
    }
}

fn owned_pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

async fn handle(
    State(script): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let api = match (&method, uri.path()) {
        (&Method::POST, "/v1/chat/completions") => Some(ModelApi::OpenAi),
        (&Method::POST, "/v1/messages") => Some(ModelApi::Anthropic),
        _ => None,
    };
    let mut request = ModelRequest {
        api,
        method: method.to_string(),
        path: uri.path().to_string(),
        headers: headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: serde_json::from_slice(&body).ok(),
        raw_body: String::from_utf8_lossy(&body).into_owned(),
        status: 0,
        received_at: Instant::now(),
    };
    let answer = {
        let mut script = script.lock();
        let answer = answer(&mut script, &request);
        request.status = answer.status;
        script.requests.push(request);
        answer
    };
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if serde_json::from_str::<Value>(&answer.body).is_ok() {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    let mut response =
        (status, [(header::CONTENT_TYPE, content_type)], answer.body).into_response();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn answer(script: &mut Script, request: &ModelRequest) -> Answer {
    let described = format!("{} {}", request.method, request.path);
    let Some(api) = request.api else {
        script.violations.push(format!(
            "{described}: no such endpoint (the OpenAI base URL ends in /v1, the Anthropic one \
             is the host)"
        ));
        return error_answer(
            ModelApi::OpenAi,
            404,
            Vec::new(),
            &format!("no endpoint {described}"),
        );
    };
    if let Some(expected) = &script.api_key {
        let presented = match api {
            ModelApi::OpenAi => request
                .header("authorization")
                .and_then(|value| value.strip_prefix("Bearer ")),
            ModelApi::Anthropic => request.header("x-api-key"),
        };
        if presented != Some(expected.as_str()) {
            return error_answer(api, 401, Vec::new(), "invalid API key");
        }
    }
    let Some(body) = &request.body else {
        script
            .violations
            .push(format!("{described}: the body is not JSON"));
        return error_answer(api, 400, Vec::new(), "the body is not valid JSON");
    };
    let problems = match api {
        ModelApi::OpenAi => check_openai(body),
        ModelApi::Anthropic => check_anthropic(request, body),
    };
    if !problems.is_empty() {
        for problem in &problems {
            script.violations.push(format!("{described}: {problem}"));
        }
        return error_answer(api, 400, Vec::new(), &problems.join("; "));
    }
    let reply = match script.steps.pop_front() {
        Some(Step::Reply(reply)) => reply,
        Some(Step::Function(decide)) => decide(request),
        None => {
            return error_answer(
                api,
                500,
                Vec::new(),
                &format!(
                    "model server: script exhausted ({} request(s) so far); push more replies",
                    script.requests.len() + 1
                ),
            );
        }
    };
    render(script, api, request, body, reply)
}
