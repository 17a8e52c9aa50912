//! `redgreen sandbox run`: the binary re-executes itself as the sandbox helper, runs the
//! command confined to its workspace, prints the result object and exits like the command.

use std::process::Command;

fn sandbox_run(workspace: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_redgreen"))
        .args(["sandbox", "run", "--json", "--workspace"])
        .arg(workspace)
        .args(args)
        .env_clear()
        .output()
        .unwrap()
}

/// The JSON result object: the last line of stdout.
fn outcome(output: &std::process::Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

#[test]
fn runs_confined_to_its_workspace_and_exits_like_the_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), "from the host\n").unwrap();
    let output = sandbox_run(
        dir.path(),
        &[
            "--",
            "sh",
            "-c",
            "cat /workspace/in.txt; echo made > /workspace/out.txt; id -u; exit 3",
        ],
    );

    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("from the host\n1000\n"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.txt")).unwrap(),
        "made\n"
    );
    let result = outcome(&output);
    assert_eq!(result["exit_code"], 3);
    assert_eq!(result["timed_out"], false);
    let enforced: Vec<&str> = result["enforced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    for protection in ["userns", "netns", "pidns", "mountns", "seccomp"] {
        assert!(enforced.contains(&protection), "{enforced:?}");
    }
}

#[test]
fn a_command_past_its_deadline_is_killed_and_exits_124() {
    let dir = tempfile::tempdir().unwrap();
    let output = sandbox_run(dir.path(), &["--timeout-secs", "1", "--", "sleep", "30"]);
    assert_eq!(output.status.code(), Some(124), "{output:?}");
    let result = outcome(&output);
    assert_eq!(result["timed_out"], true);
    assert_eq!(result["exit_code"], serde_json::Value::Null);
}
