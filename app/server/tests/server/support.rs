//! Shared fixtures: a router over a fresh SQLite store, signed GitHub deliveries built from
//! the real example payloads, and response helpers.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use redgreen_core::InstallationId;
use redgreen_core::Timestamp;
use redgreen_core::webhook::sign;
use redgreen_policy::{Permission, PolicyEngine};
use redgreen_server::state::DEFAULT_MAX_BODY_BYTES;
use redgreen_server::trigger::{LookupError, LookupFuture, PermissionLookup, TriggerCheck};
use redgreen_server::{AppState, Metrics, ServerConfig, ServerLimits};
use redgreen_store::{LeasedTask, Store};
use secrecy::SecretString;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

pub const SECRET: &str = "it's a secret to everybody";
pub const TOKEN: &str = "operator-token-5b0e9a";
pub const INSTALLATION: i64 = 4242;

/// Secret and token set, the contract's 25 MiB limit, production serving limits.
pub fn config() -> ServerConfig {
    ServerConfig {
        webhook_secret: Some(SecretString::from(SECRET)),
        api_token: Some(SecretString::from(TOKEN)),
        bot_name: "redgreen".to_owned(),
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        limits: ServerLimits::default(),
    }
}

/// Permissions by login, standing in for GitHub's collaborator-permission endpoint (the
/// end-to-end tests use the real client against the GitHub stand-in). Logins not listed
/// have `write`; the login `unreachable` makes the lookup fail.
#[derive(Debug, Default)]
pub struct PermissionTable(pub Vec<(&'static str, Permission)>);

impl PermissionLookup for PermissionTable {
    fn permission<'a>(
        &'a self,
        _installation: InstallationId,
        _repository: &'a str,
        login: &'a str,
    ) -> LookupFuture<'a> {
        let found = self
            .0
            .iter()
            .find(|(who, _)| *who == login)
            .map(|(_, p)| *p);
        Box::pin(async move {
            if login == "unreachable" {
                return Err(LookupError("GitHub answered 502".to_owned()));
            }
            Ok(found.unwrap_or(Permission::Write))
        })
    }
}

/// The trigger check with the shipped policies over `table`.
pub fn trigger_check(table: Option<PermissionTable>) -> Arc<TriggerCheck> {
    let lookup = table.map(|table| Arc::new(table) as Arc<dyn PermissionLookup>);
    Arc::new(TriggerCheck::new(
        PolicyEngine::embedded().unwrap(),
        lookup,
        Permission::Write,
    ))
}

/// A router over its own SQLite database in a temporary directory.
pub struct Harness {
    pub state: AppState,
    dir: TempDir,
}

impl Harness {
    pub async fn new() -> Harness {
        Harness::with(config()).await
    }

    pub async fn with(config: ServerConfig) -> Harness {
        Harness::with_trigger(config, trigger_check(Some(PermissionTable::default()))).await
    }

    pub async fn with_trigger(config: ServerConfig, trigger: Arc<TriggerCheck>) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let store = Store::connect(&url).await.unwrap();
        Harness {
            state: AppState::new(store, config, Arc::new(Metrics::default()), trigger),
            dir,
        }
    }

    /// Serves the harness on 127.0.0.1 with the production serving loop, until the test
    /// ends; returns the address.
    pub async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let state = self.state.clone();
        tokio::spawn(redgreen_server::listener::serve(
            listener,
            state,
            std::future::pending(),
        ));
        address
    }

    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("t.db")
    }

    pub fn router(&self) -> Router {
        redgreen_server::router(self.state.clone())
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router().oneshot(request).await.unwrap();
        Reply::read(response).await
    }

    /// An operator API call with the right token.
    pub async fn api(&self, method: Method, path: &str) -> Reply {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub async fn deliver(&self, delivery: &Delivery) -> Reply {
        self.send(delivery.request()).await
    }

    /// The one task the queue holds now, leased as a worker would.
    pub async fn lease(&self) -> LeasedTask {
        let far_future = Timestamp(i64::MAX / 4);
        let store = &self.state.store;
        let task = store.lease("test", 60_000, far_future).await.unwrap();
        let task = task.expect("a queued task");
        let next = store.lease("test", 60_000, far_future).await.unwrap();
        assert_eq!(next, None, "more than one task was queued");
        task
    }

    /// Rows visible through the API: (deliveries, runs).
    pub async fn counts(&self) -> (usize, usize) {
        let deliveries = self.api(Method::GET, "/api/v1/deliveries").await;
        let runs = self.api(Method::GET, "/api/v1/runs").await;
        assert_eq!(deliveries.status, StatusCode::OK);
        assert_eq!(runs.status, StatusCode::OK);
        (
            deliveries.json["deliveries"].as_array().unwrap().len(),
            runs.json["runs"].as_array().unwrap().len(),
        )
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The body as JSON, or `Null` when it is not JSON.
    pub json: Value,
}

impl Reply {
    pub async fn read(response: axum::response::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// The human-readable `error` of a refusal.
    pub fn error(&self) -> &str {
        self.json["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no `error` in {} answer {:?}", self.status, self.text))
    }
}

/// One of the real payloads in `testdata/github/webhook-examples`.
pub fn example(name: &str) -> Value {
    let path = format!(
        "{}/../../testdata/github/webhook-examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// The example issue comment (on issue #1 of Codertocat/Hello-World, by its owner), with
/// `body` as the comment and an installation patched in.
pub fn comment(body: &str) -> Value {
    let mut payload = example("issue_comment/created.payload.json");
    payload["comment"]["body"] = Value::from(body);
    payload["installation"] = serde_json::json!({ "id": INSTALLATION });
    payload
}

/// A webhook request whose every part a test may spoil.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub event: Option<String>,
    pub id: Option<String>,
    pub content_type: Option<String>,
    pub signature: Option<String>,
    pub body: Vec<u8>,
}

impl Delivery {
    /// Correctly signed with [`SECRET`], with a fresh delivery id.
    pub fn signed(event: &str, body: Vec<u8>) -> Delivery {
        Delivery {
            event: Some(event.to_owned()),
            id: Some(uuid::Uuid::now_v7().to_string()),
            content_type: Some("application/json".to_owned()),
            signature: Some(sign(SECRET.as_bytes(), &body)),
            body,
        }
    }

    pub fn json(event: &str, payload: &Value) -> Delivery {
        Delivery::signed(event, serde_json::to_vec(payload).unwrap())
    }

    pub fn request(&self) -> Request<Body> {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/webhooks/github");
        for (name, value) in [
            ("x-github-event", &self.event),
            ("x-github-delivery", &self.id),
            ("content-type", &self.content_type),
            ("x-hub-signature-256", &self.signature),
        ] {
            if let Some(value) = value {
                request = request.header(name, value);
            }
        }
        request.body(Body::from(self.body.clone())).unwrap()
    }
}
