//! The budget: which cap is reached when, `continue`'s fresh allowance, and the stored form.

use std::time::Duration;

use redgreen_llm::{Budget, BudgetKind, BudgetLimits, LlmError};

fn limits(tokens: Option<u64>, usd: Option<f64>, minutes: Option<u64>) -> BudgetLimits {
    BudgetLimits {
        tokens,
        usd,
        minutes,
    }
}

fn exhausted(budget: &Budget) -> Option<BudgetKind> {
    match budget.check() {
        Ok(()) => None,
        Err(LlmError::BudgetExhausted { which, .. }) => Some(which),
        Err(other) => panic!("unexpected {other}"),
    }
}

#[test]
fn no_caps_never_exhaust() {
    let mut budget = Budget::new(BudgetLimits::default());
    budget.spent.input_tokens = u64::MAX / 2;
    budget.spent.usd = 1e9;
    budget.add_wall(Duration::from_secs(365 * 24 * 3600));
    assert_eq!(exhausted(&budget), None);
}

#[test]
fn each_cap_is_reached_when_spending_meets_it() {
    let mut budget = Budget::new(limits(Some(1000), None, None));
    budget.spent.input_tokens = 700;
    budget.spent.output_tokens = 299;
    assert_eq!(exhausted(&budget), None);
    budget.spent.output_tokens = 300;
    assert_eq!(exhausted(&budget), Some(BudgetKind::Tokens));

    let mut budget = Budget::new(limits(None, Some(0.5), None));
    budget.spent.usd = 0.49;
    assert_eq!(exhausted(&budget), None);
    budget.spent.usd = 0.5;
    assert_eq!(exhausted(&budget), Some(BudgetKind::Usd));

    let mut budget = Budget::new(limits(None, None, Some(2)));
    budget.add_wall(Duration::from_secs(119));
    assert_eq!(exhausted(&budget), None);
    budget.add_wall(Duration::from_secs(1));
    assert_eq!(exhausted(&budget), Some(BudgetKind::Minutes));
}

#[test]
fn the_error_says_which_cap_and_is_not_retryable() {
    let mut budget = Budget::new(limits(Some(10), Some(1.0), None));
    budget.spent.input_tokens = 12;
    let error = budget.check().unwrap_err();
    assert!(!error.is_retryable());
    let LlmError::BudgetExhausted {
        which,
        limit,
        spent,
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!(*which, BudgetKind::Tokens);
    assert_eq!(*limit, 10.0);
    assert_eq!(*spent, 12.0);
    assert!(error.to_string().contains("tokens"), "{error}");
}

#[test]
fn the_budget_survives_a_checkpoint() {
    let mut budget = Budget::new(limits(Some(400_000), Some(3.0), Some(30)));
    budget.spent.input_tokens = 1234;
    budget.spent.output_tokens = 56;
    budget.spent.usd = 0.125;
    budget.spent.model_ms = 789;
    budget.spent.calls = 3;
    budget.add_wall(Duration::from_millis(4321));
    let stored = serde_json::to_string(&budget).unwrap();
    let restored: Budget = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored, budget);
    assert_eq!(restored.spent.tokens(), 1290);
    assert!(restored.spent.usd_tracked());
}
