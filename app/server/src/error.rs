//! Every refusal the HTTP surface answers with, its status code, and its JSON body.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use redgreen_core::webhook::{ParseError, SignatureError};
use redgreen_store::StoreError;
use serde::Serialize;

/// A request the server could not answer with success. The `Display` text is for logs;
/// [`HttpError::public_message`] is what the client sees.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("webhook Content-Type must be application/json")]
    UnsupportedMediaType,
    #[error("webhook body exceeds the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("missing or empty {0} header")]
    MissingHeader(&'static str),
    #[error("the request body could not be read")]
    UnreadableBody,
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    #[error("too many unverified webhook bodies are being received; try again later")]
    Busy,
    #[error("webhooks are refused until REDGREEN_WEBHOOK_SECRET is set")]
    WebhookSecretUnset,
    #[error("webhook signature refused: {0}")]
    Signature(#[from] SignatureError),
    #[error("{0}")]
    Malformed(#[from] ParseError),
    #[error("the operator API is disabled until REDGREEN_API_TOKEN is set")]
    ApiDisabled,
    #[error("missing or invalid bearer token")]
    Unauthorized,
    #[error("credentials are accepted only in the Authorization header, never in the query string")]
    CredentialsInQuery,
    #[error("{0}")]
    BadRequest(String),
    #[error("no run {0}")]
    RunNotFound(uuid::Uuid),
    #[error("no such endpoint")]
    UnknownEndpoint,
    #[error("this endpoint does not accept that method")]
    MethodNotAllowed,
    #[error("store unavailable: {0}")]
    Store(#[from] StoreError),
    #[error("could not encode a JSON value: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("stored instant {0} ms is outside the RFC 3339 range")]
    BadTimestamp(i64),
    #[error("could not encode the metrics")]
    MetricsEncoding,
}

impl HttpError {
    pub fn status(&self) -> StatusCode {
        match self {
            HttpError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HttpError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            HttpError::MissingHeader(_)
            | HttpError::UnreadableBody
            | HttpError::Malformed(_)
            | HttpError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HttpError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            HttpError::WebhookSecretUnset
            | HttpError::Signature(_)
            | HttpError::ApiDisabled
            | HttpError::Unauthorized
            | HttpError::CredentialsInQuery => StatusCode::UNAUTHORIZED,
            HttpError::RunNotFound(_) | HttpError::UnknownEndpoint => StatusCode::NOT_FOUND,
            HttpError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            HttpError::Store(_) | HttpError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::Encode(_) | HttpError::BadTimestamp(_) | HttpError::MetricsEncoding => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// Whether the same request may succeed later (GitHub redelivers, operators retry).
    pub fn is_retryable(&self) -> bool {
        match self {
            HttpError::Store(e) => e.is_retryable(),
            HttpError::Busy => true,
            _ => false,
        }
    }

    /// A short machine name for metrics labels and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            HttpError::UnsupportedMediaType => "unsupported_media_type",
            HttpError::PayloadTooLarge { .. } => "too_large",
            HttpError::MissingHeader(_) => "missing_header",
            HttpError::UnreadableBody => "unreadable_body",
            HttpError::BodyTimeout => "body_timeout",
            HttpError::Busy => "busy",
            HttpError::WebhookSecretUnset => "secret_unset",
            HttpError::Signature(_) => "bad_signature",
            HttpError::Malformed(_) => "malformed",
            HttpError::ApiDisabled => "api_disabled",
            HttpError::Unauthorized => "unauthorized",
            HttpError::CredentialsInQuery => "credentials_in_query",
            HttpError::BadRequest(_) => "bad_request",
            HttpError::RunNotFound(_) => "run_not_found",
            HttpError::UnknownEndpoint => "unknown_endpoint",
            HttpError::MethodNotAllowed => "method_not_allowed",
            HttpError::Store(_) => "store_unavailable",
            HttpError::Encode(_) | HttpError::BadTimestamp(_) | HttpError::MetricsEncoding => {
                "internal"
            }
        }
    }

    /// What the client is told. Internal failures get a fixed sentence: their details (SQL,
    /// paths, values) stay in the server's logs.
    pub fn public_message(&self) -> String {
        match self {
            HttpError::Store(_) => "the store is unavailable; try again later".to_owned(),
            HttpError::Encode(_) | HttpError::BadTimestamp(_) | HttpError::MetricsEncoding => {
                "internal error".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// `{"error": "..."}`: every refusal carries a sentence a person can act on.
#[derive(Serialize)]
struct ErrorBody {
    error: String,
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        // A busy refusal is load shedding, logged once by the webhook handler as a warning; an
        // error per refused body would let a flood fill the logs.
        if self.status().is_server_error() && !matches!(self, HttpError::Busy) {
            tracing::error!(error = %self, kind = self.kind(), "request failed");
        }
        let body = ErrorBody {
            error: self.public_message(),
        };
        let mut response = (self.status(), Json(body)).into_response();
        if matches!(
            self,
            HttpError::ApiDisabled | HttpError::Unauthorized | HttpError::CredentialsInQuery
        ) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if matches!(self, HttpError::Busy) {
            // About the time it takes the bodies in the way to finish or time out.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        }
        response
    }
}
