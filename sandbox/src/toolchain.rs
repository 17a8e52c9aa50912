//! Finding the language toolchains installed outside the system directories (rustup, Go,
//! pyenv) so the operator's defaults expose them read-only, with what their tools need.

use std::path::{Path, PathBuf};

use crate::{RunRequest, SandboxConfig};

/// The sandbox's `PATH` after the toolchains' own directories.
pub(crate) const SYSTEM_PATH: &str = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

/// A toolchain found on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    pub name: &'static str,
    /// Host paths exposed read-only at the same path.
    pub readonly_paths: Vec<PathBuf>,
    /// Directories put in front of the sandbox's `PATH`.
    pub path_dirs: Vec<PathBuf>,
    /// Variables the toolchain's tools need to find themselves.
    pub env: Vec<(String, String)>,
}

/// Looks for rustup (under `home` and `/usr/local`), Go (`/usr/local/go`) and pyenv (under
/// `home`). `home` is the supervisor's home directory, passed in by the caller (a library
/// reads no environment). Only the toolchain directories are exposed, never `home` itself.
pub fn detect_toolchains(home: Option<&Path>) -> Vec<Toolchain> {
    let mut found = Vec::new();
    let rustup_candidates = home
        .map(|home| (home.join(".rustup"), home.join(".cargo")))
        .into_iter()
        .chain([(
            PathBuf::from("/usr/local/rustup"),
            PathBuf::from("/usr/local/cargo"),
        )]);
    for (rustup_home, cargo_home) in rustup_candidates {
        let cargo_bin = cargo_home.join("bin");
        if rustup_home.join("toolchains").is_dir() && cargo_bin.join("rustup").exists() {
            found.push(Toolchain {
                name: "rust",
                readonly_paths: vec![rustup_home.clone(), cargo_bin.clone()],
                path_dirs: vec![cargo_bin],
                // CARGO_HOME stays at its default under the sandbox's writable HOME (/tmp):
                // cargo writes its registry cache there.
                env: vec![(
                    "RUSTUP_HOME".into(),
                    rustup_home.to_string_lossy().into_owned(),
                )],
            });
            break;
        }
    }
    let go_root = PathBuf::from("/usr/local/go");
    if go_root.join("bin/go").exists() {
        found.push(Toolchain {
            name: "go",
            path_dirs: vec![go_root.join("bin")],
            readonly_paths: vec![go_root],
            env: Vec::new(),
        });
    }
    if let Some(pyenv_root) = home.map(|home| home.join(".pyenv"))
        && pyenv_root.join("shims").is_dir()
    {
        found.push(Toolchain {
            name: "python",
            path_dirs: vec![pyenv_root.join("shims"), pyenv_root.join("bin")],
            env: vec![(
                "PYENV_ROOT".into(),
                pyenv_root.to_string_lossy().into_owned(),
            )],
            readonly_paths: vec![pyenv_root],
        });
    }
    found
}

impl SandboxConfig {
    /// Exposes the toolchains' directories read-only.
    pub fn expose_toolchains(&mut self, toolchains: &[Toolchain]) {
        for toolchain in toolchains {
            for path in &toolchain.readonly_paths {
                if !self.readonly_paths.contains(path) {
                    self.readonly_paths.push(path.clone());
                }
            }
        }
    }
}

impl RunRequest {
    /// Sets `PATH` (toolchain directories first) and the toolchains' variables.
    pub fn with_toolchains(mut self, toolchains: &[Toolchain]) -> Self {
        let mut path: Vec<String> = toolchains
            .iter()
            .flat_map(|t| &t.path_dirs)
            .map(|dir| dir.to_string_lossy().into_owned())
            .collect();
        path.push(SYSTEM_PATH.to_owned());
        self = self.env("PATH", path.join(":"));
        for (key, value) in toolchains.iter().flat_map(|t| &t.env) {
            self = self.env(key.clone(), value.clone());
        }
        self
    }
}
