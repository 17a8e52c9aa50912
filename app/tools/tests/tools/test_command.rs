//! Choosing a test command from a repository's files, and adding run_tests' target to it.

use redgreen_tools::{Runner, TestCommand, detect_test_command, is_test_path};

use crate::support::repo_with;

/// Files of a repository: path and content.
type Files<'a> = &'a [(&'a str, &'a str)];

#[test]
fn each_ecosystem_gets_its_runner_and_a_reason() {
    let cases: [(Files, Runner, &str); 10] = [
        (
            &[("Cargo.toml", "[package]\n")],
            Runner::Cargo,
            "cargo test",
        ),
        (
            &[("Cargo.toml", "[package]\n"), (".config/nextest.toml", "")],
            Runner::Nextest,
            "cargo nextest run",
        ),
        (&[("go.mod", "module x\n")], Runner::Go, "go test -v ./..."),
        (
            &[("pyproject.toml", "[tool.pytest.ini_options]\n")],
            Runner::Pytest,
            "python3 -m pytest -rA",
        ),
        (
            &[("requirements-dev.txt", "pytest==8\n"), ("app.py", "")],
            Runner::Pytest,
            "python3 -m pytest",
        ),
        (
            &[("tests/test_app.py", "import unittest\n")],
            Runner::Unittest,
            "python3 -m unittest -v",
        ),
        (
            &[(
                "package.json",
                r#"{"scripts": {"test": "jest"}, "devDependencies": {"jest": "29"}}"#,
            )],
            Runner::Jest,
            "npm test",
        ),
        (
            &[(
                "package.json",
                r#"{"scripts": {"test": "vitest"}, "devDependencies": {"vitest": "2"}}"#,
            )],
            Runner::Vitest,
            "--reporter=verbose",
        ),
        (
            &[("pom.xml", "<project/>")],
            Runner::Maven,
            "mvn -B -o test",
        ),
        (
            &[("build.gradle.kts", ""), ("gradlew", "")],
            Runner::Gradle,
            "./gradlew test",
        ),
    ];
    for (files, runner, command) in cases {
        let repo = repo_with(files);
        let detected = detect_test_command(repo.path()).unwrap_or_else(|| panic!("{files:?}"));
        assert_eq!(detected.runner, runner, "{files:?}");
        assert!(
            detected.command.contains(command),
            "{files:?}: {}",
            detected.command
        );
        assert!(!detected.reason.is_empty());
    }
}

#[test]
fn nothing_recognizable_detects_nothing() {
    assert_eq!(
        detect_test_command(repo_with(&[("README.md", "hi")]).path()),
        None
    );
    // npm init's placeholder script is not a test suite.
    let placeholder = repo_with(&[(
        "package.json",
        r#"{"scripts": {"test": "echo \"Error: no test specified\" && exit 1"}}"#,
    )]);
    assert_eq!(detect_test_command(placeholder.path()), None);
}

#[test]
fn configured_commands_name_their_runner() {
    for (command, runner) in [
        ("cargo test --workspace", Runner::Cargo),
        ("cargo nextest run", Runner::Nextest),
        ("python -m pytest -q", Runner::Pytest),
        ("pytest", Runner::Pytest),
        ("python3 -m unittest discover -v", Runner::Unittest),
        ("go test ./...", Runner::Go),
        ("npx vitest run", Runner::Vitest),
        ("yarn jest --ci", Runner::Jest),
        ("npm test", Runner::Npm),
        ("./mvnw -q test", Runner::Maven),
        ("./gradlew check", Runner::Gradle),
        ("make check", Runner::Unknown),
    ] {
        assert_eq!(Runner::from_command(command), runner, "{command}");
    }
    assert_eq!(TestCommand::configured("pytest").runner, Runner::Pytest);
}

#[test]
fn targets_are_quoted_and_placed_per_runner() {
    assert_eq!(
        Runner::Pytest
            .with_target("pytest -rA", "tests/a.py::test x")
            .unwrap(),
        "pytest -rA 'tests/a.py::test x'"
    );
    assert_eq!(
        Runner::Cargo.with_target("cargo test", "parse").unwrap(),
        "cargo test parse"
    );
    assert_eq!(
        Runner::Go
            .with_target("go test -v ./...", "TestAdd$")
            .unwrap(),
        "go test -v ./... -run 'TestAdd$'"
    );
    assert_eq!(
        Runner::Maven
            .with_target("mvn test", "CalcTest#adds")
            .unwrap(),
        "mvn test -Dtest='CalcTest#adds'"
    );
    assert_eq!(
        Runner::Gradle
            .with_target("gradle test", "CalcTest")
            .unwrap(),
        "gradle test --tests CalcTest"
    );
    assert_eq!(
        Runner::Npm.with_target("npm test", "sum").unwrap(),
        "npm test -- sum"
    );
    assert_eq!(
        Runner::Npm.with_target("npm test -- --ci", "sum").unwrap(),
        "npm test -- --ci sum"
    );
    assert_eq!(
        Runner::Unittest
            .with_target("python -m unittest", "$(rm -rf /)")
            .unwrap(),
        "python -m unittest '$(rm -rf /)'"
    );
    assert_eq!(Runner::Cargo.with_target("cargo test", "a\0b"), None);
}

