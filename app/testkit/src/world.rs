//! The stand-in's in-memory GitHub: installations, repositories and everything created in
//! them, plus the request log, pending faults and contract violations. One `Mutex` guards it.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use axum::http::Method;
use serde_json::Value;

use crate::fault::Fault;
use crate::recorded::RecordedRequest;

/// Everything the stand-in knows. Stored resources are kept as the JSON GitHub would answer,
/// so reading them back (for assertions) and serving them are the same thing.
pub(crate) struct World {
    pub app_id: u64,
    pub app_slug: String,
    /// Base URL of the stand-in, for the `url` fields of the resources it serves.
    pub api_url: String,
    pub installations: BTreeMap<i64, Installation>,
    /// By lower-cased `owner/name` (GitHub's names are case-insensitive).
    pub repositories: BTreeMap<String, Repository>,
    pub tokens: HashMap<String, IssuedToken>,
    pub token_lifetime: Duration,
    /// Shared id sequence for comments, reactions, check runs and pulls, so no two resources
    /// of a kind ever share an id, across repositories too (as on GitHub).
    next_id: i64,
    pub reactions: Vec<Value>,
    pub faults: Vec<Fault>,
    /// Armed by `GitHubStandIn::expire_tokens_on`: (method, path prefix), each firing once.
    pub token_expiries: Vec<(Method, String)>,
    /// Requests to serve but never answer (see `GitHubStandIn::withhold_answer`).
    pub withheld_answers: Vec<(Method, String)>,
    pub requests: Vec<RecordedRequest>,
    pub violations: Vec<String>,
    /// Answers of the stand-in itself that depart from GitHub's response schemas: bugs of
    /// the stand-in, kept apart from the client's violations.
    pub answer_mismatches: Vec<String>,
}

pub(crate) struct Installation {
    pub id: i64,
    pub account: String,
}

pub(crate) struct IssuedToken {
    pub installation: i64,
    pub expires_at: SystemTime,
    pub revoked: bool,
}

impl IssuedToken {
    pub fn is_live(&self, now: SystemTime) -> bool {
        !self.revoked && now < self.expires_at
    }
}

pub(crate) struct Repository {
    pub id: i64,
    pub installation: i64,
    pub full_name: String,
    pub default_branch: String,
    pub clone_url: Option<String>,
    /// Fully qualified ref name (`refs/heads/main`) → commit sha.
    pub refs: BTreeMap<String, String>,
    /// A bare repository whose branches are this repository's, as on GitHub where a push
    /// moves the pull request's head (see `GitHubStandIn::mirror_refs_of`). Its refs win
    /// over `refs`.
    pub git_dir: Option<std::path::PathBuf>,
    /// (branch, path) → file content.
    pub files: BTreeMap<(String, String), String>,
    /// login → permission (`admin`, `maintain`, `write`, `triage`, `read`, `none`).
    pub permissions: BTreeMap<String, String>,
    /// Issues and pull requests share one number sequence, as on GitHub.
    pub next_number: u64,
    pub issues: BTreeMap<u64, Value>,
    pub pulls: BTreeMap<u64, Value>,
    pub pull_files: BTreeMap<u64, Vec<Value>>,
    /// (issue or PR number, comment).
    pub issue_comments: Vec<(u64, Value)>,
    /// (PR number, review comment).
    pub review_comments: Vec<(u64, Value)>,
    pub reviews: Vec<(u64, Value)>,
    pub check_runs: Vec<Value>,
    pub protections: BTreeMap<String, Value>,
    pub rules: BTreeMap<String, Vec<Value>>,
}

impl Repository {
    pub fn owner(&self) -> &str {
        self.full_name.split('/').next().unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.full_name.split('/').nth(1).unwrap_or("")
    }

    pub fn take_number(&mut self) -> u64 {
        let number = self.next_number;
        self.next_number += 1;
        number
    }
}

impl World {
    pub fn new(app_id: u64, api_url: String) -> World {
        World {
            app_id,
            app_slug: "redgreen".to_string(),
            api_url,
            installations: BTreeMap::new(),
            repositories: BTreeMap::new(),
            tokens: HashMap::new(),
            token_lifetime: Duration::from_secs(3600),
            next_id: 1_000,
            reactions: Vec::new(),
            faults: Vec::new(),
            token_expiries: Vec::new(),
            withheld_answers: Vec::new(),
            requests: Vec::new(),
            violations: Vec::new(),
            answer_mismatches: Vec::new(),
        }
    }

    pub fn take_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn repository(&self, full_name: &str) -> Option<&Repository> {
        self.repositories.get(&full_name.to_ascii_lowercase())
    }

    pub fn repository_mut(&mut self, full_name: &str) -> Option<&mut Repository> {
        self.repositories.get_mut(&full_name.to_ascii_lowercase())
    }

    /// The bot account the App acts as (`<slug>[bot]`), which authors everything an
    /// installation token creates.
    pub fn bot_login(&self) -> String {
        format!("{}[bot]", self.app_slug)
    }
}
