//! Redaction of exact secrets and of well-known key formats. The fake keys are assembled at
//! run time so that no key-shaped literal sits in the repository for scanners to flag.

use redgreen_llm::{REDACTED, Redactor, redact};
use secrecy::SecretString;

/// One fake of each format, with a name for the failure message.
pub fn fake_keys() -> Vec<(&'static str, String)> {
    let alnum = "a1B2c3D4e5".repeat(5);
    vec![
        ("GitHub classic PAT", format!("ghp_{}", &alnum[..36])),
        ("GitHub OAuth", format!("gho_{}", &alnum[..36])),
        ("GitHub user-to-server", format!("ghu_{}", &alnum[..36])),
        (
            "GitHub installation (odd length)",
            format!("ghs_{}", &alnum[..47]),
        ),
        ("GitHub refresh", format!("ghr_{}", &alnum[..36])),
        (
            "GitHub fine-grained PAT",
            format!("github_pat_{}_{}", &alnum[..22], &alnum[..40]),
        ),
        ("OpenAI", format!("sk-{}", &alnum[..48])),
        (
            "OpenAI project",
            format!("sk-proj-{}_{}", &alnum[..30], &alnum[..20]),
        ),
        (
            "Anthropic",
            format!("sk-ant-api03-{}-{}AA", &alnum[..40], &alnum[..30]),
        ),
        ("AWS access key id", format!("AKIA{}", "ABCDEFGH23456789")),
        (
            "Slack bot",
            format!("xoxb-{}-{}", "1234567890", &alnum[..24]),
        ),
        (
            "JWT",
            format!(
                "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiI0MjQyNDIiLCJleHAiOjF9.{}",
                &alnum[..43]
            ),
        ),
        (
            "PEM private key",
            format!(
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow{}\n{}==\n-----END RSA PRIVATE KEY-----",
                alnum, alnum
            ),
        ),
        (
            "PKCS#8 private key, cut off",
            format!("-----BEGIN PRIVATE KEY-----\nMIIEv{alnum}\n"),
        ),
    ]
}

#[test]
fn every_key_format_is_redacted_in_context() {
    for (format, key) in fake_keys() {
        let text = format!("config:\n  key = \"{key}\" # do not share\nnext line");
        let redacted = redact(&text, &[]);
        assert!(!redacted.contains(&key), "{format} survived: {redacted}");
        assert!(redacted.contains(REDACTED), "{format}: {redacted}");
        assert!(
            redacted.starts_with("config:\n  key = \""),
            "{format}: {redacted}"
        );
        if !format.contains("cut off") {
            assert!(
                redacted.ends_with("\" # do not share\nnext line"),
                "{format}: {redacted}"
            );
        }
    }
}

#[test]
fn exact_secrets_are_redacted_longest_first() {
    let secrets = [
        SecretString::from("hunter2-webhook"),
        SecretString::from("hunter2-webhook-secret-long"),
        // Read from a file: the trailing newline is not part of where it is quoted.
        SecretString::from("plain-token-value\n"),
        SecretString::from(""),
    ];
    let text = "a hunter2-webhook-secret-long b hunter2-webhook c plain-token-value d";
    assert_eq!(
        redact(text, &secrets),
        "a [REDACTED] b [REDACTED] c [REDACTED] d"
    );
}

#[test]
fn ordinary_text_is_left_alone() {
    let text = "fn task_id() -> u64 { 42 } // disk-usage, sk-short, AKIA-not, eyJ alone, \
                ghp_short; ```rust\nlet x = 1;\n```";
    assert_eq!(redact(text, &[]), text);
}

#[test]
fn a_redactor_does_not_show_its_secrets() {
    let redactor = Redactor::new(&[SecretString::from("super-secret-value")]);
    assert!(!format!("{redactor:?}").contains("super-secret-value"));
    assert_eq!(redactor.redact("x super-secret-value y"), "x [REDACTED] y");
}
