//! The outbound guard: a tower layer at the bottom of octocrab's service stack, so that every
//! request octocrab sends (typed handlers, the generic `get`/`post`/`_put`, token minting,
//! anything a future caller writes) passes `redgreen_core::outbound::check` first.
//!
//! A refused request never reaches the connection pool: the guard answers with an error
//! carrying the [`OutboundRefused`], which the client surfaces as `GitHubError::Refused`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use http_body_util::BodyExt;
use octocrab::OctoBody;
use redgreen_core::outbound::{OutboundRefused, check};
use serde_json::Value;
use tower::{BoxError, Layer, Service};

/// Wraps an HTTP service so that only requests the outbound rule allows reach it.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboundGuardLayer;

impl<S> Layer<S> for OutboundGuardLayer {
    type Service = OutboundGuard<S>;

    fn layer(&self, inner: S) -> OutboundGuard<S> {
        OutboundGuard { inner }
    }
}

/// The service [`OutboundGuardLayer`] builds.
#[derive(Debug, Clone)]
pub struct OutboundGuard<S> {
    inner: S,
}

impl<S, ResBody> Service<Request<OctoBody>> for OutboundGuard<S>
where
    S: Service<Request<OctoBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ResBody: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<OctoBody>) -> Self::Future {
        // The service that was polled ready is the one to call; leave a clone in its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let span = tracing::Span::current();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            // octocrab's bodies are buffered JSON strings, so reading them whole costs nothing
            // extra; the rule needs the body to see which ref or branch a write targets.
            let bytes = body.collect().await.map_err(BoxError::from)?.to_bytes();
            let json: Option<Value> = serde_json::from_slice(&bytes).ok();
            if let Err(refused) = check(parts.method.as_str(), parts.uri.path(), json.as_ref()) {
                tracing::warn!(
                    method = %parts.method,
                    path = parts.uri.path(),
                    reason = %refused.reason,
                    "refused an outbound GitHub request"
                );
                return Err(BoxError::from(refused));
            }
            let response = inner
                .call(Request::from_parts(parts, OctoBody::from(bytes)))
                .await
                .map_err(Into::into)?;
            let status = response.status().as_u16();
            // The caller's span (`github.call`) gets the status; the event makes the exchange
            // visible at debug level without the path's query or any header.
            span.record("status", status);
            tracing::debug!(parent: &span, status, "GitHub answered");
            Ok(response)
        })
    }
}

/// The refusal inside an error that came out of octocrab's stack, if that is what it is.
pub(crate) fn refusal_in(error: &(dyn std::error::Error + 'static)) -> Option<OutboundRefused> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<OutboundRefused>() {
            return Some(refused.clone());
        }
        current = e.source();
    }
    None
}
