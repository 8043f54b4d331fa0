//! Invalidations (SPEC §2.4): described and started by sysadmins, run by the workers a batch
//! at a time. Each batch strikes its signatures out and takes the counted ones off their
//! petitions' counts in one transaction, with the cursor, so a crash resumes where it
//! stopped and nothing is taken off twice.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::invalidation::{Criteria, SignatureFacts};
use domain::sponsorship::reaches_moderation;
use domain::state::{
    Authority, InvalidationEvent, InvalidationState, ModerationEvent, PetitionState,
    SignatureState, StateMachine,
};
use domain::Thresholds;
use serde_json::json;

use crate::audit::{self, NewAuditEntry};
use crate::database::{on_each_backend, write_transaction};
use crate::petitions::confirmed_sponsors;
use crate::schema::{invalidations, petitions, signatures};
use crate::signatures::{uncount, unqueue};
use crate::{DbConnection, PersistenceError};

/// Signatures read per step when counting a description.
const COUNT_STEP: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = invalidations, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Invalidation {
    pub id: i64,
    pub summary: String,
    pub state: String,
    pub petition_id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub domain: Option<String>,
    pub ip: Option<String>,
    pub postcode: Option<String>,
    pub constituency: Option<String>,
    pub country: Option<String>,
    pub signed_after: Option<NaiveDateTime>,
    pub signed_before: Option<NaiveDateTime>,
    /// How many signatures matched when last counted.
    pub matching_count: Option<i64>,
    pub counted_at: Option<NaiveDateTime>,
    /// How many it has struck out so far.
    pub invalidated_count: i64,
    /// The last signature id it has looked at.
    pub scanned_through: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

impl Invalidation {
    /// The stored description, as the domain matches it.
    fn criteria(&self) -> Criteria {
        let utc = |at: Option<NaiveDateTime>| at.map(|at| at.and_utc());
        Criteria {
            summary: self.summary.clone(),
            petition_id: self.petition_id,
            name: self.name.clone(),
            email: self.email.clone(),
            domain: self.domain.clone(),
            ip: self.ip.as_deref().and_then(|ip| ip.parse().ok()),
            postcode: self.postcode.clone(),
            constituency: self.constituency.clone(),
            country: self.country.clone(),
            signed_after: utc(self.signed_after),
            signed_before: utc(self.signed_before),
        }
    }

    fn as_json(&self) -> String {
        json!({
            "summary": self.summary,
            "state": self.state,
            "petition_id": self.petition_id,
            "name": self.name,
            "email": self.email,
            "domain": self.domain,
            "ip": self.ip,
            "postcode": self.postcode,
            "constituency": self.constituency,
            "country": self.country,
            "signed_after": self.signed_after,
            "signed_before": self.signed_before,
            "invalidated_count": self.invalidated_count,
        })
        .to_string()
    }
}

/// Stores a description, `pending`; `None` if it names a petition there is not.
pub fn describe(
    conn: &mut DbConnection,
    criteria: &Criteria,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<Invalidation>, PersistenceError> {
    let stamp = now.naive_utc();
    write_transaction(conn, |conn| {
        if let Some(petition_id) = criteria.petition_id {
            let known: i64 = petitions::table
                .filter(petitions::id.eq(petition_id))
                .count()
                .get_result(conn)?;
            if known == 0 {
                return Ok(None);
            }
        }
        let id: i64 = on_each_backend!(conn, |c| diesel::insert_into(invalidations::table)
            .values((
                invalidations::summary.eq(&criteria.summary),
                invalidations::state.eq(InvalidationState::Pending.as_str()),
                invalidations::petition_id.eq(criteria.petition_id),
                invalidations::name.eq(&criteria.name),
                invalidations::email.eq(&criteria.email),
                invalidations::domain.eq(&criteria.domain),
                invalidations::ip.eq(criteria.ip.map(|net| net.to_string())),
                invalidations::postcode.eq(&criteria.postcode),
                invalidations::constituency.eq(&criteria.constituency),
                invalidations::country.eq(&criteria.country),
                invalidations::signed_after.eq(criteria.signed_after.map(|at| at.naive_utc())),
                invalidations::signed_before.eq(criteria.signed_before.map(|at| at.naive_utc())),
                invalidations::created_by.eq(actor),
                invalidations::created_at.eq(stamp),
                invalidations::updated_at.eq(stamp),
            ))
            .returning(invalidations::id)
            .get_result(c)?);
        let stored = find_invalidation(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
        record(conn, actor, "invalidation.describe", None, &stored, now)?;
        Ok(Some(stored))
    })
}

fn record(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    before: Option<&Invalidation>,
    after: &Invalidation,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let subject = after.id.to_string();
    let entry = NewAuditEntry {
        actor,
        action,
        petition_id: after.petition_id,
        subject: Some(&subject),
        before: before.map(Invalidation::as_json),
        after: Some(after.as_json()),
    };
    audit::record(conn, &entry, now)
}

pub fn list_invalidations(
    conn: &mut DbConnection,
    limit: i64,
) -> Result<Vec<Invalidation>, PersistenceError> {
    Ok(invalidations::table
        .order(invalidations::id.desc())
        .limit(limit)
        .select(Invalidation::as_select())
        .load(conn)?)
}

pub fn find_invalidation(
    conn: &mut DbConnection,
    id: i64,
) -> Result<Option<Invalidation>, PersistenceError> {
    Ok(invalidations::table
        .find(id)
        .select(Invalidation::as_select())
        .first(conn)
        .optional()?)
}

/// One signature that may be struck out, with what its counts need.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signatures, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct Candidate {
    id: i64,
    petition_id: i64,
    state: String,
    name: String,
    email_lower: String,
    canonical_email: String,
    ip_address: Option<String>,
    postcode: Option<String>,
    constituency_code: Option<String>,
    location_code: String,
    created_at: NaiveDateTime,
    validated_at: Option<NaiveDateTime>,
    sponsor: bool,
}

impl Candidate {
    fn facts(&self) -> SignatureFacts<'_> {
        SignatureFacts {
            petition_id: self.petition_id,
            name: &self.name,
            email_lower: &self.email_lower,
            canonical_email: &self.canonical_email,
            ip: self.ip_address.as_deref().and_then(|ip| ip.parse().ok()),
            postcode: self.postcode.as_deref(),
            constituency: self.constituency_code.as_deref(),
            country: &self.location_code,
            created_at: self.created_at.and_utc(),
        }
    }
}

/// The states an invalidation strikes out of: every one the table lets it.
fn strikeable() -> Vec<&'static str> {
    SignatureState::ALL
        .iter()
        .filter(|state| {
            state
                .apply(
                    domain::state::SignatureEvent::Invalidate,
                    Authority::Sysadmin,
                )
                .is_ok()
        })
        .map(|state| state.as_str())
        .collect()
}

