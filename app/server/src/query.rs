//! Credentials are never taken from a query string: URLs end up in logs, proxies and browser
//! history. A request to the operator API (or `/mcp`) whose query names anything like a token
//! or key is refused with 401, whether or not it also carries a valid `Authorization` header,
//! so that a client that puts one there learns at once instead of leaking it for a while.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::HttpError;

/// Paths under which a request must authenticate, and so must not try to in its query.
const GUARDED: [&str; 2] = ["/api/v1", "/mcp"];

/// Middleware: refuses a request to a [`GUARDED`] path whose query carries a credential.
pub(crate) async fn refuse_credentials(request: Request, next: Next) -> Response {
    let uri = request.uri();
    if is_guarded(uri.path()) && uri.query().is_some_and(carries_credential) {
        // The path only: the query holds the very value that must not be logged.
        tracing::warn!(path = uri.path(), "credentials in a query string refused");
        return HttpError::CredentialsInQuery.into_response();
    }
    next.run(request).await
}

fn is_guarded(path: &str) -> bool {
    GUARDED.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Whether any parameter of `query` is named like a credential: its name, decoded and in any
/// case, contains `token` or `key` (`access_token`, `token`, `api_key`, `apiKey`, ...). Broad
/// on purpose: no endpoint takes such a parameter, and a false alarm costs a renamed
/// parameter where a miss costs a leaked secret.
pub(crate) fn carries_credential(query: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes()).any(|(name, _)| {
        let name = name.to_ascii_lowercase();
        name.contains("token") || name.contains("key")
    })
}
