//! Hash-chained audit log: the hash of one entry and the check of whole chains, shared by both
//! backends so that a log written by one verifies the same way everywhere.
//!
//! There is one chain per installation (the chain key is the installation id, 0 for app-level
//! entries). Entry `n` of a chain stores `prev_hash` = the hash of entry `n - 1` (or
//! [`GENESIS_HASH`] for `n = 1`) and `hash` = [`entry_hash`] over that and its own contents.
//! A head row per chain records the last `(seq, hash)`, so that deleting the newest entries is
//! as visible as editing or deleting any other.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::model::{AuditBreak, AuditReport};

/// The `prev_hash` of the first entry of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The contents of one audit entry, as hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditEntry<'a> {
    pub chain: i64,
    pub seq: i64,
    /// Epoch milliseconds.
    pub at: i64,
    pub kind: &'a str,
    pub subject: &'a str,
    /// JSON text, hashed byte for byte as stored.
    pub data: &'a str,
}

/// Lowercase hex SHA-256 of `prev_hash` followed by the entry's fields. Every field is
/// length-prefixed, so no two different entries hash the same bytes (no field can absorb the
/// start of the next one).
pub fn entry_hash(prev_hash: &str, entry: &AuditEntry<'_>) -> String {
    let mut hasher = Sha256::new();
    let fields: [&[u8]; 7] = [
        prev_hash.as_bytes(),
        &entry.chain.to_be_bytes(),
        &entry.seq.to_be_bytes(),
        &entry.at.to_be_bytes(),
        entry.kind.as_bytes(),
        entry.subject.as_bytes(),
        entry.data.as_bytes(),
    ];
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field);
    }
    hex::encode(hasher.finalize())
}

/// One stored row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub chain: i64,
    pub seq: i64,
    pub at: i64,
    pub kind: String,
    pub subject: String,
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

/// One stored chain head.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct AuditHead {
    pub chain: i64,
    pub seq: i64,
    pub hash: String,
}

/// Where the chain being checked stands: the last row seen.
struct Cursor {
    chain: i64,
    seq: i64,
    hash: String,
}

/// Checks audit chains from rows fed in `(chain, seq)` order, so a backend can page through a
/// log of any size. Each break is reported once; checking then carries on from the row's own
/// stored hash, so one edited row yields one break rather than a cascade.
pub(crate) struct ChainVerifier {
    heads: BTreeMap<i64, AuditHead>,
    cursor: Option<Cursor>,
    report: AuditReport,
}

impl ChainVerifier {
    pub(crate) fn new(heads: Vec<AuditHead>) -> ChainVerifier {
        ChainVerifier {
            heads: heads.into_iter().map(|head| (head.chain, head)).collect(),
            cursor: None,
            report: AuditReport {
                rows: 0,
                chains: 0,
                breaks: Vec::new(),
            },
        }
    }