#[test]
fn test_files_narrow_a_command_per_runner_or_say_why_not() {
    let files = |paths: &[&str]| paths.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
    /// (runner, command, files, the narrowed command or why it cannot be narrowed)
    type Case = (
        Runner,
        &'static str,
        Vec<String>,
        Result<&'static str, &'static str>,
    );
    let cases: [Case; 10] = [
        (
            Runner::Pytest,
            "python -m pytest -q",
            files(&["tests/test_a.py", "tests/b c/test_b.py"]),
            Ok("python -m pytest -q tests/test_a.py 'tests/b c/test_b.py'"),
        ),
        (
            Runner::Unittest,
            "python3 -m unittest -v",
            files(&["tests/test_add.py", "tests/unit/test_mul.py"]),
            Ok("python3 -m unittest -v tests.test_add tests.unit.test_mul"),
        ),
        (
            Runner::Unittest,
            "python -m unittest discover -s tests",
            files(&["tests/test_add.py"]),
            Err("the unittest command discovers or names its own tests"),
        ),
        (
            Runner::Unittest,
            "python -m unittest",
            files(&["tests/test-add.py"]),
            Err("a test file is not an importable Python module"),
        ),
        (
            Runner::Jest,
            "npx jest --ci",
            files(&["src/sum.test.js"]),
            Ok("npx jest --ci src/sum.test.js"),
        ),
        (
            Runner::Npm,
            "npm test",
            files(&["src/sum.test.js"]),
            Ok("npm test -- src/sum.test.js"),
        ),
        (
            Runner::Pytest,
            "pytest && flake8",
            files(&["tests/test_a.py"]),
            Err("the test command is a shell pipeline or list"),
        ),
        (
            Runner::Cargo,
            "cargo test",
            files(&["tests/api.rs"]),
            Err("this test runner does not take test files on its command line"),
        ),
        (
            Runner::Unknown,
            "make test",
            files(&["tests/test_a.py"]),
            Err("this test runner does not take test files on its command line"),
        ),
        (
            Runner::Pytest,
            "pytest",
            files(&[]),
            Err("no test file was selected"),
        ),
    ];
    for (runner, command, files, expected) in cases {
        assert_eq!(
            runner
                .with_files(command, &files)
                .as_ref()
                .map(String::as_str)
                .map_err(|e| *e),
            expected,
            "{runner} {command} {files:?}"
        );
    }
    // A file name is data, never shell.
    assert_eq!(
        Runner::Pytest
            .with_files("pytest", &files(&["tests/$(touch x).py"]))
            .unwrap(),
        "pytest 'tests/$(touch x).py'"
    );
}

#[test]
fn test_ids_narrow_pytest_and_unittest_only() {
    let ids = |ids: &[&str]| ids.iter().map(|i| (*i).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        Runner::Pytest.with_tests("pytest -q", &ids(&["tests/a.py::test_x[1 2]"])),
        Ok("pytest -q 'tests/a.py::test_x[1 2]'".to_owned())
    );
    assert_eq!(
        Runner::Unittest.with_tests(
            "python3 -m unittest -v",
            &ids(&["tests.test_add.AddTest.test_add_adds"])
        ),
        Ok("python3 -m unittest -v tests.test_add.AddTest.test_add_adds".to_owned())
    );
    for (runner, command) in [
        (Runner::Unittest, "python -m unittest discover"),
        (Runner::Cargo, "cargo test"),
        (Runner::Jest, "npx jest"),
    ] {
        assert!(
            runner.with_tests(command, &ids(&["x"])).is_err(),
            "{command}"
        );
    }
    assert_eq!(
        Runner::Pytest.with_tests("pytest", &[]),
        Err("no test was named")
    );
}

#[test]
fn test_paths_are_recognized_per_language() {
    for path in [
        "tests/api.rs",
        "src/parser_test.rs",
        "tests/test_api.py",
        "pkg/test_x.py",
        "pkg/x_test.py",
        "conftest.py",
        "calc_test.go",
        "src/sum.test.ts",
        "src/sum.spec.jsx",
        "src/__tests__/sum.js",
        "src/test/java/com/x/CalcTest.java",
        "spec/calc_spec.rb",
        "test/calc_test.rb",
        "pkg/testdata/in.json",
        "testing/python/approx.py",
    ] {
        assert!(is_test_path(path), "{path} is a test path");
    }
    for path in [
        "src/lib.rs",
        "src/testing_utils.rs",
        "calc.py",
        "contest.py",
        "calc.go",
        "src/sum.ts",
        "src/main/java/com/x/Calc.java",
        "lib/calc.rb",
        "README.md",
        "attest/x.py",
    ] {
        assert!(!is_test_path(path), "{path} is not a test path");
    }
}
