//! The operator API: bearer authentication, runs, events, cancellation, deliveries, and the
//! OpenAPI document's coverage of the router.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use redgreen_server::ServerConfig;
use redgreen_server::api::{ENDPOINTS, OPENAPI_JSON};
use serde_json::Value;

use crate::support::{Delivery, Harness, TOKEN, comment, config};

fn get(path: &str, authorization: Option<&str>) -> Request<Body> {
    let mut request = Request::builder().uri(path);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.body(Body::empty()).unwrap()
}

/// Accepts a `@redgreen <command>` comment and returns the id of the run it created.
async fn start_run(harness: &Harness, command: &str) -> String {
    let reply = harness
        .deliver(&Delivery::json("issue_comment", &comment(command)))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    reply.json["run"].as_str().expect("a run").to_owned()
}

#[tokio::test]
async fn without_a_configured_token_the_api_is_disabled() {
    let harness = Harness::with(ServerConfig {
        api_token: None,
        ..config()
    })
    .await;
    for authorization in [
        None,
        Some(format!("Bearer {TOKEN}")),
        Some("Bearer ".to_owned()),
    ] {
        let reply = harness
            .send(get("/api/v1/runs", authorization.as_deref()))
            .await;

        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert!(
            reply.error().contains("REDGREEN_API_TOKEN"),
            "{}",
            reply.error()
        );
    }
}

#[tokio::test]
async fn an_empty_configured_token_opens_nothing() {
    let harness = Harness::with(ServerConfig {
        api_token: Some(String::new().into()),
        ..config()
    })
    .await;

    let reply = harness.send(get("/api/v1/runs", Some("Bearer "))).await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_refused_with_401() {
    let harness = Harness::new().await;
    let wrong_same_length = "x".repeat(TOKEN.len());
    let cases = [
        None,
        Some(String::new()),
        Some(TOKEN.to_owned()),
        Some(format!("Basic {TOKEN}")),
        Some("Bearer".to_owned()),
        Some("Bearer wrong".to_owned()),
        Some(format!("Bearer {wrong_same_length}")),
        Some(format!("Bearer {TOKEN}x")),
        Some(format!("Bearer {}", &TOKEN[..TOKEN.len() - 1])),
    ];
    for authorization in cases {
        for path in ["/api/v1/runs", "/api/v1/deliveries"] {
            let reply = harness.send(get(path, authorization.as_deref())).await;

            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{authorization:?} {path}"
            );
            assert_eq!(reply.headers["www-authenticate"], "Bearer");
            assert!(!reply.text.contains(TOKEN));
        }
    }
}

#[tokio::test]
async fn the_right_token_is_let_through_whatever_the_scheme_case() {
    let harness = Harness::new().await;
    for authorization in [format!("Bearer {TOKEN}"), format!("bearer {TOKEN}")] {
        let reply = harness
            .send(get("/api/v1/runs", Some(&authorization)))
            .await;

        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{authorization}: {}",
            reply.text
        );
        assert_eq!(reply.json, serde_json::json!({ "runs": [] }));
    }
}

#[tokio::test]
async fn runs_are_listed_newest_first_with_a_limit() {
    let harness = Harness::new().await;
    let first = start_run(&harness, "@redgreen plan").await;
    let second = start_run(&harness, "@redgreen fix the crash").await;

    let all = harness.api(Method::GET, "/api/v1/runs").await;
    let one = harness.api(Method::GET, "/api/v1/runs?limit=1").await;

    let ids: Vec<&str> = all.json["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    assert_eq!(one.json["runs"].as_array().unwrap().len(), 1);
    assert_eq!(one.json["runs"][0]["id"], second.as_str());
    let run = &all.json["runs"][0];
    for field in [
        "id",
        "state",
        "kind",
        "repository",
        "issue",
        "pull_request",
        "pr_url",
        "actor",
        "cancel_requested",
        "created_at",
        "updated_at",
    ] {
        assert!(run.get(field).is_some(), "run lacks {field}: {run}");
    }
    let created = run["created_at"].as_str().unwrap();
    assert!(
        created.len() >= 20 && created.ends_with('Z') && created.as_bytes()[10] == b'T',
        "not RFC 3339 UTC: {created}"
    );
}

#[tokio::test]
async fn a_limit_that_is_not_a_number_is_refused_with_400() {
    let harness = Harness::new().await;

    let reply = harness.api(Method::GET, "/api/v1/runs?limit=many").await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!reply.error().is_empty());
}

