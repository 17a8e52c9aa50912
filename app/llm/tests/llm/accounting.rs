//! The budget at the gateway: checked before anything is sent, and charged after every
//! successful call with tokens, US dollars by the price table, and model time.

use std::time::Duration;

use redgreen_llm::{Budget, BudgetKind, BudgetLimits, Gateway, LlmError, PriceTable, Provider};
use redgreen_testkit::{ModelReply, ModelServer};

use crate::support::{MODEL, config, request, unlimited, user};

/// How a case spends its budget before the call.
type Spend = fn(&mut Budget);

#[tokio::test]
async fn a_spent_budget_sends_nothing() {
    let server = ModelServer::start().await;
    server.push_text("never");
    let gateway = Gateway::new(config(&server, Provider::OpenAi)).unwrap();
    let cases: [(BudgetLimits, Spend, BudgetKind); 3] = [
        (
            BudgetLimits {
                tokens: Some(100),
                ..BudgetLimits::default()
            },
            |budget: &mut Budget| budget.spent.output_tokens = 100,
            BudgetKind::Tokens,
        ),
        (
            BudgetLimits {
                usd: Some(0.25),
                ..BudgetLimits::default()
            },
            |budget: &mut Budget| budget.spent.usd = 0.3,
            BudgetKind::Usd,
        ),
        (
            BudgetLimits {
                minutes: Some(1),
                ..BudgetLimits::default()
            },
            |budget: &mut Budget| budget.add_wall(Duration::from_secs(61)),
            BudgetKind::Minutes,
        ),
    ];
    for (limits, spend, which) in cases {
        let mut budget = Budget::new(limits);
        spend(&mut budget);
        let before = budget.clone();
        let error = gateway
            .chat(&mut budget, &request(vec![user("x")]))
            .await
            .unwrap_err();
        assert!(
            matches!(error, LlmError::BudgetExhausted { which: found, .. } if found == which),
            "{error}"
        );
        assert!(!error.is_retryable());
        assert_eq!(budget, before, "nothing is charged for a call not made");
    }
    assert_eq!(server.requests().len(), 0);
    assert_eq!(server.remaining(), 1);
}

#[tokio::test]
async fn usage_is_charged_by_the_price_table() {
    let server = ModelServer::start().await;
    server.set_usage(1_000_000, 250_000);
    server.push_text("one");
    server.push_text("two");
    let mut settings = config(&server, Provider::Anthropic);
    settings.prices = PriceTable::from_toml_str(&format!(
        "[models.\"{MODEL}\"]\ninput_per_mtok = 3.0\noutput_per_mtok = 15.0\n"
    ))
    .unwrap();
    let gateway = Gateway::new(settings).unwrap();
    let mut budget = Budget::new(BudgetLimits {
        usd: Some(10.0),
        ..BudgetLimits::default()
    });
    let reply = gateway
        .chat(&mut budget, &request(vec![user("x")]))
        .await
        .unwrap();
    // 1M input at $3 + 0.25M output at $15.
    assert_eq!(reply.cost_usd, Some(6.75));
    assert_eq!(reply.usage.input_tokens, 1_000_000);
    assert_eq!(budget.spent.usd, 6.75);
    assert_eq!(budget.spent.input_tokens, 1_000_000);
    assert_eq!(budget.spent.output_tokens, 250_000);
    assert_eq!(budget.spent.calls, 1);
    assert!(budget.spent.usd_tracked());

    // The second call goes over the cap (it was under when checked) ...
    gateway
        .chat(&mut budget, &request(vec![user("x")]))
        .await
        .unwrap();
    assert_eq!(budget.spent.usd, 13.5);
    // ... and the third is refused without being sent.
    let error = gateway
        .chat(&mut budget, &request(vec![user("x")]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            LlmError::BudgetExhausted {
                which: BudgetKind::Usd,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn an_unpriced_model_is_flagged_not_guessed() {
    let server = ModelServer::start().await;
    server.set_usage(500, 100);
    server.push_text("hi");
    let gateway = Gateway::new(config(&server, Provider::OpenAi)).unwrap();
    let mut budget = unlimited();
    let reply = gateway
        .chat(&mut budget, &request(vec![user("x")]))
        .await
        .unwrap();
    assert_eq!(reply.cost_usd, None);
    assert_eq!(budget.spent.usd, 0.0);
    assert_eq!(budget.spent.unpriced_calls, 1);
    assert!(!budget.spent.usd_tracked());
    assert_eq!(budget.spent.tokens(), 600);
}

#[tokio::test]
async fn a_dated_snapshot_in_the_answer_is_priced_by_its_model() {
    // The request names a model the table lacks; the provider answers with a snapshot of one
    // it has.
    let server = ModelServer::start().await;
    server.set_usage(1_000_000, 0);
    server.push_fn(|_| ModelReply::Status {
        status: 200,
        headers: Vec::new(),
        body: serde_json::json!({
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": "hi" }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 1_000_000, "completion_tokens": 0 },
        })
        .to_string(),
    });
    let mut settings = config(&server, Provider::OpenAi);
    settings.prices = PriceTable::default();
    let mut budget = unlimited();
    let reply = Gateway::new(settings)
        .unwrap()
        .chat(&mut budget, &request(vec![user("x")]))
        .await
        .unwrap();
    assert_eq!(reply.model, "gpt-4o-mini-2024-07-18");
    assert_eq!(reply.cost_usd, Some(0.15));
}

#[tokio::test]
async fn model_time_includes_waiting_and_retries() {
    let server = ModelServer::start().await;
    server.push_error(503, &[("retry-after", "0.2")], "busy");
    server.push_delayed(
        Duration::from_millis(100),
        ModelReply::Text("ok".to_string()),
    );
    let gateway = Gateway::new(config(&server, Provider::OpenAi)).unwrap();
    let mut budget = unlimited();
    budget.spent.model_ms = 1000;
    gateway
        .chat(&mut budget, &request(vec![user("x")]))
        .await
        .unwrap();
    assert!(budget.spent.model_ms >= 1300, "{}", budget.spent.model_ms);
    // Wall time is the caller's to add.
    assert_eq!(budget.spent.wall_ms, 0);
}
