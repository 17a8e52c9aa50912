//! Signed `issue_comment` deliveries that each ask for a plan run, spread over a few
//! installations (tenants) so that per-tenant writes (the audit chain) are exercised as in
//! production rather than all landing on one chain.

use std::path::Path;

use anyhow::Context as _;
use bytes::Bytes;
use serde_json::{Value, json};

/// First installation id used; the others follow it.
const FIRST_INSTALLATION: i64 = 7_000_001;

/// One body per installation, with its signature. Every request reuses one of them under a
/// fresh `X-GitHub-Delivery`, so the generator spends no time serialising or hashing while it
/// is timing the server.
pub struct Deliveries {
    signed: Vec<(Bytes, String)>,
}

impl Deliveries {
    /// Patches `installation` and the comment body `@<bot> plan` into the example payload at
    /// `example`, once per installation, and signs each body with `secret`.
    pub fn load(
        example: &Path,
        secret: &str,
        installations: u32,
        bot: &str,
    ) -> anyhow::Result<Deliveries> {
        let text = std::fs::read_to_string(example)
            .with_context(|| format!("cannot read the example payload {}", example.display()))?;
        let mut payload: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", example.display()))?;
        let payload = payload
            .as_object_mut()
            .with_context(|| format!("{} is not a JSON object", example.display()))?;
        let comment = payload
            .get_mut("comment")
            .and_then(Value::as_object_mut)
            .with_context(|| format!("{} has no `comment` object", example.display()))?;
        comment.insert("body".into(), Value::String(format!("@{bot} plan")));
        let signed = (0..i64::from(installations.max(1)))
            .map(|k| {
                let id = FIRST_INSTALLATION + k;
                payload.insert(
                    "installation".into(),
                    json!({ "id": id, "node_id": format!("bench-{id}") }),
                );
                let body = serde_json::to_vec(&*payload)?;
                let signature = redgreen_core::webhook::sign(secret.as_bytes(), &body);
                Ok((Bytes::from(body), signature))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Deliveries { signed })
    }

    /// The body and signature for request `i` (round robin over the installations).
    pub fn get(&self, i: u64) -> (Bytes, &str) {
        let (body, signature) = &self.signed[(i % self.signed.len() as u64) as usize];
        (body.clone(), signature)
    }
}
