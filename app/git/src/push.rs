//! The one way redgreen pushes: never forced, and guarded by a second, independent check of
//! every ref update just before the pack is built, so that nothing outside
//! `refs/heads/redgreen/` (or other than the one intended branch) can leave the process,
//! whatever refspec was asked for.

use std::cell::RefCell;

use git2::{PushOptions, PushUpdate, RemoteCallbacks, RemoteRedirect, Repository};
use redgreen_core::refs::WritableRef;
use secrecy::SecretString;

use crate::auth::TokenCredentials;
use crate::{CloneUrl, GitError};

/// Pushes `refspecs` from `repo` to `url`, with the token given only through the credential
/// callback, allowing exactly one remote update: `target`, created or fast-forwarded.
///
/// [`crate::Workspace::push`] is the normal entry point and builds the right refspec itself.
/// This lower-level function exists so that the guard can be exercised (and relied upon)
/// with any refspec: libgit2 hands the negotiated updates to the guard before it packs
/// objects, and any update that is not a non-deleting fast-forward of `target` aborts the
/// push before its request is sent. Refspecs with a leading `+` (force) are refused outright.
///
/// The remote is anonymous (not read from `.git/config`, which code running in the sandbox
/// could have edited), and a URL rewritten by configuration (`insteadOf`) is refused.
pub fn push_refspecs(
    repo: &Repository,
    url: &CloneUrl,
    target: &WritableRef,
    refspecs: &[&str],
    token: &SecretString,
) -> Result<(), GitError> {
    if let Some(forced) = refspecs.iter().find(|spec| spec.starts_with('+')) {
        return Err(GitError::ForceRefused {
            refspec: (*forced).to_owned(),
        });
    }
    let mut remote = repo
        .remote_anonymous(url.as_str())
        .map_err(|error| GitError::from_git2("push", &error, Some(token)))?;
    if remote.url() != Ok(url.as_str()) || remote.pushurl().ok().flatten().is_some() {
        return Err(GitError::InvalidUrl {
            reason: "the repository configuration rewrites the push URL",
        });
    }

    let credentials = TokenCredentials::new(url, token);
    let refusal: RefCell<Option<GitError>> = RefCell::new(None);
    let rejections: RefCell<Vec<(String, String)>> = RefCell::new(Vec::new());
    let mut callbacks = RemoteCallbacks::new();
    credentials.install(&mut callbacks);
    callbacks.push_negotiation(|updates| {
        for update in updates {
            if let Err(refused) = check_update(repo, target, update) {
                tracing::warn!(target_ref = %target, error = %refused, "push guard refused a ref update");
                *refusal.borrow_mut() = Some(refused);
                return Err(git2::Error::from_str("push guard refused a ref update"));
            }
        }
        Ok(())
    });
    callbacks.push_update_reference(|reference, status| {
        if let Some(reason) = status {
            rejections
                .borrow_mut()
                .push((reference.to_owned(), reason.to_owned()));
        }
        Ok(())
    });
    let mut options = PushOptions::new();
    options.remote_callbacks(callbacks);
    options.follow_redirects(RemoteRedirect::None);

    let pushed = remote.push(refspecs, Some(&mut options));
    drop(options);
    if let Some(refused) = refusal.into_inner() {
        return Err(refused);
    }
    pushed.map_err(|error| {
        if error.code() == git2::ErrorCode::NotFastForward {
            GitError::NonFastForward {
                reference: target.to_string(),
            }
        } else {
            credentials.classify("push", &error)
        }
    })?;
    if let Some((reference, reason)) = rejections.into_inner().into_iter().next() {
        return Err(GitError::PushRejected { reference, reason });
    }
    tracing::info!(target_ref = %target, "pushed");
    Ok(())
}

/// The guard: one update is allowed only if it writes `target` (which is under the
/// namespace), does not delete it, and fast-forwards it.
fn check_update(
    repo: &Repository,
    target: &WritableRef,
    update: &PushUpdate<'_>,
) -> Result<(), GitError> {
    let name = String::from_utf8_lossy(update.dst_refname_bytes()).into_owned();
    // Re-checked from the raw name rather than trusting `target`: this is the independent
    // second check.
    let written = WritableRef::parse(&name)?;
    if &written != target {
        return Err(GitError::UnexpectedRef {
            expected: target.to_string(),
            found: name,
        });
    }
    let (old, new) = (update.src(), update.dst());
    if new.is_zero() {
        return Err(GitError::DeleteRefused { reference: name });
    }
    let fast_forward =
        old.is_zero() || old == new || repo.graph_descendant_of(new, old).unwrap_or(false);
    if !fast_forward {
        return Err(GitError::NonFastForward { reference: name });
    }
    Ok(())
}
