//! Property: any body signed with the right secret is answered 202 or 400 — never a server
//! error, never a panic — whatever the event header says.

use axum::http::StatusCode;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

use crate::support::{Delivery, Harness, comment, example};

const EVENTS: [&str; 11] = [
    "issue_comment",
    "pull_request_review_comment",
    "pull_request_review",
    "issues",
    "pull_request",
    "check_run",
    "installation",
    "installation_repositories",
    "ping",
    "push",
    "unknown_event",
];

/// JSON of any shape, small enough to keep the cases fast.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("action".to_owned()),
                    Just("installation".to_owned()),
                    Just("repository".to_owned()),
                    Just("sender".to_owned()),
                    Just("comment".to_owned()),
                    Just("issue".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..5,
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A real mention payload with one top-level field replaced by arbitrary JSON.
fn spoiled_mention() -> impl Strategy<Value = Vec<u8>> {
    let fields = prop_oneof![
        Just("action"),
        Just("installation"),
        Just("repository"),
        Just("sender"),
        Just("comment"),
        Just("issue"),
    ];
    (fields, json_value()).prop_map(|(field, value)| {
        let mut payload = comment("@redgreen fix the bug");
        payload[field] = value;
        serde_json::to_vec(&payload).unwrap()
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        json_value().prop_map(|value| serde_json::to_vec(&value).unwrap()),
        spoiled_mention(),
        Just(serde_json::to_vec(&example("ping/payload.json")).unwrap()),
    ]
}

#[test]
fn any_signed_body_is_answered_202_or_400() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let harness = runtime.block_on(Harness::new());
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });

    let result = runner.run(
        &(prop::sample::select(&EVENTS[..]), body()),
        |(event, body)| {
            let delivery = Delivery::signed(event, body);
            let reply = runtime.block_on(harness.deliver(&delivery));
            prop_assert!(
                reply.status == StatusCode::ACCEPTED || reply.status == StatusCode::BAD_REQUEST,
                "{event}: {} {}",
                reply.status,
                reply.text
            );
            prop_assert!(reply.json.get("reason").is_some() || reply.json.get("error").is_some());
            Ok(())
        },
    );

    if let Err(failure) = result {
        panic!("{failure}");
    }
}
