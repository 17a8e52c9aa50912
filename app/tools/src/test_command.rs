//! The repository's test command: detected from its files when `.github/redgreen.yml` sets
//! none, and how `run_tests`' target is added to it for each runner.
//!
//! Detected commands ask for per-test output (the parsers need one line per test) and stay
//! offline (the agent phase's sandbox has no network).

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The test runner whose output is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Runner {
    /// `cargo test` (libtest's output).
    Cargo,
    /// `cargo nextest run`.
    Nextest,
    Pytest,
    /// `python -m unittest -v`.
    Unittest,
    /// `go test -v` or `go test -json`.
    Go,
    /// jest, default or `--verbose` output, or `--json`.
    Jest,
    /// vitest, `--reporter=verbose` or `--reporter=json`.
    Vitest,
    /// `npm test` with a runner not known in advance: jest's and vitest's formats are tried.
    Npm,
    /// Maven Surefire (JUnit XML reports, console failures).
    Maven,
    /// Gradle (JUnit XML reports).
    Gradle,
    /// Unknown: every format is tried and the one that reads the most tests wins.
    Unknown,
}

impl Runner {
    pub fn as_str(self) -> &'static str {
        match self {
            Runner::Cargo => "cargo",
            Runner::Nextest => "nextest",
            Runner::Pytest => "pytest",
            Runner::Unittest => "unittest",
            Runner::Go => "go",
            Runner::Jest => "jest",
            Runner::Vitest => "vitest",
            Runner::Npm => "npm",
            Runner::Maven => "maven",
            Runner::Gradle => "gradle",
            Runner::Unknown => "unknown",
        }
    }

    /// The runner a configured command invokes, read from its words.
    pub fn from_command(command: &str) -> Runner {
        let words: Vec<&str> = command.split_whitespace().collect();
        let has = |word: &str| words.iter().any(|w| w.trim_matches(['"', '\'']) == word);
        let after = |first: &str, second: &str| {
            words
                .windows(2)
                .any(|pair| pair[0].ends_with(first) && pair[1] == second)
        };
        if after("cargo", "nextest") {
            Runner::Nextest
        } else if after("cargo", "test") {
            Runner::Cargo
        } else if words
            .iter()
            .any(|w| w.ends_with("pytest") || w.ends_with("py.test"))
        {
            Runner::Pytest
        } else if has("unittest") {
            Runner::Unittest
        } else if after("go", "test") || has("gotestsum") {
            Runner::Go
        } else if words.iter().any(|w| w.ends_with("vitest")) {
            Runner::Vitest
        } else if words.iter().any(|w| w.ends_with("jest")) {
            Runner::Jest
        } else if ["npm", "yarn", "pnpm", "bun", "npx"].iter().any(|w| has(w)) {
            Runner::Npm
        } else if words
            .iter()
            .any(|w| w.ends_with("mvn") || w.ends_with("mvnw"))
        {
            Runner::Maven
        } else if words
            .iter()
            .any(|w| w.ends_with("gradle") || w.ends_with("gradlew"))
        {
            Runner::Gradle
        } else {
            Runner::Unknown
        }
    }

    /// `command` with `target` added the way this runner selects tests, shell-quoted for
    /// `/bin/sh -c`. `None` when the target cannot be quoted (it contains a NUL byte).
    pub fn with_target(self, command: &str, target: &str) -> Option<String> {
        let quoted = shlex::try_quote(target).ok()?;
        let selector = match self {
            Runner::Go => format!("-run {quoted}"),
            Runner::Maven => format!("-Dtest={quoted}"),
            Runner::Gradle => format!("--tests {quoted}"),
            // `npm test` passes arguments on to the script only after `--`.
            Runner::Npm if !command.split_whitespace().any(|w| w == "--") => format!("-- {quoted}"),
            _ => quoted.into_owned(),
        };
        Some(format!("{} {selector}", command.trim_end()))
    }

    /// `command` narrowed to the test files `files` (repository-relative paths), the way this
    /// runner takes them, shell-quoted for `/bin/sh -c`; or why it cannot be narrowed, said
    /// for a person (the PR body gives it as the reason the whole suite ran).
    pub fn with_files(self, command: &str, files: &[String]) -> Result<String, &'static str> {
        let words = plain_words(command)?;
        let selectors: Vec<String> = match self {
            Runner::Pytest | Runner::Jest | Runner::Vitest | Runner::Npm => {
                let mut quoted = quoted(files, "a test file's name cannot be quoted")?;
                // `npm test` passes arguments on to the script only after `--`.
                if self == Runner::Npm && !words.contains(&"--") {
                    quoted.insert(0, "--".to_owned());
                }
                quoted
            }
            Runner::Unittest => {
                if words.iter().any(|w| *w == "discover" || w.ends_with(".py")) {
                    return Err("the unittest command discovers or names its own tests");
                }
                // `python -m unittest` takes modules: `tests/test_x.py` is `tests.test_x`.
                files
                    .iter()
                    .map(|file| {
                        let module = file
                            .strip_suffix(".py")
                            .filter(|stem| !stem.contains(['.', '-', ' ']))
                            .ok_or("a test file is not an importable Python module")?;
                        Ok(module.replace('/', "."))
                    })
                    .collect::<Result<Vec<_>, &'static str>>()?
            }
            _ => return Err("this test runner does not take test files on its command line"),
        };
        if selectors.is_empty() {
            return Err("no test file was selected");
        }
        Ok(format!("{} {}", command.trim_end(), selectors.join(" ")))
    }

    /// `command` narrowed to the tests `ids`, as this runner reported them (pytest's node ids,
    /// unittest's dotted names), shell-quoted; or why it cannot be narrowed.
    pub fn with_tests(self, command: &str, ids: &[String]) -> Result<String, &'static str> {
        let words = plain_words(command)?;
        match self {
            Runner::Pytest => {}
            Runner::Unittest if !words.contains(&"discover") => {}
            _ => return Err("this test runner does not take test ids on its command line"),
        }
        if ids.is_empty() {
            return Err("no test was named");
        }
        let ids = quoted(ids, "a test id cannot be quoted")?;
        Ok(format!("{} {}", command.trim_end(), ids.join(" ")))
    }
}

