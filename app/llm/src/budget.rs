//! A task's allowance (tokens, US dollars, wall-clock minutes) and what it has spent. The
//! gateway checks it before every call and adds each call's usage after; it is plain data so
//! the caller can keep it in the task's checkpoint.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::LlmError;

/// Caps for one allowance; `None` means no cap of that kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetLimits {
    /// Input plus output tokens.
    pub tokens: Option<u64>,
    pub usd: Option<f64>,
    /// Wall-clock minutes of the task (the caller adds wall time with [`Budget::add_wall`]).
    pub minutes: Option<u64>,
}

/// What a task has spent so far. Fields missing from a stored budget read as zero.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Spent {
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// USD by the price table; calls to models it does not know add nothing (see
    /// `unpriced_calls`).
    pub usd: f64,
    pub wall_ms: u64,
    /// Time spent waiting for the model, retries and their pauses included.
    pub model_ms: u64,
    /// Successful model calls.
    pub calls: u64,
    /// Successful calls whose model has no price: when non-zero, `usd` is a lower bound and
    /// a USD cap is not enforced for them.
    pub unpriced_calls: u64,
}

impl Spent {
    pub fn tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }

    /// Whether every call so far had a price, i.e. `usd` is the real cost.
    pub fn usd_tracked(&self) -> bool {
        self.unpriced_calls == 0
    }
}

/// Which cap was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetKind {
    Tokens,
    Usd,
    Minutes,
}

impl fmt::Display for BudgetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BudgetKind::Tokens => "tokens",
            BudgetKind::Usd => "USD",
            BudgetKind::Minutes => "minutes",
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub limits: BudgetLimits,
    pub spent: Spent,
}

impl Budget {
    pub fn new(limits: BudgetLimits) -> Budget {
        Budget {
            limits,
            spent: Spent::default(),
        }
    }

    /// `Ok` while every cap still has room; otherwise the first cap reached (tokens, then
    /// USD, then minutes). A cap is reached when spending equals it: the next call could only
    /// go over.
    pub fn check(&self) -> Result<(), LlmError> {
        let exhausted = |which, limit: f64, spent: f64| LlmError::BudgetExhausted {
            which,
            limit,
            spent,
        };
        if let Some(limit) = self.limits.tokens
            && self.spent.tokens() >= limit
        {
            return Err(exhausted(
                BudgetKind::Tokens,
                limit as f64,
                self.spent.tokens() as f64,
            ));
        }
        if let Some(limit) = self.limits.usd
            && self.spent.usd >= limit
        {
            return Err(exhausted(BudgetKind::Usd, limit, self.spent.usd));
        }
        if let Some(limit) = self.limits.minutes
            && self.spent.wall_ms >= limit.saturating_mul(60_000)
        {
            return Err(exhausted(
                BudgetKind::Minutes,
                limit as f64,
                self.spent.wall_ms as f64 / 60_000.0,
            ));
        }
        Ok(())
    }

    pub fn add_wall(&mut self, elapsed: Duration) {
        self.spent.wall_ms = self.spent.wall_ms.saturating_add(millis(elapsed));
    }

    pub(crate) fn add_model_time(&mut self, elapsed: Duration) {
        self.spent.model_ms = self.spent.model_ms.saturating_add(millis(elapsed));
    }
}

fn millis(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}
