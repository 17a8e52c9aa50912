//! `X-Hub-Signature-256`: HMAC-SHA256 of the raw body, compared in constant time.

use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "sha256=";

/// Why a signature was refused. Every variant maps to HTTP 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing X-Hub-Signature-256 header")]
    Missing,
    #[error("signature header must be sha256=<64 hex digits>")]
    Malformed,
    #[error("signature does not match the body")]
    Mismatch,
}

impl SignatureError {
    /// The same bytes and header give the same answer every time: retrying cannot help.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// `sha256=<hex>` for `body` under `secret`, exactly as GitHub computes it.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = keyed(secret);
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks `header` (the `X-Hub-Signature-256` value) against `body`.
pub fn verify_signature(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let mut check = SignatureCheck::start(secret, header)?;
    check.update(body);
    check.verify()
}

/// A signature check under way while the body streams in: the claimed digest is parsed
/// before any body byte is read (a missing or malformed header is refused at once), and every
/// chunk is fed to the HMAC as it arrives, so the body needs no second pass.
pub struct SignatureCheck {
    mac: HmacSha256,
    claimed: [u8; 32],
}

impl SignatureCheck {
    /// Parses `header` (`sha256=<64 hex digits>`) and keys the HMAC with `secret`.
    pub fn start(secret: &[u8], header: Option<&str>) -> Result<SignatureCheck, SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?;
        let digits = header
            .strip_prefix(PREFIX)
            .ok_or(SignatureError::Malformed)?;
        let mut claimed = [0u8; 32];
        // `decode_to_slice` insists on exactly 64 hex digits (either case) for 32 bytes.
        hex::decode_to_slice(digits, &mut claimed).map_err(|_| SignatureError::Malformed)?;
        Ok(SignatureCheck {
            mac: keyed(secret),
            claimed,
        })
    }

    /// Feeds the next chunk of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        self.mac.update(chunk);
    }

    /// Whether the body fed so far is the one that was signed. `verify_slice` compares in
    /// constant time, so timing reveals nothing about the secret.
    pub fn verify(self) -> Result<(), SignatureError> {
        self.mac
            .verify_slice(&self.claimed)
            .map_err(|_| SignatureError::Mismatch)
    }
}

/// An HMAC-SHA256 keyed with `secret`.
///
/// The key is prepared here as RFC 2104 prescribes (hashed when longer than a block, then
/// zero-padded to a block) so that the infallible `KeyInit::new` can be used: the
/// slice-taking constructor returns a `Result` whose error cannot happen for HMAC, and this
/// crate does not unwrap.
fn keyed(secret: &[u8]) -> HmacSha256 {
    let mut key = Key::<HmacSha256>::default();
    if secret.len() > key.len() {
        let digest = Sha256::digest(secret);
        key[..digest.len()].copy_from_slice(&digest);
    } else {
        key[..secret.len()].copy_from_slice(secret);
    }
    <HmacSha256 as KeyInit>::new(&key)
}
