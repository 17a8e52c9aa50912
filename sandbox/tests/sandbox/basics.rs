//! A command runs, its output and exit status come back, and the protections are reported.

use crate::support::{run_sh, stdout};

#[test]
fn runs_a_command_and_reports_its_exit_code_and_output() {
    let run = run_sh("echo hello; echo oops >&2; exit 3");
    assert_eq!(stdout(&run), "hello\n", "stderr: {}", run.stderr.to_text());
    assert_eq!(run.stderr.to_text(), "oops\n");
    assert_eq!(run.outcome.exit_code, Some(3));
    assert_eq!(run.outcome.signal, None);
    assert!(!run.outcome.timed_out);
    println!("{:?}", run.outcome);
}
