//! The webhook endpoint under attack by someone without the secret, over raw TCP against the
//! real serving loop on 127.0.0.1: slow heads, slow bodies, idle connections, many unsigned
//! bodies held open, a declared oversized body never sent, a token in a query string, and
//! made-up event names. Each test is named after its attack.
//!
//! Timeouts are shortened through `ServerLimits`; a test asserts only that the connection is
//! closed before a generous bound (ten times the timeout), never on exact timing.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redgreen_core::webhook::sign;
use redgreen_server::{ServerConfig, ServerLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout};

use crate::support::{Harness, SECRET, TOKEN, comment, config};

/// A timeout that tests can wait ten times over.
const SHORT: Duration = Duration::from_millis(200);
/// A timeout that must not fire during a test.
const LONG: Duration = Duration::from_secs(600);

/// Production limits with the given timeouts.
fn limits(header: Duration, body: Duration, idle: Duration) -> ServerLimits {
    ServerLimits {
        header_timeout: header,
        body_timeout: body,
        idle_timeout: idle,
        ..ServerLimits::default()
    }
}

async fn serve_with(limits: ServerLimits) -> (Harness, SocketAddr) {
    let harness = Harness::with(ServerConfig { limits, ..config() }).await;
    let address = harness.serve().await;
    (harness, address)
}

/// Reads until the server closes the connection (end of stream or reset), for at most
/// `bound`. Returns what was read, or `None` if the connection was still open at the bound.
async fn read_until_closed(
    stream: &mut (impl AsyncReadExt + Unpin),
    bound: Duration,
) -> Option<String> {
    let mut seen = Vec::new();
    let closed = timeout(bound, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    closed
        .ok()
        .map(|()| String::from_utf8_lossy(&seen).into_owned())
}

/// Reads one whole response (head, then a `Content-Length` body) within five seconds.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let read = timeout(Duration::from_secs(5), async {
        let mut buffer = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&seen).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if seen.len() >= end + 4 + length {
                    return text;
                }
            }
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "closed before a whole response: {text:?}");
            seen.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    read.expect("no whole response within 5 s")
}

/// A webhook head that passes every header check, with a well-formed signature that will
/// not match, declaring `length` body bytes.
fn unsigned_webhook_head(address: SocketAddr, length: usize) -> String {
    format!(
        "POST /webhooks/github HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
         x-github-event: issue_comment\r\nx-github-delivery: {}\r\n\
         x-hub-signature-256: sha256={}\r\ncontent-length: {length}\r\n\r\n",
        uuid::Uuid::now_v7(),
        "0".repeat(64),
    )
}

/// The resident memory of this process (the server and its attackers), in MiB.
fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024
}

