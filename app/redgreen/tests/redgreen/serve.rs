//! `redgreen serve` as a real process: start-up, a webhook through to a parked run,
//! graceful shutdown on SIGTERM, and refusal of bad configurations without leaking secrets.

use redgreen_testkit::GitHubStandIn;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;

use super::support::eventually;

const SECRET: &str = "webhook-secret-3f9a1c";
const TOKEN: &str = "api-token-77e2b0";

fn redgreen(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_redgreen"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("REDGREEN_DATA_DIR", data_dir)
        .current_dir(data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits off the runtime's thread, so the in-test OTLP collector keeps answering the
/// exporter's final flush while redgreen shuts down.
async fn wait_with_timeout(child: Child, timeout: Duration) -> Output {
    tokio::time::timeout(
        timeout,
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    .expect("redgreen did not exit in time")
    .unwrap()
    .unwrap()
}

fn issue_comment_payload(comment_id: i64) -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/github/webhook-examples/issue_comment/created.payload.json"
    );
    let mut payload: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    payload["installation"] = serde_json::json!({ "id": 4242 });
    payload["comment"]["body"] = serde_json::json!("@redgreen plan please");
    payload["comment"]["id"] = serde_json::json!(comment_id);
    serde_json::to_vec(&payload).unwrap()
}

/// A stand-in OpenTelemetry collector: keeps the body of every OTLP/HTTP trace export.
async fn otlp_collector() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let exports = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new()
        .route(
            "/v1/traces",
            axum::routing::post(
                |State(exports): State<Arc<Mutex<Vec<Vec<u8>>>>>, body: axum::body::Bytes| async move {
                    exports.lock().unwrap().push(body.to_vec());
                    axum::http::StatusCode::OK
                },
            ),
        )
        .with_state(exports.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), exports)
}

