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
