//! Readiness of the schema: the applied migrations must be exactly the ones this binary embeds.

use sqlx::migrate::{AppliedMigration, MigrateError, Migrator};

/// `Ok` when every embedded migration is applied unchanged and nothing else is. A database
/// migrated by a newer binary, or a half-applied migration, is not ready for this one.
pub(crate) fn check_applied(
    migrator: &Migrator,
    applied: &[AppliedMigration],
    dirty: Option<i64>,
) -> Result<(), MigrateError> {
    if let Some(version) = dirty {
        return Err(MigrateError::Dirty(version));
    }
    let latest_applied = applied.iter().map(|m| m.version).max().unwrap_or(0);
    for migration in migrator.iter() {
        match applied.iter().find(|m| m.version == migration.version) {
            None => {
                return Err(MigrateError::VersionTooNew(
                    migration.version,
                    latest_applied,
                ));
            }
            Some(m) if m.checksum != migration.checksum => {
                return Err(MigrateError::VersionMismatch(migration.version));
            }
            Some(_) => {}
        }
    }
    match applied.iter().find(|m| !migrator.version_exists(m.version)) {
        Some(unknown) => Err(MigrateError::VersionMissing(unknown.version)),
        None => Ok(()),
    }
}