#[tokio::test]
async fn serves_a_webhook_to_a_parked_run_exports_traces_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (collector, exports) = otlp_collector().await;
    // The trigger check asks GitHub for the commenter's permission.
    let github = GitHubStandIn::start().await;
    github.add_installation(4242, "Codertocat");
    github.add_repository(4242, "Codertocat/Hello-World", "main", None);
    github.set_permission("Codertocat/Hello-World", "Codertocat", "write");
    github.add_issue(
        "Codertocat/Hello-World",
        1,
        "Spelling error",
        "",
        "Codertocat",
    );
    let comment_id = github.add_issue_comment(
        "Codertocat/Hello-World",
        1,
        "@redgreen plan please",
        "Codertocat",
    );
    let child = redgreen(dir.path())
        .arg("serve")
        .env("REDGREEN_LISTEN", format!("127.0.0.1:{port}"))
        .env("REDGREEN_WEBHOOK_SECRET", SECRET)
        .env("REDGREEN_API_TOKEN", TOKEN)
        .env("REDGREEN_GITHUB_API_URL", github.api_url())
        .env("REDGREEN_GITHUB_APP_ID", github.app_id().to_string())
        .env("REDGREEN_GITHUB_PRIVATE_KEY", github.app_private_key_pem())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();

    eventually(Duration::from_secs(60), "/readyz", || async {
        let response = http.get(format!("{base}/readyz")).send().await.ok()?;
        response.status().is_success().then_some(())
    })
    .await;
    assert!(
        dir.path().join("redgreen.db").exists(),
        "SQLite in the data dir"
    );

    let body = issue_comment_payload(comment_id);
    let response = http
        .post(format!("{base}/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "issue_comment")
        .header("x-github-delivery", "7f3c0e2a-serve-test")
        .header(
            "x-hub-signature-256",
            redgreen_core::webhook::sign(SECRET.as_bytes(), &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);

    let run = eventually(Duration::from_secs(30), "the run to park", || async {
        let runs: serde_json::Value = http
            .get(format!("{base}/api/v1/runs"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let run = runs["runs"].get(0)?.clone();
        (run["state"] == "needs_human").then_some(run)
    })
    .await;
    assert_eq!(run["kind"], "plan");

    // On GitHub: 👀 on the comment that asked, and one progress comment, edited in place
    // as the run moved, that now says why it stopped.
    let progress = eventually(Duration::from_secs(30), "the progress comment", || async {
        let comments = github.issue_comments("Codertocat/Hello-World", 1);
        let last = comments.last()?.clone();
        let body = last["body"].as_str()?.to_owned();
        (comments.len() == 2 && body.contains("needs a human")).then_some(body)
    })
    .await;
    assert!(progress.contains(run["id"].as_str().unwrap()), "{progress}");
    let eyes: Vec<_> = github
        .reactions()
        .into_iter()
        .filter(|r| r["content"] == "eyes" && r["subject"]["id"] == comment_id)
        .collect();
    assert_eq!(eyes.len(), 1, "{:?}", github.reactions());

    terminate(&child);
    let output = wait_with_timeout(child, Duration::from_secs(30)).await;
    assert!(
        output.status.success(),
        "clean exit on SIGTERM: {:?}",
        output.status
    );
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(logs.contains("shutdown requested"), "{logs}");
    assert!(
        !logs.contains(SECRET) && !logs.contains(TOKEN),
        "a secret reached the logs"
    );
    assert!(
        !logs.contains("PRIVATE KEY") && !logs.contains("ghs_"),
        "the App key or an installation token reached the logs"
    );
    assert!(logs.contains("trigger decision"), "{logs}");
    github.assert_no_violations();

    // The exports are protobuf; span names and attribute keys appear as plain bytes.
    let exported = exports.lock().unwrap().concat();
    let has = |needle: &str| {
        exported
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    };
    assert!(has("redgreen"), "service name exported");
    assert!(
        has("task") && has("task_id") && has("installation"),
        "task spans exported"
    );
    assert!(!has(SECRET) && !has(TOKEN), "a secret reached the traces");
}

fn refused(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(!output.status.success(), "must refuse to start");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn refuses_a_listen_address_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let message = refused(
        redgreen(dir.path())
            .arg("serve")
            .env("REDGREEN_LISTEN", &address),
    );
    assert!(
        message.contains(&format!("cannot listen on {address}")),
        "{message}"
    );
}

#[test]
fn refuses_an_unknown_database_scheme_without_echoing_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let message = refused(
        redgreen(dir.path())
            .arg("serve")
            .env("REDGREEN_DATABASE_URL", "mysql://admin:hunter2@db/redgreen"),
    );
    assert!(message.contains("REDGREEN_DATABASE_URL"), "{message}");
    assert!(message.contains("\"mysql\""), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn refuses_an_unreadable_private_key_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let message = refused(redgreen(dir.path()).arg("serve").env(
        "REDGREEN_GITHUB_PRIVATE_KEY",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    ));
    assert!(message.contains("REDGREEN_GITHUB_PRIVATE_KEY"), "{message}");
    assert!(
        !message.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
        "{message}"
    );
}

#[tokio::test]
async fn audit_verify_exits_1_when_a_row_was_edited() {
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("redgreen.db").display());
    let store = super::support::connect(&url).await;
    let (delivery, _) = super::support::delivery_with_run(
        redgreen_core::InstallationId(5),
        redgreen_core::RunKind::Fix,
    );
    store.record_delivery(&delivery).await.unwrap();
    drop(store);

    let intact = redgreen(dir.path())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(
        intact.status.success(),
        "{}",
        String::from_utf8_lossy(&intact.stdout)
    );

    // Someone with write access to the database file: drop the guard, rewrite history.
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_update")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET data = '{\"forged\":true}' WHERE seq = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let tampered = redgreen(dir.path())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&tampered.stdout);
    assert_eq!(tampered.status.code(), Some(1), "{report}");
    assert!(
        report.contains("BROKEN") && report.contains("TAMPERED"),
        "{report}"
    );
}

#[test]
fn audit_verify_reports_an_intact_log() {
    let dir = tempfile::tempdir().unwrap();
    let output = redgreen(dir.path())
        .args(["audit", "verify", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["breaks"], serde_json::json!([]));
}

/// Starts `redgreen [args] serve` with no secret (so it logs a warning at once), waits until it
/// is ready, stops it, and returns its stderr.
async fn serve_logs(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = redgreen(dir.path())
        .args(args)
        .arg("serve")
        .env("REDGREEN_LISTEN", format!("127.0.0.1:{port}"))
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    eventually(Duration::from_secs(60), "/readyz", || async {
        let response = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .ok()?;
        response.status().is_success().then_some(())
    })
    .await;
    terminate(&child);
    let output = wait_with_timeout(child, Duration::from_secs(30)).await;
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn logs_are_json_lines_for_a_collector_and_text_on_request() {
    // stderr is a pipe here, not a terminal: JSON lines by default.
    let json = serve_logs(&[]).await;
    let warning = json
        .lines()
        .find(|line| line.contains("REDGREEN_WEBHOOK_SECRET is not set"))
        .unwrap_or_else(|| panic!("no warning in {json}"));
    let parsed: serde_json::Value = serde_json::from_str(warning).unwrap();
    assert_eq!(parsed["level"], "WARN", "{warning}");

    let text = serve_logs(&["--log-format", "text"]).await;
    let warning = text
        .lines()
        .find(|line| line.contains("REDGREEN_WEBHOOK_SECRET is not set"))
        .unwrap_or_else(|| panic!("no warning in {text}"));
    assert!(!warning.trim_start().starts_with('{'), "{warning}");
    assert!(warning.contains("WARN"), "{warning}");
}
