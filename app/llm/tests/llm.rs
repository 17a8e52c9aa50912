//! Tests of the model gateway: pure parts first (prices, budgets, redaction, fencing, the
//! stored conversation), then the gateway against the scripted model server over real HTTP
//! on loopback, in both providers' formats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "llm/support.rs"]
mod support;

#[path = "llm/budget.rs"]
mod budget;
#[path = "llm/fence.rs"]
mod fence;
#[path = "llm/messages.rs"]
mod messages;
#[path = "llm/prices.rs"]
mod prices;
#[path = "llm/redaction.rs"]
mod redaction;

#[path = "llm/accounting.rs"]
mod accounting;
#[path = "llm/anthropic.rs"]
mod anthropic;
#[path = "llm/config.rs"]
mod config;
#[path = "llm/openai.rs"]
mod openai;
#[path = "llm/redacted_requests.rs"]
mod redacted_requests;
#[path = "llm/retries.rs"]
mod retries;
