//! Bearer-token authentication for the operator API (`REDGREEN_API_TOKEN`), until OIDC.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::error::HttpError;
use crate::state::AppState;

/// Lets a request through only with `Authorization: Bearer <token>` matching the configured
/// token. With no token configured (or an empty one) the API is closed to everyone.
pub(crate) async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, HttpError> {
    let expected = state
        .config
        .api_token
        .as_ref()
        .map(|token| token.expose_secret().as_bytes())
        .filter(|token| !token.is_empty())
        .ok_or(HttpError::ApiDisabled)?;
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().as_bytes())
        .ok_or(HttpError::Unauthorized)?;
    // Constant time in the token's content; a length mismatch is refused at once, which
    // tells an attacker the length at most, never a prefix.
    if bool::from(presented.ct_eq(expected)) {
        Ok(next.run(request).await)
    } else {
        Err(HttpError::Unauthorized)
    }
}
