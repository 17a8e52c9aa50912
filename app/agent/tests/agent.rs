//! The agent crate's own tests: its verdict API (`judge_red`, `judge_green`), the check
//! report and the PR body, case by case, and the rule that its modules import each other
//! without a loop.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent {
    mod check_report;
    mod fixtures;
    mod import_graph;
    mod pr_body;
    mod verdict;
}
