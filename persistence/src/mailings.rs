//! Emails to every confirmed, subscribed signer of a petition: a government response, a
//! debate, other parliamentary business; and one to every subscribed signer and creator of
//! any open petition when Parliament is dissolving, once per address. A mailing is recorded
//! with what caused it, then expanded into the outbox a batch at a time, in signature id
//! order, each batch in its own short transaction so signing never waits long behind it.
//! The mailing's cursor moves in the same transaction as the batch it queued, and the
//! outbox holds at most one email per signature per mailing, so a crash resumes where it
//! stopped and nobody is emailed twice.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use domain::state::{PetitionState, SignatureState};

use crate::database::{on_each_backend, write_transaction};
use crate::schema::{email_outbox, mailing_recipients, petitions, signatures, signer_mailings};
use crate::signatures::EmailKind;
use crate::{DbConnection, PersistenceError};

/// What a mailing is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailingKind {
    GovernmentResponse,
    DebateScheduled,
    DebateOutcome,
    OtherBusiness,
    /// To the signers of every open petition, once per address: Parliament is dissolving.
    Dissolution,
}

impl MailingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailingKind::GovernmentResponse => "government_response",
            MailingKind::DebateScheduled => "debate_scheduled",
            MailingKind::DebateOutcome => "debate_outcome",
            MailingKind::OtherBusiness => "other_business",
            MailingKind::Dissolution => "dissolution",
        }
    }
}

/// A mailing to start: the subject and the text every signer receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMailing {
    pub kind: MailingKind,
    pub subject: String,
    pub body: String,
}

/// Records a mailing in the caller's transaction, to the signers of one petition or (with
/// `None`) of every open petition; the workers then send it. Returns its id.
pub(crate) fn start_mailing(
    conn: &mut DbConnection,
    petition_id: Option<i64>,
    mailing: &NewMailing,
    requested_by: &str,
    now: DateTime<Utc>,
) -> Result<i64, PersistenceError> {
    let values = (
        signer_mailings::petition_id.eq(petition_id),
        signer_mailings::kind.eq(mailing.kind.as_str()),
        signer_mailings::subject.eq(&mailing.subject),
        signer_mailings::body.eq(&mailing.body),
        signer_mailings::requested_by.eq(requested_by),
        signer_mailings::created_at.eq(now.naive_utc()),
    );
    Ok(on_each_backend!(conn, |c| diesel::insert_into(
        signer_mailings::table
    )
    .values(values)
    .returning(signer_mailings::id)
    .get_result(c)?))
}

/// Queues the next `batch` signers of the oldest unfinished mailing; returns how many signers
/// it read (0 when there is nothing left to do).
pub fn queue_next_batch(
    conn: &mut DbConnection,
    batch: i64,
    now: DateTime<Utc>,
) -> Result<usize, PersistenceError> {
    write_transaction(conn, |conn| {
        let unfinished = signer_mailings::table
            .filter(signer_mailings::finished_at.is_null())
            .order(signer_mailings::id)
            .select((
                signer_mailings::id,
                signer_mailings::petition_id,
                signer_mailings::queued_through,
            ));
        // Processes share the work: each takes a mailing no other is expanding right now.
        let next: Option<(i64, Option<i64>, i64)> = match conn {
            DbConnection::Postgres(pg) => {
                unfinished.for_update().skip_locked().first(pg).optional()?
            }
            DbConnection::Sqlite(_) => unfinished.first(conn).optional()?,
        };
        let Some((mailing_id, petition_id, queued_through)) = next else {
            return Ok(0);
        };
        let (signers, recipients) = match petition_id {
            Some(petition_id) => {
                let signers = next_signers(conn, petition_id, queued_through, batch)?;
                (signers.clone(), signers)
            }
            None => next_addresses(conn, mailing_id, queued_through, batch)?,
        };
        let stamp = now.naive_utc();
        let rows: Vec<_> = recipients
            .iter()
            .map(|signature_id| {
                (
                    email_outbox::kind.eq(EmailKind::SignerMailing.as_str()),
                    email_outbox::signature_id.eq(*signature_id),
                    email_outbox::mailing_id.eq(mailing_id),
                    email_outbox::state.eq("pending"),
                    email_outbox::next_attempt_at.eq(stamp),
                    email_outbox::created_at.eq(stamp),
                )
            })
            .collect();
        // A signer already queued for this mailing (were the cursor ever lost) is skipped.
        let inserted = if rows.is_empty() {
            0
        } else {
            on_each_backend!(conn, |c| diesel::insert_into(email_outbox::table)
                .values(&rows)
                .on_conflict_do_nothing()
                .execute(c)?)
        };
        let queued = i64::try_from(inserted).unwrap_or(i64::MAX);
        let read = i64::try_from(signers.len()).unwrap_or(i64::MAX);
        let finished_at = (read < batch).then_some(stamp);
        diesel::update(signer_mailings::table.find(mailing_id))
            .set((
                signer_mailings::queued_through
                    .eq(signers.last().copied().unwrap_or(queued_through)),
                signer_mailings::queued.eq(signer_mailings::queued + queued),
                signer_mailings::finished_at.eq(finished_at),
            ))
            .execute(conn)?;
        Ok(signers.len())
    })
}

