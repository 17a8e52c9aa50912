//! Test runs on a base commit, kept so that follow-ups, retries and later runs on the same
//! base read them instead of running the tests again. A run is keyed by the repository, the
//! base commit and a hash of the setup commands and the exact test command (which names the
//! selected files); it holds every test id's outcome.
//!
//! Only complete runs are kept: one that timed out or was killed says nothing reusable. A
//! cache that cannot be read or written is a miss, never an error: the tests run instead.

use std::path::{Path, PathBuf};

use redgreen_core::work::TestSummary;
use sha2::{Digest, Sha256};
use tracing::{info, warn};

/// What a cached run depends on.
pub(crate) struct BaselineKey<'a> {
    pub repository: &'a str,
    pub base_commit: &'a str,
    pub setup: &'a [String],
    pub command: &'a str,
}

/// The runs kept under one directory (`<data dir>/baselines`).
pub(crate) struct BaselineCache<'a> {
    dir: &'a Path,
}

impl<'a> BaselineCache<'a> {
    pub(crate) fn new(dir: &'a Path) -> BaselineCache<'a> {
        BaselineCache { dir }
    }

    /// The kept run for `key`, if there is one.
    pub(crate) fn get(&self, key: &BaselineKey<'_>) -> Option<TestSummary> {
        let path = self.path(key);
        let text = std::fs::read(&path).ok()?;
        match serde_json::from_slice(&text) {
            Ok(summary) => {
                info!(command = key.command, "baseline read from the cache");
                Some(summary)
            }
            Err(error) => {
                warn!(path = %path.display(), %error, "unreadable cached baseline: ignored");
                None
            }
        }
    }

    /// Keeps `summary` for `key` when it is a complete run. Written to a temporary file and
    /// renamed, so that a reader never sees half a run.
    pub(crate) fn put(&self, key: &BaselineKey<'_>, summary: &TestSummary) {
        if summary.timed_out || summary.exit_code.is_none() {
            return;
        }
        let path = self.path(key);
        let written = (|| -> std::io::Result<()> {
            let parent = path.parent().unwrap_or(self.dir);
            std::fs::create_dir_all(parent)?;
            let temporary = path.with_extension("json.part");
            std::fs::write(&temporary, serde_json::to_vec(summary)?)?;
            std::fs::rename(&temporary, &path)
        })();
        if let Err(error) = written {
            warn!(path = %path.display(), %error, "the baseline could not be cached");
        }
    }

    fn path(&self, key: &BaselineKey<'_>) -> PathBuf {
        let digest = |parts: &[&str]| {
            let mut hasher = Sha256::new();
            for part in parts {
                hasher.update(part.as_bytes());
                hasher.update([0]);
            }
            hex::encode(hasher.finalize())
        };
        let mut inputs: Vec<&str> = key.setup.iter().map(String::as_str).collect();
        inputs.push("\u{1}test");
        inputs.push(key.command);
        // Every component is a hex digest: nothing from the repository or the command becomes
        // a path of its own.
        self.dir
            .join(&digest(&[key.repository])[..32])
            .join(&digest(&[key.base_commit])[..32])
            .join(format!("{}.json", digest(&inputs)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test that cannot make its temporary directory cannot run
mod tests {
    use super::*;

    fn key<'a>(base: &'a str, setup: &'a [String], command: &'a str) -> BaselineKey<'a> {
        BaselineKey {
            repository: "octo/calculator",
            base_commit: base,
            setup,
            command,
        }
    }

    fn run(exit_code: Option<i32>, timed_out: bool) -> TestSummary {
        TestSummary {
            command: "pytest".into(),
            exit_code,
            timed_out,
            passed: 3,
            ..TestSummary::default()
        }
    }

    #[test]
    fn a_kept_run_is_found_by_the_same_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let cache = BaselineCache::new(dir.path());
        let setup = vec!["pip install -e .".to_owned()];
        cache.put(
            &key("abc", &setup, "pytest tests/a.py"),
            &run(Some(0), false),
        );
        assert_eq!(
            cache.get(&key("abc", &setup, "pytest tests/a.py")),
            Some(run(Some(0), false))
        );
        for other in [
            key("abd", &setup, "pytest tests/a.py"),
            key("abc", &[], "pytest tests/a.py"),
            key("abc", &setup, "pytest tests/b.py"),
        ] {
            assert_eq!(cache.get(&other), None);
        }
    }

    #[test]
    fn incomplete_runs_are_not_kept_and_damage_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = BaselineCache::new(dir.path());
        cache.put(&key("abc", &[], "a"), &run(None, false));
        cache.put(&key("abc", &[], "b"), &run(Some(1), true));
        assert_eq!(cache.get(&key("abc", &[], "a")), None);
        assert_eq!(cache.get(&key("abc", &[], "b")), None);
        cache.put(&key("abc", &[], "c"), &run(Some(1), false));
        let path = cache.path(&key("abc", &[], "c"));
        std::fs::write(&path, b"{not json").unwrap();
        assert_eq!(cache.get(&key("abc", &[], "c")), None);
    }
}