/// Each of `items` shell-quoted for `/bin/sh -c`, or `refusal` (an item with a NUL byte).
fn quoted(items: &[String], refusal: &'static str) -> Result<Vec<String>, &'static str> {
    items
        .iter()
        .map(|item| {
            shlex::try_quote(item)
                .map(std::borrow::Cow::into_owned)
                .map_err(|_| refusal)
        })
        .collect()
}

/// The command's words, unless it is a shell list or pipeline (`a && b`, `a; b`, `a | b`),
/// where arguments added at the end would go to its last command only.
fn plain_words(command: &str) -> Result<Vec<&str>, &'static str> {
    let words: Vec<&str> = command.split_whitespace().collect();
    if words
        .iter()
        .any(|w| ["&&", "||", ";", "|"].contains(w) || w.ends_with(';'))
    {
        return Err("the test command is a shell pipeline or list");
    }
    Ok(words)
}

impl std::fmt::Display for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A test command and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCommand {
    /// Run with `/bin/sh -c` at the repository root.
    pub command: String,
    pub runner: Runner,
    /// For the progress comment: which file made redgreen choose it.
    pub reason: String,
}

impl TestCommand {
    /// A configured command (`test` in `.github/redgreen.yml`), its runner read from it.
    pub fn configured(command: &str) -> TestCommand {
        TestCommand {
            command: command.to_owned(),
            runner: Runner::from_command(command),
            reason: "set by `test` in .github/redgreen.yml".to_owned(),
        }
    }
}

