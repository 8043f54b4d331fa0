//! Wiping signers' personal details six months after their petition stopped collecting
//! (closed, rejected or stopped; SPEC §5). Counts, breakdowns and the hourly series stay,
//! and so do each signature's country and constituency, so reconciliation still agrees.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::parliament::anonymise_before;
use domain::state::PetitionState;

use crate::database::write_transaction;
use crate::schema::{petitions, signatures};
use crate::{DbConnection, PersistenceError};

/// Wipes up to `batch` signatures of the first petition due, in one transaction, and marks
/// the petition done once none is left. Returns how many it wiped, or `None` when no
/// petition is due. A crash loses nothing: what is wiped is simply not found again.
pub fn anonymise_next_batch(
    conn: &mut DbConnection,
    batch: i64,
    now: DateTime<Utc>,
) -> Result<Option<usize>, PersistenceError> {
    let cutoff = anonymise_before(now).naive_utc();
    let stamp = now.naive_utc();
    write_transaction(conn, |conn| {
        use PetitionState as P;
        let due = petitions::table
            .filter(petitions::anonymised_at.is_null())
            .filter(
                (petitions::state
                    .eq(P::Closed.as_str())
                    .and(petitions::closed_at.lt(cutoff)))
                .or(petitions::state
                    .eq_any([P::Rejected.as_str(), P::Hidden.as_str()])
                    .and(petitions::rejected_at.lt(cutoff)))
                .or(petitions::state
                    .eq(P::Stopped.as_str())
                    .and(petitions::stopped_at.lt(cutoff))),
            )
            .order(petitions::id)
            .select(petitions::id);
        // Processes share the work: each takes a petition no other is wiping right now.
        let petition: Option<i64> = match conn {
            DbConnection::Postgres(pg) => due.for_update().skip_locked().first(pg).optional()?,
            DbConnection::Sqlite(_) => due.first(conn).optional()?,
        };
        let Some(petition_id) = petition else {
            return Ok(None);
        };
        let remaining: Vec<i64> = signatures::table
            .filter(signatures::petition_id.eq(petition_id))
            .filter(signatures::email_lower.gt(""))
            .limit(batch)
            .select(signatures::id)
            .load(conn)?;
        if !remaining.is_empty() {
            diesel::update(signatures::table.filter(signatures::id.eq_any(&remaining)))
                .set((
                    signatures::name.eq(""),
                    signatures::email.eq(""),
                    signatures::email_lower.eq(""),
                    signatures::canonical_email.eq(""),
                    signatures::postcode.eq(None::<String>),
                    signatures::ip_address.eq(None::<String>),
                    signatures::notify_by_email.eq(false),
                    signatures::updated_at.eq(stamp),
                ))
                .execute(conn)?;
        }
        if i64::try_from(remaining.len()).unwrap_or(i64::MAX) < batch {
            diesel::update(petitions::table.find(petition_id))
                .set((
                    petitions::anonymised_at.eq(stamp),
                    petitions::creator_name.eq(None::<String>),
                ))
                .execute(conn)?;
        }
        Ok(Some(remaining.len()))
    })
}