/// The next `limit` signatures after `after_id` the database can tell may match; the
/// domain decides on the rest (names, domains, IP ranges, postcodes).
fn candidates(
    conn: &mut DbConnection,
    criteria: &Criteria,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Candidate>, PersistenceError> {
    Ok(on_each_backend!(conn, |c| {
        let mut query = signatures::table
            .filter(signatures::id.gt(after_id))
            .filter(signatures::state.eq_any(strikeable()))
            .order(signatures::id)
            .limit(limit)
            .select(Candidate::as_select())
            .into_boxed();
        if let Some(petition_id) = criteria.petition_id {
            query = query.filter(signatures::petition_id.eq(petition_id));
        }
        if let Some(email) = &criteria.email {
            query = query.filter(signatures::canonical_email.eq(email.clone()));
        }
        if let Some(code) = &criteria.constituency {
            query = query.filter(signatures::constituency_code.eq(code.clone()));
        }
        if let Some(code) = &criteria.country {
            query = query.filter(signatures::location_code.eq(code.clone()));
        }
        if let Some(after) = criteria.signed_after {
            query = query.filter(signatures::created_at.ge(after.naive_utc()));
        }
        if let Some(before) = criteria.signed_before {
            query = query.filter(signatures::created_at.lt(before.naive_utc()));
        }
        query.load(c)?
    }))
}

/// The signatures with these ids as they are now, held until the transaction ends, so no
/// confirmation changes them meanwhile.
fn lock_signatures(
    conn: &mut DbConnection,
    ids: &[i64],
) -> Result<Vec<Candidate>, PersistenceError> {
    let query = signatures::table
        .filter(signatures::id.eq_any(ids))
        .filter(signatures::state.eq_any(strikeable()));
    Ok(match conn {
        DbConnection::Postgres(pg) => query.select(Candidate::as_select()).for_update().load(pg)?,
        DbConnection::Sqlite(sqlite) => query.select(Candidate::as_select()).load(sqlite)?,
    })
}

/// Counts the signatures the description matches now, and stores the count.
pub fn count_matching(
    conn: &mut DbConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Invalidation>, PersistenceError> {
    let Some(invalidation) = find_invalidation(conn, id)? else {
        return Ok(None);
    };
    let criteria = invalidation.criteria();
    let (mut matching, mut after_id) = (0i64, 0i64);
    loop {
        let step = candidates(conn, &criteria, after_id, COUNT_STEP)?;
        matching += step
            .iter()
            .filter(|candidate| criteria.matches(&candidate.facts()))
            .count() as i64;
        match step.last() {
            Some(last) if step.len() as i64 == COUNT_STEP => after_id = last.id,
            _ => break,
        }
    }
    diesel::update(invalidations::table.find(id))
        .set((
            invalidations::matching_count.eq(matching),
            invalidations::counted_at.eq(now.naive_utc()),
            invalidations::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    find_invalidation(conn, id)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transitioned {
    Done(Box<Invalidation>),
    NotFound,
    /// The current state, and the events it allows.
    NotAllowed(InvalidationState, Vec<InvalidationEvent>),
}

/// Starts or cancels an invalidation, as the table allows.
pub fn transition_invalidation(
    conn: &mut DbConnection,
    id: i64,
    event: InvalidationEvent,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Transitioned, PersistenceError> {
    write_transaction(conn, |conn| {
        let Some(before) = locked(conn, id)? else {
            return Ok(Transitioned::NotFound);
        };
        let from = InvalidationState::parse(&before.state).unwrap_or(InvalidationState::Cancelled);
        let Ok(to) = from.apply(event, Authority::Sysadmin) else {
            return Ok(Transitioned::NotAllowed(from, from.allowed_events()));
        };
        let stamp = now.naive_utc();
        let (started, finished) = match to {
            InvalidationState::Running => (Some(stamp), before.finished_at),
            _ => (before.started_at, Some(stamp)),
        };
        diesel::update(invalidations::table.find(id))
            .set((
                invalidations::state.eq(to.as_str()),
                invalidations::started_at.eq(started),
                invalidations::finished_at.eq(finished),
                invalidations::updated_at.eq(stamp),
            ))
            .execute(conn)?;
        let after = find_invalidation(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
        let action = format!("invalidation.{}", event.as_str());
        record(conn, actor, &action, Some(&before), &after, now)?;
        Ok(Transitioned::Done(Box::new(after)))
    })
}

/// The invalidation's row, held until the transaction ends.
fn locked(conn: &mut DbConnection, id: i64) -> Result<Option<Invalidation>, PersistenceError> {
    let query = invalidations::table.find(id);
    Ok(match conn {
        DbConnection::Postgres(pg) => query
            .select(Invalidation::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(sqlite) => query
            .select(Invalidation::as_select())
            .first(sqlite)
            .optional()?,
    })
}

/// Runs one batch of one running invalidation: looks at the next `batch` candidates,
/// strikes out those that match, and takes the counted ones off their petitions. Returns
/// how many it struck out, or `None` when no invalidation is running.
pub fn run_next_batch(
    conn: &mut DbConnection,
    batch: i64,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<Option<usize>, PersistenceError> {
    write_transaction(conn, |conn| {
        let running = invalidations::table
            .filter(invalidations::state.eq(InvalidationState::Running.as_str()))
            .order(invalidations::id);
        // Processes share the work: each takes an invalidation no other is running now.
        let next: Option<Invalidation> = match conn {
            DbConnection::Postgres(pg) => running
                .select(Invalidation::as_select())
                .for_update()
                .skip_locked()
                .first(pg)
                .optional()?,
            DbConnection::Sqlite(sqlite) => running
                .select(Invalidation::as_select())
                .first(sqlite)
                .optional()?,
        };
        let Some(invalidation) = next else {
            return Ok(None);
        };
        let criteria = invalidation.criteria();
        let step = candidates(conn, &criteria, invalidation.scanned_through, batch)?;
        let matched: Vec<i64> = step
            .iter()
            .filter(|candidate| criteria.matches(&candidate.facts()))
            .map(|candidate| candidate.id)
            .collect();
        let struck = lock_signatures(conn, &matched)?;
        let stamp = now.naive_utc();
        let ids: Vec<i64> = struck.iter().map(|candidate| candidate.id).collect();
        for chunk in ids.chunks(5_000) {
            diesel::update(signatures::table.filter(signatures::id.eq_any(chunk)))
                .set((
                    signatures::state.eq(SignatureState::Invalidated.as_str()),
                    signatures::updated_at.eq(stamp),
                ))
                .execute(conn)?;
        }
        let validated: Vec<&Candidate> = struck
            .iter()
            .filter(|c| c.state == SignatureState::Validated.as_str())
            .collect();
        // Those still queued were never counted; the rest are taken off their petitions.
        let validated_ids: Vec<i64> = validated.iter().map(|c| c.id).collect();
        let never_counted: BTreeSet<i64> = unqueue(conn, &validated_ids)?.into_iter().collect();
        let counted: Vec<_> = validated
            .iter()
            .filter(|c| !never_counted.contains(&c.id))
            .map(|c| {
                (
                    c.id,
                    c.petition_id,
                    c.location_code.clone(),
                    c.constituency_code.clone(),
                    c.validated_at,
                )
            })
            .collect();
        uncount(conn, &counted, thresholds, now)?;
        let lost_sponsors: BTreeSet<i64> = struck
            .iter()
            .filter(|c| c.sponsor && c.state == SignatureState::Validated.as_str())
            .map(|c| c.petition_id)
            .collect();
        for petition_id in lost_sponsors {
            back_to_collecting_if_short(conn, petition_id, thresholds, now)?;
        }
        let finished = (step.len() as i64) < batch;
        let scanned_through = step.last().map_or(invalidation.scanned_through, |c| c.id);
        let state = if finished {
            InvalidationState::Running
                .apply(InvalidationEvent::Finish, Authority::System)
                .unwrap_or(InvalidationState::Completed)
        } else {
            InvalidationState::Running
        };
        diesel::update(invalidations::table.find(invalidation.id))
            .set((
                invalidations::state.eq(state.as_str()),
                invalidations::scanned_through.eq(scanned_through),
                invalidations::invalidated_count
                    .eq(invalidations::invalidated_count + struck.len() as i64),
                invalidations::finished_at.eq(finished.then_some(stamp)),
                invalidations::updated_at.eq(stamp),
            ))
            .execute(conn)?;
        Ok(Some(struck.len()))
    })
}

/// A petition in the moderation queue whose confirmed supporters fell below the threshold
/// goes back to collecting them, as the transition table says.
fn back_to_collecting_if_short(
    conn: &mut DbConnection,
    petition_id: i64,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    if reaches_moderation(confirmed_sponsors(conn, petition_id)?, thresholds) {
        return Ok(());
    }
    let Ok(to) =
        PetitionState::Sponsored.apply(ModerationEvent::LoseSponsorThreshold, Authority::System)
    else {
        return Ok(());
    };
    diesel::update(
        petitions::table
            .find(petition_id)
            .filter(petitions::state.eq(PetitionState::Sponsored.as_str())),
    )
    .set((
        petitions::state.eq(to.as_str()),
        petitions::updated_at.eq(now.naive_utc()),
    ))
    .execute(conn)?;
    Ok(())
}
