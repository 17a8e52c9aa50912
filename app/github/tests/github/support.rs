//! A stand-in GitHub with one installation and one repository, and a client pointed at it
//! whose waits are recorded instead of slept.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use redgreen_core::InstallationId;
use redgreen_github::{GitHubClient, GitHubConfig, RepoClient, RepoName, RetryPolicy, Sleeper};
use redgreen_testkit::GitHubStandIn;
use secrecy::SecretString;

pub const INSTALLATION: i64 = 7;
pub const REPO: &str = "octo/widgets";

/// Records every wait and returns at once, so a one-minute backoff costs nothing.
#[derive(Default)]
pub struct RecordingSleeper {
    waits: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    pub fn waits(&self) -> Vec<Duration> {
        self.waits.lock().unwrap().clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(
        &self,
        wait: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        self.waits.lock().unwrap().push(wait);
        Box::pin(tokio::task::yield_now())
    }
}

pub struct Setup {
    pub github: GitHubStandIn,
    pub client: GitHubClient,
    pub repo: RepoClient,
    pub sleeper: Arc<RecordingSleeper>,
}

/// Retries with millisecond backoffs (the rate-limit waits GitHub names are recorded as is).
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_total_wait: Duration::from_secs(600),
        server_error_base: Duration::from_millis(10),
        secondary_limit_base: Duration::from_secs(60),
    }
}

pub fn config_for(github: &GitHubStandIn) -> GitHubConfig {
    GitHubConfig::new(
        &github.api_url(),
        github.app_id().to_string(),
        SecretString::from(github.app_private_key_pem()),
    )
    .unwrap()
}

pub async fn setup() -> Setup {
    setup_with(fast_policy()).await
}

pub async fn setup_with(policy: RetryPolicy) -> Setup {
    let github = GitHubStandIn::start().await;
    github.add_installation(INSTALLATION, "octo");
    github.add_repository(INSTALLATION, REPO, "main", None);
    let mut config = config_for(&github);
    config.retry = policy;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = GitHubClient::with_sleeper(config, sleeper.clone()).unwrap();
    let repo = client.repo(InstallationId(INSTALLATION), RepoName::parse(REPO).unwrap());
    Setup {
        github,
        client,
        repo,
        sleeper,
    }
}

/// How many requests the stand-in received with `method` on a path ending in `suffix`.
pub fn count(github: &GitHubStandIn, method: &str, suffix: &str) -> usize {
    github
        .requests()
        .iter()
        .filter(|r| r.method == method && r.path.ends_with(suffix))
        .count()
}
