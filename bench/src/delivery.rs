//! `issue_comment` deliveries that each ask for a plan run, built from a real GitHub example
//! payload and spread over a few installations (tenants), each with its own repository, so
//! that per-tenant writes (the audit chain, the repository row) and permission lookups are
//! exercised as in production rather than all landing on one tenant.

use std::path::Path;

use anyhow::Context as _;
use bytes::Bytes;
use serde_json::{Value, json};

/// First installation id used; the others follow it.
const FIRST_INSTALLATION: i64 = 7_000_001;

/// The example payload's commenter, whose permission the server looks up.
pub const COMMENTER: &str = "Codertocat";

/// The `k`th installation's id.
pub fn installation_id(k: u32) -> i64 {
    FIRST_INSTALLATION + i64::from(k)
}

/// The `k`th installation's repository: each tenant has its own, as on GitHub.
pub fn bench_repository(k: u32) -> String {
    format!("Codertocat/Hello-World-{k}")
}

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
        let bodies = (0..installations.max(1))
            .map(|k| {
                let id = installation_id(k);
                payload.insert(
                    "installation".into(),
                    json!({ "id": id, "node_id": format!("bench-{id}") }),
                );
                let full_name = bench_repository(k);
                let repository = payload
                    .get_mut("repository")
                    .and_then(Value::as_object_mut)
                    .with_context(|| format!("{} has no `repository`", example.display()))?;
                repository.insert("id".into(), json!(id));
                repository.insert("full_name".into(), json!(full_name));
                repository.insert("name".into(), json!(format!("Hello-World-{k}")));
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
