//! redgreen's own judgement of a phase's claim, from test runs it made itself: a red test
//! must really fail (and not merely fail to load), a patch must make it pass and break
//! nothing that passed on the base commit.
//!
//! "Did not load" is read from the runner's structure (a case the report parser marked as a
//! file that did not compile, import or collect), never from words in the output: a test
//! that ran and failed with any exception, `SyntaxError` included, is red evidence.
//!
//! The model's word is never taken: these functions see only [`TestSummary`]s that redgreen
//! recorded in the sandbox. A rejection is the evidence the model gets for its next attempt,
//! so it says what was run, what happened and what is wanted.

use redgreen_core::work::{FailingTest, TestOutcome, TestSummary};

/// The outcome of the test a model named, matched against the ids the runner reported. Models
/// name tests in several ways (`tests/test_x.py::test_y`, `test_y`, `tests.test_x.T.test_y`),
/// so a name matches a reported id equal to it, or one of them ending with the other at a
/// separator.
pub fn outcome_of(run: &TestSummary, name: &str) -> Option<TestOutcome> {
    if let Some(outcome) = run.outcomes.get(name) {
        return Some(*outcome);
    }
    let mut matches = run
        .outcomes
        .iter()
        .filter(|(id, _)| names_match(id, name))
        .map(|(_, outcome)| *outcome);
    let first = matches.next()?;
    // Several tests answer to the name: it counts as failing if any of them fails.
    Some(matches.fold(first, Ord::max))
}

/// Whether a reported test id and a name given for it denote the same test: equal, or one
/// ending with the other at a separator (`tests/test_x.py::test_y` and `test_y`).
pub(crate) fn names_match(id: &str, name: &str) -> bool {
    let ends_with_at_separator = |long: &str, short: &str| {
        long.len() > short.len()
            && long.ends_with(short)
            && long[..long.len() - short.len()].ends_with(['.', ':', '/', ' ', '('])
    };
    id == name || ends_with_at_separator(id, name) || ends_with_at_separator(name, id)
}

/// Red holds when every named test ran and failed on base + the new tests.
pub fn judge_red(run: &TestSummary, tests: &[String]) -> Result<(), String> {
    if tests.is_empty() {
        return Err("`submit_red` named no tests: name the tests that show the bug.".into());
    }
    if run.timed_out {
        return Err(format!(
            "the test run timed out after {} ms, so it shows nothing; make the new tests fast.\n{}",
            run.duration_ms,
            excerpt(run)
        ));
    }
    let mut problems = Vec::new();
    for test in tests {
        match outcome_of(run, test) {
            Some(TestOutcome::Failed) => {}
            Some(TestOutcome::Passed) => problems.push(format!(
                "`{test}` passes on the base commit: a red test must fail until the bug is fixed."
            )),
            Some(TestOutcome::Skipped) => problems.push(format!(
                "`{test}` was skipped: a red test must run and fail."
            )),
            Some(TestOutcome::Errored) => problems.push(match load_failure_of(run, test) {
                Some(failure) => not_loaded(test, failure),
                None => format!(
                    "`{test}` errored outside its body (in its setup or teardown, such as a \
                     fixture): a red test must run and fail on the behaviour."
                ),
            }),
            None => problems.push(match load_failure_of(run, test) {
                Some(failure) => not_loaded(test, failure),
                None => format!(
                    "`{test}` is not among the tests the run reported; name tests by the ids \
                     the runner prints.{}",
                    unloaded_files(run)
                ),
            }),
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{}\nThe run (`{}`, exit code {}):\n{}",
        problems.join("\n"),
        run.command,
        exit_code(run),
        excerpt(run)
    ))
}

/// A red test must fail every time, for the same reason: `again` is a second run of the named
/// tests after `first` held. A test that passed, or failed for another kind of reason, the
/// second time is flaky, and a flaky test shows nothing about the bug.
pub fn judge_red_again(
    first: &TestSummary,
    again: &TestSummary,
    tests: &[String],
) -> Result<(), String> {
    let mut problems = Vec::new();
    for test in tests {
        match outcome_of(again, test) {
            Some(TestOutcome::Failed) => {
                let (before, after) = (failure_kind(first, test), failure_kind(again, test));
                if before != after {
                    problems.push(format!(
                        "`{test}` failed twice for different reasons (`{before}`, then \
                         `{after}`): a red test must fail the same way every time."
                    ));
                }
            }
            other => problems.push(format!(
                "`{test}` failed on the first run and {} on the second: a flaky test shows \
                 nothing about the bug; make it deterministic.",
                match other {
                    Some(TestOutcome::Passed) => "passed",
                    Some(TestOutcome::Skipped) => "was skipped",
                    Some(TestOutcome::Errored) => "errored",
                    _ => "did not run",
                }
            )),
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{}\nThe second run (`{}`, exit code {}):\n{}",
        problems.join("\n"),
        again.command,
        exit_code(again),
        excerpt(again)
    ))
}

