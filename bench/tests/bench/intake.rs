//! `intake` against a stand-in server that checks every delivery the way redgreen does:
//! signature, event, a plan run for a known installation, and a fresh delivery id.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use redgreen_core::RunKind;
use redgreen_core::webhook::envelope::parse;
use redgreen_core::webhook::{Route, verify_signature};

use crate::support::bench_json;

const SECRET: &str = "bench-test-secret";

const PAYLOAD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/github/webhook-examples/issue_comment/created.payload.json"
);

#[derive(Default)]
struct StandIn {
    /// How long each webhook answer takes.
    delay: Duration,
    deliveries: Mutex<HashSet<String>>,
    installations: Mutex<HashSet<i64>>,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
}

async fn webhook(
    State(stand_in): State<Arc<StandIn>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let in_flight = stand_in.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    stand_in
        .max_in_flight
        .fetch_max(in_flight, Ordering::SeqCst);
    tokio::time::sleep(stand_in.delay).await;
    stand_in.in_flight.fetch_sub(1, Ordering::SeqCst);

    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if verify_signature(SECRET.as_bytes(), &body, header("x-hub-signature-256")).is_err() {
        return (StatusCode::UNAUTHORIZED, "bad signature");
    }
    let Ok(envelope) = parse(header("x-github-event").unwrap_or(""), &body, "redgreen") else {
        return (StatusCode::BAD_REQUEST, "unparsable");
    };
    let plan = matches!(&envelope.route, Route::Run(request) if request.kind == RunKind::Plan);
    let (Some(installation), true, Some("application/json")) =
        (envelope.installation, plan, header("content-type"))
    else {
        return (
            StatusCode::BAD_REQUEST,
            "not a plan request for an installation",
        );
    };
    stand_in
        .installations
        .lock()
        .unwrap()
        .insert(installation.0);
    let delivery = header("x-github-delivery").unwrap_or("").to_owned();
    if !stand_in.deliveries.lock().unwrap().insert(delivery) {
        return (StatusCode::ACCEPTED, r#"{"outcome": "duplicate"}"#);
    }
    (
        StatusCode::ACCEPTED,
        r#"{"outcome": "accepted", "reason": "plan run"}"#,
    )
}

/// Serves the stand-in on a free loopback port; returns its base URL.
async fn serve(stand_in: Arc<StandIn>) -> String {
    let app = Router::new()
        .route("/webhooks/github", post(webhook))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(stand_in);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn intake(url: &str, secret: &str, extra: &[&str]) -> serde_json::Value {
    let args = [
        "intake",
        "--url",
        url,
        "--secret",
        secret,
        "--rate",
        "100",
        "--duration-secs",
        "1",
        "--warmup-secs",
        "0.2",
        "--payload",
        PAYLOAD,
    ];
    bench_json(&[&args[..], extra].concat()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_delivery_is_signed_distinct_and_asks_for_a_plan_run() {
    let stand_in = Arc::new(StandIn::default());
    let url = serve(stand_in.clone()).await;

    let report = intake(&url, SECRET, &["--baseline"]).await;

    let webhook = &report["webhook"];
    assert_eq!(webhook["requests"], 100);
    assert_eq!(webhook["ok"], 100, "{report:#}");
    assert_eq!(webhook["errors"], 0);
    assert_eq!(webhook["not_accepted"], 0);
    assert_eq!(webhook["latency"]["count"], 100);
    assert_eq!(report["baseline"]["target"], "healthz");
    assert_eq!(report["baseline"]["ok"], 100);
    assert!(report["ratio"]["p99"].as_f64().unwrap() > 0.0);
    // 20 warm-up deliveries and 100 measured ones, each under its own delivery id.
    assert_eq!(stand_in.deliveries.lock().unwrap().len(), 120);
    assert_eq!(stand_in.installations.lock().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_deliveries_are_counted_by_status_not_as_successes() {
    let url = serve(Arc::new(StandIn::default())).await;

    let report = intake(&url, "not-the-secret", &[]).await;

    let webhook = &report["webhook"];
    assert_eq!(webhook["ok"], 0);
    assert_eq!(
        webhook["unexpected_status"],
        serde_json::json!({"401": 100})
    );
    assert_eq!(webhook["first_problem"], "HTTP 401");
    assert!(report["baseline"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_server_does_not_hold_back_the_next_requests() {
    let stand_in = Arc::new(StandIn {
        delay: Duration::from_millis(200),
        ..StandIn::default()
    });
    let url = serve(stand_in.clone()).await;

    let report = intake(&url, SECRET, &[]).await;

    assert_eq!(report["webhook"]["ok"], 100);
    // At 100 requests/s with 200 ms answers about 20 are in flight at once; a generator that
    // waited for each answer before sending the next (closed loop) would never exceed 1.
    assert!(
        stand_in.max_in_flight.load(Ordering::SeqCst) >= 5,
        "max in flight: {}",
        stand_in.max_in_flight.load(Ordering::SeqCst)
    );
}
