//! Lockfiles: which file names are read, and the parser each one gets. Every parser returns
//! the packages the file pins, with the file's repository-relative path as their source.

mod cargo;
mod go_sum;
mod npm;
mod poetry;
mod requirements;
mod yarn;

use crate::component::Component;
use crate::error::SbomError;

/// The lockfile kinds, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockfileKind {
    CargoLock,
    PackageLock,
    YarnLock,
    PoetryLock,
    Requirements,
    GoSum,
}

impl LockfileKind {
    /// The kind a file name (the last path segment) stands for; `requirements*.txt` counts
    /// as a requirements file.
    pub fn of(path: &str) -> Option<LockfileKind> {
        let name = path.rsplit('/').next().unwrap_or(path);
        match name {
            "Cargo.lock" => Some(LockfileKind::CargoLock),
            "package-lock.json" | "npm-shrinkwrap.json" => Some(LockfileKind::PackageLock),
            "yarn.lock" => Some(LockfileKind::YarnLock),
            "poetry.lock" => Some(LockfileKind::PoetryLock),
            "go.sum" => Some(LockfileKind::GoSum),
            _ if name.starts_with("requirements") && name.ends_with(".txt") => {
                Some(LockfileKind::Requirements)
            }
            _ => None,
        }
    }
}

/// Parses one lockfile; `path` is repository-relative and names the format.
pub fn parse_lockfile(path: &str, text: &str) -> Result<Vec<Component>, SbomError> {
    let invalid = |message: String| SbomError::Lockfile {
        file: path.to_string(),
        message,
    };
    match LockfileKind::of(path) {
        Some(LockfileKind::CargoLock) => cargo::parse(path, text).map_err(invalid),
        Some(LockfileKind::PackageLock) => npm::parse(path, text).map_err(invalid),
        Some(LockfileKind::YarnLock) => yarn::parse(path, text).map_err(invalid),
        Some(LockfileKind::PoetryLock) => poetry::parse(path, text).map_err(invalid),
        Some(LockfileKind::Requirements) => Ok(requirements::parse(path, text)),
        Some(LockfileKind::GoSum) => Ok(go_sum::parse(path, text)),
        None => Err(invalid("not a lockfile this crate reads".to_string())),
    }
}
