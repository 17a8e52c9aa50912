//! Installation tokens: fetched once per installation and reused, replaced before they run
//! out, and after a 401 refreshed once and the call retried. Tokens never show in errors,
//! Debug output or logs.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use redgreen_core::InstallationId;
use redgreen_github::{GitHubClient, RepoName};
use redgreen_testkit::AuthKind;
use secrecy::ExposeSecret;

use crate::support::{INSTALLATION, REPO, count, setup};

const ACCESS_TOKENS: &str = "/access_tokens";

#[tokio::test]
async fn a_token_is_fetched_once_and_reused() {
    let s = setup().await;
    s.github.set_permission(REPO, "alice", "write");
    s.repo.get().await.unwrap();
    s.repo.collaborator_permission("alice").await.unwrap();
    s.repo.get().await.unwrap();
    assert_eq!(count(&s.github, "POST", ACCESS_TOKENS), 1);
    // Every repository call carried the installation's token.
    for request in s.github.requests() {
        if !request.path.ends_with(ACCESS_TOKENS) {
            assert_eq!(
                request.auth,
                AuthKind::InstallationToken {
                    installation: INSTALLATION
                },
                "{} {}",
                request.method,
                request.path
            );
        }
    }
    s.github.assert_no_violations();
}

#[tokio::test]
async fn a_token_close_to_expiry_is_replaced_before_use() {
    let s = setup().await;
    // Four minutes is inside the five-minute refresh margin: every call needs a new token.
    s.github.set_token_lifetime(Duration::from_secs(4 * 60));
    s.repo.get().await.unwrap();
    s.repo.get().await.unwrap();
    assert_eq!(count(&s.github, "POST", ACCESS_TOKENS), 2);
    // No call was made with a token about to run out, so none was refused.
    assert!(s.github.requests().iter().all(|r| r.status != 401));
    s.github.assert_no_violations();
}

#[tokio::test]
async fn token_expiry_mid_task_is_recovered_with_one_refresh() {
    let s = setup().await;
    s.repo.get().await.unwrap();
    s.github.expire_all_tokens();
    let repository = s.repo.get().await.unwrap();
    assert_eq!(repository.name, "widgets");
    let requests = s.github.requests();
    let refused: Vec<_> = requests.iter().filter(|r| r.status == 401).collect();
    assert_eq!(refused.len(), 1, "one call with the expired token");
    assert_eq!(refused[0].auth, AuthKind::Refused);
    assert_eq!(count(&s.github, "POST", ACCESS_TOKENS), 2, "one refresh");
    assert_eq!(requests.last().unwrap().status, 200);
    s.github.assert_no_violations();
}

#[tokio::test]
async fn the_installation_token_is_opaque_and_never_printed() {
    let s = setup().await;
    let token = s
        .client
        .installation_token(InstallationId(INSTALLATION))
        .await
        .unwrap();
    assert!(!token.expose_secret().is_empty());
    assert!(!format!("{token:?}").contains(token.expose_secret()));
    // An error from the same client does not carry it either.
    let err = s.repo.get_pull(999_999).await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains(token.expose_secret()));
}

#[tokio::test]
async fn an_unknown_installation_is_an_error_not_a_panic() {
    let s = setup().await;
    let other = s
        .client
        .repo(InstallationId(999), RepoName::parse(REPO).unwrap());
    let err = other.get().await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
}

/// A writer the test subscriber logs into.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary, at every level. A global subscriber, because a
/// thread-scoped one misses callsites whose interest another test thread cached first.
fn captured_logs() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        captured
    })
}

#[tokio::test]
async fn tokens_and_jwts_never_reach_the_logs() {
    let captured = captured_logs();
    let s = setup().await;
    s.repo.get().await.unwrap();
    s.github.expire_all_tokens();
    s.repo.get().await.unwrap();
    let token = s
        .client
        .installation_token(InstallationId(INSTALLATION))
        .await
        .unwrap();
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("refreshing it once"),
        "the refresh was logged: {logs}"
    );
    // Each call's span names the method, the route template, the installation and the
    // status GitHub answered.
    assert!(
        logs.lines().any(|line| line.contains("github.call")
            && line.contains("http.method=\"GET\"")
            && line.contains("route=\"/repos/{owner}/{repo}\"")
            && line.contains(&format!("installation={INSTALLATION}"))
            && line.contains("status=200")),
        "the calls were traced: {logs}"
    );
    assert!(!logs.contains(token.expose_secret()), "{logs}");
    assert!(!logs.contains("Bearer"), "{logs}");
    assert!(!logs.contains("eyJ"), "a JWT reached the logs: {logs}");
}

/// Needs nothing but a client: shows a fresh client shares no cache with another.
#[tokio::test]
async fn each_client_fetches_its_own_token() {
    let s = setup().await;
    let second = GitHubClient::new(s.client.config().clone()).unwrap();
    s.repo.get().await.unwrap();
    second
        .repo(InstallationId(INSTALLATION), RepoName::parse(REPO).unwrap())
        .get()
        .await
        .unwrap();
    assert_eq!(count(&s.github, "POST", ACCESS_TOKENS), 2);
}
