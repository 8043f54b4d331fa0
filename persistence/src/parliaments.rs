//! Parliaments (SPEC §5): announcing dissolution, telling signers, what dissolution does to
//! petitions, archiving, and opening the next parliament. The rules are the domain's
//! (`domain::parliament`); each change here is one transaction, audited.
//!
//! Announcing brings every later deadline forward to the dissolution, so every rule that
//! reads a deadline (signing, confirming, the JSON, the closing job) closes petitions at the
//! dissolution with no further change.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::parliament::{
    check_archivable, period_name, Dissolution, NewParliament, ParliamentError, ParliamentFacts,
    ParliamentRefusal, Phase,
};
use domain::state::{Authority, ModerationEvent, PetitionState, StateMachine};
use domain::Thresholds;
use serde_json::json;

use crate::audit::{self, NewAuditEntry};
use crate::database::{on_each_backend, write_transaction};
use crate::mailings::{start_mailing, NewMailing};
use crate::reference::Parliament;
use crate::schema::{mailing_recipients, parliaments, petitions, signer_mailings};
use crate::{DbConnection, PersistenceError};

/// Done, or the form's faults or the phase's refusal.
type Decided<T> = Result<Result<T, ParliamentError>, PersistenceError>;
/// Done, or the phase's refusal.
type Allowed<T> = Result<Result<T, ParliamentRefusal>, PersistenceError>;

/// The sitting parliament: the newest one not yet archived.
pub fn current_parliament(conn: &mut DbConnection) -> Result<Option<Parliament>, PersistenceError> {
    Ok(parliaments::table
        .filter(parliaments::archived_at.is_null())
        .order((parliaments::opening_at.desc(), parliaments::id.desc()))
        .select(Parliament::as_select())
        .first(conn)
        .optional()?)
}

/// The newest parliament, held against other changes to parliaments until the transaction
/// ends (SQLite's write transaction already holds the only write lock).
fn locked_newest(
    conn: &mut DbConnection,
    current_only: bool,
) -> Result<Option<Parliament>, PersistenceError> {
    let newest = parliaments::table
        .order((parliaments::opening_at.desc(), parliaments::id.desc()))
        .select(parliaments::id);
    let id: Option<i64> = if current_only {
        newest
            .filter(parliaments::archived_at.is_null())
            .first(conn)
            .optional()?
    } else {
        newest.first(conn).optional()?
    };
    let Some(id) = id else {
        return Ok(None);
    };
    let row = parliaments::table.find(id);
    Ok(Some(match conn {
        DbConnection::Postgres(pg) => row.select(Parliament::as_select()).for_update().first(pg)?,
        DbConnection::Sqlite(sqlite) => row.select(Parliament::as_select()).first(sqlite)?,
    }))
}

/// When the sitting parliament dissolves, if that is announced. Read under a shared lock,
/// so a deadline set from it can't miss an announcement being made at the same moment.
pub(crate) fn dissolution_in_force(
    conn: &mut DbConnection,
) -> Result<Option<DateTime<Utc>>, PersistenceError> {
    let query = parliaments::table
        .filter(parliaments::archived_at.is_null())
        .filter(parliaments::dissolution_at.is_not_null())
        .select(parliaments::dissolution_at);
    let found: Option<Option<NaiveDateTime>> = match conn {
        DbConnection::Postgres(pg) => query.for_share().first(pg).optional()?,
        DbConnection::Sqlite(sqlite) => query.first(sqlite).optional()?,
    };
    Ok(found.flatten().map(|at| at.and_utc()))
}

fn as_json(parliament: &Parliament) -> String {
    json!({
        "period": parliament.period,
        "dissolution_at": parliament.dissolution_at.map(|at| at.and_utc()),
        "dissolution_message": parliament.dissolution_message,
        "archived_at": parliament.archived_at.map(|at| at.and_utc()),
    })
    .to_string()
}

fn record(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    before: Option<&Parliament>,
    after: &Parliament,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let entry = NewAuditEntry {
        actor,
        action,
        petition_id: None,
        subject: Some(&after.period),
        before: before.map(as_json),
        after: Some(as_json(after)),
    };
    audit::record(conn, &entry, now)
}

fn reread(conn: &mut DbConnection, id: i64) -> Result<Parliament, PersistenceError> {
    Ok(parliaments::table
        .find(id)
        .select(Parliament::as_select())
        .first(conn)?)
}

/// An announcement made: the parliament as it now is, and how many open petitions had
/// their deadline brought forward to the dissolution.
#[derive(Debug, Clone)]
pub struct Announced {
    pub parliament: Parliament,
    pub deadlines_brought_forward: usize,
}

