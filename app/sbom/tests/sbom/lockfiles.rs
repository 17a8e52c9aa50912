//! Each lockfile format yields the packages it pins, with correct purls.

use redgreen_sbom::{Ecosystem, LockfileKind, parse_lockfile};

use super::fixtures::*;

fn purls(path: &str, text: &str) -> Vec<String> {
    let mut purls: Vec<String> = parse_lockfile(path, text)
        .unwrap()
        .iter()
        .map(|c| c.purl())
        .collect();
    purls.sort();
    purls
}

#[test]
fn cargo_lock_lists_registry_packages_not_workspace_crates() {
    assert_eq!(
        purls("Cargo.lock", CARGO_LOCK),
        ["pkg:cargo/serde@1.0.210", "pkg:cargo/time@0.3.20"]
    );
}

#[test]
fn package_lock_v3_and_v1() {
    assert_eq!(
        purls("web/package-lock.json", PACKAGE_LOCK_V3),
        [
            "pkg:npm/%40babel/core@7.24.0",
            "pkg:npm/lodash@4.17.20",
            "pkg:npm/semver@6.3.1",
        ]
    );
    assert_eq!(
        purls("package-lock.json", PACKAGE_LOCK_V1),
        ["pkg:npm/minimist@1.2.0", "pkg:npm/nested@0.0.1"]
    );
    assert!(parse_lockfile("package-lock.json", "{}").is_err());
}

#[test]
fn yarn_classic_and_berry() {
    assert_eq!(
        purls("yarn.lock", YARN_V1),
        ["pkg:npm/%40types/node@20.11.5", "pkg:npm/lodash@4.17.21"]
    );
    assert_eq!(
        purls("yarn.lock", YARN_BERRY),
        ["pkg:npm/%40scope/pkg@1.2.3", "pkg:npm/lodash@4.17.21"]
    );
}

#[test]
fn poetry_lock_normalises_names_in_purls() {
    let components = parse_lockfile("poetry.lock", POETRY_LOCK).unwrap();
    assert_eq!(components[0].ecosystem, Ecosystem::PyPI);
    assert_eq!(
        purls("poetry.lock", POETRY_LOCK),
        ["pkg:pypi/django@4.2.0", "pkg:pypi/requests@2.31.0"]
    );
}

#[test]
fn requirements_keep_only_exact_pins() {
    assert_eq!(
        purls("requirements.txt", REQUIREMENTS),
        [
            "pkg:pypi/flask@2.2.5",
            "pkg:pypi/requests@2.31.0",
            "pkg:pypi/urllib3@1.26.5"
        ]
    );
}

#[test]
fn go_sum_lists_each_module_version_once() {
    assert_eq!(
        purls("go.sum", GO_SUM),
        [
            "pkg:golang/github.com/pkg/errors@v0.9.1",
            "pkg:golang/golang.org/x/text@v0.3.7"
        ]
    );
}

#[test]
fn file_names_pick_the_format() {
    assert_eq!(
        LockfileKind::of("a/b/requirements-dev.txt"),
        Some(LockfileKind::Requirements)
    );
    assert_eq!(LockfileKind::of("go.mod"), None);
    let error = parse_lockfile("Cargo.lock", "not toml [").unwrap_err();
    assert!(error.to_string().starts_with("Cargo.lock:"), "{error}");
    assert!(!error.is_retryable());
}
