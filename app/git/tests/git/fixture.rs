//! A test remote with one live token, a clone cache in a temporary data dir, and the bot
//! identity, shared by the tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redgreen_git::{BotIdentity, RepoCache, Workspace};
use redgreen_testkit::git_remote::GitRemote;
use secrecy::SecretString;
use tempfile::TempDir;

/// The only token the remote accepts. Long and distinctive so a leak is easy to grep for.
pub const LIVE_TOKEN: &str = "ghs_LiveInstallationToken4f9c2a7e61b3d8";

pub struct Fixture {
    pub remote: GitRemote,
    pub cache: RepoCache,
    pub identity: BotIdentity,
    pub data: TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        let remote = GitRemote::start(Arc::new(|token: &str| token == LIVE_TOKEN)).unwrap();
        let data = tempfile::tempdir().unwrap();
        // As GitHub shows an App's bot account: `<slug>[bot]`, with the noreply address built
        // from the bot user's id.
        let identity = BotIdentity {
            name: "redgreen[bot]".into(),
            email: "41898282+redgreen[bot]@users.noreply.github.com".into(),
        };
        let cache = RepoCache::new(data.path().join("repos"), identity.clone());
        Fixture {
            remote,
            cache,
            identity,
            data,
        }
    }

    pub fn token(&self) -> SecretString {
        SecretString::from(LIVE_TOKEN)
    }

    /// A fresh workspace path (not created) under the data dir.
    pub fn workspace_dir(&self, name: &str) -> PathBuf {
        self.data.path().join("workspaces").join(name)
    }

    pub fn cache_root(&self) -> PathBuf {
        self.data.path().join("repos")
    }

    /// A repository `owner/<name>` with a README, checked out at its first commit.
    pub fn repo_and_workspace(&self, name: &str) -> (String, String, Workspace) {
        let full_name = format!("octo/{name}");
        let (url, first) = self.remote.create_repo(
            &full_name,
            &[
                ("README.md", "hello\n"),
                ("src/lib.rs", "pub fn answer() -> u32 { 41 }\n"),
            ],
        );
        let workspace = self
            .cache
            .checkout(&url, &first, &self.token(), &self.workspace_dir(name))
            .unwrap();
        (full_name, first, workspace)
    }
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let file_type = entry.file_type().unwrap();
            if file_type.is_dir() {
                pending.push(entry.path());
            } else if file_type.is_file() {
                files.push(entry.path());
            }
        }
    }
    files
}