/// Announces (or brings forward) the sitting parliament's dissolution, as `decide` rules.
pub fn announce_dissolution(
    conn: &mut DbConnection,
    decide: impl FnOnce(&ParliamentFacts) -> Result<Dissolution, ParliamentError>,
    actor: &str,
    now: DateTime<Utc>,
) -> Decided<Announced> {
    write_transaction(conn, |conn| {
        let Some(before) = locked_newest(conn, true)? else {
            return Ok(Err(ParliamentError::Refused(
                ParliamentRefusal::NoParliament,
            )));
        };
        let dissolution = match decide(&before.facts()) {
            Ok(dissolution) => dissolution,
            Err(error) => return Ok(Err(error)),
        };
        let (at, stamp) = (dissolution.at.naive_utc(), now.naive_utc());
        diesel::update(parliaments::table.find(before.id))
            .set((
                parliaments::dissolution_at.eq(at),
                parliaments::dissolution_message
                    .eq(dissolution.message.as_ref().map(|message| message.as_str())),
                parliaments::dissolution_announced_at.eq(stamp),
            ))
            .execute(conn)?;
        let deadlines_brought_forward = diesel::update(
            petitions::table
                .filter(petitions::state.eq(PetitionState::Open.as_str()))
                .filter(petitions::archived_at.is_null())
                .filter(petitions::deadline.gt(at)),
        )
        .set((petitions::deadline.eq(at), petitions::updated_at.eq(stamp)))
        .execute(conn)?;
        let parliament = reread(conn, before.id)?;
        record(
            conn,
            actor,
            "parliament.announce_dissolution",
            Some(&before),
            &parliament,
            now,
        )?;
        Ok(Ok(Announced {
            parliament,
            deadlines_brought_forward,
        }))
    })
}

/// Starts the email telling every subscribed signer of an open petition, once per address,
/// that Parliament is dissolving. `mailing` writes it from the announcement.
pub fn start_dissolution_notice(
    conn: &mut DbConnection,
    mailing: impl FnOnce(&Parliament) -> NewMailing,
    actor: &str,
    now: DateTime<Utc>,
) -> Allowed<Parliament> {
    write_transaction(conn, |conn| {
        let Some(before) = locked_newest(conn, true)? else {
            return Ok(Err(ParliamentRefusal::NoParliament));
        };
        match before.facts().phase(now) {
            Phase::Sitting => return Ok(Err(ParliamentRefusal::NotAnnounced)),
            Phase::Dissolved | Phase::Archived => {
                return Ok(Err(ParliamentRefusal::AlreadyDissolved))
            }
            Phase::Dissolving if before.notice_mailing_id.is_some() => {
                return Ok(Err(ParliamentRefusal::AlreadyNotified))
            }
            Phase::Dissolving => {}
        }
        let mailing_id = start_mailing(conn, None, &mailing(&before), actor, now)?;
        diesel::update(parliaments::table.find(before.id))
            .set(parliaments::notice_mailing_id.eq(mailing_id))
            .execute(conn)?;
        let parliament = reread(conn, before.id)?;
        record(
            conn,
            actor,
            "parliament.notify_signers",
            Some(&before),
            &parliament,
            now,
        )?;
        Ok(Ok(parliament))
    })
}

/// What dissolution did to petitions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DissolutionDone {
    pub closed: usize,
    pub stopped: usize,
}

/// Once the sitting parliament has dissolved: closes what is still open at the dissolution
/// time and stops every petition never published. Conditional updates, so it is
/// idempotent and catches up after downtime.
pub fn dissolve_if_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<DissolutionDone, PersistenceError> {
    let Some(parliament) = current_parliament(conn)? else {
        return Ok(DissolutionDone::default());
    };
    let Some(at) = parliament.dissolution_at.filter(|at| at.and_utc() < now) else {
        return Ok(DissolutionDone::default());
    };
    let stamp = now.naive_utc();
    let sources = |event| -> Vec<&'static str> {
        PetitionState::ALL
            .iter()
            .filter(|state| state.apply(event, Authority::System).is_ok())
            .map(|state| state.as_str())
            .collect()
    };
    let current = petitions::table.filter(petitions::archived_at.is_null());
    // Deadlines were brought forward to the dissolution, so the closing job has usually
    // closed these already, at the same instant.
    let closed = diesel::update(
        current
            .filter(petitions::state.eq_any(sources(ModerationEvent::CloseAtDissolution)))
            .filter(petitions::deadline.ge(at).or(petitions::deadline.is_null())),
    )
    .set((
        petitions::state.eq(PetitionState::Closed.as_str()),
        petitions::closed_at.eq(at),
        petitions::deadline.eq(at),
        petitions::updated_at.eq(stamp),
    ))
    .execute(conn)?;
    let stopped = diesel::update(
        current.filter(petitions::state.eq_any(sources(ModerationEvent::StopAtDissolution))),
    )
    .set((
        petitions::state.eq(PetitionState::Stopped.as_str()),
        petitions::stopped_at.eq(at),
        petitions::updated_at.eq(stamp),
    ))
    .execute(conn)?;
    Ok(DissolutionDone { closed, stopped })
}

