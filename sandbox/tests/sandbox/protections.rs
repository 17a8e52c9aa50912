//! The `enforced` list tells the truth, and a required protection that is missing makes the
//! sandbox refuse to run (fail closed).

use std::collections::BTreeSet;

use redgreen_sandbox::{CgroupRoots, Protection, Sandbox, SandboxError};

use crate::support::{config, run_sh, sh};

#[test]
fn every_protection_is_reported_enforced_on_this_host() {
    let run = run_sh("true");
    let expected = vec![
        Protection::Userns,
        Protection::Netns,
        Protection::Pidns,
        Protection::Mountns,
        Protection::Ipcns,
        Protection::Utsns,
        Protection::Cgroupns,
        Protection::Landlock,
        Protection::Seccomp,
        Protection::CgroupMemory,
        Protection::CgroupPids,
    ];
    assert_eq!(run.outcome.enforced, expected);
}

#[test]
fn every_sandboxed_process_is_inside_the_runs_cgroup() {
    // With its own cgroup namespace rooted at the run's cgroup, a process inside it sees "/"
    // on every hierarchy; one that escaped would see a path climbing out ("/..").
    let run = run_sh("cat /proc/self/cgroup; sh -c 'cat /proc/self/cgroup'");
    let out = run.stdout.to_text();
    for controller in ["memory", "pids"] {
        let lines: Vec<&str> = out
            .lines()
            .filter(|line| {
                line.split(':')
                    .nth(1)
                    .is_some_and(|c| c.split(',').any(|c| c == controller))
            })
            .collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(lines.iter().all(|line| line.ends_with(":/")), "{out}");
    }
}

#[test]
fn landlock_is_in_force_when_reported() {
    // A process may rename itself through /proc/self/comm; only Landlock (which allows
    // writes under the workspace, /tmp and /dev alone) refuses it here.
    let run =
        run_sh("if (echo x > /proc/self/comm) 2>/dev/null; then echo wrote; else echo denied; fi");
    assert!(run.outcome.enforced.contains(&Protection::Landlock));
    assert_eq!(run.stdout.to_text(), "denied\n");
}

#[test]
fn a_missing_required_cgroup_makes_the_sandbox_refuse_to_run() {
    let workspace = tempfile::tempdir().unwrap();
    let mut config = config();
    // Simulates a host without usable cgroups.
    config.cgroups = CgroupRoots::V2 {
        parent: workspace.path().to_path_buf(),
    };
    let sandbox = Sandbox::new(config).unwrap();
    let error = sandbox.run(&sh("touch ran", &workspace)).unwrap_err();
    assert!(
        matches!(
            error,
            SandboxError::ProtectionUnavailable {
                protection: Protection::CgroupMemory,
                ..
            }
        ),
        "{error}"
    );
    assert!(!error.is_retryable());
    assert!(
        !workspace.path().join("ran").exists(),
        "the command ran anyway"
    );
}

#[test]
fn an_explicit_opt_out_runs_without_cgroups_and_says_so() {
    let workspace = tempfile::tempdir().unwrap();
    let mut config = config();
    config.cgroups = CgroupRoots::Disabled;
    config.may_run_without = BTreeSet::from([Protection::CgroupMemory, Protection::CgroupPids]);
    let sandbox = Sandbox::new(config).unwrap();
    let run = sandbox.run(&sh("touch ran", &workspace)).unwrap();
    assert_eq!(run.outcome.exit_code, Some(0), "{}", run.stderr.to_text());
    assert!(workspace.path().join("ran").exists());
    assert!(!run.outcome.enforced.contains(&Protection::CgroupMemory));
    assert!(!run.outcome.enforced.contains(&Protection::CgroupPids));
    assert!(run.outcome.enforced.contains(&Protection::Landlock));
    assert_eq!(run.outcome.peak_memory_bytes, None);
}

#[test]
fn a_program_that_does_not_exist_exits_127() {
    let workspace = tempfile::tempdir().unwrap();
    let request = redgreen_sandbox::RunRequest::new("no-such-program-redgreen", workspace.path());
    let run = Sandbox::new(config()).unwrap().run(&request).unwrap();
    assert_eq!(run.outcome.exit_code, Some(127));
    assert!(run.stderr.to_text().contains("no-such-program-redgreen"));
}