/// The kind of a named test's failure: the exception type its message starts with
/// (`AssertionError: ...`, `KeyError: 'x'`), pytest's `assert ...` read as an assertion, or
/// `failure` when the message names none.
fn failure_kind(run: &TestSummary, test: &str) -> String {
    let Some(failing) = run.failing.iter().find(|f| names_match(&f.name, test)) else {
        return "failure".to_owned();
    };
    let line = first_line(&failing.message).trim();
    if line.starts_with("assert ") || line == "assert" {
        return "AssertionError".to_owned();
    }
    let word = line.split([':', ' ', '(']).next().unwrap_or_default();
    let last = word.rsplit('.').next().unwrap_or(word);
    let is_type = last.starts_with(|c: char| c.is_ascii_uppercase())
        && [
            "Error",
            "Exception",
            "Failure",
            "Exit",
            "Interrupt",
            "Warning",
        ]
        .iter()
        .any(|suffix| last.ends_with(suffix));
    if is_type {
        last.to_owned()
    } else {
        "failure".to_owned()
    }
}

/// The case standing for the named test's file or module when it did not load: the named
/// test, or a load failure whose id or file is the test's file (`tests/test_x.py` for
/// `tests/test_x.py::test_y`) or its module (`tests.test_x` for `tests.test_x.T.test_y`).
fn load_failure_of<'a>(run: &'a TestSummary, test: &str) -> Option<&'a FailingTest> {
    run.failing.iter().filter(|f| f.load_error).find(|failure| {
        names_match(&failure.name, test)
            || [Some(failure.name.as_str()), failure.file.as_deref()]
                .into_iter()
                .flatten()
                .any(|place| {
                    test.strip_prefix(place)
                        .is_some_and(|rest| rest.starts_with("::") || rest.starts_with('.'))
                })
    })
}

/// What the run could not load at all, when a named test is missing and could be in it.
fn unloaded_files(run: &TestSummary) -> String {
    let unloaded: Vec<String> = run
        .failing
        .iter()
        .filter(|f| f.load_error)
        .map(|f| format!("`{}` ({})", f.name, first_line(&f.message)))
        .collect();
    if unloaded.is_empty() {
        String::new()
    } else {
        format!(" The run could not load: {}.", unloaded.join(", "))
    }
}

fn not_loaded(test: &str, failure: &FailingTest) -> String {
    format!(
        "`{test}` did not run: `{}` did not load ({}). A red test must load, run and fail on \
         the behaviour.",
        failure.name,
        first_line(&failure.message)
    )
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
}

/// Green holds when every named test passes and no test that passed on the base commit fails
/// or disappears in the whole suite, except those the red commit `replaced` (removed or
/// renamed), which are compared against nothing.
pub fn judge_green(
    named: &TestSummary,
    suite: &TestSummary,
    baseline: &TestSummary,
    tests: &[String],
    replaced: &[String],
) -> Result<(), String> {
    let mut problems = Vec::new();
    if named.timed_out || suite.timed_out {
        problems.push("a test run timed out".to_owned());
    }
    for test in tests {
        match outcome_of(named, test) {
            Some(TestOutcome::Passed) => {}
            Some(other) => problems.push(format!("`{test}` still does not pass ({other:?}).")),
            None => problems.push(format!("`{test}` did not run.")),
        }
    }
    let mut regressions = suite.regressions_against(baseline);
    regressions.retain(|name| !replaced.contains(name));
    if !regressions.is_empty() {
        problems.push(format!(
            "tests that passed on the base commit no longer pass: {}",
            regressions
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // A suite whose output could not be read per test is judged by its exit code, against
    // the base commit's.
    if suite.outcomes.is_empty() && baseline.exit_code == Some(0) && suite.exit_code != Some(0) {
        problems.push(format!(
            "the suite passed on the base commit and now exits with {}",
            exit_code(suite)
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    let failing = if named.is_green() { suite } else { named };
    Err(format!(
        "{}\nThe run (`{}`, exit code {}):\n{}",
        problems.join("\n"),
        failing.command,
        exit_code(failing),
        excerpt(failing)
    ))
}

fn exit_code(run: &TestSummary) -> String {
    run.exit_code
        .map_or_else(|| "none (killed)".to_owned(), |code| code.to_string())
}

fn excerpt(run: &TestSummary) -> String {
    if run.excerpt.is_empty() {
        "(no output)".to_owned()
    } else {
        run.excerpt.clone()
    }
}
