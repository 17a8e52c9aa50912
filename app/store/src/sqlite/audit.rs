//! SQLite: appending to the audit chains and verifying them.

use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use crate::audit::{AuditEntry, AuditHead, AuditRow, ChainVerifier, GENESIS_HASH, entry_hash};
use crate::changes::NewAudit;
use crate::error::StoreError;
use crate::model::AuditReport;

/// Rows read per page while verifying, so a log of any size verifies in bounded memory.
const VERIFY_PAGE: i64 = 1_000;

/// Appends `entries` to `chain` and moves its head. Runs on the writer thread inside the
/// write transaction, so the head read here is still the head when it is replaced.
pub(super) fn append_audit(
    conn: &Connection,
    chain: i64,
    at: i64,
    entries: &[NewAudit],
) -> Result<(), StoreError> {
    let head: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_heads WHERE chain = ?1")?
        .query_row([chain], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (mut seq, mut prev_hash) = head.unwrap_or((0, GENESIS_HASH.to_owned()));
    let mut insert = conn.prepare_cached(
        "INSERT INTO audit_log (chain, seq, at, kind, subject, data, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for entry in entries {
        seq += 1;
        let hash = entry_hash(
            &prev_hash,
            &AuditEntry {
                chain,
                seq,
                at,
                kind: entry.kind,
                subject: &entry.subject,
                data: &entry.data,
            },
        );
        insert.execute(params![
            chain,
            seq,
            at,
            entry.kind,
            entry.subject,
            entry.data,
            prev_hash,
            hash,
        ])?;
        prev_hash = hash;
    }
    conn.prepare_cached(
        "INSERT INTO audit_heads (chain, seq, hash) VALUES (?1, ?2, ?3)
         ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )?
    .execute(params![chain, seq, prev_hash])?;
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        // One read transaction: heads and rows come from the same snapshot, so entries
        // appended meanwhile cannot look like rows beyond their head.
        let mut tx = self.reader.begin().await?;
        let heads: Vec<AuditHead> = sqlx::query_as("SELECT chain, seq, hash FROM audit_heads")
            .fetch_all(&mut *tx)
            .await?;
        let mut verifier = ChainVerifier::new(heads);
        let mut after = (i64::MIN, i64::MIN);
        loop {
            let page: Vec<AuditRow> = sqlx::query_as(
                "SELECT chain, seq, at, kind, subject, data, prev_hash, hash FROM audit_log
                 WHERE (chain, seq) > (?1, ?2) ORDER BY chain, seq LIMIT ?3",
            )
            .bind(after.0)
            .bind(after.1)
            .bind(VERIFY_PAGE)
            .fetch_all(&mut *tx)
            .await?;
            for row in &page {
                verifier.push(row);
            }
            match page.last() {
                Some(last) if page.len() == VERIFY_PAGE as usize => after = (last.chain, last.seq),
                _ => break,
            }
        }
        tx.commit().await?;
        Ok(verifier.finish())
    }
}