    /// Checks the next row; rows must come ordered by chain, then seq.
    pub(crate) fn push(&mut self, row: &AuditRow) {
        if self.cursor.as_ref().is_none_or(|c| c.chain != row.chain) {
            self.finish_chain();
            self.report.chains += 1;
            self.cursor = Some(Cursor {
                chain: row.chain,
                seq: 0,
                hash: GENESIS_HASH.to_owned(),
            });
        }
        let Some(cursor) = self.cursor.as_mut() else {
            return;
        };
        self.report.rows += 1;

        let expected_seq = cursor.seq + 1;
        let reason = if row.seq != expected_seq {
            Some(format!(
                "row(s) missing: expected seq {expected_seq}, found seq {}",
                row.seq
            ))
        } else if row.prev_hash != cursor.hash {
            Some("prev_hash does not match the previous row's hash".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            self.report.breaks.push(AuditBreak {
                chain: row.chain,
                seq: row.seq,
                reason,
            });
        }
        let entry = AuditEntry {
            chain: row.chain,
            seq: row.seq,
            at: row.at,
            kind: &row.kind,
            subject: &row.subject,
            data: &row.data,
        };
        if entry_hash(&row.prev_hash, &entry) != row.hash {
            self.report.breaks.push(AuditBreak {
                chain: row.chain,
                seq: row.seq,
                reason: "hash does not match the row's contents (row edited)".to_owned(),
            });
        }
        cursor.seq = row.seq;
        cursor.hash.clone_from(&row.hash);
    }

    /// The report, once every row has been pushed.
    pub(crate) fn finish(mut self) -> AuditReport {
        self.finish_chain();
        // Heads whose chain has no rows left at all.
        for head in std::mem::take(&mut self.heads).into_values() {
            self.report.chains += 1;
            if head.seq != 0 {
                self.report.breaks.push(AuditBreak {
                    chain: head.chain,
                    seq: 1,
                    reason: format!("head is at seq {} but the chain has no rows", head.seq),
                });
            }
        }
        self.report
    }

    /// Compares the chain just checked with its head row: a deleted tail leaves the last row
    /// behind the head; a row appended without moving the head leaves it ahead.
    fn finish_chain(&mut self) {
        let Some(cursor) = self.cursor.take() else {
            return;
        };
        let reason = match self.heads.remove(&cursor.chain) {
            None => Some("the chain has rows but no head".to_owned()),
            Some(head) if head.seq != cursor.seq => Some(format!(
                "head is at seq {} but the last row is seq {}",
                head.seq, cursor.seq
            )),
            Some(head) if head.hash != cursor.hash => {
                Some("head hash does not match the last row's hash".to_owned())
            }
            Some(_) => None,
        };
        if let Some(reason) = reason {
            self.report.breaks.push(AuditBreak {
                chain: cursor.chain,
                seq: cursor.seq + 1,
                reason,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(chain: i64, len: i64) -> Vec<AuditRow> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=len)
            .map(|seq| {
                let data = format!("{{\"n\":{seq}}}");
                let entry = AuditEntry {
                    chain,
                    seq,
                    at: 1_000 + seq,
                    kind: "delivery",
                    subject: "d",
                    data: &data,
                };
                let hash = entry_hash(&prev, &entry);
                AuditRow {
                    chain,
                    seq,
                    at: entry.at,
                    kind: entry.kind.to_owned(),
                    subject: entry.subject.to_owned(),
                    data,
                    prev_hash: std::mem::replace(&mut prev, hash.clone()),
                    hash,
                }
            })
            .collect()
    }

    fn head_of(rows: &[AuditRow]) -> AuditHead {
        let last = &rows[rows.len() - 1];
        AuditHead {
            chain: last.chain,
            seq: last.seq,
            hash: last.hash.clone(),
        }
    }

    fn verify(heads: Vec<AuditHead>, rows: &[AuditRow]) -> AuditReport {
        let mut verifier = ChainVerifier::new(heads);
        for row in rows {
            verifier.push(row);
        }
        verifier.finish()
    }

    #[test]
    fn hash_depends_on_every_field_and_on_field_boundaries() {
        let base = AuditEntry {
            chain: 1,
            seq: 1,
            at: 5,
            kind: "ab",
            subject: "c",
            data: "{}",
        };
        let h = entry_hash(GENESIS_HASH, &base);
        assert_eq!(h.len(), 64);
        let variants = [
            AuditEntry { chain: 2, ..base },
            AuditEntry { seq: 2, ..base },
            AuditEntry { at: 6, ..base },
            AuditEntry {
                kind: "a",
                subject: "bc",
                ..base
            },
            AuditEntry {
                data: "{ }",
                ..base
            },
        ];
        for variant in variants {
            assert_ne!(entry_hash(GENESIS_HASH, &variant), h, "{variant:?}");
        }
        assert_ne!(entry_hash(&h, &base), h);
    }

    #[test]
    fn intact_chains_verify() {
        let a = chain(1, 3);
        let b = chain(2, 2);
        let rows: Vec<AuditRow> = a.iter().chain(&b).cloned().collect();
        let report = verify(vec![head_of(&a), head_of(&b)], &rows);
        assert_eq!(report.rows, 5);
        assert_eq!(report.chains, 2);
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);
    }

    #[test]
    fn edited_row_is_one_break() {
        let mut rows = chain(1, 3);
        let head = head_of(&rows);
        rows[1].data = "{\"n\":99}".to_owned();
        let report = verify(vec![head], &rows);
        assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
        assert_eq!((report.breaks[0].chain, report.breaks[0].seq), (1, 2));
        assert!(report.breaks[0].reason.contains("edited"));
    }

    #[test]
    fn rehashed_edit_breaks_the_link_to_the_next_row() {
        let mut rows = chain(1, 3);
        let head = head_of(&rows);
        rows[1].data = "{\"n\":99}".to_owned();
        let entry = AuditEntry {
            chain: 1,
            seq: 2,
            at: rows[1].at,
            kind: "delivery",
            subject: "d",
            data: &rows[1].data,
        };
        rows[1].hash = entry_hash(&rows[1].prev_hash, &entry);
        let report = verify(vec![head], &rows);
        assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
        assert_eq!(report.breaks[0].seq, 3);
        assert!(report.breaks[0].reason.contains("prev_hash"));
    }

    #[test]
    fn deleted_middle_row_is_a_gap() {
        let mut rows = chain(1, 4);
        let head = head_of(&rows);
        rows.remove(1);
        let report = verify(vec![head], &rows);
        assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
        assert_eq!(report.breaks[0].seq, 3);
        assert!(report.breaks[0].reason.contains("missing"));
    }

    #[test]
    fn deleted_tail_disagrees_with_the_head() {
        let mut rows = chain(1, 4);
        let head = head_of(&rows);
        rows.pop();
        let report = verify(vec![head], &rows);
        assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
        assert_eq!(report.breaks[0].seq, 4);
        assert!(report.breaks[0].reason.contains("head is at seq 4"));
    }

    #[test]
    fn fully_deleted_chain_and_headless_chain_are_breaks() {
        let a = chain(1, 2);
        let b = chain(2, 2);
        let report = verify(vec![head_of(&a)], &b);
        assert_eq!(report.chains, 2);
        assert_eq!(report.breaks.len(), 2, "{:?}", report.breaks);
        assert!(
            report
                .breaks
                .iter()
                .any(|b| b.chain == 2 && b.reason.contains("no head"))
        );
        assert!(
            report
                .breaks
                .iter()
                .any(|b| b.chain == 1 && b.reason.contains("no rows"))
        );
    }
}
