//! `X-Hub-Signature-256` checking: known vectors and every way a header can be wrong.

use redgreen_core::webhook::{SignatureError, sign, verify_signature};

const SECRET: &[u8] = b"It's a Secret to Everybody";
const BODY: &[u8] = b"Hello, World!";
/// From GitHub's "Validating webhook deliveries" documentation.
const GITHUB_EXAMPLE: &str =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

#[test]
fn signs_like_github() {
    assert_eq!(sign(SECRET, BODY), GITHUB_EXAMPLE);
}

#[test]
fn matches_rfc_4231_vectors_for_short_and_longer_than_block_keys() {
    // Test case 2: a key shorter than the block.
    assert_eq!(
        sign(b"Jefe", b"what do ya want for nothing?"),
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    // Test case 6: a 131-byte key, which HMAC hashes first.
    assert_eq!(
        sign(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        ),
        "sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
    // A key of exactly one block is used as is, not hashed.
    assert_ne!(sign(&[7; 64], BODY), sign(&[7; 65], BODY));
}

#[test]
fn accepts_a_valid_signature() {
    assert_eq!(verify_signature(SECRET, BODY, Some(GITHUB_EXAMPLE)), Ok(()));
}

#[test]
fn accepts_uppercase_hex() {
    let upper = format!(
        "sha256={}",
        GITHUB_EXAMPLE["sha256=".len()..].to_uppercase()
    );
    assert_eq!(verify_signature(SECRET, BODY, Some(&upper)), Ok(()));
}

#[test]
fn refuses_the_wrong_secret() {
    assert_eq!(
        verify_signature(b"another secret", BODY, Some(GITHUB_EXAMPLE)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn refuses_a_changed_body() {
    assert_eq!(
        verify_signature(SECRET, b"Hello, World?", Some(GITHUB_EXAMPLE)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn signs_and_checks_an_empty_body() {
    let header = sign(SECRET, b"");
    assert_eq!(header.len(), "sha256=".len() + 64);
    assert_ne!(header, sign(SECRET, b" "));
    assert_eq!(verify_signature(SECRET, b"", Some(&header)), Ok(()));
    assert_eq!(
        verify_signature(SECRET, b"", Some(GITHUB_EXAMPLE)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn refuses_a_missing_header() {
    assert_eq!(
        verify_signature(SECRET, BODY, None),
        Err(SignatureError::Missing)
    );
}

#[test]
fn refuses_malformed_headers() {
    let digits = &GITHUB_EXAMPLE["sha256=".len()..];
    let sha1 = format!("sha1={digits}");
    let short = format!("sha256={}", &digits[..63]);
    let long = format!("sha256={digits}0");
    let truncated_pair = format!("sha256={}", &digits[..62]);
    let doubled = format!("sha256={digits}{digits}");
    let non_hex = format!("sha256={}g", &digits[..63]);
    let spaced = format!(" {GITHUB_EXAMPLE}");
    let trailing = format!("{GITHUB_EXAMPLE} ");
    let upper_prefix = format!("SHA256={digits}");
    let multibyte = format!("sha256={}é", &digits[..62]);
    for header in [
        "",
        "sha256=",
        "sha256",
        digits,
        &sha1,
        &short,
        &long,
        &truncated_pair,
        &doubled,
        &non_hex,
        &spaced,
        &trailing,
        &upper_prefix,
        &multibyte,
        "garbage",
        "sha256=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    ] {
        assert_eq!(
            verify_signature(SECRET, BODY, Some(header)),
            Err(SignatureError::Malformed),
            "{header:?}"
        );
    }
}
