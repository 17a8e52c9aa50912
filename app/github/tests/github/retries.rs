//! Rate limits and failures: `retry-after` is waited out, the primary limit waits for its
//! reset, a secondary limit without a time backs off from a minute, 5xx is retried with
//! exponential backoff, and the caps end in an error that says to retry later.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::Method;
use redgreen_core::InstallationId;
use redgreen_github::{GitHubClient, GitHubError, RepoName, RetryPolicy, TokioSleeper};
use redgreen_testkit::Fault;

use crate::support::{INSTALLATION, REPO, config_for, fast_policy, setup, setup_with};

const REPO_PATH: &str = "/repos/octo/widgets";

fn repo_gets(github: &redgreen_testkit::GitHubStandIn) -> Vec<u16> {
    github
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == REPO_PATH)
        .map(|r| r.status)
        .collect()
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    let s = setup().await;
    s.github.inject(Fault {
        retry_after_secs: Some(7),
        ..Fault::status(Method::GET, REPO_PATH, 429)
    });
    s.repo.get().await.unwrap();
    assert_eq!(s.sleeper.waits(), vec![Duration::from_secs(7)]);
    assert_eq!(repo_gets(&s.github), vec![429, 200]);
    s.github.assert_no_violations();
}

#[tokio::test]
async fn a_secondary_limit_with_retry_after_is_waited_out_for_real() {
    // The real sleeper: the call takes the second GitHub asked for, and succeeds.
    let github = redgreen_testkit::GitHubStandIn::start().await;
    github.add_installation(INSTALLATION, "octo");
    github.add_repository(INSTALLATION, REPO, "main", None);
    let client = GitHubClient::with_sleeper(config_for(&github), Arc::new(TokioSleeper)).unwrap();
    let repo = client.repo(InstallationId(INSTALLATION), RepoName::parse(REPO).unwrap());
    github.inject(Fault::secondary_rate_limit(Method::GET, REPO_PATH, 1));
    repo.get().await.unwrap();
    assert_eq!(repo_gets(&github), vec![403, 200]);
    github.assert_no_violations();
}

#[tokio::test]
async fn the_primary_limit_waits_until_the_reset() {
    let s = setup().await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    s.github.inject(Fault::primary_rate_limit(
        Method::GET,
        REPO_PATH,
        i64::try_from(now + 30).unwrap(),
    ));
    s.repo.get().await.unwrap();
    let waits = s.sleeper.waits();
    assert_eq!(waits.len(), 1);
    // Until one second past the reset, measured from a clock read a moment later.
    assert!(
        waits[0] >= Duration::from_secs(29) && waits[0] <= Duration::from_secs(31),
        "{waits:?}"
    );
    assert_eq!(repo_gets(&s.github), vec![403, 200]);
}

#[tokio::test]
async fn a_secondary_limit_without_a_time_backs_off_from_a_minute() {
    let s = setup().await;
    // 403 "secondary rate limit" twice, no retry-after, no x-ratelimit headers.
    s.github
        .inject(Fault::status(Method::GET, REPO_PATH, 403).times(2));
    s.repo.get().await.unwrap();
    assert_eq!(
        s.sleeper.waits(),
        vec![Duration::from_secs(60), Duration::from_secs(120)]
    );
    assert_eq!(repo_gets(&s.github), vec![403, 403, 200]);
}

#[tokio::test]
async fn server_errors_are_retried_with_exponential_backoff() {
    let s = setup().await;
    s.github
        .inject(Fault::status(Method::GET, REPO_PATH, 502).times(2));
    s.repo.get().await.unwrap();
    let waits = s.sleeper.waits();
    assert_eq!(waits.len(), 2, "{waits:?}");
    // Steps of 10 ms then 20 ms, with equal jitter: each wait between half its step and all.
    assert!(waits[0] >= Duration::from_millis(5) && waits[0] <= Duration::from_millis(10));
    assert!(waits[1] >= Duration::from_millis(10) && waits[1] <= Duration::from_millis(20));
    assert_eq!(repo_gets(&s.github), vec![502, 502, 200]);
}

#[tokio::test]
async fn the_attempt_cap_ends_in_a_retryable_error() {
    let s = setup_with(RetryPolicy {
        max_attempts: 3,
        ..fast_policy()
    })
    .await;
    s.github
        .inject(Fault::status(Method::GET, REPO_PATH, 503).times(10));
    let err = s.repo.get().await.unwrap_err();
    assert!(
        matches!(err, GitHubError::Unavailable { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(repo_gets(&s.github), vec![503, 503, 503]);
}

#[tokio::test]
async fn a_wait_beyond_the_total_cap_is_not_taken() {
    let s = setup_with(RetryPolicy {
        max_total_wait: Duration::from_secs(60),
        ..fast_policy()
    })
    .await;
    s.github.inject(Fault {
        retry_after_secs: Some(3600),
        ..Fault::status(Method::GET, REPO_PATH, 429)
    });
    let err = s.repo.get().await.unwrap_err();
    match &err {
        GitHubError::RateLimited { retry_after, .. } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(3600)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert!(s.sleeper.waits().is_empty());
    assert_eq!(repo_gets(&s.github), vec![429]);
}

#[tokio::test]
async fn a_plain_client_error_is_not_retried() {
    let s = setup().await;
    s.github.inject(Fault::status(
        Method::POST,
        "/repos/octo/widgets/issues",
        422,
    ));
    s.github.add_issue(REPO, 1, "t", "b", "alice");
    let err = s.repo.create_issue("title", "body", &[]).await.unwrap_err();
    assert_eq!(err.status(), Some(422), "{err:?}");
    assert!(!err.is_retryable());
    assert!(s.sleeper.waits().is_empty());
}

#[tokio::test]
async fn a_second_401_after_the_refresh_is_final() {
    let s = setup().await;
    s.github
        .inject(Fault::status(Method::GET, REPO_PATH, 401).times(2));
    let err = s.repo.get().await.unwrap_err();
    assert!(
        matches!(err, GitHubError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(
        repo_gets(&s.github),
        vec![401, 401],
        "one refresh, one retry"
    );
    assert_eq!(
        crate::support::count(&s.github, "POST", "/access_tokens"),
        2
    );
}

#[tokio::test]
async fn an_unreachable_github_is_retried_then_reported_as_retryable() {
    // Bind a port, then free it: nothing listens there any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let github = redgreen_testkit::GitHubStandIn::start().await;
    let mut config = redgreen_github::GitHubConfig::new(
        &format!("http://{address}"),
        "1",
        secrecy::SecretString::from(github.app_private_key_pem()),
    )
    .unwrap();
    config.retry = RetryPolicy {
        max_attempts: 3,
        ..fast_policy()
    };
    let sleeper = Arc::new(crate::support::RecordingSleeper::default());
    let client = GitHubClient::with_sleeper(config, sleeper.clone()).unwrap();
    let err = client
        .repo(InstallationId(INSTALLATION), RepoName::parse(REPO).unwrap())
        .get()
        .await
        .unwrap_err();
    assert!(
        matches!(err, GitHubError::Unavailable { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(sleeper.waits().len(), 2);
}
