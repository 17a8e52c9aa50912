//! `POST /webhooks/github`: every answer of the contract, signature edge cases, and
//! redelivery.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use redgreen_core::webhook::sign;
use serde_json::Value;

use redgreen_policy::Permission;

use crate::support::{
    Delivery, Harness, INSTALLATION, PermissionTable, SECRET, comment, config, example,
    trigger_check,
};

#[tokio::test]
async fn a_mention_is_accepted_with_one_queued_run_visible_in_the_api() {
    let harness = Harness::new().await;
    let delivery = Delivery::json("issue_comment", &comment("@redgreen plan the fix, please"));

    let reply = harness.deliver(&delivery).await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json["outcome"], "accepted");
    assert_eq!(reply.json["delivery"].as_str(), delivery.id.as_deref());
    assert!(!reply.json["reason"].as_str().unwrap().is_empty());
    let run_id = reply.json["run"]
        .as_str()
        .expect("an accepted command names its run");
    assert!(reply.json["task"].is_string());

    let run = harness
        .api(Method::GET, &format!("/api/v1/runs/{run_id}"))
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    assert_eq!(run.json["id"], run_id);
    assert_eq!(run.json["state"], "queued");
    assert_eq!(run.json["kind"], "plan");
    assert_eq!(run.json["repository"], "Codertocat/Hello-World");
    assert_eq!(run.json["issue"], 1);
    assert_eq!(run.json["pull_request"], Value::Null);
    assert_eq!(run.json["actor"], "Codertocat");
    assert_eq!(run.json["installation"], INSTALLATION);

    let deliveries = harness.api(Method::GET, "/api/v1/deliveries").await;
    let listed = &deliveries.json["deliveries"][0];
    assert_eq!(listed["id"].as_str(), delivery.id.as_deref());
    assert_eq!(listed["event"], "issue_comment");
    assert_eq!(listed["action"], "created");
    assert_eq!(listed["outcome"], "accepted");

    let task = harness.lease().await;
    assert_eq!(task.kind, "run");
    assert_eq!(task.run.unwrap().to_string(), run_id);
    assert_eq!(task.installation.unwrap().0, INSTALLATION);
    assert_eq!(task.max_attempts, 5);
}

#[tokio::test]
async fn a_comment_without_a_mention_is_ignored_with_its_reason() {
    let harness = Harness::new().await;
    let delivery = Delivery::json("issue_comment", &comment("Looks good to me."));

    let reply = harness.deliver(&delivery).await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json["outcome"], "ignored");
    assert_eq!(reply.json["reason"], "no_mention");
    assert!(reply.json.get("run").is_none());
    assert_eq!(harness.counts().await, (1, 0), "recorded, but no run");
    let listed = harness.api(Method::GET, "/api/v1/deliveries").await;
    assert_eq!(listed.json["deliveries"][0]["outcome"], "ignored");
    assert_eq!(listed.json["deliveries"][0]["reason"], "no_mention");
}

#[tokio::test]
async fn an_unhandled_event_is_ignored_with_its_reason() {
    let harness = Harness::new().await;
    let mut payload = example("check_suite/completed.payload.json");
    payload["installation"] = serde_json::json!({ "id": INSTALLATION });

    let reply = harness
        .deliver(&Delivery::json("check_suite", &payload))
        .await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json["outcome"], "ignored");
    assert_eq!(reply.json["reason"], "unhandled_event");
}

#[tokio::test]
async fn a_ping_is_accepted_without_work() {
    let harness = Harness::new().await;

    let reply = harness
        .deliver(&Delivery::json("ping", &example("ping/payload.json")))
        .await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json["outcome"], "accepted");
    assert_eq!(reply.json["reason"], "ping");
    assert!(reply.json.get("run").is_none());
    assert!(reply.json.get("task").is_none());
    assert_eq!(harness.state.store.queue_depth().await.unwrap().queued, 0);
}

#[tokio::test]
async fn a_control_command_enqueues_a_task_but_starts_no_run() {
    let harness = Harness::new().await;

    let reply = harness
        .deliver(&Delivery::json(
            "issue_comment",
            &comment("@redgreen status"),
        ))
        .await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json["outcome"], "accepted");
    assert!(reply.json.get("run").is_none());
    assert!(reply.json["task"].is_string());
    assert_eq!(harness.counts().await, (1, 0));
    let task = harness.lease().await;
    assert_eq!(task.kind, "control");
    assert_eq!(task.run, None);
    assert_eq!(task.payload["command"], "status");
    assert_eq!(task.payload["target"]["type"], "issue");
    assert_eq!(task.payload["repository"], "Codertocat/Hello-World");
}

