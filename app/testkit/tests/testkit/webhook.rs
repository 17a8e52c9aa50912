//! The webhook sender signs exactly the bytes it sends and sets GitHub's headers.

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use hmac::{Hmac, Mac};
use redgreen_testkit::WebhookSender;
use sha2::Sha256;
use tokio::sync::mpsc;

/// A receiver that hands each delivery's headers and raw bytes to the test.
async fn receiver() -> (String, mpsc::UnboundedReceiver<(HeaderMap, Bytes)>) {
    let (sender, deliveries) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/webhooks/github",
        post(move |headers: HeaderMap, body: Bytes| {
            let sender = sender.clone();
            async move {
                sender.send((headers, body)).unwrap();
                (axum::http::StatusCode::ACCEPTED, "accepted")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/github", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, deliveries)
}

#[tokio::test]
async fn the_signature_is_an_hmac_of_the_exact_bytes_sent() {
    let (url, mut deliveries) = receiver().await;
    let sender = WebhookSender::new(url, "s3cret");
    // Odd spacing and a non-ASCII character: re-serializing would change the bytes.
    let body = "{ \"zen\" :  \"Keep it logically awesome – ü\" }"
        .as_bytes()
        .to_vec();
    let (status, answer) = sender.send("ping", "delivery-1", body.clone()).await;
    assert_eq!((status, answer.as_str()), (202, "accepted"));
    let (headers, received) = deliveries.recv().await.unwrap();
    assert_eq!(received.as_ref(), body.as_slice());
    let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
    mac.update(&received);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(headers["x-hub-signature-256"], expected.as_str());
    assert_eq!(headers["x-github-event"], "ping");
    assert_eq!(headers["x-github-delivery"], "delivery-1");
    assert_eq!(headers["content-type"], "application/json");
    assert!(
        headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("GitHub-Hookshot/")
    );
}

#[tokio::test]
async fn a_test_can_send_a_wrong_or_no_signature() {
    let (url, mut deliveries) = receiver().await;
    let sender = WebhookSender::new(url, "s3cret");
    sender
        .send_with_signature("ping", "d-2", b"{}".to_vec(), Some("sha256=00".into()))
        .await;
    let (headers, _) = deliveries.recv().await.unwrap();
    assert_eq!(headers["x-hub-signature-256"], "sha256=00");
    sender
        .send_with_signature("ping", "d-3", b"{}".to_vec(), None)
        .await;
    let (headers, _) = deliveries.recv().await.unwrap();
    assert!(headers.get("x-hub-signature-256").is_none());
    assert!(!format!("{sender:?}").contains("s3cret"));
}