/// An archiving done: the parliament as archived, and how many petitions moved with it.
#[derive(Debug, Clone)]
pub struct Archived {
    pub parliament: Parliament,
    pub petitions: usize,
}

/// Archives the dissolved parliament: every petition of it moves to the archived endpoints
/// under it, and the thresholds in force are copied onto it, so its petitions keep showing
/// the ones they were counted against.
pub fn archive_parliament(
    conn: &mut DbConnection,
    thresholds: &Thresholds,
    actor: &str,
    now: DateTime<Utc>,
) -> Allowed<Archived> {
    write_transaction(conn, |conn| {
        let Some(before) = locked_newest(conn, true)? else {
            return Ok(Err(ParliamentRefusal::NoParliament));
        };
        let facts = before.facts();
        if let Err(refusal) = check_archivable(&facts, now) {
            return Ok(Err(refusal));
        }
        dissolve_if_due(conn, now)?;
        let stamp = now.naive_utc();
        let petitions = diesel::update(petitions::table.filter(petitions::archived_at.is_null()))
            .set((
                petitions::parliament_id.eq(before.id),
                petitions::archived_at.eq(stamp),
                petitions::updated_at.eq(stamp),
            ))
            .execute(conn)?;
        let period = facts.opening_at.map_or_else(
            || before.period.clone(),
            |opening| period_name(opening, facts.dissolution_at),
        );
        let signed = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
        diesel::update(parliaments::table.find(before.id))
            .set((
                parliaments::period.eq(period),
                parliaments::response_threshold.eq(signed(thresholds.response)),
                parliaments::debate_threshold.eq(signed(thresholds.debate)),
                parliaments::archived_at.eq(stamp),
            ))
            .execute(conn)?;
        if let Some(mailing_id) = before.notice_mailing_id {
            // Nobody is left to tell, and the addresses it was sent to are not kept.
            diesel::update(
                signer_mailings::table
                    .find(mailing_id)
                    .filter(signer_mailings::finished_at.is_null()),
            )
            .set(signer_mailings::finished_at.eq(stamp))
            .execute(conn)?;
            diesel::delete(
                mailing_recipients::table.filter(mailing_recipients::mailing_id.eq(mailing_id)),
            )
            .execute(conn)?;
        }
        let parliament = reread(conn, before.id)?;
        record(
            conn,
            actor,
            "parliament.archive",
            Some(&before),
            &parliament,
            now,
        )?;
        Ok(Ok(Archived {
            parliament,
            petitions,
        }))
    })
}

/// Opens the next parliament, as `decide` rules given the newest one there is.
pub fn open_parliament(
    conn: &mut DbConnection,
    decide: impl FnOnce(Option<&ParliamentFacts>) -> Result<NewParliament, ParliamentError>,
    actor: &str,
    now: DateTime<Utc>,
) -> Decided<Parliament> {
    write_transaction(conn, |conn| {
        let newest = locked_newest(conn, false)?;
        let facts = newest.as_ref().map(Parliament::facts);
        let opened = match decide(facts.as_ref()) {
            Ok(opened) => opened,
            Err(error) => return Ok(Err(error)),
        };
        let thresholds = Thresholds::default();
        let signed = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
        let values = (
            parliaments::period.eq(&opened.period),
            parliaments::government.eq(opened.government.as_str()),
            parliaments::opening_at.eq(opened.opening_at.naive_utc()),
            // Placeholders until archiving copies the thresholds then in force.
            parliaments::response_threshold.eq(signed(thresholds.response)),
            parliaments::debate_threshold.eq(signed(thresholds.debate)),
        );
        let id: i64 = on_each_backend!(conn, |c| diesel::insert_into(parliaments::table)
            .values(values)
            .returning(parliaments::id)
            .get_result(c)?);
        let parliament = reread(conn, id)?;
        record(conn, actor, "parliament.open", None, &parliament, now)?;
        Ok(Ok(parliament))
    })
}
