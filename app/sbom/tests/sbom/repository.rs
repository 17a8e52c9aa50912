//! A repository on disk: lockfiles are found (not inside node_modules or target), read,
//! and turned into one SBOM.

use redgreen_sbom::{SbomOptions, find_lockfiles, generate};

use super::fixtures::*;

#[test]
fn lockfiles_are_found_and_vendored_ones_skipped() {
    let repo = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = repo.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("Cargo.lock", CARGO_LOCK);
    write("frontend/package-lock.json", PACKAGE_LOCK_V3);
    write("frontend/node_modules/x/package-lock.json", PACKAGE_LOCK_V1);
    write("target/debug/Cargo.lock", CARGO_LOCK);
    write("services/api/go.sum", GO_SUM);
    write("README.md", "# hi");
    assert_eq!(
        find_lockfiles(repo.path()).unwrap(),
        [
            "Cargo.lock",
            "frontend/package-lock.json",
            "services/api/go.sum"
        ]
    );
    let options = SbomOptions {
        name: "acme/shop",
        timestamp: "2026-11-23T00:00:00Z",
        osv_dir: None,
    };
    let sbom = generate(repo.path(), &options).unwrap();
    assert_eq!(sbom.packages().len(), 7);
    assert!(sbom.licenses().is_empty());
    assert!(
        sbom.packages()
            .contains(&"pkg:golang/github.com/pkg/errors@v0.9.1".to_string())
    );
}
