//! Schema migrations, one folder per backend, embedded in the binary.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::{DbConnection, PersistenceError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every migration not yet applied and returns their names.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, PersistenceError> {
    let applied = match conn {
        DbConnection::Sqlite(inner) => inner.run_pending_migrations(SQLITE).map(names),
        DbConnection::Postgres(inner) => inner.run_pending_migrations(POSTGRES).map(names),
    };
    applied.map_err(|error| PersistenceError::Migration(error.to_string()))
}

/// Reverts every applied migration, newest first. Used by the migration round-trip test.
pub fn revert_all(conn: &mut DbConnection) -> Result<Vec<String>, PersistenceError> {
    let reverted = match conn {
        DbConnection::Sqlite(inner) => inner.revert_all_migrations(SQLITE).map(names),
        DbConnection::Postgres(inner) => inner.revert_all_migrations(POSTGRES).map(names),
    };
    reverted.map_err(|error| PersistenceError::Migration(error.to_string()))
}

/// Reverts the newest applied migration and returns its name. Used by the tests that check a
/// migration carries data across.
pub fn revert_last(conn: &mut DbConnection) -> Result<String, PersistenceError> {
    let reverted = match conn {
        DbConnection::Sqlite(inner) => inner.revert_last_migration(SQLITE),
        DbConnection::Postgres(inner) => inner.revert_last_migration(POSTGRES),
    };
    reverted
        .map(|version| version.to_string())
        .map_err(|error| PersistenceError::Migration(error.to_string()))
}

fn names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    versions
        .into_iter()
        .map(|version| version.to_string())
        .collect()
}
