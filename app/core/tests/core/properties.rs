//! Property tests: the parser, the signature check and the mention finder on arbitrary input.

use std::sync::LazyLock;

use proptest::prelude::*;
use redgreen_core::Command;
use redgreen_core::mention::find_mention;
use redgreen_core::webhook::envelope::parse;
use redgreen_core::webhook::{SignatureError, sign, verify_signature};
use serde_json::{Map, Value};

use crate::examples::{self, BOT, HANDLED_EVENTS};

fn event() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(HANDLED_EVENTS.to_vec()).prop_map(str::to_owned),
        "[a-z_]{0,20}",
    ]
}

/// Keys and strings redgreen looks at, so that generated payloads reach deep into routing.
const KEYS: [&str; 24] = [
    "action",
    "installation",
    "id",
    "repository",
    "full_name",
    "clone_url",
    "default_branch",
    "sender",
    "login",
    "type",
    "comment",
    "body",
    "issue",
    "number",
    "pull_request",
    "head",
    "ref",
    "sha",
    "repo",
    "review",
    "check_run",
    "requested_action",
    "identifier",
    "repositories_added",
];
const STRINGS: [&str; 16] = [
    "created",
    "opened",
    "assigned",
    "labeled",
    "submitted",
    "requested_action",
    "added",
    "User",
    "Bot",
    "redgreen[bot]",
    "redgreen",
    "@redgreen fix it",
    "@redgreen status",
    "redgreen/1-x",
    "fix",
    "",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        proptest::sample::select(STRINGS.to_vec()).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((proptest::sample::select(KEYS.to_vec()), inner), 0..8).prop_map(
                |entries| {
                    Value::Object(
                        entries
                            .into_iter()
                            .map(|(key, value)| (key.to_owned(), value))
                            .collect::<Map<_, _>>(),
                    )
                }
            ),
        ]
    })
}

/// Text built from the pieces the mention finder treats specially.
fn markdownish() -> impl Strategy<Value = String> {
    let pieces = proptest::sample::select(vec![
        "@redgreen",
        "@RedGreen[bot]",
        "@",
        " ",
        "\n",
        "\n\n",
        "`",
        "``",
        "```",
        "~~~",
        "> ",
        "<!--",
        "-->",
        "fix",
        "status",
        "plan",
        "é",
        "ü@",
        "-",
        "/",
        "\\",
        "(",
        "\t",
        "\r\n",
    ]);
    prop::collection::vec(prop_oneof![pieces.prop_map(str::to_owned), ".{0,4}"], 0..40)
        .prop_map(|pieces| pieces.concat())
}

static EXAMPLES: LazyLock<Vec<(&str, Vec<u8>)>> = LazyLock::new(|| {
    HANDLED_EVENTS
        .into_iter()
        .flat_map(|event| {
            examples::all(event)
                .into_iter()
                .map(move |(_, bytes)| (event, bytes))
        })
        .collect()
});

proptest! {
    #[test]
    fn parse_never_panics_on_bytes(event in event(), body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(&event, &body, BOT);
    }

    #[test]
    fn parse_never_panics_on_jsonish_text(event in event(), body in r#"[{}\[\]":,0-9a-z@ .\-]{0,200}"#) {
        let _ = parse(&event, body.as_bytes(), BOT);
    }

    #[test]
    fn parse_never_panics_on_structured_json(event in event(), payload in json_value()) {
        let body = serde_json::to_vec(&payload).unwrap();
        let result = parse(&event, &body, BOT);
        // Objects are only refused for a field they lack, never as malformed.
        if payload.is_object() {
            prop_assert!(!matches!(result, Err(redgreen_core::webhook::ParseError::MalformedJson(_))));
        }
    }

    #[test]
    fn parse_never_panics_on_mutated_real_examples(
        index in any::<prop::sample::Index>(),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let (event, mut body) = EXAMPLES[index.index(EXAMPLES.len())].clone();
        for (at, byte) in mutations {
            let at = at.index(body.len());
            body[at] = byte;
        }
        let _ = parse(event, &body, BOT);
    }

    #[test]
    fn signatures_verify_and_any_flipped_bit_is_refused(
        secret in prop::collection::vec(any::<u8>(), 0..100),
        body in prop::collection::vec(any::<u8>(), 0..256),
        bit in any::<prop::sample::Index>(),
    ) {
        let header = sign(&secret, &body);
        prop_assert_eq!(verify_signature(&secret, &body, Some(&header)), Ok(()));

        if !body.is_empty() {
            let bit = bit.index(body.len() * 8);
            let mut flipped = body.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            prop_assert_eq!(
                verify_signature(&secret, &flipped, Some(&header)),
                Err(SignatureError::Mismatch)
            );
        }

        let mut mac = hex::decode(&header["sha256=".len()..]).unwrap();
        let bit = bit.index(mac.len() * 8);
        mac[bit / 8] ^= 1 << (bit % 8);
        let forged = format!("sha256={}", hex::encode(mac));
        prop_assert_eq!(
            verify_signature(&secret, &body, Some(&forged)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn find_mention_never_panics(text in any::<String>(), other in markdownish()) {
        let _ = find_mention(&text, "redgreen");
        if let Some(mention) = find_mention(&other, "redgreen") {
            prop_assert_eq!(mention.instructions.trim(), mention.instructions.as_str());
        }
    }

    #[test]
    fn a_leading_command_is_always_found(
        command in proptest::sample::select(Command::ALL.to_vec()),
        instructions in "[a-zA-Z0-9 ,.]{0,40}",
    ) {
        let text = format!("@redgreen {} {instructions}", command.as_str());
        let mention = find_mention(&text, "redgreen").unwrap();
        prop_assert_eq!(mention.command, command);
        prop_assert_eq!(mention.instructions, instructions.trim());
    }

    #[test]
    fn a_mention_inside_a_fence_is_never_found(body in "[^`~]{0,60}") {
        let text = format!("```\n{body} @redgreen fix\n```");
        prop_assert_eq!(find_mention(&text, "redgreen"), None);
    }
}
