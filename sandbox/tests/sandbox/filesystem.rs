//! What the command can see and write: the workspace read-write, the system read-only, nothing
//! else of the host.

use std::fs;
use std::os::unix::fs::symlink;

use redgreen_sandbox::WORKSPACE_DIR;

use crate::support::{run_sh, sandbox, sh, stdout};

#[test]
fn the_workspace_is_writable_and_the_writes_land_on_the_host() {
    let workspace = tempfile::tempdir().unwrap();
    fs::write(workspace.path().join("input.txt"), "from the host\n").unwrap();
    let run = sandbox()
        .run(&sh(
            "cat input.txt && pwd && echo written > out.txt && mkdir -p a/b && echo deep > a/b/c",
            &workspace,
        ))
        .unwrap();
    assert_eq!(
        run.outcome.exit_code,
        Some(0),
        "stderr: {}",
        run.stderr.to_text()
    );
    assert_eq!(stdout(&run), format!("from the host\n{WORKSPACE_DIR}\n"));
    assert_eq!(
        fs::read_to_string(workspace.path().join("out.txt")).unwrap(),
        "written\n"
    );
    assert_eq!(
        fs::read_to_string(workspace.path().join("a/b/c")).unwrap(),
        "deep\n"
    );
}

#[test]
fn system_directories_and_the_root_are_read_only() {
    let run = run_sh(
        "for target in /usr/bin/redgreen-pwned /bin/redgreen-pwned /etc/passwd /redgreen-pwned /proc/redgreen-pwned /dev/redgreen-pwned; do \
           if (echo x > $target) 2>/dev/null; then echo WROTE $target; else echo denied $target; fi; \
         done",
    );
    let out = stdout(&run);
    assert!(!out.contains("WROTE"), "{out}");
    assert_eq!(out.matches("denied").count(), 6, "{out}");
    assert!(!std::path::Path::new("/usr/bin/redgreen-pwned").exists());
}

#[test]
fn host_files_outside_the_allowed_paths_are_not_visible() {
    let other_task = tempfile::tempdir().unwrap();
    fs::write(other_task.path().join("secret.txt"), "other task's data").unwrap();
    let other = other_task.path().display();
    let run = run_sh(&format!(
        "for path in {other}/secret.txt /root /home /var /etc/shadow /root/.ssh /sys/class/net /run; do \
           if [ -e $path ]; then echo VISIBLE $path; else echo absent $path; fi; \
         done; cat {other}/secret.txt 2>/dev/null; ls /"
    ));
    let out = stdout(&run);
    assert!(!out.contains("VISIBLE"), "{out}");
    assert!(!out.contains("other task's data"), "{out}");
    assert_eq!(out.matches("absent").count(), 8, "{out}");
    // Only the skeleton: the system binds, the workspace and the private mounts.
    for entry in out.lines().skip(8) {
        assert!(
            [
                "bin",
                "dev",
                "etc",
                "lib",
                "lib32",
                "lib64",
                "libx32",
                "proc",
                "sbin",
                "tmp",
                "usr",
                "workspace"
            ]
            .contains(&entry),
            "unexpected root entry {entry:?} in {out}"
        );
    }
}

#[test]
fn symlinks_in_the_workspace_cannot_reach_out() {
    let workspace = tempfile::tempdir().unwrap();
    let escape_dir = tempfile::tempdir().unwrap();
    symlink("/etc", workspace.path().join("etc-link")).unwrap();
    symlink("../..", workspace.path().join("up")).unwrap();
    symlink(escape_dir.path(), workspace.path().join("host-dir")).unwrap();
    let run = sandbox()
        .run(&sh(
            "for target in etc-link/pwned up/pwned up/tmp/../usr/pwned host-dir/pwned; do \
               if (echo x > $target) 2>/dev/null; then echo WROTE $target; else echo denied $target; fi; \
             done",
            &workspace,
        ))
        .unwrap();
    let out = stdout(&run);
    // `up/tmp/..` resolves to the sandbox's own /, so only the /tmp write may land, inside.
    assert!(!out.contains("WROTE etc-link"), "{out}");
    assert!(!out.contains("WROTE host-dir"), "{out}");
    assert!(!out.contains("WROTE up/pwned"), "{out}");
    assert!(!std::path::Path::new("/etc/pwned").exists());
    assert_eq!(fs::read_dir(escape_dir.path()).unwrap().count(), 0);
}

#[test]
fn tmp_is_private_and_capped() {
    let workspace = tempfile::tempdir().unwrap();
    let mut request = sh(
        "dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>&1; echo status=$?; ls /tmp",
        &workspace,
    );
    request.limits.tmp_bytes = 4 << 20;
    let run = sandbox().run(&request).unwrap();
    let out = stdout(&run);
    assert!(out.contains("No space left on device"), "{out}");
    assert!(!out.contains("status=0"), "{out}");
    // The host's /tmp is not the sandbox's.
    assert!(!std::path::Path::new("/tmp/fill").exists());
}

#[test]
fn file_size_limit_stops_a_disk_filler_in_the_workspace() {
    let workspace = tempfile::tempdir().unwrap();
    let mut request = sh("dd if=/dev/zero of=big bs=64k count=64", &workspace);
    request.limits.file_size_bytes = 1 << 20;
    let run = sandbox().run(&request).unwrap();
    assert_ne!(run.outcome.exit_code, Some(0));
    let size = fs::metadata(workspace.path().join("big")).unwrap().len();
    assert!(size <= 1 << 20, "file grew to {size} bytes");
}

#[test]
fn consecutive_runs_of_one_sandbox_share_nothing() {
    // The second run's helper was prepared while the first ran; it must still be a sandbox of
    // its own: a fresh /tmp, its own PID namespace, its own workspace only.
    let sandbox = sandbox();
    let (first_workspace, second_workspace) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = sandbox
        .run(&sh(
            "echo secret > /tmp/left-behind; echo mine > /workspace/first; \
             sleep 60 >/dev/null 2>&1 & echo started",
            &first_workspace,
        ))
        .unwrap();
    assert_eq!(stdout(&first), "started\n", "{}", first.stderr.to_text());
    let second = sandbox
        .run(&sh(
            "ls -A /tmp; ls -A /workspace; cat /proc/[0-9]*/comm | grep -c sleep",
            &second_workspace,
        ))
        .unwrap();
    // Nothing in /tmp or the workspace, and the first run's background sleep died with it.
    assert_eq!(stdout(&second), "0\n", "{}", second.stderr.to_text());
}
