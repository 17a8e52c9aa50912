//! Toolchains outside the system directories are found and usable, read-only, inside.

use std::path::PathBuf;

use redgreen_sandbox::{Sandbox, detect_toolchains};

use crate::support::{config, sh, stdout};

#[test]
fn a_detected_rustup_toolchain_runs_inside_and_stays_read_only() {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let toolchains = detect_toolchains(home.as_deref());
    let Some(rust) = toolchains.iter().find(|t| t.name == "rust") else {
        // This host's Rust is not from rustup (e.g. Debian's rustc in /usr): nothing to expose.
        assert!(home.is_none_or(|home| !home.join(".rustup/toolchains").is_dir()));
        return;
    };
    let rustup_home = rust.readonly_paths[0].display().to_string();
    let mut config = config();
    config.expose_toolchains(&toolchains);
    let workspace = tempfile::tempdir().unwrap();
    let request = sh(
        &format!(
            "rustc --version; cargo --version; \
             if touch {rustup_home}/pwned 2>/dev/null; then echo WROTE; fi; \
             ls -A {rustup_home}/.."
        ),
        &workspace,
    )
    .with_toolchains(&toolchains);
    let run = Sandbox::new(config).unwrap().run(&request).unwrap();
    let out = stdout(&run);
    assert_eq!(
        run.outcome.exit_code,
        Some(0),
        "{out}{}",
        run.stderr.to_text()
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("rustc "), "{out}");
    assert!(lines[1].starts_with("cargo "), "{out}");
    assert!(!out.contains("WROTE"), "{out}");
    // The home directory shows only the exposed toolchain entries, not the rest of it.
    for entry in &lines[2..] {
        assert!(
            [".rustup", ".cargo", ".pyenv"].contains(entry),
            "{entry} visible: {out}"
        );
    }
}
