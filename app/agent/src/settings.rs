//! The operator's settings of the agent loop: where runs keep their trees, the model, and
//! the limits every run gets.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use redgreen_core::work::BudgetLimits;
use redgreen_git::BotIdentity;
use redgreen_llm::Gateway;

use crate::conversation::ConversationLimits;

/// Operator settings of the agent loop.
#[derive(Clone)]
pub struct AgentSettings {
    /// Where each run keeps its work tree and index (`<data dir>/runs`).
    pub runs_dir: PathBuf,
    /// What runs leave behind on purpose (`<data dir>/artifacts`; a run's under its id):
    /// the SBOMs `sbom_generate` writes. Not removed with the run's work tree.
    pub artifacts_dir: PathBuf,
    /// Test runs on base commits, kept for reuse (`<data dir>/baselines`).
    pub baselines_dir: PathBuf,
    /// OSV records the SBOMs are matched against (the operator's; none is bundled).
    pub osv_dir: Option<PathBuf>,
    pub identity: BotIdentity,
    /// The model; `None` when no model is configured (only `test` runs can work then).
    pub gateway: Option<Arc<Gateway>>,
    pub conversation: ConversationLimits,
    /// The budget of one allowance when the repository sets none.
    pub default_budget: BudgetLimits,
    pub max_attempts: u32,
    pub max_diff_lines: u64,
    pub test_timeout: Duration,
    /// Each run's disk cap: its work tree is a volume of this many bytes
    /// (`redgreen_sandbox::create_volume`), so sandboxed code cannot fill the host's disk.
    /// `None` (a non-root redgreen, which cannot mount one) leaves the tree a plain directory.
    pub run_disk_bytes: Option<u64>,
}
