//! Outages: 429 with `retry-after` (seconds and HTTP date), 5xx until the retries run out,
//! rejections, connection failures and timeouts.

use std::time::{Duration, SystemTime};

use redgreen_llm::{Gateway, LlmError, Provider};
use redgreen_testkit::{ModelReply, ModelServer};

use crate::support::{config, gateway, request, unlimited, user};

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_succeeds() {
    let server = ModelServer::start().await;
    server.push_error(429, &[("retry-after", "1")], "Rate limit reached");
    server.push_text("done");
    let reply = gateway(&server, Provider::OpenAi)
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap();
    assert_eq!(reply.content.as_deref(), Some("done"));
    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    // The base pause is a millisecond: only honouring the header explains a full second.
    let waited = sent[1].received_at - sent[0].received_at;
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
}

#[tokio::test]
async fn an_anthropic_retry_after_as_an_http_date_is_honoured() {
    let server = ModelServer::start().await;
    let at = httpdate_in(2);
    server.push_error(529, &[("retry-after", at.as_str())], "Overloaded");
    server.push_text("done");
    let reply = gateway(&server, Provider::Anthropic)
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap();
    assert_eq!(reply.content.as_deref(), Some("done"));
    let sent = server.requests();
    // HTTP dates have whole seconds: at least one full second remains of the two.
    let waited = sent[1].received_at - sent[0].received_at;
    assert!(
        waited >= Duration::from_millis(1000),
        "retried after {waited:?}"
    );
}

fn httpdate_in(seconds: u64) -> String {
    httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(seconds))
}

#[tokio::test]
async fn persistent_5xx_exhausts_the_retries() {
    let server = ModelServer::start().await;
    for _ in 0..3 {
        server.push_error(500, &[], "The server had an error");
    }
    server.push_text("never reached");
    let error = gateway(&server, Provider::OpenAi)
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap_err();
    let LlmError::Unavailable {
        status,
        attempts,
        reason,
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!(*status, Some(500));
    assert_eq!(*attempts, 3, "one attempt and max_retries = 2");
    assert!(reason.contains("The server had an error"), "{reason}");
    assert!(error.is_retryable());
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.remaining(), 1);
}

#[tokio::test]
async fn a_400_is_rejected_at_once_with_the_providers_message() {
    let server = ModelServer::start().await;
    server.push_error(400, &[], "max_tokens is too large: 999999");
    let error = gateway(&server, Provider::Anthropic)
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap_err();
    let LlmError::Rejected { status, message } = &error else {
        panic!("{error}");
    };
    assert_eq!(*status, 400);
    assert_eq!(message, "max_tokens is too large: 999999");
    assert!(!error.is_retryable());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_long_error_page_is_truncated() {
    let server = ModelServer::start().await;
    server.push_status(403, &[], format!("<html>{}</html>", "x".repeat(10_000)));
    let error = gateway(&server, Provider::OpenAi)
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap_err();
    let LlmError::Rejected { message, .. } = &error else {
        panic!("{error}");
    };
    assert!(message.len() < 600, "{}", message.len());
    assert!(message.ends_with("(truncated)"), "{message}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_longest_pause_stops_at_once() {
    let server = ModelServer::start().await;
    server.push_error(429, &[("retry-after", "3600")], "Rate limit reached");
    server.push_text("never reached");
    let error = gateway(&server, Provider::OpenAi)
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap_err();
    let LlmError::Unavailable {
        status,
        attempts,
        reason,
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!((*status, *attempts), (Some(429), 1));
    assert!(reason.contains("3600"), "{reason}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let server = ModelServer::start().await;
    server.push_delayed(
        Duration::from_secs(30),
        ModelReply::Text("late".to_string()),
    );
    server.push_text("in time");
    let mut settings = config(&server, Provider::OpenAi);
    settings.request_timeout = Duration::from_millis(300);
    let reply = Gateway::new(settings)
        .unwrap()
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap();
    assert_eq!(reply.content.as_deref(), Some("in time"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn timeouts_on_every_attempt_make_the_provider_unavailable() {
    let server = ModelServer::start().await;
    for _ in 0..2 {
        server.push_delayed(
            Duration::from_secs(30),
            ModelReply::Text("late".to_string()),
        );
    }
    let mut settings = config(&server, Provider::Anthropic);
    settings.request_timeout = Duration::from_millis(200);
    settings.max_retries = 1;
    let error = Gateway::new(settings)
        .unwrap()
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap_err();
    let LlmError::Unavailable {
        status,
        attempts,
        reason,
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!((*status, *attempts), (None, 2));
    assert!(reason.contains("no answer within"), "{reason}");
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_unavailable() {
    // A port that was just free: nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let server = ModelServer::start().await;
    let mut settings = config(&server, Provider::OpenAi);
    settings.base_url = format!("http://127.0.0.1:{port}/v1").parse().unwrap();
    let error = Gateway::new(settings)
        .unwrap()
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap_err();
    let LlmError::Unavailable {
        status,
        attempts,
        reason,
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!((*status, *attempts), (None, 3));
    assert!(reason.contains("cannot connect"), "{reason}");
    assert!(
        !reason.contains(&port.to_string()),
        "no URL in the error: {reason}"
    );
}

#[tokio::test]
async fn a_wrong_base_url_is_rejected_not_retried() {
    // The OpenAI base URL without `/v1`: the server has no such endpoint.
    let server = ModelServer::start().await;
    let mut settings = config(&server, Provider::OpenAi);
    settings.base_url = server.base_url_anthropic().parse().unwrap();
    let error = Gateway::new(settings)
        .unwrap()
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::Rejected { status: 404, .. }),
        "{error}"
    );
    assert_eq!(server.take_violations().len(), 1);
}

#[tokio::test]
async fn an_answer_in_the_wrong_format_is_an_invalid_response() {
    let server = ModelServer::start().await;
    server.push_status(200, &[], "<html>a login page</html>");
    let error = gateway(&server, Provider::OpenAi)
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::InvalidResponse { .. }), "{error}");
    assert!(!error.is_retryable());
    assert_eq!(server.requests().len(), 1);
}
