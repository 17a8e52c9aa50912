//! What a model costs, in US dollars per million input and output tokens. A default table of
//! well-known models is built in. An operator's table, to override or extend it, is TOML
//! ([`PriceTable::from_toml_str`]; no setting loads one yet, so today only the built-in table
//! applies):
//!
//! ```toml
//! [models."my-finetune"]
//! input_per_mtok = 0.5
//! output_per_mtok = 1.5
//! ```
//!
//! A model the table does not know costs nothing but is reported as unpriced, so the caller
//! can say that USD is not tracked instead of showing a wrong number.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::chat::Usage;
use crate::error::LlmError;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

/// The cost of one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    pub usd: f64,
    /// `false` when the model is not in the table (`usd` is then 0).
    pub priced: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    #[serde(default)]
    pub models: BTreeMap<String, ModelPrice>,
}

/// Prices as published on the providers' pricing pages (openai.com/api/pricing,
/// anthropic.com/pricing), as of 2025-11. Providers change them: operators override
/// with their own table rather than waiting for a release.
const DEFAULT_PRICES: &[(&str, f64, f64)] = &[
    // OpenAI
    ("gpt-4o", 2.50, 10.00),
    ("gpt-4o-mini", 0.15, 0.60),
    ("gpt-4.1", 2.00, 8.00),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1-nano", 0.10, 0.40),
    ("o3", 2.00, 8.00),
    ("o4-mini", 1.10, 4.40),
    ("gpt-5", 1.25, 10.00),
    ("gpt-5-mini", 0.25, 2.00),
    ("gpt-5-nano", 0.05, 0.40),
    ("gpt-5.1", 1.25, 10.00),
    // Anthropic (aliases; dated snapshots resolve to these, see `PriceTable::price`)
    ("claude-opus-4-5", 5.00, 25.00),
    ("claude-opus-4-1", 15.00, 75.00),
    ("claude-opus-4-0", 15.00, 75.00),
    ("claude-opus-4", 15.00, 75.00),
    ("claude-sonnet-4-5", 3.00, 15.00),
    ("claude-sonnet-4-0", 3.00, 15.00),
    ("claude-sonnet-4", 3.00, 15.00),
    ("claude-3-7-sonnet", 3.00, 15.00),
    ("claude-haiku-4-5", 1.00, 5.00),
    ("claude-3-5-haiku", 0.80, 4.00),
];

impl Default for PriceTable {
    fn default() -> PriceTable {
        PriceTable {
            models: DEFAULT_PRICES
                .iter()
                .map(|&(model, input_per_mtok, output_per_mtok)| {
                    (
                        model.to_string(),
                        ModelPrice {
                            input_per_mtok,
                            output_per_mtok,
                        },
                    )
                })
                .collect(),
        }
    }
}

impl PriceTable {
    /// A table with no prices: every model is unpriced.
    pub fn empty() -> PriceTable {
        PriceTable {
            models: BTreeMap::new(),
        }
    }

    /// Parses an operator's table (see the module docs). Negative or non-finite prices are
    /// refused: they would make a USD cap meaningless.
    pub fn from_toml_str(text: &str) -> Result<PriceTable, LlmError> {
        let table: PriceTable = toml::from_str(text).map_err(|error| LlmError::Config {
            reason: format!("price table: {}", error.message()),
        })?;
        for (model, price) in &table.models {
            for value in [price.input_per_mtok, price.output_per_mtok] {
                if !value.is_finite() || value < 0.0 {
                    return Err(LlmError::Config {
                        reason: format!(
                            "price table: {model}: price {value} is not a non-negative number"
                        ),
                    });
                }
            }
        }
        Ok(table)
    }

    /// Adds `overrides` to this table; a model in both takes the override's price.
    pub fn merge(&mut self, overrides: PriceTable) {
        self.models.extend(overrides.models);
    }

    /// The price of `model`: its own entry, or else that of the name without a dated snapshot
    /// suffix (`gpt-4o-2024-08-06` → `gpt-4o`, `claude-3-5-haiku-20241022` →
    /// `claude-3-5-haiku`) or `-latest`. Prefixes are not matched otherwise: `gpt-4o-mini`
    /// must never be charged as `gpt-4o`.
    pub fn price(&self, model: &str) -> Option<ModelPrice> {
        if let Some(price) = self.models.get(model) {
            return Some(*price);
        }
        let base = strip_snapshot(model)?;
        self.models.get(base).copied()
    }

    pub fn cost(&self, model: &str, usage: &Usage) -> Cost {
        match self.price(model) {
            Some(price) => Cost {
                usd: (usage.input_tokens as f64 * price.input_per_mtok
                    + usage.output_tokens as f64 * price.output_per_mtok)
                    / 1_000_000.0,
                priced: true,
            },
            None => Cost {
                usd: 0.0,
                priced: false,
            },
        }
    }
}

/// `name-YYYY-MM-DD`, `name-YYYYMMDD` or `name-latest` → `name`.
fn strip_snapshot(model: &str) -> Option<&str> {
    if let Some(base) = model.strip_suffix("-latest") {
        return Some(base);
    }
    let is_digits = |text: &str, len: usize| {
        text.len() == len && text.bytes().all(|byte| byte.is_ascii_digit())
    };
    let (rest, last) = model.rsplit_once('-')?;
    if is_digits(last, 8) {
        return Some(rest);
    }
    if is_digits(last, 2) {
        let (rest, month) = rest.rsplit_once('-')?;
        let (base, year) = rest.rsplit_once('-')?;
        if is_digits(month, 2) && is_digits(year, 4) {
            return Some(base);
        }
    }
    None
}
