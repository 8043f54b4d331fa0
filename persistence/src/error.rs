//! The one error type of the persistence layer.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum PersistenceError {
    /// No connection could be had: the database is down, or the pool is exhausted.
    #[error("the database is unavailable")]
    Unavailable(#[source] r2d2::Error),
    #[error("a database query failed")]
    Query(#[from] diesel::result::Error),
    #[error("DATABASE_URL {0}")]
    InvalidUrl(String),
    #[error("a migration failed: {0}")]
    Migration(String),
    #[error("the bundled reference data is malformed: {0}")]
    ReferenceData(String),
    /// Input given to a command (a file to import, a list entry) can't be used as it is.
    #[error("{0}")]
    InvalidInput(String),
    /// The blocking task running the query panicked or was cancelled.
    #[error("a database task did not complete")]
    TaskFailed(#[source] tokio::task::JoinError),
}

impl From<r2d2::Error> for PersistenceError {
    fn from(error: r2d2::Error) -> Self {
        Self::Unavailable(error)
    }
}

impl PersistenceError {
    /// Whether trying again later may succeed: the database is down or dropped the connection.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        matches!(
            self,
            Self::Unavailable(_)
                | Self::Query(Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _))
        )
    }
}