fn subscribed(
) -> diesel::dsl::And<diesel::dsl::Eq<signatures::state, &'static str>, signatures::notify_by_email>
{
    signatures::state
        .eq(SignatureState::Validated.as_str())
        .and(signatures::notify_by_email)
}

/// The next `batch` subscribed signers of a petition after `queued_through`, in id order.
fn next_signers(
    conn: &mut DbConnection,
    petition_id: i64,
    queued_through: i64,
    batch: i64,
) -> Result<Vec<i64>, PersistenceError> {
    Ok(signatures::table
        .filter(signatures::petition_id.eq(petition_id))
        .filter(subscribed())
        .filter(signatures::id.gt(queued_through))
        .order(signatures::id)
        .limit(batch)
        .select(signatures::id)
        .load(conn)?)
}

/// The next `batch` subscribed signers and creators of any open petition after
/// `queued_through`, and of
/// those the ones whose address this mailing has not reached yet: each address is claimed
/// by its first signature, so it gets one email however many petitions it signed.
fn next_addresses(
    conn: &mut DbConnection,
    mailing_id: i64,
    queued_through: i64,
    batch: i64,
) -> Result<(Vec<i64>, Vec<i64>), PersistenceError> {
    let found: Vec<(i64, String)> = signatures::table
        .inner_join(petitions::table)
        .filter(petitions::state.eq(PetitionState::Open.as_str()))
        .filter(petitions::archived_at.is_null())
        // A creator hears their petition will close early whether or not they asked for
        // updates; other signers only if they did.
        .filter(signatures::state.eq(SignatureState::Validated.as_str()))
        .filter(signatures::notify_by_email.or(signatures::creator))
        .filter(signatures::id.gt(queued_through))
        .order(signatures::id)
        .limit(batch)
        .select((signatures::id, signatures::canonical_email))
        .load(conn)?;
    let claims: Vec<_> = found
        .iter()
        .map(|(signature_id, address)| {
            (
                mailing_recipients::mailing_id.eq(mailing_id),
                mailing_recipients::canonical_email.eq(address),
                mailing_recipients::signature_id.eq(*signature_id),
            )
        })
        .collect();
    if !claims.is_empty() {
        on_each_backend!(conn, |c| diesel::insert_into(mailing_recipients::table)
            .values(&claims)
            .on_conflict_do_nothing()
            .execute(c)?);
    }
    let signers: Vec<i64> = found
        .iter()
        .map(|(signature_id, _)| *signature_id)
        .collect();
    let claimed = mailing_recipients::table
        .filter(mailing_recipients::mailing_id.eq(mailing_id))
        .filter(mailing_recipients::signature_id.eq_any(&signers))
        .select(mailing_recipients::signature_id)
        .load(conn)?;
    Ok((signers, claimed))
}

/// A mailing as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = signer_mailings, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Mailing {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub requested_by: String,
    pub created_at: NaiveDateTime,
    /// Signers queued so far.
    pub queued: i64,
    /// When every signer had been queued.
    pub finished_at: Option<NaiveDateTime>,
}

/// A mailing and how far its emails have gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailingProgress {
    pub mailing: Mailing,
    pub sent: i64,
    pub failed: i64,
}

/// A petition's mailings, newest first.
pub fn mailings_of(
    conn: &mut DbConnection,
    petition_id: i64,
) -> Result<Vec<MailingProgress>, PersistenceError> {
    let mailings: Vec<Mailing> = signer_mailings::table
        .filter(signer_mailings::petition_id.eq(petition_id))
        .order(signer_mailings::id.desc())
        .select(Mailing::as_select())
        .load(conn)?;
    with_progress(conn, mailings)
}

/// One mailing and its progress.
pub fn mailing_progress(
    conn: &mut DbConnection,
    mailing_id: i64,
) -> Result<Option<MailingProgress>, PersistenceError> {
    let mailing: Vec<Mailing> = signer_mailings::table
        .find(mailing_id)
        .select(Mailing::as_select())
        .load(conn)?;
    Ok(with_progress(conn, mailing)?.pop())
}

fn with_progress(
    conn: &mut DbConnection,
    mailings: Vec<Mailing>,
) -> Result<Vec<MailingProgress>, PersistenceError> {
    let ids: Vec<i64> = mailings.iter().map(|mailing| mailing.id).collect();
    // One grouped count for all of them, rather than two per mailing.
    let counts: Vec<(Option<i64>, String, i64)> = email_outbox::table
        .filter(email_outbox::mailing_id.eq_any(&ids))
        .filter(email_outbox::state.eq_any(["sent", "failed"]))
        .group_by((email_outbox::mailing_id, email_outbox::state))
        .select((email_outbox::mailing_id, email_outbox::state, count_star()))
        .load(conn)?;
    let count = |id: i64, state: &str| {
        counts
            .iter()
            .find(|(mailing, in_state, _)| *mailing == Some(id) && in_state == state)
            .map_or(0, |(_, _, count)| *count)
    };
    Ok(mailings
        .into_iter()
        .map(|mailing| MailingProgress {
            sent: count(mailing.id, "sent"),
            failed: count(mailing.id, "failed"),
            mailing,
        })
        .collect())
}