#[tokio::test]
async fn an_unknown_run_is_404_and_a_bad_id_is_400() {
    let harness = Harness::new().await;
    let unknown = uuid::Uuid::now_v7();
    for suffix in ["", "/events"] {
        let missing = harness
            .api(Method::GET, &format!("/api/v1/runs/{unknown}{suffix}"))
            .await;
        let bad = harness
            .api(Method::GET, &format!("/api/v1/runs/not-a-uuid{suffix}"))
            .await;

        assert_eq!(
            missing.status,
            StatusCode::NOT_FOUND,
            "{suffix}: {}",
            missing.text
        );
        assert!(missing.error().contains(&unknown.to_string()));
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{suffix}");
        assert!(bad.error().contains("UUID"));
    }
    let cancel = harness
        .api(Method::POST, &format!("/api/v1/runs/{unknown}/cancel"))
        .await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_new_run_has_its_creation_in_its_events() {
    let harness = Harness::new().await;
    let run = start_run(&harness, "@redgreen plan").await;

    let reply = harness
        .api(Method::GET, &format!("/api/v1/runs/{run}/events"))
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let events = reply.json["events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert_eq!(events[0]["seq"], 1);
    assert_eq!(events[0]["state"], "queued");
    assert!(events[0]["at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn cancelling_a_queued_run_cancels_it_and_its_task() {
    let harness = Harness::new().await;
    let run = start_run(&harness, "@redgreen fix it").await;
    assert_eq!(harness.state.store.queue_depth().await.unwrap().queued, 1);

    let reply = harness
        .api(Method::POST, &format!("/api/v1/runs/{run}/cancel"))
        .await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json["id"], run.as_str());
    assert_eq!(reply.json["state"], "cancelled");
    let fetched = harness
        .api(Method::GET, &format!("/api/v1/runs/{run}"))
        .await;
    assert_eq!(fetched.json["state"], "cancelled");
    assert_eq!(harness.state.store.queue_depth().await.unwrap().queued, 0);
}

#[tokio::test]
async fn deliveries_are_listed_with_the_contract_fields() {
    let harness = Harness::new().await;
    harness
        .deliver(&Delivery::json(
            "issue_comment",
            &comment("no mention here"),
        ))
        .await;

    let reply = harness.api(Method::GET, "/api/v1/deliveries").await;

    assert_eq!(reply.status, StatusCode::OK);
    let delivery = &reply.json["deliveries"][0];
    for field in ["id", "event", "action", "outcome", "reason", "received_at"] {
        assert!(
            delivery.get(field).is_some(),
            "delivery lacks {field}: {delivery}"
        );
    }
}

/// `(METHOD, path)` of every operation in the OpenAPI document.
fn documented() -> BTreeSet<(String, String)> {
    let document: Value = serde_json::from_str(OPENAPI_JSON).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|key| {
                    [
                        "get", "put", "post", "delete", "patch", "head", "options", "trace",
                    ]
                    .contains(&key.as_str())
                })
                .map(|method| (method.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes_of_the_router() {
    let harness = Harness::new().await;
    let routed: BTreeSet<(String, String)> = ENDPOINTS
        .iter()
        .map(|endpoint| (endpoint.method.to_string(), endpoint.path.to_owned()))
        .collect();

    assert_eq!(routed, documented());

    // The table is what the router serves: each entry answers on its method, and the
    // protected ones refuse a caller without a token.
    for endpoint in &ENDPOINTS {
        let path = endpoint
            .path
            .replace("{id}", &uuid::Uuid::now_v7().to_string());
        let reply = harness.api(endpoint.method.clone(), &path).await;
        assert_ne!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_ne!(reply.json["error"], "no such endpoint", "{path}");
        let anonymous = Request::builder()
            .method(endpoint.method.clone())
            .uri(&path)
            .body(Body::empty())
            .unwrap();
        let anonymous = harness.send(anonymous).await;
        assert_eq!(
            anonymous.status == StatusCode::UNAUTHORIZED,
            !endpoint.public,
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let harness = Harness::new().await;
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schemas/api/openapi.json"
    ))
    .unwrap();

    let reply = harness.send(get("/api/v1/openapi.json", None)).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(reply.text, committed);
}