#[tokio::test]
async fn an_installation_event_enqueues_a_tenant_task() {
    let harness = Harness::new().await;

    let reply = harness
        .deliver(&Delivery::json(
            "installation",
            &example("installation/created.payload.json"),
        ))
        .await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json["outcome"], "accepted");
    assert!(reply.json["task"].is_string());
    let task = harness.lease().await;
    assert_eq!(task.kind, "installation");
    assert_eq!(task.payload["action"], "created");
}

#[tokio::test]
async fn a_mention_without_a_repository_is_ignored_rather_than_run() {
    let harness = Harness::new().await;
    let mut payload = comment("@redgreen fix it");
    payload.as_object_mut().unwrap().remove("repository");

    let reply = harness
        .deliver(&Delivery::json("issue_comment", &payload))
        .await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json["outcome"], "ignored");
    assert_eq!(reply.json["reason"], "no_repository");
    assert_eq!(harness.counts().await, (1, 0));
}

#[tokio::test]
async fn a_mention_without_an_installation_is_ignored() {
    let harness = Harness::new().await;
    let mut payload = comment("@redgreen fix it");
    payload.as_object_mut().unwrap().remove("installation");

    let reply = harness
        .deliver(&Delivery::json("issue_comment", &payload))
        .await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json["outcome"], "ignored");
    assert_eq!(reply.json["reason"], "no_installation");
    assert_eq!(harness.counts().await, (1, 0));
}

#[tokio::test]
async fn a_redelivery_is_answered_202_and_changes_nothing() {
    let harness = Harness::new().await;
    let delivery = Delivery::json("issue_comment", &comment("@redgreen fix the typo"));
    let first = harness.deliver(&delivery).await;
    assert_eq!(first.json["outcome"], "accepted", "{}", first.text);
    let before = harness.counts().await;
    let depth_before = harness.state.store.queue_depth().await.unwrap();

    let again = harness.deliver(&delivery).await;

    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    assert_eq!(again.json["outcome"], "duplicate");
    assert!(!again.json["reason"].as_str().unwrap().is_empty());
    assert!(again.json.get("run").is_none());
    assert_eq!(harness.counts().await, before);
    assert_eq!(before, (1, 1));
    assert_eq!(
        harness.state.store.queue_depth().await.unwrap(),
        depth_before
    );
}

#[tokio::test]
async fn a_content_type_parameter_is_allowed() {
    let harness = Harness::new().await;
    let mut delivery = Delivery::json("ping", &example("ping/payload.json"));
    delivery.content_type = Some("Application/JSON; charset=utf-8".to_owned());

    let reply = harness.deliver(&delivery).await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
}

#[tokio::test]
async fn another_content_type_is_refused_with_415() {
    let harness = Harness::new().await;
    for content_type in [
        Some("application/x-www-form-urlencoded"),
        Some("text/plain"),
        Some("application/jsonx"),
        None,
    ] {
        let mut delivery = Delivery::json("ping", &example("ping/payload.json"));
        delivery.content_type = content_type.map(str::to_owned);

        let reply = harness.deliver(&delivery).await;

        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert!(reply.error().contains("application/json"));
    }
    assert_eq!(harness.counts().await, (0, 0));
}

#[tokio::test]
async fn a_missing_or_empty_github_header_is_refused_with_400() {
    let harness = Harness::new().await;
    type Spoil = fn(&mut Delivery);
    let cases: [(&str, Spoil); 4] = [
        ("X-GitHub-Event", |d| d.event = None),
        ("X-GitHub-Event", |d| d.event = Some("  ".to_owned())),
        ("X-GitHub-Delivery", |d| d.id = None),
        ("X-GitHub-Delivery", |d| d.id = Some(String::new())),
    ];
    for (header, spoil) in cases {
        let mut delivery = Delivery::json("issue_comment", &comment("@redgreen plan"));
        spoil(&mut delivery);

        let reply = harness.deliver(&delivery).await;

        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{header}");
        assert!(reply.error().contains(header), "{}", reply.error());
    }
    assert_eq!(harness.counts().await, (0, 0));
}

