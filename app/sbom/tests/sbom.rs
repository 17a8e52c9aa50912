//! redgreen-sbom's integration tests: one binary, one module per concern.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "sbom/cyclonedx.rs"]
mod cyclonedx;
#[path = "sbom/fixtures.rs"]
mod fixtures;
#[path = "sbom/lockfiles.rs"]
mod lockfiles;
#[path = "sbom/osv.rs"]
mod osv;
#[path = "sbom/repository.rs"]
mod repository;
