//! `issue_comment` deliveries that each ask for a plan run, built from a real GitHub example
//! payload and spread over a few installations (tenants), so that per-tenant writes (the
//! audit chain, the repository row) are exercised as in production rather than all landing
//! on one tenant.

use std::path::Path;

use anyhow::Context as _;
use bytes::Bytes;
use serde_json::{Value, json};

/// First installation id used; the others follow it.
const FIRST_INSTALLATION: i64 = 7_000_001;

/// One body per installation. Every delivery reuses one of them under a fresh delivery id,
/// so no time is spent serialising while the server or store is being timed.
pub struct Deliveries {
    bodies: Vec<Bytes>,
}

impl Deliveries {
    /// Patches `installation` and the comment body `@<bot> plan` into the example payload at
    /// `example`, once per installation.
    pub fn load(example: &Path, installations: u32, bot: &str) -> anyhow::Result<Deliveries> {
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
        let bodies = (0..i64::from(installations.max(1)))
            .map(|k| {
                let id = FIRST_INSTALLATION + k;
                payload.insert(
                    "installation".into(),
                    json!({ "id": id, "node_id": format!("bench-{id}") }),
                );
                Ok(Bytes::from(serde_json::to_vec(&*payload)?))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Deliveries { bodies })
    }

    /// The distinct bodies, one per installation.
    pub fn bodies(&self) -> &[Bytes] {
        &self.bodies
    }
}
