//! `redgreen recommend` as a process: it prints the ADR, and a reader that goes away before
//! the answer is written (`redgreen recommend | head`) ends it quietly, as ripgrep does.

use std::process::{Command, Stdio};

const CONSTRAINTS: &str = "a Python FastAPI service for 10k users at 200 rps, 50 GB of data, \
SOC 2 and GDPR, AWS, github-first, budget $3000/month; the team knows python and terraform.";

fn recommend() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_redgreen"));
    command
        .args([
            "recommend",
            "--date",
            "2025-01-02",
            "--constraints",
            CONSTRAINTS,
        ])
        .env_clear()
        .stdin(Stdio::null());
    command
}

#[test]
fn recommend_prints_the_adr_on_stdout() {
    let output = recommend().output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(stdout.contains("2025-01-02"), "{stdout}");
    assert!(stdout.len() > 200, "{stdout}");
}

#[test]
fn a_closed_stdout_ends_recommend_quietly_and_successfully() {
    let mut child = recommend()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closes the pipe's only read end before the child has loaded its catalog, so its write
    // fails with EPIPE (Rust ignores SIGPIPE, so the process is not killed by the signal).
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(!stderr.contains("cannot write"), "{stderr}");
}
