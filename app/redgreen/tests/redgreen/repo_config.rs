//! `.github/redgreen.yml` as `redgreen_core::repo_config` reads it: PRODUCT.md's example in
//! full, validated against `schemas/repo-config.schema.json`, and errors that name the line.

use redgreen_core::repo_config::{RepoConfig, RepoConfigError, Role, Verify};

/// PRODUCT.md's example, every key.
const EXAMPLE: &str = r#"
test: "python3 -m unittest -v"      # the test command; run_tests' target is appended to it
setup: ["pip install -e ."]         # setup phase, before the agent phase
egress: ["pypi.org", "files.pythonhosted.org"]   # hosts the setup phase may reach
write_scope: { allow: ["**"], deny: [".github/workflows/**", "CODEOWNERS"] }
max_diff_lines: 300
budget: { tokens: 400000, usd: 3.0, minutes: 30 }
trigger_min_permission: write       # read | triage | write | maintain | admin
adr_dir: docs/decisions
model: "some-model"
verify: full                        # affected (default) | full
"#;

#[test]
fn the_products_example_reads_into_every_key() {
    let config = RepoConfig::parse(EXAMPLE).unwrap();
    assert_eq!(config.test.as_deref(), Some("python3 -m unittest -v"));
    assert_eq!(config.setup, vec!["pip install -e ."]);
    assert_eq!(config.egress, vec!["pypi.org", "files.pythonhosted.org"]);
    let scope = config.write_scope.unwrap();
    assert_eq!(scope.allow, vec!["**"]);
    assert_eq!(scope.deny, vec![".github/workflows/**", "CODEOWNERS"]);
    assert_eq!(config.max_diff_lines, Some(300));
    let budget = config.budget.unwrap();
    assert_eq!(budget.tokens, Some(400_000));
    assert_eq!(budget.usd, Some(3.0));
    assert_eq!(budget.minutes, Some(30.0));
    assert_eq!(config.trigger_min_permission, Some(Role::Write));
    assert_eq!(config.adr_dir.as_deref(), Some("docs/decisions"));
    assert_eq!(config.model.as_deref(), Some("some-model"));
    assert_eq!(config.verify, Some(Verify::Full));
}

#[test]
fn egress_names_the_package_registries() {
    let config = RepoConfig::parse(
        "egress: [pypi, \"files.pythonhosted.org\", npm, \"mirror.example.com:8443\", crates]\n",
    )
    .unwrap();
    assert_eq!(
        config.egress_hosts(),
        vec![
            "pypi.org",
            "files.pythonhosted.org",
            "registry.npmjs.org",
            "mirror.example.com:8443",
            "index.crates.io",
            "static.crates.io",
        ]
    );
}

#[test]
fn verify_is_affected_or_full() {
    assert_eq!(
        RepoConfig::parse("verify: affected\n").unwrap().verify,
        Some(Verify::Affected)
    );
    assert_eq!(Verify::default(), Verify::Affected);
    let error = RepoConfig::parse("verify: some\n").unwrap_err();
    let RepoConfigError::Schema { path, line, .. } = &error else {
        panic!("expected a schema error, got {error:?}");
    };
    assert_eq!((path.as_str(), *line), ("/verify", Some(1)));
}

#[test]
fn an_empty_file_is_the_default_configuration() {
    for text in ["", "# nothing set yet\n", "---\n"] {
        assert_eq!(
            RepoConfig::parse(text).unwrap(),
            RepoConfig::default(),
            "{text:?}"
        );
    }
}

#[test]
fn schema_errors_name_the_value_and_its_line() {
    let error =
        RepoConfig::parse("test: make test\ntrigger_min_permission: everyone\n").unwrap_err();
    let RepoConfigError::Schema { path, line, .. } = &error else {
        panic!("expected a schema error, got {error:?}");
    };
    assert_eq!(path, "/trigger_min_permission");
    assert_eq!(*line, Some(2));
    assert!(error.to_string().contains("line 2"), "{error}");

    // The schema, not serde, decides: zero fits a u64 but is below the schema's minimum.
    let error = RepoConfig::parse("max_diff_lines: 0\n").unwrap_err();
    assert!(matches!(error, RepoConfigError::Schema { .. }), "{error:?}");
    let error = RepoConfig::parse("egress: [\"pypi.org/simple\"]\n").unwrap_err();
    assert!(matches!(error, RepoConfigError::Schema { .. }), "{error:?}");
    let error = RepoConfig::parse("tests: make test\n").unwrap_err();
    assert!(error.to_string().contains("tests"), "{error}");
    assert!(!error.is_retryable());
}

#[test]
fn yaml_errors_name_their_line() {
    let error = RepoConfig::parse("test: make\nsetup: [unclosed\n").unwrap_err();
    let RepoConfigError::Syntax { line, .. } = &error else {
        panic!("expected a syntax error, got {error:?}");
    };
    assert!(matches!(line, Some(2 | 3)), "{error:?}");
    let error = RepoConfig::parse("- just\n- a list\n").unwrap_err();
    assert!(matches!(error, RepoConfigError::Schema { .. }), "{error:?}");
}
