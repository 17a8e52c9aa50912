//! Attacks on the host through what a sandboxed command leaves behind or can read: each test
//! is named after the attack and runs it for real. Those that need a root supervisor (the
//! sandbox's user is then an unprivileged host identity) say so and pass trivially otherwise;
//! CI runs as root.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use redgreen_sandbox::{HostIdentity, Sandbox};

use crate::support::{config, sandbox, sh, stdout};

fn root_supervisor() -> bool {
    nix::unistd::geteuid().is_root()
}

/// A workspace that is a git repository, as the agent's work trees are.
fn git_workspace() -> tempfile::TempDir {
    let workspace = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(workspace.path())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(workspace.path().join("tracked.txt"), "content\n").unwrap();
    workspace
}

#[test]
fn a_setuid_shell_left_in_the_workspace_is_neither_root_owned_nor_setuid() {
    if !root_supervisor() {
        return;
    }
    let workspace = tempfile::tempdir().unwrap();
    let run = sandbox()
        .run(&sh(
            "cp /bin/sh sush && chmod 4755 sush && mkdir sgid && chmod 2775 sgid && ls -ln sush",
            &workspace,
        ))
        .unwrap();
    assert_eq!(run.outcome.exit_code, Some(0), "{}", run.stderr.to_text());
    // Inside, the copy was setuid (the command could set the bit on its own file)...
    assert!(stdout(&run).starts_with("-rws"), "{}", stdout(&run));
    // ...but on the host it belongs to the unprivileged sandbox user, and the bits are gone.
    let shell = std::fs::metadata(workspace.path().join("sush")).unwrap();
    assert_eq!(shell.uid(), HostIdentity::FALLBACK.uid);
    assert_ne!(shell.uid(), 0);
    assert_eq!(shell.mode() & 0o6000, 0, "mode {:o}", shell.mode());
    let dir = std::fs::metadata(workspace.path().join("sgid")).unwrap();
    assert_eq!(dir.mode() & 0o6000, 0, "mode {:o}", dir.mode());
}

