//! The credential callback: the installation token goes to libgit2 only here, only as
//! `x-access-token` Basic auth, and only for the clone URL's own origin.

use std::cell::Cell;

use git2::{Cred, CredentialType, ErrorClass, ErrorCode, RemoteCallbacks};
use secrecy::{ExposeSecret, SecretString};

use crate::{CloneUrl, GitError};

/// GitHub's user name for installation tokens over git's HTTP transport.
const TOKEN_USER: &str = "x-access-token";

/// Why the callback withheld the token, remembered so the libgit2 error it caused can be
/// reported as what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Withheld {
    /// The server asked again after getting the token once: it refused it.
    Refused,
    /// libgit2 asked on behalf of another origin (a redirect or an `insteadOf` rewrite).
    ForeignOrigin,
    /// The server wants a kind of credential other than user and password.
    UnsupportedType,
}

/// One operation's token credentials. Not shared between operations: the "asked once"
/// count is what turns a refused token into an error instead of libgit2 replaying it.
pub(crate) struct TokenCredentials<'a> {
    url: &'a CloneUrl,
    token: &'a SecretString,
    asked: Cell<u32>,
    withheld: Cell<Option<Withheld>>,
}

impl<'a> TokenCredentials<'a> {
    pub(crate) fn new(url: &'a CloneUrl, token: &'a SecretString) -> TokenCredentials<'a> {
        TokenCredentials {
            url,
            token,
            asked: Cell::new(0),
            withheld: Cell::new(None),
        }
    }

    /// Installs the credential callback on `callbacks`.
    pub(crate) fn install(&'a self, callbacks: &mut RemoteCallbacks<'a>) {
        callbacks.credentials(move |requested_url, _user, allowed| {
            let withhold = |reason: Withheld, message: &str| {
                self.withheld.set(Some(reason));
                Err(git2::Error::new(ErrorCode::Auth, ErrorClass::Http, message))
            };
            if !self.url.same_origin(requested_url) {
                return withhold(
                    Withheld::ForeignOrigin,
                    "credentials requested for another origin; the token is not sent there",
                );
            }
            if !allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
                return withhold(
                    Withheld::UnsupportedType,
                    "the remote asks for credentials other than a user name and token",
                );
            }
            if self.asked.get() > 0 {
                return withhold(Withheld::Refused, "the remote refused the token");
            }
            self.asked.set(self.asked.get() + 1);
            Cred::userpass_plaintext(TOKEN_USER, self.token.expose_secret())
        });
    }

    /// Turns a libgit2 error from the operation into a [`GitError`], using what the callback
    /// saw, and with the token scrubbed from any message.
    pub(crate) fn classify(&self, operation: &'static str, error: &git2::Error) -> GitError {
        match self.withheld.get() {
            Some(Withheld::Refused) => GitError::Unauthorized { operation },
            Some(Withheld::ForeignOrigin) => GitError::InvalidUrl {
                reason: "the remote redirected, or the configuration rewrote the URL, to another origin",
            },
            Some(Withheld::UnsupportedType) => GitError::Unauthorized { operation },
            None => GitError::from_git2(operation, error, Some(self.token)),
        }
    }
}