#[tokio::test]
async fn slowloris_a_head_sent_a_byte_at_a_time_is_closed_within_the_header_timeout() {
    let (_harness, address) = serve_with(limits(SHORT, LONG, LONG)).await;
    let (mut reader, mut writer) = TcpStream::connect(address).await.unwrap().into_split();
    // A header line every 50 ms, never the blank line that ends the head: always some bytes
    // moving, so only the header timeout can end it.
    tokio::spawn(async move {
        let _ = writer
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
            .await;
        for n in 0..200 {
            sleep(Duration::from_millis(50)).await;
            if writer
                .write_all(format!("x-{n}: y\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    });

    let closed = read_until_closed(&mut reader, SHORT * 10).await;

    assert!(
        closed.is_some(),
        "a trickling head was still open after {:?}",
        SHORT * 10
    );
}

#[tokio::test]
async fn rudy_a_body_sent_a_byte_at_a_time_is_closed_within_the_body_timeout() {
    let (_harness, address) = serve_with(limits(LONG, SHORT, LONG)).await;
    let (mut reader, mut writer) = TcpStream::connect(address).await.unwrap().into_split();
    writer
        .write_all(unsigned_webhook_head(address, 1000).as_bytes())
        .await
        .unwrap();
    // A byte every 50 ms: each chunk comes well within the body timeout, the whole body never.
    tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b" ").await.is_err() {
                return;
            }
            sleep(Duration::from_millis(50)).await;
        }
    });

    let answer = read_until_closed(&mut reader, SHORT * 10).await;

    let answer =
        answer.unwrap_or_else(|| panic!("a trickling body was open after {:?}", SHORT * 10));
    // The answer may be lost to a reset, as the client keeps writing; if it arrived, it is 408.
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_within_the_idle_timeout() {
    let (_harness, address) = serve_with(limits(LONG, LONG, SHORT)).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(format!("GET /healthz HTTP/1.1\r\nhost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let answer = read_response(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );

    // Kept alive, then left idle.
    let rest = read_until_closed(&mut stream, SHORT * 10).await;

    assert_eq!(
        rest.as_deref(),
        Some(""),
        "still open after {:?}",
        SHORT * 10
    );
}

#[tokio::test]
async fn a_connection_that_never_sends_a_byte_is_closed_within_the_idle_timeout() {
    let (_harness, address) = serve_with(limits(LONG, LONG, SHORT)).await;
    let mut stream = TcpStream::connect(address).await.unwrap();

    let rest = read_until_closed(&mut stream, SHORT * 10).await;

    assert_eq!(
        rest.as_deref(),
        Some(""),
        "still open after {:?}",
        SHORT * 10
    );
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    let (_harness, address) = serve_with(ServerLimits {
        max_connections: 2,
        ..limits(LONG, LONG, LONG)
    })
    .await;
    let first = TcpStream::connect(address).await.unwrap();
    let _second = TcpStream::connect(address).await.unwrap();
    let mut third = TcpStream::connect(address).await.unwrap();
    let request = format!("GET /healthz HTTP/1.1\r\nhost: {address}\r\n\r\n");
    third.write_all(request.as_bytes()).await.unwrap();

    let mut byte = [0u8; 1];
    let early = timeout(Duration::from_millis(500), third.read(&mut byte)).await;
    assert!(
        early.is_err(),
        "a third connection was served past a cap of two"
    );
    drop(first);

    let answer = read_response(&mut third).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Connects, sends an unsigned head declaring `declared` bytes and then `sent` bytes of it
/// (from one shared chunk, so the attackers themselves hold almost nothing), and stalls,
/// keeping the connection open. A write that blocks for two seconds ends the sending.
async fn send_and_stall(
    address: SocketAddr,
    declared: usize,
    sent: usize,
    chunk: Arc<Vec<u8>>,
) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(unsigned_webhook_head(address, declared).as_bytes())
        .await
        .unwrap();
    let mut written = 0;
    while written < sent {
        match timeout(Duration::from_secs(2), stream.write_all(&chunk)).await {
            Ok(Ok(())) => written += chunk.len(),
            Ok(Err(_)) | Err(_) => break,
        }
    }
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_unsigned_near_limit_bodies_held_open_stay_within_the_byte_budget() {
    const MIB: usize = 1024 * 1024;
    // Production limits throughout; the bodies stall well within the body timeout.
    let (harness, address) = serve_with(ServerLimits::default()).await;
    let before = rss_mib();
    let chunk = Arc::new(vec![b' '; 64 * 1024]);

    // Each declares 24 MiB (under the 25 MiB limit, so it is read) and sends 8 MiB: 400 MiB
    // in all, were every body buffered as it arrives.
    let senders: Vec<_> = (0..50)
        .map(|_| {
            tokio::spawn(send_and_stall(
                address,
                24 * MIB,
                8 * MIB,
                Arc::clone(&chunk),
            ))
        })
        .collect();
    let mut held = Vec::new();
    for sender in senders {
        held.push(sender.await.unwrap());
    }
    let mut peak = rss_mib();
    for _ in 0..10 {
        sleep(Duration::from_millis(100)).await;
        peak = peak.max(rss_mib());
    }
    let mut probe = TcpStream::connect(address).await.unwrap();
    probe
        .write_all(format!("GET /healthz HTTP/1.1\r\nhost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let health = read_response(&mut probe).await;
    let budget = &harness.state.unverified_bytes;
    let growth = peak.saturating_sub(before);
    println!(
        "report: 50 unsigned bodies (24 MiB declared, 8 MiB sent each) held open on {} \
         connections; RSS before {before} MiB, peak while held {peak} MiB, growth {growth} MiB; \
         unverified-bytes budget {} MiB, {} MiB of it held",
        held.len(),
        budget.size() / MIB,
        (budget.size() - budget.available()) / MIB,
    );

    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(growth < 300, "memory grew by {growth} MiB");
    assert!(
        budget.available() < budget.size(),
        "no body was read at all"
    );
    drop(held);
}

#[tokio::test]
async fn a_declared_26_mib_body_that_never_comes_is_answered_413_at_once() {
    let (_harness, address) = serve_with(ServerLimits::default()).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(unsigned_webhook_head(address, 26 * 1024 * 1024).as_bytes())
        .await
        .unwrap();

    // Not a byte of the body is sent.
    let answer = read_response(&mut stream).await;

    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(answer.contains(r#"{"error":"#), "{answer}");
}

/// A `tracing` writer that keeps everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// The default single-threaded runtime: the server's tasks run on this thread, under the
// thread's capturing subscriber.
#[tokio::test]
async fn a_token_in_a_query_string_is_refused_and_never_logged() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (_harness, address) = serve_with(ServerLimits::default()).await;
    let leaked = "leaked-token-77c1f0";

    let mut answers = Vec::new();
    for (query, authorization) in [
        (format!("access_token={leaked}"), String::new()),
        (
            format!("api_key={leaked}"),
            format!("authorization: Bearer {TOKEN}\r\n"),
        ),
        (
            format!("limit=5&Token={leaked}"),
            format!("authorization: Bearer {TOKEN}\r\n"),
        ),
    ] {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(
                format!(
                    "GET /api/v1/runs?{query} HTTP/1.1\r\nhost: {address}\r\n{authorization}\r\n"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        answers.push((query, read_response(&mut stream).await));
    }
    // The same token in the header alone is still fine.
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /api/v1/runs?limit=5 HTTP/1.1\r\nhost: {address}\r\n\
                 authorization: Bearer {TOKEN}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let allowed = read_response(&mut stream).await;

    for (query, answer) in &answers {
        assert!(answer.starts_with("HTTP/1.1 401"), "{query}: {answer}");
        assert!(answer.contains("query string"), "{query}: {answer}");
    }
    assert!(allowed.starts_with("HTTP/1.1 200"), "{allowed}");
    let logs = captured.text();
    assert!(
        logs.contains("/api/v1/runs"),
        "nothing was captured: {logs}"
    );
    assert!(
        !logs.contains(leaked),
        "the token reached the logs:\n{logs}"
    );
    assert!(
        !logs.contains("limit=5"),
        "a query string reached the logs:\n{logs}"
    );
}

#[tokio::test]
async fn a_signed_made_up_event_name_does_not_become_a_metrics_label() {
    let (_harness, address) = serve_with(ServerLimits::default()).await;
    let made_up = format!("made_up_event_{}", uuid::Uuid::now_v7().simple());
    let body = serde_json::to_vec(&comment("@redgreen plan")).unwrap();
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /webhooks/github HTTP/1.1\r\nhost: {address}\r\n\
                 content-type: application/json\r\nx-github-event: {made_up}\r\n\
                 x-github-delivery: {}\r\nx-hub-signature-256: {}\r\ncontent-length: {}\r\n\r\n",
                uuid::Uuid::now_v7(),
                sign(SECRET.as_bytes(), &body),
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    stream.write_all(&body).await.unwrap();
    let accepted = read_response(&mut stream).await;
    assert!(accepted.starts_with("HTTP/1.1 202"), "{accepted}");

    stream
        .write_all(format!("GET /metrics HTTP/1.1\r\nhost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let metrics = read_response(&mut stream).await;

    assert!(!metrics.contains(&made_up), "{metrics}");
    assert!(
        metrics.contains(r#"redgreen_webhook_deliveries_total{event="other",outcome="ignored"} 1"#),
        "{metrics}"
    );
}