#[test]
fn a_root_only_host_file_is_unreadable_through_the_read_only_mounts() {
    if !root_supervisor() {
        return;
    }
    // A host directory exposed read-only, as the system paths and toolchains are, holding a
    // root-only file (like /etc/ssl/private/*.key) beside a world-readable one.
    let exposed = tempfile::Builder::new()
        .prefix("redgreen-exposed-")
        .tempdir_in("/var/tmp")
        .unwrap();
    std::fs::set_permissions(exposed.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = exposed.path().join("private.key");
    std::fs::write(&secret, "-----BEGIN PRIVATE KEY-----\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(exposed.path().join("public.txt"), "public\n").unwrap();
    let mut config = config();
    config.readonly_paths.push(exposed.path().to_path_buf());
    let sandbox = Sandbox::new(config).unwrap();
    let workspace = tempfile::tempdir().unwrap();
    let dir = exposed.path().display();
    let run = sandbox
        .run(&sh(
            &format!(
                "cat {dir}/public.txt; cat {dir}/private.key && echo READ-THE-KEY; \
                 ls /etc/ssl/private >/dev/null 2>&1 && echo LISTED-PRIVATE; true"
            ),
            &workspace,
        ))
        .unwrap();
    let out = stdout(&run);
    assert!(out.starts_with("public\n"), "{out}");
    assert!(!out.contains("BEGIN PRIVATE KEY"), "{out}");
    assert!(!out.contains("READ-THE-KEY"), "{out}");
    assert!(
        run.stderr.to_text().contains("Permission denied"),
        "{}",
        run.stderr.to_text()
    );
    if std::fs::metadata("/etc/ssl/private").is_ok_and(|m| m.mode() & 0o001 == 0) {
        assert!(!out.contains("LISTED-PRIVATE"), "{out}");
    }
}

#[test]
fn x32_system_calls_are_refused() {
    if std::env::consts::ARCH != "x86_64" {
        return;
    }
    // getpid (39) with __X32_SYSCALL_BIT: EPERM from the filter. Without it, a kernel built
    // without x32 answers ENOSYS (38) and one built with it runs the call.
    let run = crate::support::run_python(
        "import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); \
         r = libc.syscall(0x40000000 + 39); print(r, ctypes.get_errno())",
    );
    assert_eq!(
        stdout(&run).trim(),
        format!("-1 {}", libc::EPERM),
        "{}",
        run.stderr.to_text()
    );
}

#[test]
fn the_git_directory_cannot_be_written_replaced_or_redirected_from_inside() {
    let workspace = git_workspace();
    let git = workspace.path().join(".git");
    let config_before = std::fs::read(git.join("config")).unwrap();
    let run = sandbox()
        .run(&sh(
            "cat .git/config >/dev/null && echo READABLE; \
             printf '[core]\\n\\tworktree = /victim\\n' >> .git/config && echo WORKTREE-SET; \
             printf '[include]\\n\\tpath = ../evil.cfg\\n' >> .git/config && echo INCLUDE-SET; \
             rm -f .git/info/exclude && ln -s /etc/profile.d/x.sh .git/info/exclude && echo EXCLUDE-LINKED; \
             mv .git moved && echo MOVED; rm -rf .git && echo REMOVED; \
             echo tracked-change > tracked.txt && echo TREE-WRITABLE; true",
            &workspace,
        ))
        .unwrap();
    let out = stdout(&run);
    assert!(out.contains("READABLE"), "{out}");
    assert!(out.contains("TREE-WRITABLE"), "{out}");
    for attack in [
        "WORKTREE-SET",
        "INCLUDE-SET",
        "EXCLUDE-LINKED",
        "MOVED",
        "REMOVED",
    ] {
        assert!(!out.contains(attack), "{attack} succeeded: {out}");
    }
    assert_eq!(std::fs::read(git.join("config")).unwrap(), config_before);
    assert!(
        !std::fs::symlink_metadata(git.join("info/exclude"))
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false)
    );
    assert!(git.is_dir());
}

#[test]
fn a_git_directory_made_by_the_command_is_removed_before_the_host_sees_it() {
    let workspace = tempfile::tempdir().unwrap();
    let run = sandbox()
        .run(&sh(
            "mkdir -p .git/info && printf '[core]\\n\\tworktree = /victim\\n' > .git/config && echo MADE",
            &workspace,
        ))
        .unwrap();
    assert!(stdout(&run).contains("MADE"), "{}", run.stderr.to_text());
    assert!(!workspace.path().join(".git").exists());
}

#[test]
fn a_git_directory_that_replaced_a_git_symlink_is_removed() {
    // A `.git` that is a symlink is not bound read-only (it points nowhere inside), so the
    // command can swap it for a directory of its own making.
    let workspace = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/nonexistent-gitdir", workspace.path().join(".git")).unwrap();
    let run = sandbox()
        .run(&sh(
            "rm .git && mkdir .git && printf '[core]\\n\\tworktree = /victim\\n' > .git/config && echo SWAPPED",
            &workspace,
        ))
        .unwrap();
    assert!(stdout(&run).contains("SWAPPED"), "{}", run.stderr.to_text());
    assert!(std::fs::symlink_metadata(workspace.path().join(".git")).is_err());
}

#[test]
fn a_fifo_left_in_the_workspace_is_removed() {
    let workspace = tempfile::tempdir().unwrap();
    let run = sandbox()
        .run(&sh(
            "mkdir -p sub && mkfifo sub/pipe && mkfifo top-pipe && echo MADE",
            &workspace,
        ))
        .unwrap();
    assert!(stdout(&run).contains("MADE"), "{}", run.stderr.to_text());
    assert!(std::fs::symlink_metadata(workspace.path().join("sub/pipe")).is_err());
    assert!(std::fs::symlink_metadata(workspace.path().join("top-pipe")).is_err());
    assert!(workspace.path().join("sub").is_dir());
}

#[test]
fn the_command_is_not_root_on_the_host() {
    if !root_supervisor() {
        return;
    }
    // Inside it is uid 1000; what it creates is owned on the host by the unprivileged
    // identity, never by root.
    let workspace = tempfile::tempdir().unwrap();
    let run = sandbox()
        .run(&sh("id -u; echo made > made-inside", &workspace))
        .unwrap();
    assert_eq!(stdout(&run), "1000\n", "{}", run.stderr.to_text());
    let made = std::fs::metadata(workspace.path().join("made-inside")).unwrap();
    assert_eq!(
        (made.uid(), made.gid()),
        (HostIdentity::FALLBACK.uid, HostIdentity::FALLBACK.gid)
    );
}

/// A disk-capped workspace of `mib` MiB in a fresh directory; removed with the directory's
/// guard only after [`redgreen_sandbox::remove_volume`].
struct CappedWorkspace {
    dir: tempfile::TempDir,
    cap: u64,
}

impl CappedWorkspace {
    fn new(mib: u64) -> CappedWorkspace {
        let dir = tempfile::tempdir().unwrap();
        let cap = mib << 20;
        redgreen_sandbox::create_volume(&dir.path().join("ws"), cap).unwrap();
        CappedWorkspace { dir, cap }
    }

    fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("ws")
    }

    fn request(&self, script: &str) -> redgreen_sandbox::RunRequest {
        let mut request =
            redgreen_sandbox::RunRequest::new("/bin/sh", self.path()).args(["-c", script]);
        request.limits.timeout = std::time::Duration::from_secs(120);
        request.limits.disk_bytes = Some(self.cap);
        request
    }
}

