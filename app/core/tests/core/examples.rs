//! The real webhook payloads in `testdata/github/webhook-examples`, and ways to adapt them.

use std::fs;
use std::path::{Path, PathBuf};

use redgreen_core::webhook::envelope::parse;
use redgreen_core::webhook::{Envelope, ParseError, Route};
use serde_json::{Value, json};

/// The mention handle the tests configure.
pub const BOT: &str = "redgreen";

/// The installation id patched into payloads that lack one.
pub const INSTALLATION: i64 = 4242;

/// The events redgreen routes, each with a folder of examples.
pub const HANDLED_EVENTS: [&str; 9] = [
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

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/github/webhook-examples")
}

/// Every example of `event`, as (file name, raw bytes), sorted by name.
pub fn all(event: &str) -> Vec<(String, Vec<u8>)> {
    let dir = root().join(event);
    let mut examples: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&path).unwrap())
        })
        .collect();
    examples.sort();
    assert!(!examples.is_empty(), "no examples in {}", dir.display());
    examples
}

/// One example as JSON, to patch.
pub fn load(event: &str, file: &str) -> Value {
    let path = root().join(event).join(file);
    let bytes = fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

/// One example with an installation, as GitHub sends it to an App.
pub fn installed(event: &str, file: &str) -> Value {
    let mut payload = load(event, file);
    payload["installation"] =
        json!({ "id": INSTALLATION, "node_id": "MDIzOkludGVncmF0aW9uNDI0Mg==" });
    payload
}

/// Replaces the value at a JSON pointer, which must already exist: a typo in a test should
/// fail loudly, not patch nothing.
pub fn set(payload: &mut Value, pointer: &str, value: Value) {
    *payload
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in payload")) = value;
}

/// Makes someone else, of the given `type`, the sender.
pub fn sent_by(payload: &mut Value, login: &str, kind: &str) {
    set(payload, "/sender/login", json!(login));
    set(payload, "/sender/type", json!(kind));
}

pub fn parse_json(event: &str, payload: &Value) -> Result<Envelope, ParseError> {
    parse(event, &serde_json::to_vec(payload).unwrap(), BOT)
}

pub fn route(event: &str, payload: &Value) -> Route {
    parse_json(event, payload).unwrap().route
}
