//! Over a real TCP socket and the production serving loop: the 413 must reach a client that
//! is still sending, a client that half-closes its side must still get its answer, a mention
//! must travel from webhook to operator API end to end, and shutdown must close kept-alive
//! connections and stop accepting.

use std::net::SocketAddr;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Delivery, Harness, TOKEN, comment};

/// Serves the harness on 127.0.0.1, with the production serving loop, until the test ends.
async fn serve(harness: &Harness) -> SocketAddr {
    harness.serve().await
}

fn post(
    client: &reqwest::Client,
    address: SocketAddr,
    delivery: &Delivery,
) -> reqwest::RequestBuilder {
    client
        .post(format!("http://{address}/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", delivery.event.clone().unwrap())
        .header("x-github-delivery", delivery.id.clone().unwrap())
        .header("x-hub-signature-256", delivery.signature.clone().unwrap())
        .body(delivery.body.clone())
}

#[tokio::test]
async fn an_oversized_body_gets_a_readable_413_not_a_dropped_connection() {
    let harness = Harness::new().await;
    let address = serve(&harness).await;
    let client = reqwest::Client::new();
    // 26 MiB against the contract's 25 MiB, with a Content-Length the server sees up front.
    let delivery = Delivery::signed("issue_comment", vec![b' '; 26 * 1024 * 1024]);

    let response = post(&client, address, &delivery).send().await.unwrap();

    assert_eq!(response.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("limit"), "{body}");
    assert_eq!(harness.counts().await, (0, 0));
}

/// Sends a request the way a simple client does, writing the whole body before reading
/// anything, and returns the raw answer. A server that answered early and closed would make
/// these writes fail with a broken pipe or a reset.
async fn write_all_then_read(address: SocketAddr, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /webhooks/github HTTP/1.1\r\nhost: {address}\r\nx-github-event: issue_comment\r\n\
         x-github-delivery: raw-1\r\nx-hub-signature-256: sha256={}\r\nconnection: close\r\n{head}\r\n",
        "0".repeat(64)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn a_client_that_sends_a_declared_oversized_body_in_full_still_reads_the_413() {
    let harness = Harness::new().await;
    let address = serve(&harness).await;
    let body = vec![b' '; 26 * 1024 * 1024];
    let head = format!(
        "content-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );

    let answer = write_all_then_read(address, &head, &body).await;

    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(r#"{"error":"#), "{answer}");
}

#[tokio::test]
async fn a_chunked_body_that_grows_too_large_gets_a_readable_413() {
    let harness = Harness::new().await;
    let address = serve(&harness).await;
    // 26 chunks of 1 MiB: with no Content-Length the server only learns the size by
    // reading past 25 MiB.
    let mut body = Vec::new();
    for _ in 0..26 {
        body.extend_from_slice(format!("{:x}\r\n", 1024 * 1024).as_bytes());
        body.extend_from_slice(&[b' '; 1024 * 1024]);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let head = "content-type: application/json\r\ntransfer-encoding: chunked\r\n";

    let answer = write_all_then_read(address, head, &body).await;

    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(r#"{"error":"#), "{answer}");
}

#[tokio::test]
async fn an_early_refusal_of_a_large_body_is_readable_too() {
    let harness = Harness::new().await;
    let address = serve(&harness).await;
    let body = vec![b' '; 8 * 1024 * 1024];
    let head = format!(
        "content-type: text/plain\r\ncontent-length: {}\r\n",
        body.len()
    );

    let answer = write_all_then_read(address, &head, &body).await;

    assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
}

/// Writes `request` whole, shuts down the write side (a TCP FIN, as some clients and proxies
/// send once their request is out), then reads the answer until the server closes.
async fn send_half_closed(address: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = String::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_string(&mut answer),
    )
    .await
    .expect("the server closed the connection after answering");
    // A reset instead of an answer is the failure this test is about: report it as such.
    if let Err(error) = read {
        panic!("no answer to a half-closed request ({error}); read so far: {answer:?}");
    }
    answer
}

#[tokio::test]
async fn a_client_that_half_closes_after_its_request_still_gets_the_answer() {
    let harness = Harness::new().await;
    let address = serve(&harness).await;
    // `/healthz` answers at once; `/readyz` waits on the database, so the end of the client's
    // stream is read while its handler is still running.
    for path in ["/healthz", "/readyz"] {
        for keep_alive in ["connection: close\r\n", ""] {
            let request = format!("GET {path} HTTP/1.1\r\nhost: {address}\r\n{keep_alive}\r\n");
            let answer = send_half_closed(address, &request).await;
            assert!(
                answer.starts_with("HTTP/1.1 200"),
                "{path} ({keep_alive:?}): {answer:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_half_closed_connection_without_a_whole_request_is_closed_at_once() {
    let harness = Harness::new().await;
    let address = serve(&harness).await;
    // Accepting half-closed connections must not let one linger: with nothing to answer, or
    // a head that can no longer be completed, the server closes well before any timeout.
    for sent in ["", "GET /healthz HTTP/1.1\r\nhost: x\r\n"] {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(sent.as_bytes()).await.unwrap();
        stream.shutdown().await.unwrap();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            stream.read_to_end(&mut answer),
        )
        .await;
        assert!(read.is_ok(), "{sent:?}: still open after 2 s");
        let answer = String::from_utf8_lossy(&answer);
        assert!(!answer.contains(" 200 "), "{sent:?}: {answer:?}");
    }
}

#[tokio::test]
async fn a_mention_travels_from_webhook_to_the_operator_api() {
    let harness = Harness::new().await;
    let address = serve(&harness).await;
    let client = reqwest::Client::new();
    let delivery = Delivery::json("issue_comment", &comment("@redgreen plan how to fix this"));

    let accepted = post(&client, address, &delivery).send().await.unwrap();
    assert_eq!(accepted.status(), reqwest::StatusCode::ACCEPTED);
    let accepted: Value = accepted.json().await.unwrap();
    let runs: Value = client
        .get(format!("http://{address}/api/v1/runs"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(accepted["outcome"], "accepted");
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1);
    assert_eq!(runs["runs"][0]["id"], accepted["run"]);
    assert_eq!(runs["runs"][0]["kind"], "plan");
    assert_eq!(runs["runs"][0]["state"], "queued");
}

#[tokio::test]
async fn shutdown_closes_kept_alive_connections_and_stops_accepting() {
    let harness = Harness::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(redgreen_server::listener::serve(
        listener,
        harness.state.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    let mut kept = TcpStream::connect(address).await.unwrap();
    kept.write_all(format!("GET /healthz HTTP/1.1\r\nhost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = [0u8; 512];
    let n = kept.read(&mut answer).await.unwrap();
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"));

    stop.send(()).unwrap();

    // The production idle timeout is 5 s; shutdown must not wait for it.
    tokio::time::timeout(std::time::Duration::from_secs(3), serving)
        .await
        .expect("serve returned after shutdown")
        .unwrap();
    assert_eq!(
        kept.read(&mut answer).await.unwrap(),
        0,
        "kept-alive connection closed"
    );
    assert!(
        TcpStream::connect(address).await.is_err(),
        "still accepting"
    );
}