#[test]
fn cgroups_left_by_a_dead_supervisor_are_removed() {
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let Some(pids_path) = own
        .lines()
        .find_map(|line| line.split_once(":pids:").map(|(_, path)| path.to_owned()))
    else {
        // Not a cgroup v1 host: the v1 layout this test plants a stale cgroup in is absent.
        return;
    };
    let parent =
        std::path::Path::new("/sys/fs/cgroup/pids").join(pids_path.trim_start_matches('/'));
    // A pid that certainly belongs to no live process: a child that has been reaped.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let stale = parent.join(format!("redgreen-sandbox-{dead_pid}-0"));
    std::fs::create_dir(&stale).unwrap();
    let _sandbox = Sandbox::new(config()).unwrap();
    assert!(!stale.exists(), "{} is still there", stale.display());
}

/// Runs `touch ran` in a sandbox that is created and used on a fresh thread which first
/// applied `handicap` to itself (the helper inherits it). Returns the result and whether the
/// command ran.
fn run_handicapped(
    handicap: fn(),
    may_run_without: Vec<Protection>,
) -> (Result<redgreen_sandbox::SandboxRun, SandboxError>, bool) {
    std::thread::spawn(move || {
        handicap();
        let workspace = tempfile::tempdir().unwrap();
        let mut config = config();
        config.may_run_without = may_run_without.into_iter().collect();
        let result = Sandbox::new(config)
            .unwrap()
            .run(&sh("touch ran", &workspace));
        (result, workspace.path().join("ran").exists())
    })
    .join()
    .unwrap()
}

/// Uses up the 16 nested Landlock domains a thread may have, with layers that restrict
/// nothing the sandbox needs (TCP bind only), so the sandbox cannot add its own: to the
/// sandbox this is a kernel where Landlock cannot be enforced.
fn exhaust_landlock_layers() {
    use landlock::{AccessNet, Ruleset, RulesetAttr};
    for _ in 0..16 {
        Ruleset::default()
            .handle_access(AccessNet::BindTcp)
            .unwrap()
            .create()
            .unwrap()
            .restrict_self()
            .unwrap();
    }
}

/// Fills the thread's seccomp budget (32768 instructions over all its filters, as the kernel
/// counts them) with filters that allow everything, until not even the smallest filter fits,
/// so the sandbox cannot add its own: to the sandbox this is a kernel where seccomp cannot be
/// enforced.
fn exhaust_seccomp_budget() {
    use seccompiler::sock_filter;
    let mut no_ops = 4000;
    while no_ops > 0 {
        // No-op jumps (BPF_JMP | BPF_JA, offset 0), then "allow" (BPF_RET | BPF_K).
        let mut program = vec![
            sock_filter {
                code: 0x05,
                jt: 0,
                jf: 0,
                k: 0,
            };
            no_ops
        ];
        program.push(sock_filter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: 0x7fff_0000,
        });
        if seccompiler::apply_filter(&program).is_err() {
            no_ops /= 2;
        }
    }
}

#[test]
fn without_landlock_the_sandbox_refuses_to_run_unless_opted_out() {
    let (result, ran) = run_handicapped(exhaust_landlock_layers, Vec::new());
    let error = result.unwrap_err();
    assert!(
        matches!(
            error,
            SandboxError::ProtectionUnavailable {
                protection: Protection::Landlock,
                ..
            }
        ),
        "{error}"
    );
    assert!(!error.is_retryable());
    assert!(!ran, "the command ran anyway");

    let (result, ran) = run_handicapped(exhaust_landlock_layers, vec![Protection::Landlock]);
    let run = result.unwrap();
    assert_eq!(run.outcome.exit_code, Some(0), "{}", run.stderr.to_text());
    assert!(ran);
    assert!(!run.outcome.enforced.contains(&Protection::Landlock));
    assert!(run.outcome.enforced.contains(&Protection::Seccomp));
}

#[test]
fn without_seccomp_the_sandbox_refuses_to_run_unless_opted_out() {
    let (result, ran) = run_handicapped(exhaust_seccomp_budget, Vec::new());
    let error = result.unwrap_err();
    assert!(
        matches!(
            error,
            SandboxError::ProtectionUnavailable {
                protection: Protection::Seccomp,
                ..
            }
        ),
        "{error}"
    );
    assert!(!ran, "the command ran anyway");

    let (result, ran) = run_handicapped(exhaust_seccomp_budget, vec![Protection::Seccomp]);
    let run = result.unwrap();
    assert_eq!(run.outcome.exit_code, Some(0), "{}", run.stderr.to_text());
    assert!(ran);
    assert!(!run.outcome.enforced.contains(&Protection::Seccomp));
    assert!(run.outcome.enforced.contains(&Protection::Landlock));
}
