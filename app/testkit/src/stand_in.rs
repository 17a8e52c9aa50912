//! `GitHubStandIn`: a local GitHub REST server for tests. Tests set up installations,
//! repositories, users and issues, point the client at `api_url()`, then read back what the
//! client did. A request GitHub's contract does not allow fails the test (on `Drop`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::http::Method;
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::auth::APP_PRIVATE_KEY_PEM;
use crate::fault::Fault;
use crate::handlers::{branch_sha, checks_served};
use crate::recorded::RecordedRequest;
use crate::resources::{self, PullFields, ReviewCommentFields};
use crate::server::{SharedWorld, router};
use crate::world::{Installation, Repository, World};

/// The App id the stand-in's JWTs must carry in `iss`.
const APP_ID: u64 = 424_242;

/// The running stand-in. Dropping it stops the server.
pub struct GitHubStandIn {
    world: SharedWorld,
    api_url: String,
    shutdown: Option<oneshot::Sender<()>>,
}

/// What a test needs to create a pull request someone else opened (for `@redgreen test` on
/// any PR, or a follow-up on redgreen's own PR).
#[derive(Debug, Clone)]
pub struct PullSpec<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub head: &'a str,
    pub base: &'a str,
    pub author: &'a str,
}

impl GitHubStandIn {
    /// Starts the server on `127.0.0.1:0` in the current tokio runtime.
    ///
    /// # Panics
    /// When no loopback port can be bound or the contract file cannot be loaded: a test
    /// cannot run without either.
    pub async fn start() -> GitHubStandIn {
        if let Err(error) = crate::openapi::contract() {
            panic!("GitHub stand-in: {error}");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|error| panic!("GitHub stand-in: cannot bind 127.0.0.1:0: {error}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("GitHub stand-in: no local address: {error}"));
        let api_url = format!("http://{address}");
        let world = Arc::new(Mutex::new(World::new(APP_ID, api_url.clone())));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = router(Arc::clone(&world));
        tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(error) = serving.await {
                tracing::warn!(%error, "GitHub stand-in stopped with an error");
            }
        });
        GitHubStandIn {
            world,
            api_url,
            shutdown: Some(shutdown),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: octocrab's `base_uri`.
    pub fn api_url(&self) -> String {
        self.api_url.clone()
    }

    pub fn app_id(&self) -> u64 {
        APP_ID
    }

    /// The App's RSA private key (PKCS#1 PEM). Test-only: committed in `fixtures/`.
    pub fn app_private_key_pem(&self) -> &'static str {
        APP_PRIVATE_KEY_PEM
    }

    /// The App's slug; its bot account, which authors everything created with an
    /// installation token, is `<slug>[bot]`. Default `redgreen`.
    pub fn set_app_slug(&self, slug: &str) {
        self.world.lock().app_slug = slug.to_string();
    }

    /// `<slug>[bot]`: the login of the App's bot account.
    pub fn bot_login(&self) -> String {
        self.world.lock().bot_login()
    }

    pub fn add_installation(&self, id: i64, account: &str) {
        self.world.lock().installations.insert(
            id,
            Installation {
                id,
                account: account.to_string(),
            },
        );
    }

    /// Adds a repository to an installation; returns its id.
    ///
    /// # Panics
    /// When the installation was not added first, or `full_name` is not `owner/name`.
    pub fn add_repository(
        &self,
        installation: i64,
        full_name: &str,
        default_branch: &str,
        clone_url: Option<String>,
    ) -> i64 {
        let mut world = self.world.lock();
        assert!(
            world.installations.contains_key(&installation),
            "add_installation({installation}, ..) before adding {full_name}"
        );
        assert!(
            full_name.split('/').count() == 2,
            "repository name {full_name:?} is not owner/name"
        );
        let id = resources::user_id(&format!("repository {full_name}"));
        world.repositories.insert(
            full_name.to_ascii_lowercase(),
            Repository {
                id,
                installation,
                full_name: full_name.to_string(),
                default_branch: default_branch.to_string(),
                clone_url,
                refs: Default::default(),
                git_dir: None,
                files: Default::default(),
                permissions: Default::default(),
                next_number: 1,
                issues: Default::default(),
                pulls: Default::default(),
                pull_files: Default::default(),
                issue_comments: Vec::new(),
                review_comments: Vec::new(),
                reviews: Vec::new(),
                check_runs: Vec::new(),
                protections: Default::default(),
                rules: Default::default(),
            },
        );
        id
    }

    /// `admin`, `maintain`, `write`, `triage`, `read` or `none`. Users never set answer `none`.
    pub fn set_permission(&self, full_name: &str, login: &str, permission: &str) {
        self.with_repository(full_name, |repository| {
            repository
                .permissions
                .insert(login.to_ascii_lowercase(), permission.to_string());
        });
    }

    /// Adds an issue with this number (later issues and pull requests number after it).
    pub fn add_issue(&self, full_name: &str, number: u64, title: &str, body: &str, author: &str) {
        let mut world = self.world.lock();
        let Some(repository) = world.repository(full_name) else {
            panic!("add_repository({full_name}) first");
        };
        let issue = resources::issue(&world, repository, number, title, body, author);
        if let Some(repository) = world.repository_mut(full_name) {
            repository.issues.insert(number, issue);
            repository.next_number = repository.next_number.max(number + 1);
        }
    }

    /// Adds a comment someone wrote on an issue or pull request (a trigger); returns its id.
    pub fn add_issue_comment(&self, full_name: &str, number: u64, body: &str, author: &str) -> i64 {
        let mut world = self.world.lock();
        let id = world.take_id();
        let Some(repository) = world.repository(full_name) else {
            panic!("add_repository({full_name}) first");
        };
        let comment = resources::issue_comment(&world, repository, number, id, body, author);
        if let Some(repository) = world.repository_mut(full_name) {
            repository.issue_comments.push((number, comment));
        }
        id
    }

    /// Adds a pull request someone opened; returns its number.
    pub fn add_pull(&self, full_name: &str, spec: &PullSpec<'_>) -> u64 {
        let mut world = self.world.lock();
        let Some(repository) = world.repository_mut(full_name) else {
            panic!("add_repository({full_name}) first");
        };
        let number = repository.take_number();
        let Some(repository) = world.repository(full_name) else {
            panic!("add_repository({full_name}) first");
        };
        let head_sha = branch_sha(repository, spec.head);
        let base_sha = branch_sha(repository, spec.base);
        let pull = resources::pull(
            &world,
            repository,
            &PullFields {
                number,
                title: spec.title,
                body: Some(spec.body),
                head: spec.head,
                head_sha: &head_sha,
                base: spec.base,
                base_sha: &base_sha,
                draft: false,
                author: spec.author,
            },
        );
        if let Some(repository) = world.repository_mut(full_name) {
            repository.pulls.insert(number, pull);
        }
        number
    }

    /// Adds a review comment someone wrote on a pull request line; returns its id.
    pub fn add_review_comment(
        &self,
        full_name: &str,
        pull: u64,
        body: &str,
        author: &str,
        path: &str,
        line: u64,
    ) -> i64 {
        let mut world = self.world.lock();
        let id = world.take_id();
        let Some(repository) = world.repository(full_name) else {
            panic!("add_repository({full_name}) first");
        };
        let commit_id = repository
            .pulls
            .get(&pull)
            .and_then(|found| found.pointer("/head/sha"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let comment = resources::review_comment(
            &world,
            repository,
            &ReviewCommentFields {
                pull,
                id,
                body,
                author,
                path,
                line: Some(line),
                commit_id: &commit_id,
                in_reply_to: None,
            },
        );
        if let Some(repository) = world.repository_mut(full_name) {
            repository.review_comments.push((pull, comment));
        }
        id
    }

    /// Sets a ref (`refs/heads/main` or `heads/main`) to a commit sha.
    pub fn set_ref(&self, full_name: &str, git_ref: &str, sha: &str) {
        let name = if git_ref.starts_with("refs/") {
            git_ref.to_string()
        } else {
            format!("refs/{git_ref}")
        };
        self.with_repository(full_name, |repository| {
            repository.refs.insert(name, sha.to_string());
        });
    }

    /// The sha a ref points at, if set (by a test or by the client through the API).
    pub fn get_ref(&self, full_name: &str, git_ref: &str) -> Option<String> {
        let name = if git_ref.starts_with("refs/") {
            git_ref.to_string()
        } else {
            format!("refs/{git_ref}")
        };
        self.world
            .lock()
            .repository(full_name)
            .and_then(|repository| repository.refs.get(&name).cloned())
    }

    /// A file on a branch, served by `GET .../contents/{path}?ref=`.
    pub fn add_file(&self, full_name: &str, branch: &str, path: &str, content: &str) {
        self.with_repository(full_name, |repository| {
            repository.files.insert(
                (branch.to_string(), path.trim_matches('/').to_string()),
                content.to_string(),
            );
        });
    }

    /// The files `GET .../pulls/{n}/files` lists (GitHub `diff-entry` objects).
    pub fn set_pull_files(&self, full_name: &str, pull: u64, files: Vec<Value>) {
        self.with_repository(full_name, |repository| {
            repository.pull_files.insert(pull, files);
        });
    }

    /// `None` = unprotected: GET protection answers 404 "Branch not protected", like GitHub.
    pub fn set_branch_protection(&self, full_name: &str, branch: &str, protection: Option<Value>) {
        self.with_repository(full_name, |repository| match protection {
            Some(protection) => {
                repository
                    .protections
                    .insert(branch.to_string(), protection);
            }
            None => {
                repository.protections.remove(branch);
            }
        });
    }

    /// GitHub's branch-protection example (one approving review required, admins enforced),
    /// re-pointed at this repository and branch: a realistic value for
    /// `set_branch_protection`.
    pub fn example_branch_protection(&self, full_name: &str) -> Value {
        let world = self.world.lock();
        let mut protection = resources::example(&world, "branch-protection", Some(full_name));
        complete_abbreviated_entries(&world, &mut protection);
        // The example abbreviates the status-check policy; GitHub answers always carry them.
        if let Some(checks) = protection.get_mut("required_status_checks") {
            checks["strict"] = Value::Bool(true);
            checks["checks"] = Value::Array(Vec::new());
        }
        protection
    }

    /// The rules `GET .../rules/branches/{branch}` answers (GitHub `repository-rule-detailed`
    /// objects). Empty by default.
    pub fn set_branch_rules(&self, full_name: &str, branch: &str, rules: Vec<Value>) {
        self.with_repository(full_name, |repository| {
            repository.rules.insert(branch.to_string(), rules);
        });
    }

    /// How long new installation tokens live (default one hour, as on GitHub).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.world.lock().token_lifetime = lifetime;
    }

    /// Every installation token issued so far now gets 401 "Bad credentials"; tokens issued
    /// afterwards work.
    pub fn expire_all_tokens(&self) {
        for token in self.world.lock().tokens.values_mut() {
            token.revoked = true;
        }
    }

    /// Token expiry in the middle of a client's work, without racing it: the next request
    /// whose method is `method` and whose path starts with `path_prefix` finds every
    /// installation token issued so far expired, and is itself answered 401 "Bad credentials"
    /// like any request with a dead token; tokens issued afterwards work.
    pub fn expire_tokens_on(&self, method: Method, path_prefix: impl Into<String>) {
        self.world
            .lock()
            .token_expiries
            .push((method, path_prefix.into()));
    }

    /// For the git remote: is this a live installation token?
    pub fn token_check(&self) -> Arc<dyn Fn(&str) -> bool + Send + Sync> {
        let world = Arc::clone(&self.world);
        Arc::new(move |token: &str| {
            world
                .lock()
                .tokens
                .get(token)
                .is_some_and(|issued| issued.is_live(SystemTime::now()))
        })
    }

    /// The next request whose method is `method` and whose path starts with `path_prefix` is
    /// served (whatever it creates exists) but its answer never comes back, as when the
    /// connection drops after GitHub acted: the window a crash-safe client must survive.
    pub fn withhold_answer(&self, method: Method, path_prefix: impl Into<String>) {
        self.world
            .lock()
            .withheld_answers
            .push((method, path_prefix.into()));
    }

    /// Makes the branches of `full_name` those of the bare repository at `git_dir` (a
    /// [`crate::git_remote::GitRemote`] repository), so that a push there moves a pull
    /// request's head here, as one repository does on GitHub.
    pub fn mirror_refs_of(&self, full_name: &str, git_dir: std::path::PathBuf) {
        let mut world = self.world.lock();
        let Some(repository) = world.repository_mut(full_name) else {
            panic!("add_repository({full_name}) first");
        };
        repository.git_dir = Some(git_dir);
    }

    /// Queues a fault (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        self.world.lock().faults.push(fault);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.world.lock().requests.clone()
    }

    /// Contract violations so far: requests that GitHub's contract does not allow, unknown
    /// operations, a merge.
    pub fn violations(&self) -> Vec<String> {
        self.world.lock().violations.clone()
    }

    /// Where the stand-in's own answers departed from GitHub's documented response schemas
    /// (a bug of the stand-in, not of the client; its own tests keep this empty).
    pub fn answer_mismatches(&self) -> Vec<String> {
        self.world.lock().answer_mismatches.clone()
    }

    /// Returns and clears the violations, for tests that provoke them on purpose.
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut self.world.lock().violations)
    }

    /// # Panics
    /// When any request broke the contract, listing them.
    pub fn assert_no_violations(&self) {
        let violations = self.violations();
        assert!(
            violations.is_empty(),
            "requests to the GitHub stand-in broke GitHub's contract:\n  {}",
            violations.join("\n  ")
        );
    }

    pub fn issue_comments(&self, full_name: &str, number: u64) -> Vec<Value> {
        self.read(full_name, |repository| {
            repository
                .issue_comments
                .iter()
                .filter(|(on, _)| *on == number)
                .map(|(_, comment)| comment.clone())
                .collect()
        })
    }

    /// Every reaction, each with its `subject`: `{"kind": "issue_comment" |
    /// "pull_request_review_comment", "id", "repository"}` or `{"kind": "issue", "number",
    /// "repository"}` (repository lower-cased).
    pub fn reactions(&self) -> Vec<Value> {
        self.world.lock().reactions.clone()
    }

    pub fn pulls(&self, full_name: &str) -> Vec<Value> {
        self.read(full_name, |repository| {
            repository.pulls.values().cloned().collect()
        })
    }

    /// Check runs as served, plus every `annotations` sent (across updates) and `actions`.
    pub fn check_runs(&self, full_name: &str) -> Vec<Value> {
        self.read(full_name, |repository| repository.check_runs.clone())
    }

    /// Check runs exactly as GitHub would answer them (without the read-back extras).
    pub fn check_runs_served(&self, full_name: &str) -> Vec<Value> {
        self.read(full_name, |repository| {
            repository.check_runs.iter().map(checks_served).collect()
        })
    }

    pub fn issues(&self, full_name: &str) -> Vec<Value> {
        self.read(full_name, |repository| {
            repository.issues.values().cloned().collect()
        })
    }

    pub fn review_comments(&self, full_name: &str, pull: u64) -> Vec<Value> {
        self.read(full_name, |repository| {
            repository
                .review_comments
                .iter()
                .filter(|(on, _)| *on == pull)
                .map(|(_, comment)| comment.clone())
                .collect()
        })
    }

    /// Reviews submitted on a pull request.
    pub fn reviews(&self, full_name: &str, pull: u64) -> Vec<Value> {
        self.read(full_name, |repository| {
            repository
                .reviews
                .iter()
                .filter(|(on, _)| *on == pull)
                .map(|(_, review)| review.clone())
                .collect()
        })
    }

    fn read(&self, full_name: &str, read: impl FnOnce(&Repository) -> Vec<Value>) -> Vec<Value> {
        self.world
            .lock()
            .repository(full_name)
            .map(read)
            .unwrap_or_default()
    }

    fn with_repository(&self, full_name: &str, change: impl FnOnce(&mut Repository)) {
        let mut world = self.world.lock();
        let key = full_name.to_ascii_lowercase();
        let Some(mut repository) = world.repositories.remove(&key) else {
            panic!("add_repository({full_name}) first");
        };
        change(&mut repository);
        world.repositories.insert(key, repository);
    }
}

impl Drop for GitHubStandIn {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if std::thread::panicking() {
            return;
        }
        let violations = self.world.lock().violations.clone();
        if !violations.is_empty() {
            panic!(
                "requests to the GitHub stand-in broke GitHub's contract:\n  {}",
                violations.join("\n  ")
            );
        }
    }
}

/// The example abbreviates `apps[].owner` (no `gravatar_id`, ...), which octocrab's `Author`
/// model refuses, and `teams[]` (no `type`), which its own schema requires; real answers
/// carry both in full, so the stand-in does too.
fn complete_abbreviated_entries(world: &World, value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if key == "apps"
                    && let Value::Array(apps) = item
                {
                    for app in apps {
                        let login = app
                            .pointer("/owner/login")
                            .and_then(Value::as_str)
                            .unwrap_or("github")
                            .to_string();
                        app["owner"] = resources::user(world, &login);
                    }
                } else if key == "teams"
                    && let Value::Array(teams) = item
                {
                    for team in teams {
                        team["type"] = Value::String("organization".to_string());
                    }
                } else {
                    complete_abbreviated_entries(world, item);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| complete_abbreviated_entries(world, item)),
        _ => {}
    }
}
