//! Entry point of the `redgreen` binary.

use std::process::ExitCode;

use clap::Parser as _;
use redgreen::cli::Cli;

fn main() -> ExitCode {
    // The sandbox re-executes this binary as its helper; that must happen before any other
    // thread exists (a user namespace refuses a multi-threaded caller), so before anything.
    redgreen_sandbox::enter_helper_if_requested();
    redgreen::commands::main(Cli::parse())
}
