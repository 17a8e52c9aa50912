//! Shared fixtures: fresh databases for both backends, tasks, polling.

use std::time::{Duration, Instant};

use redgreen_core::{DeliveryId, InstallationId, RunId, RunKind, TaskId, Timestamp};
use redgreen_store::{NewDelivery, NewRun, NewTask, RepositoryRef, Store};
use uuid::Uuid;

pub fn now() -> Timestamp {
    redgreen::now()
}

/// A fresh SQLite database URL in `dir`.
pub fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("redgreen.db").display())
}

/// A fresh PostgreSQL database (created as the superuser of `REDGREEN_TEST_POSTGRES_URL`).
pub async fn postgres_url() -> String {
    use sqlx::Connection as _;
    let admin = std::env::var("REDGREEN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("redgreen_bin_{}", Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL must be reachable at REDGREEN_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let (base, _) = admin.rsplit_once('/').expect("URL with a database name");
    format!("{base}/{name}")
}

pub fn new_task(max_attempts: i32) -> NewTask {
    NewTask {
        id: TaskId(Uuid::now_v7()),
        kind: "test".into(),
        installation: None,
        run: None,
        payload: serde_json::json!({}),
        max_attempts,
        run_at: now(),
    }
}

/// Polls `check` until it returns `Some`, or panics after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn connect(url: &str) -> Store {
    Store::connect(url).await.expect("connect store")
}

/// A delivery that creates a run of `kind` for `installation`, with the task that drives it.
pub fn delivery_with_run(installation: InstallationId, kind: RunKind) -> (NewDelivery, RunId) {
    let run = RunId(Uuid::now_v7());
    let delivery = NewDelivery {
        id: DeliveryId(Uuid::now_v7().to_string()),
        event: "issue_comment".into(),
        action: Some("created".into()),
        installation: Some(installation),
        repository: Some(RepositoryRef {
            github_id: 7,
            full_name: "octo/widgets".into(),
            clone_url: "https://github.com/octo/widgets.git".into(),
        }),
        outcome: "accepted".into(),
        reason: None,
        payload: "{}".into(),
        received_at: now(),
        run: Some(NewRun {
            id: run,
            kind,
            issue: Some(1),
            pull_request: None,
            actor: "octocat".into(),
            request: serde_json::json!({}),
        }),
        task: Some(NewTask {
            run: Some(run),
            installation: Some(installation),
            kind: "run".into(),
            max_attempts: 5,
            ..new_task(5)
        }),
    };
    (delivery, run)
}

/// The webhook secret every [`ServeProcess`] is started with.
pub const SERVE_WEBHOOK_SECRET: &str = "webhook-secret-e2e-5b81d4";
/// The operator API token every [`ServeProcess`] is started with.
pub const SERVE_API_TOKEN: &str = "api-token-e2e-c0a9f7";

/// `redgreen serve` as a real process with a fresh data dir on a free loopback port, pointed
/// at a GitHub stand-in as its GitHub App. Its logs are collected while it runs (a full pipe
/// would stall it); dropping it unstopped kills it.
pub struct ServeProcess {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    child: Option<std::process::Child>,
    logs: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
    http: reqwest::Client,
    /// The data dir, when this process owns it (see [`ServeProcess::start_in`]).
    _data_dir: Option<tempfile::TempDir>,
}

impl ServeProcess {
    /// Starts it with one worker, so tasks are worked in the order they were queued, and
    /// waits until `/readyz` answers.
    pub async fn start(github: &redgreen_testkit::GitHubStandIn) -> ServeProcess {
        ServeProcess::start_with_env(github, &[]).await
    }

    /// [`ServeProcess::start`] with more environment (a model endpoint, say).
    pub async fn start_with_env(
        github: &redgreen_testkit::GitHubStandIn,
        extra_env: &[(&str, String)],
    ) -> ServeProcess {
        let data_dir = tempfile::tempdir().unwrap();
        let mut serve = ServeProcess::start_in(github, data_dir.path(), extra_env).await;
        serve._data_dir = Some(data_dir);
        serve
    }

