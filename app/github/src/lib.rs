//! redgreen's GitHub client: GitHub App authentication (JWT and installation tokens), the REST
//! calls redgreen makes (over octocrab), rate-limit and failure handling, the outbound guard,
//! and the branch-protection doctor.
//!
//! Invariants:
//! - Every request octocrab sends passes `redgreen_core::outbound::check` first (the guard is
//!   a layer under octocrab's whole stack): no merge, no ref or contents write outside
//!   `refs/heads/redgreen/`, no settings writes, no GraphQL.
//! - Tokens, JWTs and the private key are `SecretString`s; they appear in no log, error or
//!   `Debug` output.
//! - Nothing here reads the environment: configuration comes in as a [`GitHubConfig`].

pub mod client;
pub mod config;
pub mod doctor;
pub mod error;
pub mod guard;
pub mod jwt;
pub mod repo;
pub mod rest;
pub mod retry;
mod tokens;

pub use client::{AppIdentity, GitHubClient};
pub use config::{GitHubConfig, RetryPolicy};
pub use doctor::{IssueOutcome, ProtectionReport, doctor, open_issue_if_unprotected};
pub use error::GitHubError;
pub use guard::OutboundGuardLayer;
pub use repo::RepoName;
pub use rest::RepoClient;
pub use retry::{Sleeper, TokioSleeper};

/// octocrab's models, as returned by the typed calls.
pub use octocrab::models;
pub use octocrab::params;
