//! The seccomp filter: each denied system call fails with EPERM inside the sandbox, with
//! arguments that would otherwise succeed or fail differently; host processes cannot be
//! signalled or traced.

use crate::support::{run_python, run_sh, stdout};

/// x86_64 system call numbers, with arguments chosen so the call would not fail with EPERM
/// if the filter let it through (or, where EPERM is its normal answer, at least not crash).
#[cfg(target_arch = "x86_64")]
const CALLS: &[(&str, &str)] = &[
    ("ptrace", "101, 0, 0, 0, 0"), // PTRACE_TRACEME would succeed
    ("process_vm_readv", "310, os.getpid(), 0, 0, 0, 0, 0"), // zero-length read of self: 0
    ("mount", "165, 0, 0, 0, 0, 0"),
    ("pivot_root", "155, 0, 0"),
    ("unshare", "272, 0x10000000"), // CLONE_NEWUSER would succeed
    ("setns", "308, 0, 0"),         // EBADF otherwise
    ("bpf", "321, 0, 0, 0"),
    ("perf_event_open", "298, 0, 0, -1, -1, 0"), // EFAULT otherwise
    ("keyctl", "250, 0, -3, 0"),                 // KEYCTL_GET_KEYRING_ID would succeed
    ("add_key", "248, 0, 0, 0, 0, 0"),           // EFAULT otherwise
    ("userfaultfd", "323, 0"),
    ("io_uring_setup", "425, 1, 0"),              // EFAULT otherwise
    ("io_uring_enter", "426, -1, 0, 0, 0, 0, 0"), // EBADF otherwise
    ("io_uring_register", "427, -1, 0, 0, 0"),    // EBADF otherwise
    ("clone_newuser", "56, 0x10000000 | 17, 0, 0, 0, 0"), // clone(CLONE_NEWUSER|SIGCHLD)
];

#[cfg(target_arch = "x86_64")]
#[test]
fn dangerous_system_calls_fail_with_eperm() {
    let mut script = String::from(
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n",
    );
    for (name, args) in CALLS {
        script.push_str(&format!(
            "ctypes.set_errno(0); r = libc.syscall({args}); print('{name}', r, ctypes.get_errno())\n"
        ));
    }
    let run = run_python(&script);
    let out = stdout(&run);
    assert_eq!(run.outcome.exit_code, Some(0), "{}", run.stderr.to_text());
    for (name, _) in CALLS {
        let line = out
            .lines()
            .find(|line| line.split(' ').next() == Some(name))
            .unwrap_or_else(|| panic!("no result for {name}: {out}"));
        assert_eq!(line, format!("{name} -1 {}", libc::EPERM), "{out}");
    }
}

#[test]
fn host_processes_cannot_be_signalled_or_traced() {
    // This test process is on the host, in the same host uid as the sandbox maps to.
    let host_pid = std::process::id();
    let run = run_sh(&format!(
        "kill -0 {host_pid} 2>&1; echo kill=$?; kill -0 1 2>&1; echo init=$?; ls /proc/{host_pid} >/dev/null 2>&1; echo proc=$?"
    ));
    let out = stdout(&run);
    // The host pid names no process in the sandbox's PID namespace (or another one).
    assert!(!out.contains("kill=0") || host_pid < 10, "{out}");
    // Init (PID 1) is outside the command's Landlock domain: signals to it are refused.
    assert!(out.contains("init=1"), "{out}");
    // PTRACE_ATTACH to init.
    let ptrace = run_python(
        "import ctypes; libc = ctypes.CDLL(None, use_errno=True); print(libc.ptrace(16, 1, 0, 0), ctypes.get_errno())",
    );
    assert_eq!(stdout(&ptrace), format!("-1 {}\n", libc::EPERM));
}
