//! A real git smart-HTTP remote for tests: `git http-backend` run as CGI behind axum on
//! 127.0.0.1, with GitHub's token auth (`x-access-token` Basic auth) and bare repositories
//! whose `pre-receive` hook refuses every ref outside `refs/heads/redgreen/`, the way a
//! repository protected for redgreen would.
//!
//! The server runs on its own thread and runtime, so blocking git clients (libgit2, the git
//! CLI) can be driven straight from a test, sync or async, without starving it.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;

use crate::error::TestkitError;

/// Decides whether a password sent as `x-access-token` is a live token. The REST stand-in
/// provides one that accepts exactly its unexpired installation tokens.
pub type TokenCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// The user name GitHub expects with an installation token over git's HTTP transport.
pub const TOKEN_USER: &str = "x-access-token";

/// Push and fetch bodies of test repositories are small; this only bounds a runaway client.
const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// Like a repository protected for redgreen: refs outside `refs/heads/redgreen/` are refused
/// whoever pushes. Deletions and non-fast-forwards are refused by the repository's
/// `receive.deny*` settings.
const PRE_RECEIVE_HOOK: &str = r#"#!/bin/sh
# Installed by redgreen-testkit's git remote.
status=0
while read -r old new ref; do
    case "$ref" in
        refs/heads/redgreen/*) ;;
        *) echo "redgreen-testkit: refusing $ref: only refs/heads/redgreen/* may be pushed" >&2
           status=1 ;;
    esac
done
exit $status
"#;

/// One HTTP request the remote answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRequest {
    pub method: String,
    /// The repository addressed, `owner/name`, when the path names one.
    pub repository: Option<String>,
    /// The path, e.g. `/owner/name.git/info/refs`.
    pub path: String,
    pub query: Option<String>,
    /// Whether the request carried the token user with a password the check accepted.
    pub authenticated: bool,
    pub status: u16,
}

impl GitRequest {
    /// A push's data request (`POST .../git-receive-pack`), the one that carries ref updates
    /// and objects. Its absence proves a push was stopped before data left the client.
    pub fn is_receive_pack_post(&self) -> bool {
        self.method == "POST" && self.path.ends_with("/git-receive-pack")
    }

    /// A fetch's data request (`POST .../git-upload-pack`).
    pub fn is_upload_pack_post(&self) -> bool {
        self.method == "POST" && self.path.ends_with("/git-upload-pack")
    }
}

struct Shared {
    root: PathBuf,
    token_check: TokenCheck,
    requests: Mutex<Vec<GitRequest>>,
}

/// The running remote. Dropping it stops the server and deletes its repositories.
pub struct GitRemote {
    shared: Arc<Shared>,
    address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    // Declared last so the directory outlives the server's shutdown signal.
    _dir: tempfile::TempDir,
}

impl GitRemote {
    /// Starts the remote on `127.0.0.1:0`, with repositories under a new temporary directory.
    pub fn start(token_check: TokenCheck) -> Result<GitRemote, TestkitError> {
        let server_error = |what: &str, error: std::io::Error| TestkitError::Server {
            reason: format!("git remote: {what}: {error}"),
        };
        let dir = tempfile::tempdir().map_err(|error| server_error("temporary dir", error))?;
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|error| server_error("bind", error))?;
        listener
            .set_nonblocking(true)
            .map_err(|error| server_error("listener", error))?;
        let address = listener
            .local_addr()
            .map_err(|error| server_error("listener", error))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|error| server_error("runtime", error))?;
        let shared = Arc::new(Shared {
            root: dir.path().to_path_buf(),
            token_check,
            requests: Mutex::new(Vec::new()),
        });
        let (shutdown, shutdown_signal) = oneshot::channel::<()>();
        let app = Router::new()
            .fallback(serve_git)
            .with_state(Arc::clone(&shared));
        std::thread::Builder::new()
            .name(format!("git-remote-{}", address.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(error) => {
                            tracing::error!(%error, "git remote: cannot adopt the listener");
                            return;
                        }
                    };
                    let served = axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = shutdown_signal.await;
                        })
                        .await;
                    if let Err(error) = served {
                        tracing::error!(%error, "git remote: server stopped");
                    }
                });
                // In-flight CGI processes are not waited for: the test is over.
                runtime.shutdown_background();
            })
            .map_err(|error| server_error("thread", error))?;
        Ok(GitRemote {
            shared,
            address,
            shutdown: Some(shutdown),
            _dir: dir,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The clone URL of `owner/name`, as GitHub spells it (`.../owner/name.git`).
    pub fn clone_url(&self, full_name: &str) -> String {
        format!("{}/{full_name}.git", self.base_url())
    }

    /// The directory holding the bare repositories (`<owner>/<name>.git`).
    pub fn dir(&self) -> &Path {
        &self.shared.root
    }

    /// The bare repository of `owner/name` on disk.
    pub fn repo_path(&self, full_name: &str) -> PathBuf {
        self.shared.root.join(format!("{full_name}.git"))
    }

    /// Creates the bare repository `owner/name` with one commit on `main` holding `seed`
    /// (`(path, contents)` pairs), and returns its clone URL and that commit's id.
    ///
    /// Panics if git fails: a fixture that cannot be built should fail the test.
    pub fn create_repo(&self, full_name: &str, seed: &[(&str, &str)]) -> (String, String) {
        let path = self.repo_path(full_name);
        if let Err(error) = std::fs::create_dir_all(&path) {
            panic!("git remote: cannot create {}: {error}", path.display());
        }
        run_git(
            &path,
            &["init", "--quiet", "--bare", "--initial-branch=main"],
            &[],
            None,
        );
        for (key, value) in [
            ("http.receivepack", "true"),
            ("receive.denyNonFastForwards", "true"),
            ("receive.denyDeletes", "true"),
            // GitHub serves reachable commits by id (e.g. a fork's pull request head).
            ("uploadpack.allowReachableSHA1InWant", "true"),
        ] {
            run_git(&path, &["config", key, value], &[], None);
        }
        write_hook(&path.join("hooks").join("pre-receive"));
        let commit = self.commit(full_name, "main", seed, "Initial commit");
        (self.clone_url(full_name), commit)
    }

    /// Adds a commit on `branch` of `owner/name` (creating the branch if needed) that writes
    /// `files` over the branch's tree, and returns its id. This is the repository owner
    /// writing directly, as on GitHub's web editor: it bypasses the hook, so it can move
    /// `main`.
    ///
    /// Panics if git fails.
    pub fn commit(
        &self,
        full_name: &str,
        branch: &str,
        files: &[(&str, &str)],
        message: &str,
    ) -> String {
        let path = self.repo_path(full_name);
        let index = tempfile::NamedTempFile::new_in(&self.shared.root)
            .unwrap_or_else(|error| panic!("git remote: temporary index: {error}"));
        let index_path = index.path().to_string_lossy().into_owned();
        let env = [("GIT_INDEX_FILE", index_path.as_str())];
        let reference = format!("refs/heads/{branch}");
        let parent = self.ref_target(full_name, &reference);
        match &parent {
            Some(parent) => run_git(&path, &["read-tree", parent], &env, None),
            None => run_git(&path, &["read-tree", "--empty"], &env, None),
        };
        for (file, contents) in files {
            let blob = run_git(
                &path,
                &["hash-object", "-w", "--stdin"],
                &env,
                Some(contents.as_bytes()),
            );
            let entry = format!("100644,{blob},{file}");
            run_git(
                &path,
                &["update-index", "--add", "--cacheinfo", &entry],
                &env,
                None,
            );
        }
        let tree = run_git(&path, &["write-tree"], &env, None);
        let mut commit_tree = vec!["commit-tree", tree.as_str(), "-m", message];
        if let Some(parent) = &parent {
            commit_tree.extend(["-p", parent.as_str()]);
        }
        let commit = run_git(&path, &commit_tree, &env, None);
        let old = parent.unwrap_or_default();
        run_git(&path, &["update-ref", &reference, &commit, &old], &[], None);
        commit
    }

    /// Points `reference` (any ref, e.g. `refs/pull/1/head`) of `owner/name` at `commit`,
    /// as GitHub does for refs it manages itself. Bypasses the hook. Panics if git fails.
    pub fn set_ref(&self, full_name: &str, reference: &str, commit: &str) {
        run_git(
            &self.repo_path(full_name),
            &["update-ref", reference, commit],
            &[],
            None,
        );
    }

    /// Deletes `reference` of `owner/name`, bypassing the hook. Panics if git fails.
    pub fn delete_ref(&self, full_name: &str, reference: &str) {
        run_git(
            &self.repo_path(full_name),
            &["update-ref", "-d", reference],
            &[],
            None,
        );
    }

    /// Every ref of `owner/name` with the commit it points at, sorted by name.
    pub fn refs(&self, full_name: &str) -> Vec<(String, String)> {
        let listing = run_git(
            &self.repo_path(full_name),
            &["for-each-ref", "--format=%(refname) %(objectname)"],
            &[],
            None,
        );
        let mut refs: Vec<(String, String)> = listing
            .lines()
            .filter_map(|line| line.split_once(' '))
            .map(|(name, target)| (name.to_owned(), target.to_owned()))
            .collect();
        refs.sort();
        refs
    }

    /// The commit `reference` of `owner/name` points at, if it exists.
    pub fn ref_target(&self, full_name: &str, reference: &str) -> Option<String> {
        self.refs(full_name)
            .into_iter()
            .find(|(name, _)| name == reference)
            .map(|(_, target)| target)
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<GitRequest> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The push data requests (`POST .../git-receive-pack`) answered so far.
    pub fn pushes(&self) -> Vec<GitRequest> {
        self.requests()
            .into_iter()
            .filter(GitRequest::is_receive_pack_post)
            .collect()
    }
}

impl Drop for GitRemote {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn write_hook(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let written = std::fs::write(path, PRE_RECEIVE_HOOK)
        .and_then(|()| std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)));
    if let Err(error) = written {
        panic!("git remote: cannot install {}: {error}", path.display());
    }
}

/// Runs git in the bare repository `git_dir`, isolated from the host's git configuration,
/// and returns its trimmed stdout. Panics if git fails (fixtures only).
fn run_git(git_dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> String {
    let mut command = Command::new("git");
    command
        .arg("--git-dir")
        .arg(git_dir)
        .args(args)
        .envs(isolated_git_env())
        .envs(env.iter().copied())
        .env("GIT_AUTHOR_NAME", "Repository Owner")
        .env("GIT_AUTHOR_EMAIL", "owner@example.test")
        .env("GIT_COMMITTER_NAME", "Repository Owner")
        .env("GIT_COMMITTER_EMAIL", "owner@example.test")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = command.spawn().and_then(|mut child| {
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            pipe.write_all(input)?;
        }
        child.wait_with_output()
    });
    match output {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        }
        Ok(output) => panic!(
            "git remote: git {args:?} failed in {}: {}",
            git_dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => panic!("git remote: cannot run git {args:?}: {error}"),
    }
}

/// Keeps the host's system and global git configuration (a `user.name`, an `insteadOf`, a
/// hooks path) out of the remote.
fn isolated_git_env() -> [(&'static str, &'static str); 2] {
    [
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
    ]
}

/// `owner/name` from `/owner/name.git/...`.
fn repository_of(path: &str) -> Option<String> {
    let mut parts = path.trim_start_matches('/').splitn(3, '/');
    let owner = parts.next().filter(|owner| !owner.is_empty())?;
    let name = parts.next()?.strip_suffix(".git")?;
    let valid = |part: &str| {
        !part.is_empty()
            && !part.starts_with('.')
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (valid(owner) && valid(name)).then(|| format!("{owner}/{name}"))
}

/// Whether the request carries `x-access-token:<password>` Basic auth with a password the
/// check accepts.
fn authenticated(headers: &HeaderMap, token_check: &TokenCheck) -> bool {
    let Some(encoded) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = BASE64.decode(encoded.trim()) else {
        return false;
    };
    let Ok(credentials) = String::from_utf8(decoded) else {
        return false;
    };
    match credentials.split_once(':') {
        Some((TOKEN_USER, password)) => token_check(password),
        _ => false,
    }
}

async fn serve_git(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let repository = repository_of(&path);
    let authenticated = authenticated(request.headers(), &shared.token_check);

    let response = if !authenticated {
        // Like GitHub: a challenge, so that git clients ask their credential callback.
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"GitHub\"")],
            "authentication required\n",
        )
            .into_response()
    } else if !repository
        .as_deref()
        .is_some_and(|name| shared.root.join(format!("{name}.git")).is_dir())
    {
        (StatusCode::NOT_FOUND, "repository not found\n").into_response()
    } else {
        run_http_backend(&shared.root, request).await
    };

    let status = response.status().as_u16();
    shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(GitRequest {
            method,
            repository,
            path,
            query,
            authenticated,
            status,
        });
    response
}

/// Runs one request through `git http-backend` (CGI) and turns its output into a response.
async fn run_http_backend(root: &Path, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(error) => {
            return (StatusCode::PAYLOAD_TOO_LARGE, format!("{error}\n")).into_response();
        }
    };
    let header_text = |name: HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut command = tokio::process::Command::new("git");
    command
        .arg("http-backend")
        .envs(isolated_git_env())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_HTTP_MAX_REQUEST_BUFFER", "100M")
        .env("PATH_INFO", parts.uri.path())
        .env("REQUEST_METHOD", parts.method.as_str())
        .env("QUERY_STRING", parts.uri.query().unwrap_or_default())
        .env("CONTENT_TYPE", header_text(header::CONTENT_TYPE))
        .env("CONTENT_LENGTH", body.len().to_string())
        .env(
            "HTTP_CONTENT_ENCODING",
            header_text(header::CONTENT_ENCODING),
        )
        .env(
            "GIT_PROTOCOL",
            header_text(HeaderName::from_static("git-protocol")),
        )
        .env("REMOTE_USER", TOKEN_USER)
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return backend_failure(format!("cannot run git http-backend: {error}")),
    };
    // Written from its own task: the backend may answer before reading all of its input.
    if let Some(mut stdin) = child.stdin.take() {
        tokio::spawn(async move {
            let _ = stdin.write_all(&body).await;
        });
    }
    let output = match child.wait_with_output().await {
        Ok(output) => output,
        Err(error) => return backend_failure(format!("git http-backend: {error}")),
    };
    if !output.stderr.is_empty() {
        tracing::debug!(
            stderr = %String::from_utf8_lossy(&output.stderr),
            "git http-backend"
        );
    }
    cgi_response(&output.stdout)
}

/// Parses a CGI answer: header lines (`Status:` sets the status), a blank line, the body.
fn cgi_response(output: &[u8]) -> Response {
    let (head, body) = match find(output, b"\r\n\r\n") {
        Some(end) => (&output[..end], &output[end + 4..]),
        None => match find(output, b"\n\n") {
            Some(end) => (&output[..end], &output[end + 2..]),
            None => return backend_failure("git http-backend sent no header block".to_owned()),
        },
    };
    let mut response = Response::new(Body::from(body.to_vec()));
    for line in String::from_utf8_lossy(head).lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value
                .split_whitespace()
                .next()
                .and_then(|code| code.parse().ok());
            match code.and_then(|code| StatusCode::from_u16(code).ok()) {
                Some(status) => *response.status_mut() = status,
                None => return backend_failure(format!("bad CGI status {value:?}")),
            }
        } else if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn backend_failure(reason: String) -> Response {
    tracing::error!(%reason, "git remote");
    (StatusCode::INTERNAL_SERVER_ERROR, reason).into_response()
}