/// Chooses a test command from the files at the repository root: cargo (nextest when it is
/// configured), pytest, unittest, go, npm (jest or vitest when they are dependencies), maven,
/// gradle. `None` when nothing is recognized.
pub fn detect_test_command(root: &Path) -> Option<TestCommand> {
    // Names at the top of the tree, which may be symlinks planted by sandboxed code: none is
    // followed out of the tree.
    let exists = |name: &str| std::fs::symlink_metadata(root.join(name)).is_ok();
    let read = |name: &str| {
        let path = root.join(name);
        match std::fs::symlink_metadata(&path) {
            Ok(metadata) if metadata.is_file() => std::fs::read_to_string(path).unwrap_or_default(),
            _ => String::new(),
        }
    };
    let found = |command: &str, runner: Runner, reason: &str| {
        Some(TestCommand {
            command: command.to_owned(),
            runner,
            reason: reason.to_owned(),
        })
    };

    if exists("Cargo.toml") {
        if exists(".config/nextest.toml") {
            return found(
                "cargo nextest run --no-fail-fast --offline",
                Runner::Nextest,
                "Cargo.toml and .config/nextest.toml",
            );
        }
        return found(
            "cargo test --no-fail-fast --offline",
            Runner::Cargo,
            "Cargo.toml",
        );
    }
    if exists("go.mod") {
        return found("go test -v ./...", Runner::Go, "go.mod");
    }
    if exists("package.json") {
        let manifest: serde_json::Value =
            serde_json::from_str(&read("package.json")).unwrap_or_default();
        let script = manifest
            .pointer("/scripts/test")
            .and_then(|s| s.as_str())
            .unwrap_or_default();
        // `npm init`'s placeholder fails on purpose: it is no test suite.
        if !script.is_empty() && !script.contains("no test specified") {
            let depends = |name: &str| {
                ["dependencies", "devDependencies"]
                    .iter()
                    .any(|section| manifest.get(section).and_then(|d| d.get(name)).is_some())
                    || script.contains(name)
            };
            if depends("vitest") {
                return found(
                    "npm test --silent -- --run --reporter=verbose",
                    Runner::Vitest,
                    "package.json (test script, vitest)",
                );
            }
            if depends("jest") {
                return found(
                    "npm test --silent -- --ci --verbose",
                    Runner::Jest,
                    "package.json (test script, jest)",
                );
            }
            return found(
                "npm test --silent",
                Runner::Npm,
                "package.json (test script)",
            );
        }
    }
    if exists("pom.xml") {
        return found("mvn -B -o test", Runner::Maven, "pom.xml");
    }
    if exists("build.gradle") || exists("build.gradle.kts") {
        let gradle = if exists("gradlew") {
            "./gradlew"
        } else {
            "gradle"
        };
        return found(
            &format!("{gradle} test --offline --continue"),
            Runner::Gradle,
            "build.gradle",
        );
    }
    let pytest_config = exists("pytest.ini")
        || exists("conftest.py")
        || read("pyproject.toml").contains("[tool.pytest")
        || read("setup.cfg").contains("[tool:pytest]")
        || read("tox.ini").contains("[pytest]")
        || [
            "requirements.txt",
            "requirements-dev.txt",
            "requirements_dev.txt",
            "requirements-test.txt",
        ]
        .iter()
        .any(|file| read(file).to_ascii_lowercase().contains("pytest"));
    // -p no:cacheprovider: no .pytest_cache written into the work tree.
    let pytest = "python3 -m pytest -rA -v -p no:cacheprovider";
    if pytest_config {
        return found(pytest, Runner::Pytest, "pytest configuration");
    }
    if exists("pyproject.toml")
        || exists("setup.py")
        || exists("setup.cfg")
        || has_python_tests(root)
    {
        return found(
            "python3 -m unittest -v",
            Runner::Unittest,
            "Python tests without pytest configuration",
        );
    }
    None
}

/// `test_*.py` at the root or in `tests/`/`test/`.
fn has_python_tests(root: &Path) -> bool {
    ["", "tests", "test"].iter().any(|dir| {
        std::fs::read_dir(root.join(dir)).is_ok_and(|entries| {
            entries.flatten().any(|entry| {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                name.starts_with("test") && name.ends_with(".py")
            })
        })
    })
}