#[tokio::test]
async fn malformed_json_with_a_valid_signature_is_refused_with_400() {
    let harness = Harness::new().await;
    for body in [&b"{\"action\": "[..], b"[1, 2, 3]", b"", b"\xff\xfe"] {
        let reply = harness
            .deliver(&Delivery::signed("issue_comment", body.to_vec()))
            .await;

        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body:?}: {}",
            reply.text
        );
        assert!(!reply.error().is_empty());
    }
    assert_eq!(harness.counts().await, (0, 0));
}

#[tokio::test]
async fn bad_signatures_are_refused_with_401() {
    let harness = Harness::new().await;
    let body = serde_json::to_vec(&comment("@redgreen plan")).unwrap();
    let good = sign(SECRET.as_bytes(), &body);
    let hex = good.trim_start_matches("sha256=").to_owned();
    let flipped = format!(
        "sha256={}{}",
        if hex.starts_with('0') { '1' } else { '0' },
        &hex[1..]
    );
    let cases = [
        ("missing", None),
        ("empty", Some(String::new())),
        ("wrong length", Some(format!("sha256={}", &hex[..40]))),
        ("too long", Some(format!("{good}00"))),
        ("wrong prefix", Some(format!("sha1={hex}"))),
        ("no prefix", Some(hex.clone())),
        ("not hex", Some(format!("sha256={}", "z".repeat(64)))),
        ("one digit off", Some(flipped)),
        ("wrong secret", Some(sign(b"another secret", &body))),
        ("other body", Some(sign(SECRET.as_bytes(), b"{}"))),
    ];
    for (case, signature) in cases {
        let mut delivery = Delivery::signed("issue_comment", body.clone());
        delivery.signature = signature;

        let reply = harness.deliver(&delivery).await;

        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{case}: {}",
            reply.text
        );
        assert!(!reply.error().is_empty());
        assert!(
            !reply.text.contains(&hex),
            "{case}: the answer echoes the signature"
        );
    }
    assert_eq!(harness.counts().await, (0, 0));
}

#[tokio::test]
async fn the_signature_is_checked_before_the_json() {
    let harness = Harness::new().await;
    for body in [&b""[..], b"{not json"] {
        let mut delivery = Delivery::signed("issue_comment", body.to_vec());
        delivery.signature = Some(sign(b"another secret", body));

        let reply = harness.deliver(&delivery).await;

        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{body:?}");
    }
}

#[tokio::test]
async fn without_a_secret_every_webhook_is_refused_with_401() {
    let harness = Harness::with(redgreen_server::ServerConfig {
        webhook_secret: None,
        ..config()
    })
    .await;

    let reply = harness
        .deliver(&Delivery::json("issue_comment", &comment("@redgreen plan")))
        .await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply.error().contains("REDGREEN_WEBHOOK_SECRET"),
        "{}",
        reply.error()
    );
    assert_eq!(harness.counts().await, (0, 0));
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_with_413() {
    let harness = Harness::with(redgreen_server::ServerConfig {
        max_body_bytes: 1024,
        ..config()
    })
    .await;
    let delivery = Delivery::signed("issue_comment", vec![b' '; 1025]);

    let reply = harness.deliver(&delivery).await;

    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.error().contains("1024"), "{}", reply.error());
}

