//! Redaction of secrets from everything the gateway sends and every error it returns: the
//! exact secrets the operator configured (webhook secret, tokens, the API key itself) and
//! anything shaped like a well-known credential, wherever it came from (an issue, a file in
//! the repository, a test log).

use std::sync::LazyLock;

use regex::Regex;
use secrecy::{ExposeSecret, SecretString};

pub const REDACTED: &str = "[REDACTED]";

/// Well-known credential formats. Lengths are lower bounds, not exact, because providers
/// change them (GitHub's installation tokens, for one, do not promise a length).
static KEY_FORMATS: LazyLock<Result<Regex, regex::Error>> = LazyLock::new(|| {
    Regex::new(concat!(
        // PEM private keys (RSA, EC, PKCS#8, OpenSSH, encrypted), also cut off before END.
        r"(?s)-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|\z)",
        // GitHub: personal, OAuth, user-to-server, installation and refresh tokens.
        r"|\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{16,}",
        r"|\bgithub_pat_[A-Za-z0-9_]{20,}",
        // OpenAI (sk-, sk-proj-, sk-svcacct-) and Anthropic (sk-ant-).
        r"|\bsk-[A-Za-z0-9_-]{20,}",
        // AWS access key ids (long-term and temporary).
        r"|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
        // Slack bot, user, app, refresh and configuration tokens.
        r"|\bxox[abposre]-[A-Za-z0-9-]{10,}",
        // JWTs (GitHub App JWTs among them): base64url JSON header and payload, signature.
        r"|\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
    ))
});

/// Redacts the given exact secrets and every known key format from `text`.
pub fn redact(text: &str, secrets: &[SecretString]) -> String {
    Redactor::new(secrets).redact(text)
}

/// A redactor compiled once for a set of exact secrets.
#[derive(Clone)]
pub struct Redactor {
    /// The exact secrets as one alternation, longest first so that a secret containing
    /// another is replaced whole; `Ok(None)` when there are none. `Err` when the alternation
    /// is beyond the regex size limit: nothing can be checked then, so `redact` fails closed.
    exact: Result<Option<Regex>, regex::Error>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The compiled pattern spells out the secrets.
        f.debug_struct("Redactor").finish_non_exhaustive()
    }
}

impl Redactor {
    pub fn new(secrets: &[SecretString]) -> Redactor {
        let mut literals: Vec<&str> = secrets
            .iter()
            .flat_map(|secret| {
                let exposed = secret.expose_secret();
                // A PEM file or a token read from a file often ends in a newline that is not
                // there where the secret is quoted.
                [exposed, exposed.trim()]
            })
            .filter(|literal| !literal.is_empty())
            .collect();
        literals.sort_by_key(|literal| std::cmp::Reverse(literal.len()));
        literals.dedup();
        let exact = if literals.is_empty() {
            Ok(None)
        } else {
            let pattern = literals
                .iter()
                .map(|literal| regex::escape(literal))
                .collect::<Vec<_>>()
                .join("|");
            Regex::new(&pattern).map(Some)
        };
        Redactor { exact }
    }

    pub fn redact(&self, text: &str) -> String {
        let (Ok(exact), Ok(formats)) = (&self.exact, KEY_FORMATS.as_ref()) else {
            return REDACTED.to_string();
        };
        let text = match exact {
            Some(exact) => exact.replace_all(text, REDACTED),
            None => std::borrow::Cow::Borrowed(text),
        };
        formats.replace_all(&text, REDACTED).into_owned()
    }
}
