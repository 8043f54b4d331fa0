//! Connections and the pool: the backend is chosen from the URL scheme, never guessed.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

use crate::PersistenceError;

/// A connection to whichever database the service runs on.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs the same code against whichever concrete connection `conn` holds. Use it where the
/// query builder needs a concrete backend (upserts, backend-specific SQL): the body is
/// type-checked once per backend, so both stay in step.
macro_rules! on_each_backend {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::DbConnection::Postgres($inner) => $body,
            $crate::DbConnection::Sqlite($inner) => $body,
        }
    };
}
pub(crate) use on_each_backend;

/// Runs `work` in a transaction that writes. On SQLite it begins `IMMEDIATE`, taking the write
/// lock first: a deferred transaction that reads and then writes can fail at once with
/// "database is locked" when another connection wrote in between, whatever the busy timeout.
pub fn write_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, PersistenceError>,
) -> Result<T, PersistenceError> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    match work(conn) {
        Ok(value) => {
            if let Err(error) =
                <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
            {
                let _ =
                    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
                return Err(error.into());
            }
            Ok(value)
        }
        Err(error) => {
            <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(error)
        }
    }
}

/// Takes PostgreSQL transaction-scoped advisory locks on `keys`, in ascending order so two
/// transactions locking overlapping sets can never deadlock. SQLite needs none: its write
/// transactions already run one at a time.
pub fn lock_keys(conn: &mut DbConnection, keys: &mut Vec<i64>) -> Result<(), PersistenceError> {
    use diesel::sql_types::{Array, BigInt};
    let DbConnection::Postgres(pg) = conn else {
        return Ok(());
    };
    keys.sort_unstable();
    keys.dedup();
    // One round trip for the whole set, taken in the order given.
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock(key) FROM unnest($1::bigint[]) WITH ORDINALITY AS k(key, n) ORDER BY n",
    )
    .bind::<Array<BigInt>, _>(&*keys)
    .execute(pg)?;
    Ok(())
}

/// A stable 64-bit key for an advisory lock (FNV-1a: the same in every process and release).
pub fn lock_key(parts: &[&str]) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.join("\u{1f}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite://path`, `postgres://...` or `postgresql://...`; anything else is refused.
    pub fn from_url(url: &str) -> Result<Self, PersistenceError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else if sqlite_path(url).is_some() {
            Ok(Self::Sqlite)
        } else {
            Err(PersistenceError::InvalidUrl(format!(
                "must start with sqlite:// or postgres:// (got {:?})",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }
}

/// The file path of a `sqlite://` URL: `sqlite://petitions.db` is relative, `sqlite:///x.db` absolute.
fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .filter(|path| !path.is_empty())
}

struct ConnectionManager {
    url: String,
    backend: Backend,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match self.backend {
            Backend::Postgres => Ok(DbConnection::Postgres(PgConnection::establish(&self.url)?)),
            Backend::Sqlite => {
                let path = sqlite_path(&self.url).unwrap_or_default();
                let mut conn = SqliteConnection::establish(path)?;
                // The busy timeout comes first: it makes this connection wait, not fail, while
                // another one switches a new file to WAL. WAL lets readers run while a writer
                // commits; SQLite leaves foreign keys off unless asked.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// The connection pool. Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<ConnectionManager>,
}

impl Database {
    /// Opens a pool on `url`. Fails at once if the first connection can't be made, so a
    /// misconfigured service stops at start-up rather than on its first request.
    pub fn connect(
        url: &str,
        max_connections: u32,
        timeout: Duration,
    ) -> Result<Self, PersistenceError> {
        let backend = Backend::from_url(url)?;
        let manager = ConnectionManager {
            url: url.to_owned(),
            backend,
        };
        // No test query on every checkout: that is a round trip per request, and a dropped
        // connection shows up as an error on its first use anyway.
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .connection_timeout(timeout)
            .test_on_check_out(false)
            .build(manager)?;
        Ok(Self { pool })
    }

    /// Runs blocking database work on a blocking thread, never on the async runtime.
    pub async fn run<F, R>(&self, work: F) -> Result<R, PersistenceError>
    where
        F: FnOnce(&mut DbConnection) -> Result<R, PersistenceError> + Send + 'static,
        R: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || work(&mut *pool.get()?))
            .await
            .map_err(PersistenceError::TaskFailed)?
    }

    /// The same work for callers that are not async (the command line).
    pub fn run_blocking<F, R>(&self, work: F) -> Result<R, PersistenceError>
    where
        F: FnOnce(&mut DbConnection) -> Result<R, PersistenceError>,
    {
        work(&mut *self.pool.get()?)
    }

    /// Checks that the database answers, for the readiness probe.
    pub async fn ping(&self) -> Result<(), PersistenceError> {
        self.run(|conn| Ok(conn.batch_execute("SELECT 1")?)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_comes_from_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://petitions.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://u@h/db").is_err());
        assert!(Backend::from_url("petitions.db").is_err());
        assert!(Backend::from_url("sqlite://").is_err());
    }
}
