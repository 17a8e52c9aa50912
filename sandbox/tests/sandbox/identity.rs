//! Who the command is: a non-root user with no capabilities, no_new_privs, seccomp, its own
//! PID namespace, hostname and session, and an environment built from nothing.

use std::collections::BTreeSet;

use redgreen_sandbox::RunRequest;

use crate::support::{run_sh, sandbox, stdout};

fn status_field(status: &str, name: &str) -> String {
    status
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {status}"))
        .trim()
        .to_owned()
}

#[test]
fn runs_as_an_unprivileged_user_without_capabilities() {
    let run = run_sh("id -u; id -g; cat /proc/self/status");
    let out = stdout(&run);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("1000"), "{out}");
    assert_eq!(lines.next(), Some("1000"), "{out}");
    assert_eq!(status_field(&out, "NoNewPrivs"), "1");
    assert_eq!(status_field(&out, "Seccomp"), "2");
    for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        assert_eq!(
            status_field(&out, set),
            "0000000000000000",
            "{set} in {out}"
        );
    }
}

#[test]
fn has_its_own_pid_namespace_hostname_and_no_terminal() {
    let run = run_sh(
        "hostname; echo pid=$$; ls /proc | grep -c '^[0-9]'; \
         awk '{print \"tty=\" $7}' /proc/self/stat; \
         if [ -e /dev/tty ]; then echo has-tty; fi",
    );
    let out = stdout(&run);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "redgreen-sandbox", "{out}");
    // Init is PID 1; the shell is a low number, and the namespace holds a handful of
    // processes, not the host's.
    let pid: u32 = lines[1].trim_start_matches("pid=").parse().unwrap();
    assert!(pid > 1 && pid < 10, "{out}");
    let count: u32 = lines[2].parse().unwrap();
    assert!(count < 10, "{count} processes visible: {out}");
    assert_eq!(lines[3], "tty=0", "{out}");
    assert!(!out.contains("has-tty"), "{out}");
}

#[test]
fn the_environment_is_exactly_what_was_set() {
    let workspace = tempfile::tempdir().unwrap();
    let request = RunRequest::new("env", workspace.path()).env("REDGREEN_TEST_VALUE", "visible");
    let run = sandbox().run(&request).unwrap();
    let names: BTreeSet<String> = stdout(&run)
        .lines()
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.to_owned()))
        .collect();
    let expected: BTreeSet<String> = [
        "HOME",
        "LANG",
        "PATH",
        "REDGREEN_TEST_VALUE",
        "TMPDIR",
        "USER",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(names, expected);
    assert!(stdout(&run).contains("REDGREEN_TEST_VALUE=visible\n"));
}

#[test]
fn nothing_of_the_supervisors_environment_is_visible_in_any_process() {
    // cargo sets these in this test process's environment: they stand for the server's
    // secrets.
    let parent_names: Vec<String> = std::env::vars()
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("CARGO"))
        .collect();
    assert!(
        !parent_names.is_empty(),
        "the test needs a CARGO* variable in its environment"
    );
    let run = run_sh(
        "for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do echo \"== $f\"; tr '\\0' '\\n' < $f; done 2>/dev/null; \
         if cat /proc/1/environ >/dev/null 2>&1; then echo init-environ-readable; else echo init-environ-denied; fi",
    );
    let out = stdout(&run);
    assert!(out.contains("== /proc/1/environ"), "{out}");
    assert!(out.contains("== /proc/1/cmdline"), "{out}");
    for name in &parent_names {
        assert!(
            !out.contains(name.as_str()),
            "{name} leaked into the sandbox: {out}"
        );
    }
    // PID 1 (the sandbox's init) is not dumpable: its environ cannot even be opened.
    assert!(out.ends_with("init-environ-denied\n"), "{out}");
}

#[test]
fn a_root_supervisor_can_map_the_sandbox_to_an_unprivileged_host_user() {
    if !nix::unistd::geteuid().is_root() {
        // Only a root supervisor may pick another host identity; as non-root the sandbox maps
        // to the supervisor's own (covered by every other test).
        return;
    }
    use std::os::unix::fs::MetadataExt;
    let nobody = redgreen_sandbox::HostIdentity {
        uid: 65534,
        gid: 65534,
    };
    let workspace = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(workspace.path(), Some(nobody.uid), Some(nobody.gid)).unwrap();
    let mut config = crate::support::config();
    config.host_identity = Some(nobody);
    let sandbox = redgreen_sandbox::Sandbox::new(config).unwrap();
    let run = sandbox
        .run(&crate::support::sh(
            "id -u; echo data > made-inside",
            &workspace,
        ))
        .unwrap();
    assert_eq!(stdout(&run), "1000\n", "{}", run.stderr.to_text());
    let made = std::fs::metadata(workspace.path().join("made-inside")).unwrap();
    assert_eq!((made.uid(), made.gid()), (nobody.uid, nobody.gid));
}
