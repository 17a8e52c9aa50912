//! The rules ARCHITECTURE.md states about the workspace as a whole, checked here so that they
//! stay true: the crate layering of ADR 0011, and that only the configuration reads the
//! environment.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace's root (this crate is `app/redgreen`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// ADR 0011: the redgreen crates each crate may depend on (normal and build dependencies).
/// A crate missing here, or a dependency missing from its line, fails the test: adding one is
/// a decision, made by changing the ADR and this table together.
const LAYERING: &[(&str, &[&str])] = &[
    // Layer 0: no redgreen dependency.
    ("redgreen-core", &[]),
    ("redgreen-indexer", &[]),
    ("redgreen-sandbox", &[]),
    ("redgreen-testkit", &[]),
    // Layer 1: one boundary each, on the pure core.
    ("redgreen-store", &["redgreen-core"]),
    ("redgreen-policy", &["redgreen-core"]),
    ("redgreen-git", &["redgreen-core"]),
    ("redgreen-github", &["redgreen-core"]),
    ("redgreen-llm", &["redgreen-core"]),
    ("redgreen-recommend", &["redgreen-core"]),
    ("redgreen-sbom", &["redgreen-core"]),
    // Layer 2: compositions of layer 0 and 1.
    (
        "redgreen-server",
        &["redgreen-core", "redgreen-policy", "redgreen-store"],
    ),
    (
        "redgreen-tools",
        &[
            "redgreen-core",
            "redgreen-indexer",
            "redgreen-sandbox",
            "redgreen-sbom",
        ],
    ),
    // Layer 3: the agent loop. It holds no credential, so neither the GitHub client nor the
    // store nor the HTTP surface.
    (
        "redgreen-agent",
        &[
            "redgreen-core",
            "redgreen-git",
            "redgreen-indexer",
            "redgreen-llm",
            "redgreen-recommend",
            "redgreen-sandbox",
            "redgreen-tools",
        ],
    ),
    // Layer 4: the binary wires everything; the benchmarks measure it.
    (
        "redgreen",
        &[
            "redgreen-agent",
            "redgreen-core",
            "redgreen-git",
            "redgreen-github",
            "redgreen-indexer",
            "redgreen-llm",
            "redgreen-policy",
            "redgreen-recommend",
            "redgreen-sandbox",
            "redgreen-server",
            "redgreen-store",
            "redgreen-tools",
        ],
    ),
    (
        "redgreen-bench",
        &[
            "redgreen",
            "redgreen-core",
            "redgreen-git",
            "redgreen-github",
            "redgreen-indexer",
            "redgreen-policy",
            "redgreen-server",
            "redgreen-store",
            "redgreen-testkit",
        ],
    ),
];

#[test]
fn the_crates_depend_only_on_the_layers_the_adr_allows() {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let allowed: BTreeMap<&str, BTreeSet<&str>> = LAYERING
        .iter()
        .map(|(name, deps)| (*name, deps.iter().copied().collect()))
        .collect();
    let mut violations = Vec::new();
    let mut seen = 0;
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        seen += 1;
        let Some(allowed) = allowed.get(name) else {
            violations.push(format!("{name} is not in the layering (ADR 0011)"));
            continue;
        };
        for dependency in package["dependencies"].as_array().unwrap() {
            let dependency_name = dependency["name"].as_str().unwrap();
            // Dev-dependencies (tests) may use the testkit and anything below the binary.
            let is_dev = dependency["kind"].as_str() == Some("dev");
            if dependency_name.starts_with("redgreen")
                && !is_dev
                && !allowed.contains(dependency_name)
            {
                violations.push(format!("{name} depends on {dependency_name}"));
            }
            if dependency_name == "redgreen-testkit" && !is_dev && name != "redgreen-bench" {
                violations.push(format!("{name} ships the testkit"));
            }
        }
    }
    assert_eq!(seen, LAYERING.len(), "every workspace crate is listed once");
    assert!(violations.is_empty(), "{violations:#?}");
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_configuration_reads_the_environment() {
    let root = workspace_root();
    // The shipped code: every library crate's sources and the binary's (tests, the testkit
    // and the benchmarks set up processes of their own and may read what they pass on).
    let mut files = Vec::new();
    for dir in ["app", "indexer", "sandbox"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|name| name == "testkit") {
                continue;
            }
            if path.join("src").is_dir() {
                rust_files(&path.join("src"), &mut files);
            } else if path.ends_with("src") {
                rust_files(&path, &mut files);
            }
        }
    }
    assert!(files.len() > 100, "found only {} files", files.len());
    let allowed = root.join("app/redgreen/src/config.rs");
    let readers = [
        "env::var(",
        "env::var_os(",
        "env::vars(",
        "env::vars_os(",
        "from_default_env",
        "EnvFilter::from_env",
        "env::set_var(",
    ];
    let mut found = Vec::new();
    let mut in_config = false;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if readers.iter().any(|reader| code.contains(reader)) {
                if file == &allowed {
                    in_config = true;
                } else {
                    found.push(format!("{}:{}: {code}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(
        in_config,
        "config.rs no longer reads the environment: update this test"
    );
    assert!(
        found.is_empty(),
        "the environment read outside config.rs:\n{found:#?}"
    );
}
