//! The GitHub client: octocrab over our own HTTP stack (with the outbound guard at the bottom),
//! App and installation authentication, and the one call path every REST call takes: traced,
//! authenticated, retried on rate limits and server errors, refreshed once on a 401.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use http::header::{ACCEPT, HeaderName, HeaderValue, USER_AGENT};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use octocrab::service::middleware::base_uri::BaseUriLayer;
use octocrab::service::middleware::extra_headers::ExtraHeadersLayer;
use octocrab::{AuthState, OctoBody, Octocrab, OctocrabBuilder, Page};
use redgreen_core::InstallationId;
use secrecy::SecretString;
use serde::Deserialize;
use tower::Layer;
use tracing::Instrument;

use crate::config::GitHubConfig;
use crate::error::GitHubError;
use crate::guard::{OutboundGuardLayer, refusal_in};
use crate::jwt::AppJwt;
use crate::repo::RepoName;
use crate::rest::RepoClient;
use crate::rest::permission::PermissionCache;
use crate::retry::{RetryState, Sleeper, TokioSleeper, WaitCause};
use crate::tokens::{FreshToken, InstallationTokens, LeasedToken};

/// The most pages one listing reads (100 items each).
const MAX_PAGES: u32 = 100;

/// Which identity a call uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    /// The App itself (a JWT): minting tokens, finding installations.
    App,
    /// An installation's access token: everything inside repositories.
    Installation(InstallationId),
}

/// redgreen's GitHub client. Cheap to clone; clones share the token and permission caches.
#[derive(Clone)]
pub struct GitHubClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: GitHubConfig,
    octocrab: Octocrab,
    tokens: InstallationTokens,
    permissions: PermissionCache,
    sleeper: Arc<dyn Sleeper>,
}

/// Who the App is on GitHub: what bypass lists and rulesets name it by.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AppIdentity {
    pub id: u64,
    pub slug: Option<String>,
    pub name: Option<String>,
}

/// `POST /app/installations/{id}/access_tokens`, the parts redgreen keeps.
#[derive(Deserialize)]
struct AccessTokenAnswer {
    token: SecretString,
    expires_at: Option<DateTime<Utc>>,
}

impl GitHubClient {
    /// Builds the client. Must be called inside a tokio runtime (octocrab runs its request
    /// buffer as a task).
    pub fn new(config: GitHubConfig) -> Result<GitHubClient, GitHubError> {
        GitHubClient::with_sleeper(config, Arc::new(TokioSleeper))
    }