impl Drop for CappedWorkspace {
    fn drop(&mut self) {
        let _ = redgreen_sandbox::remove_volume(&self.path());
    }
}

#[test]
fn a_workspace_fill_past_the_quota_stops_at_the_cap() {
    if !root_supervisor() {
        return;
    }
    let workspace = CappedWorkspace::new(64);
    let run = sandbox()
        .run(&workspace.request(
            "for f in a b c; do fallocate -l 1G $f || echo REFUSED-$f; done; \
             dd if=/dev/zero of=fill bs=1M count=4096 2>&1 | grep -o 'No space left on device'; \
             du -sm . | cut -f1",
        ))
        .unwrap();
    let out = stdout(&run);
    println!("{out}");
    assert!(out.contains("REFUSED-a"), "{out}");
    assert!(out.contains("No space left on device"), "{out}");
    let used_mib: u64 = out.lines().last().unwrap().trim().parse().unwrap();
    assert!(used_mib <= 64, "{used_mib} MiB written under a 64 MiB cap");
    assert!(run.outcome.disk_limit_hit, "{:?}", run.outcome);
    assert!(
        run.outcome
            .enforced
            .contains(&redgreen_sandbox::Protection::DiskQuota)
    );
    // On the host the volume's image holds at most the cap.
    let image = workspace.dir.path().join("ws.disk");
    let allocated = std::fs::metadata(&image).unwrap().blocks() * 512;
    assert!(
        allocated <= workspace.cap,
        "{allocated} bytes on the host disk"
    );
}

#[test]
fn a_run_under_its_cap_does_not_report_the_limit() {
    if !root_supervisor() {
        return;
    }
    let workspace = CappedWorkspace::new(64);
    let run = sandbox()
        .run(&workspace.request("head -c 1048576 /dev/zero > one-mib && echo WROTE"))
        .unwrap();
    assert_eq!(stdout(&run), "WROTE\n", "{}", run.stderr.to_text());
    assert!(!run.outcome.disk_limit_hit, "{:?}", run.outcome);
}

#[test]
fn a_capped_run_refuses_a_workspace_that_is_not_a_volume() {
    let workspace = tempfile::tempdir().unwrap();
    let mut request = sh("true", &workspace);
    request.limits.disk_bytes = Some(64 << 20);
    let error = sandbox().run(&request).unwrap_err();
    assert!(error.to_string().contains("is not a volume"), "{error}");
}

#[test]
fn the_workspace_host_path_is_not_visible_inside() {
    if !root_supervisor() {
        return;
    }
    let workspace = CappedWorkspace::new(32);
    let host_path = workspace.dir.path().display().to_string();
    let run = sandbox()
        .run(&workspace.request("cat /proc/self/mountinfo; cat /proc/mounts"))
        .unwrap();
    let out = stdout(&run);
    assert!(out.contains(" /workspace "), "{out}");
    assert!(
        !out.contains(&host_path),
        "{host_path} visible inside:\n{out}"
    );
}
