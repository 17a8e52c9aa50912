//! `redgreen sandbox run`: the binary re-executes itself as the sandbox helper, runs the
//! command confined to its workspace, prints the result object on stderr's last line and exits
//! like the command (124 on timeout, 137 when killed for memory).

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

/// The JSON result object: the last line of stderr, with every field of PRODUCT.md's sandbox
/// result.
fn outcome(output: &std::process::Output) -> serde_json::Value {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let result: serde_json::Value = serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("stderr's last line is not JSON ({e}): {stderr}"));
    let fields: Vec<&str> = result
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for field in [
        "exit_code",
        "signal",
        "timed_out",
        "oom_killed",
        "pids_limit_hit",
        "disk_limit_hit",
        "truncated",
        "duration_ms",
        "peak_memory_bytes",
        "enforced",
    ] {
        assert!(fields.contains(&field), "no {field} in {result}");
    }
    result
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
            "cat /workspace/in.txt; echo made > /workspace/out.txt; id -u; printf oops >&2; exit 3",
        ],
    );

    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Only the command's own output on stdout.
    assert_eq!(stdout, "from the host\n1000\n");
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("oops\n"));
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
    let output = sandbox_run(dir.path(), &["--timeout", "1", "--", "sleep", "30"]);
    assert_eq!(output.status.code(), Some(124), "{output:?}");
    let result = outcome(&output);
    assert_eq!(result["timed_out"], true);
    assert_eq!(result["exit_code"], serde_json::Value::Null);
}

#[test]
fn the_pids_option_reaches_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let output = sandbox_run(
        dir.path(),
        &[
            "--pids",
            "16",
            "--timeout",
            "20",
            "--",
            "sh",
            "-c",
            "i=0; while [ $i -lt 64 ]; do sleep 2 & i=$((i+1)); done; wait",
        ],
    );
    let result = outcome(&output);
    assert_eq!(result["pids_limit_hit"], true, "{output:?}");
}

#[test]
fn a_memory_hog_is_killed_and_exits_137() {
    let dir = tempfile::tempdir().unwrap();
    let output = sandbox_run(
        dir.path(),
        &[
            "--memory",
            "64",
            "--",
            "/usr/bin/python3",
            "-c",
            "x = b'a' * (256 << 20); print('survived')",
        ],
    );
    assert_eq!(output.status.code(), Some(137), "{output:?}");
    assert!(output.stdout.is_empty());
    let result = outcome(&output);
    assert_eq!(result["oom_killed"], true);
    assert_eq!(result["exit_code"], serde_json::Value::Null);
}

#[test]
fn net_proxy_lets_through_only_the_allowed_hosts() {
    let (port, _) = super::support::http_server_on_loopback("hello");
    let dir = tempfile::tempdir().unwrap();
    let allowed = format!("127.0.0.1:{port}");
    let script = format!(
        "import urllib.request, urllib.error\n\
         print(urllib.request.urlopen('http://127.0.0.1:{port}/', timeout=10).read().decode())\n\
         try:\n    urllib.request.urlopen('http://example.com/', timeout=10)\n\
         except urllib.error.HTTPError as e:\n    print('refused', e.code)"
    );
    let output = sandbox_run(
        dir.path(),
        &[
            "--net",
            "proxy",
            "--allow-host",
            &allowed,
            "--",
            "/usr/bin/python3",
            "-c",
            &script,
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "hello\nrefused 403\n"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("egress: GET 127.0.0.1:{port} allowed")),
        "{stderr}"
    );
    assert!(
        stderr.contains("egress: GET example.com:80 denied"),
        "{stderr}"
    );
    outcome(&output);

    // An allow list without the proxy is a mistake, not a silent no-op.
    let output = sandbox_run(dir.path(), &["--allow-host", &allowed, "--", "true"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--allow-host needs --net proxy"));

    // Without --net proxy the same command reaches nothing.
    let output = sandbox_run(dir.path(), &["--", "/usr/bin/python3", "-c", &script]);
    assert_ne!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
}

#[test]
fn operator_paths_are_exposed_read_only_and_a_bad_one_refuses_to_start() {
    // Not under /tmp: the sandbox has its own /tmp, so the sandbox refuses host paths there.
    let tools = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    std::fs::write(tools.path().join("tool.txt"), "operator tool\n").unwrap();
    let tools_dir = tools.path().display().to_string();
    let workspace = tempfile::tempdir().unwrap();
    let run = |paths: &str| {
        Command::new(env!("CARGO_BIN_EXE_redgreen"))
            .args(["sandbox", "run", "--workspace"])
            .arg(workspace.path())
            .args([
                "--",
                "sh",
                "-c",
                &format!(
                    "cat {tools_dir}/tool.txt; \
                     if touch {tools_dir}/pwned 2>/dev/null; then echo WROTE; fi"
                ),
            ])
            .env_clear()
            .env("REDGREEN_SANDBOX_READONLY_PATHS", paths)
            .output()
            .unwrap()
    };

    let output = run(&format!("/nonexistent-redgreen-tools:{tools_dir}"));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("REDGREEN_SANDBOX_READONLY_PATHS")
            && stderr.contains("/nonexistent-redgreen-tools does not exist"),
        "{stderr}"
    );
    let output = run("relative/tools");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("not an absolute path"));

    let output = run("/tmp");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("which the sandbox provides itself"),
        "{output:?}"
    );

    let output = run(&tools_dir);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "operator tool\n");
    assert!(!tools.path().join("pwned").exists());
}

#[test]
fn a_disk_cap_stops_a_workspace_fill_and_the_workspace_gets_the_changes_back() {
    if !redgreen_sandbox::running_as_root() {
        // The cap is a volume, which only root can mount.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("removed.txt"), "the command removes this\n").unwrap();
    std::fs::write(dir.path().join("kept.txt"), "untouched\n").unwrap();
    let output = sandbox_run(
        dir.path(),
        &[
            "--disk",
            "32",
            "--",
            "sh",
            "-c",
            "rm removed.txt; echo made > made.txt; \
             for f in a b c; do fallocate -l 1G big-$f; done; \
             dd if=/dev/zero of=fill bs=1M count=100 2>/dev/null; echo done",
        ],
    );
    let result = outcome(&output);
    assert_eq!(result["disk_limit_hit"], true, "{result}");
    assert!(
        result["enforced"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("disk_quota")),
        "{result}"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "done\n");
    // The workspace matches what the command left: its file, its removal, and a fill that
    // stopped at the cap.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("made.txt")).unwrap(),
        "made\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kept.txt")).unwrap(),
        "untouched\n"
    );
    assert!(!dir.path().join("removed.txt").exists());
    let fill = std::fs::metadata(dir.path().join("fill")).map_or(0, |m| m.len());
    assert!(fill < 32 << 20, "{fill} bytes written under a 32 MiB cap");
}

#[test]
fn without_a_cap_the_command_writes_the_workspace_itself() {
    let dir = tempfile::tempdir().unwrap();
    let output = sandbox_run(
        dir.path(),
        &["--disk", "0", "--", "sh", "-c", "echo made > made.txt"],
    );
    let result = outcome(&output);
    assert_eq!(result["disk_limit_hit"], false, "{result}");
    assert!(
        !result["enforced"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("disk_quota")),
        "{result}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("made.txt")).unwrap(),
        "made\n"
    );
}
