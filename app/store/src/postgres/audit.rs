//! PostgreSQL: appending to the audit chains and verifying them.

use sqlx::PgConnection;

use super::{PostgresStore, set_scope};
use crate::audit::{AuditEntry, AuditHead, AuditRow, ChainVerifier, GENESIS_HASH, entry_hash};
use crate::changes::NewAudit;
use crate::error::StoreError;
use crate::model::AuditReport;
use crate::scope::Scope;

/// Rows read per page while verifying, so a log of any size verifies in bounded memory.
const VERIFY_PAGE: i64 = 1_000;

/// Appends `entries` to `chain` and moves its head. The head row is locked until the
/// transaction ends, so concurrent appends to one chain take turns and never fork it.
pub(super) async fn append_audit(
    conn: &mut PgConnection,
    chain: i64,
    at: i64,
    entries: &[NewAudit],
) -> Result<(), StoreError> {
    let lock_head = || {
        sqlx::query_as::<_, (i64, String)>(
            "SELECT seq, hash FROM audit_heads WHERE chain = $1 FOR UPDATE",
        )
        .bind(chain)
    };
    let head = match lock_head().fetch_optional(&mut *conn).await? {
        Some(head) => head,
        None => {
            // A new chain. Two first appends may race here: the loser of the insert waits
            // for the winner to commit, and then locks the winner's head.
            sqlx::query(
                "INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2)
                 ON CONFLICT (chain) DO NOTHING",
            )
            .bind(chain)
            .bind(GENESIS_HASH)
            .execute(&mut *conn)
            .await?;
            lock_head().fetch_one(&mut *conn).await?
        }
    };
    let (mut seq, mut prev_hash) = head;
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
        sqlx::query(
            "INSERT INTO audit_log (chain, seq, at, kind, subject, data, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(chain)
        .bind(seq)
        .bind(at)
        .bind(entry.kind)
        .bind(&entry.subject)
        .bind(&entry.data)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
        prev_hash = hash;
    }
    sqlx::query("UPDATE audit_heads SET seq = $2, hash = $3 WHERE chain = $1")
        .bind(chain)
        .bind(seq)
        .bind(&prev_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl PostgresStore {
    pub(crate) async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        // One snapshot for heads and rows, so entries appended meanwhile cannot look like rows
        // beyond their head.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?;
        set_scope(&mut tx, Scope::System).await?;
        let heads: Vec<AuditHead> = sqlx::query_as("SELECT chain, seq, hash FROM audit_heads")
            .fetch_all(&mut *tx)
            .await?;
        let mut verifier = ChainVerifier::new(heads);
        let mut after = (i64::MIN, i64::MIN);
        loop {
            let page: Vec<AuditRow> = sqlx::query_as(
                "SELECT chain, seq, at, kind, subject, data, prev_hash, hash FROM audit_log
                 WHERE (chain, seq) > ($1, $2) ORDER BY chain, seq LIMIT $3",
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