#[tokio::test]
async fn a_streamed_body_that_grows_past_the_limit_is_refused_with_413() {
    let harness = Harness::with(redgreen_server::ServerConfig {
        max_body_bytes: 1024,
        ..config()
    })
    .await;
    let delivery = Delivery::signed("issue_comment", Vec::new());
    // No Content-Length: the limit can only be found while reading.
    let chunks = (0..8).map(|_| Ok::<_, std::io::Error>(vec![b' '; 200]));
    let mut request = delivery.request();
    *request.body_mut() = Body::from_stream(futures_util::stream::iter(chunks));
    assert!(request.headers().get("content-length").is_none());

    let reply = harness.send(request).await;

    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn a_body_exactly_at_the_limit_is_read() {
    let payload = serde_json::to_vec(&example("ping/payload.json")).unwrap();
    let harness = Harness::with(redgreen_server::ServerConfig {
        max_body_bytes: payload.len(),
        ..config()
    })
    .await;

    let reply = harness.deliver(&Delivery::signed("ping", payload)).await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
}

#[tokio::test]
async fn a_store_failure_is_answered_503_without_internals() {
    let harness = Harness::new().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", harness.db_path().display()))
        .await
        .unwrap();
    sqlx::query("DROP TABLE deliveries")
        .execute(&pool)
        .await
        .unwrap();

    let reply = harness
        .deliver(&Delivery::json("issue_comment", &comment("@redgreen plan")))
        .await;

    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    let error = reply.error().to_lowercase();
    assert!(
        !error.contains("deliveries") && !error.contains("sql"),
        "{error}"
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_json() {
    let harness = Harness::new().await;
    let unknown = Request::builder()
        .uri("/webhooks/gitlab")
        .body(Body::empty())
        .unwrap();
    let wrong_method = Request::builder()
        .uri("/webhooks/github")
        .body(Body::empty())
        .unwrap();

    let unknown = harness.send(unknown).await;
    let wrong_method = harness.send(wrong_method).await;

    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.error(), "no such endpoint");
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(!wrong_method.error().is_empty());
}

/// A command by someone whose permission is below the minimum is recorded as `denied` with
/// the policy that denied it, and creates no run: its only task is the reply saying why.
#[tokio::test]
async fn a_read_only_actor_is_denied_with_the_policy_and_no_work() {
    let table = PermissionTable(vec![("Codertocat", Permission::Read)]);
    let harness = Harness::with_trigger(config(), trigger_check(Some(table))).await;
    let delivery = Delivery::json("issue_comment", &comment("@redgreen fix it"));

    let reply = harness.deliver(&delivery).await;

    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json["outcome"], "denied");
    let reason = reply.json["reason"].as_str().unwrap();
    assert!(reason.contains("forbid-below-min-permission"), "{reason}");
    assert!(reply.json["run"].is_null(), "{}", reply.text);
    let runs = harness.api(Method::GET, "/api/v1/runs").await;
    assert_eq!(runs.json["runs"], serde_json::json!([]));
    let deliveries = harness.api(Method::GET, "/api/v1/deliveries").await;
    assert_eq!(deliveries.json["deliveries"][0]["outcome"], "denied");
    let task = harness.lease().await;
    assert_eq!(task.kind, "reply", "a denied command queued work");
    assert_eq!(task.run, None);
}

/// Read permission is enough for a command that changes nothing (`plan`) when the minimum
/// allows it, but never for `fix`; with the default minimum (`write`) both need write.
#[tokio::test]
async fn write_permission_runs_commands_and_triage_does_not_by_default() {
    let table = PermissionTable(vec![("Codertocat", Permission::Triage)]);
    let harness = Harness::with_trigger(config(), trigger_check(Some(table))).await;
    let denied = harness
        .deliver(&Delivery::json("issue_comment", &comment("@redgreen plan")))
        .await;
    assert_eq!(denied.json["outcome"], "denied", "{}", denied.text);

    let harness = Harness::new().await;
    let allowed = harness
        .deliver(&Delivery::json("issue_comment", &comment("@redgreen plan")))
        .await;
    assert_eq!(allowed.json["outcome"], "accepted", "{}", allowed.text);
}

/// Without a way to look permissions up (no GitHub App configured), or when the lookup
/// fails, a command is denied: the check fails closed.
#[tokio::test]
async fn commands_are_denied_when_the_permission_cannot_be_checked() {
    let harness = Harness::with_trigger(config(), trigger_check(None)).await;
    let reply = harness
        .deliver(&Delivery::json("issue_comment", &comment("@redgreen plan")))
        .await;
    assert_eq!(reply.json["outcome"], "denied", "{}", reply.text);
    assert!(
        reply.json["reason"]
            .as_str()
            .unwrap()
            .contains("github-not-configured")
    );

    let mut payload = comment("@redgreen plan");
    payload["comment"]["user"]["login"] = Value::from("unreachable");
    payload["sender"]["login"] = Value::from("unreachable");
    let harness = Harness::new().await;
    let reply = harness
        .deliver(&Delivery::json("issue_comment", &payload))
        .await;
    assert_eq!(reply.json["outcome"], "denied", "{}", reply.text);
    assert!(
        reply.json["reason"]
            .as_str()
            .unwrap()
            .contains("permission-unavailable")
    );
    let runs = harness.api(Method::GET, "/api/v1/runs").await;
    assert_eq!(runs.json["runs"], serde_json::json!([]));
}