    /// As [`GitHubClient::new`], with the waits between retries going to `sleeper`.
    pub fn with_sleeper(
        config: GitHubConfig,
        sleeper: Arc<dyn Sleeper>,
    ) -> Result<GitHubClient, GitHubError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(GitHubError::Config(
                "the GitHub client must be created inside a tokio runtime".into(),
            ));
        }
        let octocrab = build_octocrab(&config)?;
        Ok(GitHubClient {
            inner: Arc::new(Inner {
                tokens: InstallationTokens::new(config.token_refresh_margin),
                permissions: PermissionCache::new(config.permission_cache_ttl),
                config,
                octocrab,
                sleeper,
            }),
        })
    }

    pub fn config(&self) -> &GitHubConfig {
        &self.inner.config
    }

    /// The REST calls inside one repository, as one installation.
    pub fn repo(&self, installation: InstallationId, repo: RepoName) -> RepoClient {
        RepoClient::new(self.clone(), installation, repo)
    }

    /// The installation's current access token (cached, refreshed before it runs out), for
    /// git over HTTPS as `x-access-token`.
    pub async fn installation_token(
        &self,
        installation: InstallationId,
    ) -> Result<SecretString, GitHubError> {
        Ok(self.lease_token(installation).await?.secret)
    }

    /// An octocrab client authenticated as the installation, for calls this crate does not
    /// wrap. It shares the guarded HTTP stack, so the outbound rule still applies; it does not
    /// get this client's retries or 401 refresh.
    pub async fn octocrab_for(
        &self,
        installation: InstallationId,
    ) -> Result<Octocrab, GitHubError> {
        let token = self.lease_token(installation).await?;
        self.octocrab_with(token.secret)
    }

    /// `GET /app`: the App itself (its id and slug), as the App.
    pub async fn app(&self) -> Result<AppIdentity, GitHubError> {
        self.call(Credential::App, "GET", "/app", |crab| async move {
            crab.get("/app", None::<&()>).await
        })
        .await
    }

    /// `GET /repos/{owner}/{repo}/installation`: which installation covers a repository.
    pub async fn repository_installation(
        &self,
        repo: &RepoName,
    ) -> Result<octocrab::models::Installation, GitHubError> {
        let route = format!("/repos/{repo}/installation");
        let route = &route;
        self.call(
            Credential::App,
            "GET",
            "/repos/{owner}/{repo}/installation",
            |crab| async move { crab.get(route, None::<&()>).await },
        )
        .await
    }

    pub(crate) fn permissions(&self) -> &PermissionCache {
        &self.inner.permissions
    }

    fn octocrab_with(&self, token: SecretString) -> Result<Octocrab, GitHubError> {
        self.inner
            .octocrab
            .user_access_token(token)
            .map_err(|e| GitHubError::Config(format!("could not authenticate octocrab: {e}")))
    }

    async fn lease_token(&self, installation: InstallationId) -> Result<LeasedToken, GitHubError> {
        self.inner
            .tokens
            .get(installation, Utc::now(), || {
                self.fetch_installation_token(installation)
            })
            .await
    }

    /// Mints a token as the App. Boxed: the token path calls `call`, which may need a token.
    fn fetch_installation_token(
        &self,
        installation: InstallationId,
    ) -> Pin<Box<dyn Future<Output = Result<FreshToken, GitHubError>> + Send + '_>> {
        Box::pin(async move {
            let route = format!("/app/installations/{installation}/access_tokens");
            let route = &route;
            let answer: AccessTokenAnswer = self
                .call(
                    Credential::App,
                    "POST",
                    "/app/installations/{installation_id}/access_tokens",
                    |crab| async move { crab.post(route, None::<&()>).await },
                )
                .await?;
            Ok(FreshToken {
                secret: answer.token,
                expires_at: answer.expires_at,
            })
        })
    }

    /// Runs `op` with an authenticated octocrab until it succeeds or fails for good.
    ///
    /// `route` is the route template (`/repos/{owner}/{repo}/pulls`), used for tracing and in
    /// errors; `op` builds the concrete request. One span per call records the method, route,
    /// installation, the last HTTP status and the attempts.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        credential: Credential,
        method: &'static str,
        route: &'static str,
        op: F,
    ) -> Result<T, GitHubError>
    where
        F: Fn(Octocrab) -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        let span = tracing::info_span!(
            "github.call",
            http.method = method,
            route,
            installation = tracing::field::Empty,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        if let Credential::Installation(id) = credential {
            span.record("installation", id.0);
        }
        self.call_with_retries(credential, route, op)
            .instrument(span)
            .await
    }

    async fn call_with_retries<T, F, Fut>(
        &self,
        credential: Credential,
        route: &'static str,
        op: F,
    ) -> Result<T, GitHubError>
    where
        F: Fn(Octocrab) -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        let policy = &self.inner.config.retry;
        let mut state = RetryState::default();
        let mut refreshed_token = false;
        loop {
            state.attempts += 1;
            tracing::Span::current().record("attempts", state.attempts);
            let (crab, leased) = match credential {
                Credential::App => {
                    let jwt = AppJwt::sign(&self.inner.config, SystemTime::now())?;
                    (self.octocrab_with(jwt)?, None)
                }
                Credential::Installation(id) => {
                    let leased = self.lease_token(id).await?;
                    (self.octocrab_with(leased.secret.clone())?, Some(leased))
                }
            };
            let error = match op(crab).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let (wait, cause, detail) = match &error {
                octocrab::Error::GitHub { source, .. } => {
                    let status = source.status_code.as_u16();
                    tracing::Span::current().record("status", status);
                    if status == 401 {
                        if let (Credential::Installation(id), Some(leased), false) =
                            (credential, &leased, refreshed_token)
                        {
                            // The token may have been revoked or expired early: fetch a new one
                            // and try once more.
                            tracing::info!(
                                installation = id.0,
                                "GitHub refused the installation token; refreshing it once"
                            );
                            self.inner.tokens.invalidate(id, leased.generation).await;
                            refreshed_token = true;
                            continue;
                        }
                        return Err(GitHubError::Unauthorized { route, status });
                    }
                    let Some((wait, cause)) = state.wait_after_status(
                        policy,
                        status,
                        source.headers.as_ref(),
                        &source.message,
                        now_epoch_secs(),
                    ) else {
                        return Err(GitHubError::Api {
                            route,
                            status,
                            message: source.message.clone(),
                        });
                    };
                    (wait, cause, format!("HTTP {status}: {}", source.message))
                }
                octocrab::Error::Service { .. } | octocrab::Error::Hyper { .. } => {
                    if let Some(refused) = refusal_in(&error) {
                        return Err(GitHubError::Refused(refused));
                    }
                    let wait = state.wait_after_transport_failure(policy);
                    (wait, WaitCause::ServerError, error.to_string())
                }
                other => {
                    return Err(GitHubError::Decode {
                        route,
                        detail: other.to_string(),
                    });
                }
            };
            if !state.may_wait(policy, wait) {
                return Err(match cause {
                    WaitCause::RateLimit => GitHubError::RateLimited {
                        route,
                        attempts: state.attempts,
                        retry_after: Some(wait),
                    },
                    WaitCause::ServerError => GitHubError::Unavailable {
                        route,
                        attempts: state.attempts,
                        detail,
                    },
                });
            }
            tracing::warn!(
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                attempt = state.attempts,
                ?cause,
                %detail,
                "GitHub call failed; retrying after a wait"
            );
            self.inner.sleeper.sleep(wait).await;
        }
    }

    /// Every page of a listing, 100 items a page, following GitHub's `Link: rel="next"`.
    pub(crate) async fn all_pages<T, F, Fut>(
        &self,
        credential: Credential,
        route: &'static str,
        page_op: F,
    ) -> Result<Vec<T>, GitHubError>
    where
        F: Fn(Octocrab, u32) -> Fut,
        Fut: Future<Output = octocrab::Result<Page<T>>>,
    {
        let mut items = Vec::new();
        for number in 1..=MAX_PAGES {
            let page = self
                .call(credential, "GET", route, |crab| page_op(crab, number))
                .await?;
            let last = page.next.is_none();
            items.extend(page.items);
            if last {
                break;
            }
        }
        Ok(items)
    }
}