    /// [`ServeProcess::start_with_env`] on a data dir the caller keeps, so that a second
    /// process can take over the first one's database and work trees.
    pub async fn start_in(
        github: &redgreen_testkit::GitHubStandIn,
        data_dir: &std::path::Path,
        extra_env: &[(&str, String)],
    ) -> ServeProcess {
        use std::io::Read;
        use std::process::{Command, Stdio};

        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_redgreen"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("REDGREEN_DATA_DIR", data_dir)
            .env("REDGREEN_LISTEN", format!("127.0.0.1:{port}"))
            .env("REDGREEN_WORKERS", "1")
            .env("REDGREEN_WEBHOOK_SECRET", SERVE_WEBHOOK_SECRET)
            .env("REDGREEN_API_TOKEN", SERVE_API_TOKEN)
            .env("REDGREEN_GITHUB_API_URL", github.api_url())
            .env("REDGREEN_GITHUB_APP_ID", github.app_id().to_string())
            .env("REDGREEN_GITHUB_PRIVATE_KEY", github.app_private_key_pem())
            .envs(extra_env.iter().map(|(key, value)| (*key, value.as_str())))
            .env("HOME", std::env::var("HOME").unwrap_or_default())
            .current_dir(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        let readers = streams
            .into_iter()
            .map(|mut stream| {
                let logs = logs.clone();
                std::thread::spawn(move || {
                    let mut chunk = [0u8; 8192];
                    while let Ok(read @ 1..) = stream.read(&mut chunk) {
                        logs.lock().unwrap().extend_from_slice(&chunk[..read]);
                    }
                })
            })
            .collect();
        let serve = ServeProcess {
            base: format!("http://127.0.0.1:{port}"),
            child: Some(child),
            logs,
            readers,
            http: reqwest::Client::new(),
            _data_dir: None,
        };
        eventually(
            Duration::from_secs(60),
            "redgreen serve to be ready",
            || async {
                let response = serve
                    .http
                    .get(format!("{}/readyz", serve.base))
                    .send()
                    .await
                    .ok()?;
                response.status().is_success().then_some(())
            },
        )
        .await;
        serve
    }

    /// Signs and sends webhooks to this server as GitHub does.
    pub fn webhooks(&self) -> redgreen_testkit::WebhookSender {
        redgreen_testkit::WebhookSender::new(
            format!("{}/webhooks/github", self.base),
            SERVE_WEBHOOK_SECRET,
        )
    }

    /// `GET /api/v1/{path}` as the operator; the JSON answer.
    pub async fn api(&self, path: &str) -> serde_json::Value {
        let response = self
            .http
            .get(format!("{}/api/v1/{path}", self.base))
            .bearer_auth(SERVE_API_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET /api/v1/{path}");
        response.json().await.unwrap()
    }

    /// SIGKILL: the process dies wherever it is, as in a crash. Returns what it logged.
    pub fn kill(mut self) -> String {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        for reader in std::mem::take(&mut self.readers) {
            reader.join().unwrap();
        }
        String::from_utf8_lossy(&self.logs.lock().unwrap()).into_owned()
    }

    /// SIGTERM, a clean exit within 30 s, and no secret in what it logged; returns the logs.
    pub async fn stop(mut self) -> String {
        let mut child = self.child.take().unwrap();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        // Off the runtime's thread, so the stand-in keeps answering while redgreen finishes.
        let exit = tokio::time::timeout(
            Duration::from_secs(30),
            tokio::task::spawn_blocking(move || child.wait()),
        )
        .await
        .expect("redgreen did not exit in time")
        .unwrap()
        .unwrap();
        for reader in std::mem::take(&mut self.readers) {
            reader.join().unwrap();
        }
        let logs = String::from_utf8_lossy(&self.logs.lock().unwrap()).into_owned();
        assert!(exit.success(), "clean exit on SIGTERM: {exit:?}\n{logs}");
        for secret in [SERVE_WEBHOOK_SECRET, SERVE_API_TOKEN, "PRIVATE KEY", "ghs_"] {
            assert!(!logs.contains(secret), "{secret:?} reached the logs");
        }
        logs
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A phase runner for tests whose tasks never reach a phase of a run.
pub struct NoPhases;

impl redgreen::runtime::run_driver::PhaseRunner for NoPhases {
    async fn run_phase(
        &self,
        run: &redgreen_store::RunRecord,
        _machine: &redgreen_core::machine::Machine,
        phase: redgreen_core::RunState,
    ) -> Vec<redgreen_core::machine::Event> {
        panic!("run {} unexpectedly reached {phase}", run.id)
    }
}

/// A host-side HTTP server on loopback (what a package index is to a setup command): it
/// answers every request with `body` and counts the requests. Returns its port and the count.
pub fn http_server_on_loopback(
    body: &'static str,
) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    http_server_answering(move |_| body)
}

/// [`http_server_on_loopback`] answering the n-th request (from 1) with `body_for(n)`.
pub fn http_server_answering(
    body_for: impl Fn(usize) -> &'static str + Send + 'static,
) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let number = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            let body = body_for(number);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, requests)
}
