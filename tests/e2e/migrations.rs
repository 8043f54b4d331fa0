//! Every migration can be applied, reverted and applied again, on each backend.

use persistence::{migrations, reference};
use tests::TestDatabase;

#[test]
fn all_migrations_run_up_down_and_up_again() {
    let database = TestDatabase::new();
    let db = database.connect();
    let applied = db.run_blocking(migrations::run_pending).unwrap();
    assert!(applied.len() >= 2, "{applied:?}");
    db.run_blocking(reference::load_bundled).unwrap();
    let reverted = db.run_blocking(migrations::revert_all).unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert_eq!(db.run_blocking(migrations::run_pending).unwrap(), applied);
    assert!(
        db.run_blocking(migrations::run_pending).unwrap().is_empty(),
        "nothing left to apply"
    );
}

#[test]
fn reference_data_loads_once_however_often_it_runs() {
    let database = TestDatabase::new();
    let db = database.connect();
    db.run_blocking(migrations::run_pending).unwrap();
    db.run_blocking(reference::load_bundled).unwrap();
    db.run_blocking(reference::load_bundled).unwrap();
    assert_eq!(
        db.run_blocking(reference::list_constituencies)
            .unwrap()
            .len(),
        650
    );
}

/// Confirming a signature sets its state, validated_at and updated_at. No index on the table
/// may name one of them, in its key or its predicate, or PostgreSQL can no longer write the
/// confirmed version in place (a HOT update) and every confirmation touches every index: at
/// viral scale the largest cost of the database.
#[test]
fn no_signatures_index_names_what_confirming_changes() {
    use diesel::sql_types::Text;
    use diesel::{QueryableByName, RunQueryDsl};
    use persistence::DbConnection;

    #[derive(QueryableByName)]
    struct IndexDefinition {
        #[diesel(sql_type = Text)]
        definition: String,
    }

    let database = TestDatabase::new();
    let db = database.connect();
    db.run_blocking(migrations::run_pending).unwrap();
    let definitions = db
        .run_blocking(|conn| {
            let definitions: Vec<IndexDefinition> = match conn {
                DbConnection::Postgres(conn) => diesel::sql_query(
                    "SELECT indexdef AS definition FROM pg_indexes WHERE tablename = 'signatures'",
                )
                .load(conn)?,
                // Indexes SQLite makes itself, for UNIQUE constraints, have no SQL.
                DbConnection::Sqlite(conn) => diesel::sql_query(
                    "SELECT sql AS definition FROM sqlite_master \
                     WHERE type = 'index' AND tbl_name = 'signatures' AND sql IS NOT NULL",
                )
                .load(conn)?,
            };
            Ok(definitions)
        })
        .unwrap();
    assert!(definitions.len() >= 3, "the signatures indexes are read");
    for IndexDefinition { definition } in definitions {
        let lowered = definition.to_lowercase();
        for column in ["state", "validated_at", "updated_at"] {
            let names_column = lowered
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == column);
            assert!(!names_column, "{definition} names {column}");
        }
    }
}