fn now_epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// octocrab on a hyper client we build, so that the guard sits under everything octocrab sends.
///
/// The stack, outermost first: extra headers (user agent, media type, API version), base URI,
/// outbound guard, timeout, hyper. The guard sees the final path, base path included.
fn build_octocrab(config: &GitHubConfig) -> Result<Octocrab, GitHubError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .map_err(|e| GitHubError::Config(format!("TLS setup failed: {e}")))?
        // Plain http only makes sense for a local stand-in; the URL decides.
        .https_or_http()
        .enable_http1()
        .build();
    let hyper: HyperClient<_, OctoBody> =
        HyperClient::builder(TokioExecutor::new()).build(connector);
    let timed = tower::timeout::TimeoutLayer::new(config.request_timeout).layer(hyper);
    let guarded = OutboundGuardLayer.layer(timed);

    let base_uri: http::Uri = config
        .api_url()
        .as_str()
        .trim_end_matches('/')
        .parse()
        .map_err(|e| GitHubError::Config(format!("the GitHub API URL is not a valid URI: {e}")))?;
    let user_agent = HeaderValue::from_str(&config.user_agent)
        .map_err(|_| GitHubError::Config("the user agent is not a valid header value".into()))?;
    let headers = vec![
        (USER_AGENT, user_agent),
        (
            ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        ),
        (
            HeaderName::from_static("x-github-api-version"),
            HeaderValue::from_static("2022-11-28"),
        ),
    ];
    let built = OctocrabBuilder::new_empty()
        .with_service(guarded)
        .with_layer(&BaseUriLayer::new(base_uri))
        .with_layer(&ExtraHeadersLayer::new(Arc::new(headers)))
        .with_auth(AuthState::None)
        .build();
    match built {
        Ok(octocrab) => Ok(octocrab),
        Err(never) => match never {},
    }
}
