//! What the stand-in remembers of each request, so tests can assert on what a client sent
//! (and on what it never sent, such as a merge).

use std::time::Instant;

use serde_json::Value;

/// How a request authenticated, as the stand-in judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthKind {
    /// No `Authorization` header.
    None,
    /// A valid App JWT (`Bearer <jwt>`).
    AppJwt,
    /// A live installation token of this installation.
    InstallationToken { installation: i64 },
    /// A credential GitHub would refuse: malformed, expired, revoked or unknown.
    Refused,
}

/// One request as received, with the status it was answered with.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// Path without the query, as sent (not percent-decoded).
    pub path: String,
    pub query: Option<String>,
    /// The JSON body, or `None` when there was none (a non-JSON body is a violation and is
    /// recorded as a JSON string of its text).
    pub body: Option<Value>,
    pub status: u16,
    pub auth: AuthKind,
    /// The matched OpenAPI `operationId`, when the request matched one.
    pub operation: Option<String>,
    /// When the stand-in received it, so a test can check that a client waited as long as a
    /// `retry-after` asked before trying again.
    pub received_at: Instant,
}
