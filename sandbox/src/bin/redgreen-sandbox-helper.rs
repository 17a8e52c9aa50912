//! A stand-alone re-exec target for the sandbox helper stages (used by the crate's tests; the
//! `redgreen` binary plays this part in production).

fn main() {
    redgreen_sandbox::enter_helper_if_requested();
    eprintln!("redgreen-sandbox-helper is started by the sandbox supervisor, not by hand");
    std::process::exit(2);
}
