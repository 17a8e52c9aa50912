//! Maven Surefire and Gradle console output: the failing tests (`[ERROR] com.x.CalcTest.testSub
//! -- Time elapsed ... <<< FAILURE!`, `CalcTest > testSub() FAILED`) and compiler errors. The
//! passing tests are in their JUnit XML reports, which `execute_tests` reads after the run.
//!
//! A compiler error is a load error only outside a test step: from Surefire's (or Failsafe's)
//! mojo line or `T E S T S` banner, or Gradle's `> Task :x:test`, up to the next mojo or task
//! (a module's compilation), what is printed is the tests' own output (a compiler a test
//! drives, say).

use std::sync::LazyLock;

use regex::Regex;

use super::{CaseOutcome, TestCase, both, compile, parse_u32};

static PATTERNS: LazyLock<Option<[Regex; 6]>> = LazyLock::new(|| {
    compile([
        // Surefire 3: `[ERROR] com.x.CalcTest.testSub -- Time elapsed: 0.01 s <<< FAILURE!`
        r"^\[ERROR\] ([\w.$]+)\.([\w$]+(?:\(\))?(?:\[[^\]]*\])?) -- Time elapsed: .*<<< (FAILURE|ERROR)!",
        // Surefire 2: `testSub(com.x.CalcTest)  Time elapsed: 0.01 sec  <<< FAILURE!`
        r"^(?:\[ERROR\] )?([\w$]+)\(([\w.$]+)\)\s+Time elapsed: .*<<< (FAILURE|ERROR)!",
        r"^\[ERROR\] (\S+\.(?:java|kt|scala|groovy)):\[(\d+),\d+\] (.*)$",
        r"^([\w.$]+) > (.+?) (FAILED|PASSED|SKIPPED)$",
        r"^(\S+\.(?:java|kt|scala|groovy)):(\d+): error: (.*)$",
        // `at com.x.CalcTest.subtracts(CalcTest.java:17)`; Gradle: `... at CalcTest.java:17`
        r"\bat (?:[\w.$/]+\()?([\w$]+\.(?:java|kt|scala|groovy)):(\d+)\)?",
    ])
});

pub(super) fn parse(stdout: &str, stderr: &str) -> Vec<TestCase> {
    let Some(
        [
            surefire3,
            surefire2,
            maven_compile,
            gradle,
            gradle_compile,
            frame,
        ],
    ) = PATTERNS.as_ref()
    else {
        return Vec::new();
    };
    let text = both(stdout, stderr);
    let lines: Vec<&str> = text.lines().collect();
    let mut cases = Vec::new();
    let mut compile_reported = false;
    let mut tests_started = false;
    for (index, line) in lines.iter().enumerate() {
        if line.starts_with("[INFO] --- ") {
            tests_started = line.contains("surefire") || line.contains("failsafe");
        } else if let Some(task) = line.strip_prefix("> Task ") {
            tests_started = task
                .split_whitespace()
                .next()
                .is_some_and(|t| t.ends_with(":test"));
        } else if line.contains("T E S T S") {
            tests_started = true;
        }
        let failure = if let Some(c) = surefire3.captures(line) {
            Some((c[1].to_owned(), c[2].to_owned()))
        } else {
            surefire2
                .captures(line)
                .map(|c| (c[2].to_owned(), c[1].to_owned()))
        };
        if let Some((class, method)) = failure {
            let following = &lines[index + 1..lines.len().min(index + 40)];
            let message = following.first().map_or("", |l| l.trim()).to_owned();
            cases.push(with_frame(
                TestCase::new(format!("{class}.{method}"), CaseOutcome::Failed),
                &message,
                following,
                frame,
            ));
            continue;
        }
        if let Some(c) = gradle.captures(line) {
            let outcome = match &c[3] {
                "PASSED" => CaseOutcome::Passed,
                "SKIPPED" => CaseOutcome::Skipped,
                _ => CaseOutcome::Failed,
            };
            let case = TestCase::new(format!("{}.{}", &c[1], &c[2]), outcome);
            let following = &lines[index + 1..lines.len().min(index + 10)];
            let message = if outcome == CaseOutcome::Failed {
                following.first().map_or("", |l| l.trim()).to_owned()
            } else {
                String::new()
            };
            cases.push(with_frame(case, &message, following, frame));
            continue;
        }
        if compile_reported || tests_started {
            continue;
        }
        let compiler = maven_compile
            .captures(line)
            .or_else(|| gradle_compile.captures(line));
        if let Some(c) = compiler {
            // One case for the build: the first compiler error says enough.
            cases.push(
                TestCase::load_failure("compilation", format!("COMPILATION ERROR: {}", &c[3]))
                    .at(Some(c[1].to_owned()), parse_u32(&c[2])),
            );
            compile_reported = true;
        }
    }
    cases
}

fn with_frame(case: TestCase, message: &str, following: &[&str], frame: &Regex) -> TestCase {
    let place = following
        .iter()
        .take_while(|l| !l.starts_with("[ERROR] ") && !l.starts_with("[INFO] "))
        .filter(|l| {
            !l.contains("at org.junit") && !l.contains("at java.") && !l.contains("at jdk.")
        })
        .find_map(|l| frame.captures(l))
        .map(|c| (c[1].to_owned(), parse_u32(&c[2])));
    let case = case.with_message(message);
    match place {
        Some((file, line)) => case.at(Some(file), line),
        None => case,
    }
}
