//! The transactional outbox: an email is a row written with what caused it, and the delivery
//! worker claims due rows under a lease, so two processes never send the same row at once.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::database::{on_each_backend, write_transaction};
use crate::schema::{email_outbox, petitions, rejection_reasons, signatures, signer_mailings};
use crate::{DbConnection, PersistenceError};

/// What an email says; rendered when it is sent, from the rows it refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// "Confirm your signature": sent on signing, and again to a pending duplicate.
    SignatureConfirmation,
    /// "You have already signed": sent to a confirmed duplicate.
    AlreadySigned,
    /// To a petition's creator: confirm your email, then share the supporter link.
    PetitionConfirmation,
    /// To a petition's creator: a supporter confirmed (the email is about their signature).
    SponsorSupported,
    /// To a petition's creator and confirmed supporters: it has been published.
    PetitionPublished,
    /// To a petition's creator and confirmed supporters: it was rejected, and why.
    PetitionRejected,
    /// One signer's copy of a mailing to every subscribed signer (a response, a debate...).
    SignerMailing,
}

const EMAIL_KINDS: [EmailKind; 7] = [
    EmailKind::SignatureConfirmation,
    EmailKind::AlreadySigned,
    EmailKind::PetitionConfirmation,
    EmailKind::SponsorSupported,
    EmailKind::PetitionPublished,
    EmailKind::PetitionRejected,
    EmailKind::SignerMailing,
];

impl EmailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::SignatureConfirmation => "signature_confirmation",
            EmailKind::AlreadySigned => "already_signed",
            EmailKind::PetitionConfirmation => "petition_confirmation",
            EmailKind::SponsorSupported => "sponsor_supported",
            EmailKind::PetitionPublished => "petition_published",
            EmailKind::PetitionRejected => "petition_rejected",
            EmailKind::SignerMailing => "signer_mailing",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        EMAIL_KINDS.into_iter().find(|kind| kind.as_str() == text)
    }
}

const PENDING: &str = "pending";
const SENT: &str = "sent";
const FAILED: &str = "failed";

/// An email to queue: to the signer of one signature, perhaps about another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedEmail {
    pub kind: EmailKind,
    pub to_signature_id: i64,
    pub about_signature_id: Option<i64>,
}

impl QueuedEmail {
    pub fn to(kind: EmailKind, signature_id: i64) -> Self {
        Self {
            kind,
            to_signature_id: signature_id,
            about_signature_id: None,
        }
    }
}

/// Adds emails to the outbox in one statement, in the caller's transaction.
pub fn queue_emails(
    conn: &mut DbConnection,
    emails: &[QueuedEmail],
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    if emails.is_empty() {
        return Ok(());
    }
    let now = now.naive_utc();
    let rows: Vec<_> = emails
        .iter()
        .map(|email| {
            (
                email_outbox::kind.eq(email.kind.as_str()),
                email_outbox::signature_id.eq(email.to_signature_id),
                email_outbox::about_signature_id.eq(email.about_signature_id),
                email_outbox::state.eq(PENDING),
                email_outbox::next_attempt_at.eq(now),
                email_outbox::created_at.eq(now),
            )
        })
        .collect();
    on_each_backend!(conn, |c| diesel::insert_into(email_outbox::table)
        .values(&rows)
        .execute(c)?);
    Ok(())
}

/// A claimed email with what is needed to write it.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub id: i64,
    /// `None` for a kind this build does not know (written by a newer release).
    pub kind: Option<EmailKind>,
    /// How many times sending has been tried, this attempt included.
    pub attempt: i32,
    pub signature: SignatureMail,
    /// The name on the signature the email is about, if it is about another one.
    pub about_name: Option<String>,
    /// What a mailing to every subscribed signer says.
    pub mailing: Option<MailingMail>,
}

#[derive(Debug, Clone, Queryable)]
pub struct MailingMail {
    /// `MailingKind::as_str`: a dissolution notice is worded for every petition signed.
    pub kind: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct SignatureMail {
    pub signature_id: i64,
    pub name: String,
    pub email: String,
    pub confirmation_token: String,
    pub unsubscribe_token: String,
    pub petition_id: i64,
    pub petition_action: String,
    pub sponsor_token: Option<String>,
    /// Whether the recipient created the petition (rather than signed or supported it).
    pub creator: bool,
    pub rejection: Option<RejectionMail>,
}

/// Why the petition was rejected, for the rejection email.
#[derive(Debug, Clone, Queryable)]
pub struct RejectionMail {
    pub title: String,
    pub description: String,
    pub details: Option<String>,
}

/// A claimed row: id, kind, attempts, the recipient, whom it is about, and any mailing.
type ClaimedRow = (
    i64,
    String,
    i32,
    SignatureMail,
    Option<String>,
    Option<MailingMail>,
);

/// Claims up to `limit` due emails for `lease`: until it runs out, no other worker takes
/// them. A worker that dies mid-send leaves them to be retried when the lease ends.
pub fn claim_due(
    conn: &mut DbConnection,
    limit: i64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<OutgoingEmail>, PersistenceError> {
    let now_naive = now.naive_utc();
    write_transaction(conn, |conn| {
        // Emails people are waiting for first; bulk mailings fill what room is left.
        let mut ids = due_ids(conn, false, limit, now_naive)?;
        let room = limit - i64::try_from(ids.len()).unwrap_or(limit);
        if room > 0 {
            ids.extend(due_ids(conn, true, room, now_naive)?);
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(email_outbox::table.filter(email_outbox::id.eq_any(&ids)))
            .set((
                email_outbox::locked_until.eq((now + lease).naive_utc()),
                email_outbox::attempts.eq(email_outbox::attempts + 1),
            ))
            .execute(conn)?;
        let about = diesel::alias!(signatures as about);
        let rows: Vec<ClaimedRow> =
            email_outbox::table
                .inner_join(
                    signatures::table.inner_join(
                        petitions::table.left_join(
                            rejection_reasons::table
                                .on(petitions::rejection_code
                                    .eq(rejection_reasons::code.nullable())),
                        ),
                    ),
                )
                .left_join(about.on(
                    email_outbox::about_signature_id.eq(about.field(signatures::id).nullable()),
                ))
                .left_join(signer_mailings::table)
                .filter(email_outbox::id.eq_any(&ids))
                .order(email_outbox::id)
                .select((
                    email_outbox::id,
                    email_outbox::kind,
                    email_outbox::attempts,
                    (
                        signatures::id,
                        signatures::name,
                        signatures::email,
                        signatures::confirmation_token,
                        signatures::unsubscribe_token,
                        petitions::id,
                        petitions::action,
                        petitions::sponsor_token,
                        signatures::creator,
                        (
                            rejection_reasons::title,
                            rejection_reasons::description,
                            petitions::rejection_details,
                        )
                            .nullable(),
                    ),
                    about.field(signatures::name).nullable(),
                    (
                        signer_mailings::kind,
                        signer_mailings::subject,
                        signer_mailings::body,
                    )
                        .nullable(),
                ))
                .load(conn)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, kind, attempt, signature, about_name, mailing)| OutgoingEmail {
                    id,
                    kind: EmailKind::parse(&kind),
                    attempt,
                    signature,
                    about_name,
                    mailing,
                },
            )
            .collect())
    })
}

/// Up to `limit` due, unclaimed rows, oldest first: of mailings to signers, or of the rest.
fn due_ids(
    conn: &mut DbConnection,
    bulk: bool,
    limit: i64,
    now: chrono::NaiveDateTime,
) -> Result<Vec<i64>, PersistenceError> {
    // Two literal filters rather than one bound flag, so PostgreSQL can use the partial
    // index that matches each.
    macro_rules! load_due {
        ($which:expr) => {{
            let due = email_outbox::table
                .filter(email_outbox::state.eq(PENDING))
                .filter($which)
                .filter(email_outbox::next_attempt_at.le(now))
                .filter(
                    email_outbox::locked_until
                        .is_null()
                        .or(email_outbox::locked_until.le(now)),
                )
                .order(email_outbox::id)
                .limit(limit)
                .select(email_outbox::id);
            match conn {
                // Other workers skip the rows this one is claiming rather than wait for them.
                DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
                DbConnection::Sqlite(_) => due.load(conn)?,
            }
        }};
    }
    Ok(if bulk {
        load_due!(email_outbox::mailing_id.is_not_null())
    } else {
        load_due!(email_outbox::mailing_id.is_null())
    })
}

/// Delivered: never sent again. One statement for a whole claim's worth.
pub fn mark_sent(
    conn: &mut DbConnection,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(email_outbox::table.filter(email_outbox::id.eq_any(ids)))
        .set((
            email_outbox::state.eq(SENT),
            email_outbox::sent_at.eq(now.naive_utc()),
            email_outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
            email_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claimed emails the worker ran out of time to try: due again at once, and their claim no
/// longer counted as an attempt.
pub fn release_untried(conn: &mut DbConnection, ids: &[i64]) -> Result<(), PersistenceError> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(email_outbox::table.filter(email_outbox::id.eq_any(ids)))
        .set((
            email_outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
            email_outbox::attempts.eq(email_outbox::attempts - 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// A temporary failure: tried again at `retry_at`.
pub fn mark_for_retry(
    conn: &mut DbConnection,
    id: i64,
    retry_at: DateTime<Utc>,
    error: &str,
) -> Result<(), PersistenceError> {
    diesel::update(email_outbox::table.find(id))
        .set((
            email_outbox::next_attempt_at.eq(retry_at.naive_utc()),
            email_outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
            email_outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// A permanent failure: recorded, never tried again.
pub fn mark_failed(conn: &mut DbConnection, id: i64, error: &str) -> Result<(), PersistenceError> {
    diesel::update(email_outbox::table.find(id))
        .set((
            email_outbox::state.eq(FAILED),
            email_outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
            email_outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Where one outbox row stands, for tests and operators.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct OutboxStatus {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

pub fn outbox_status(conn: &mut DbConnection) -> Result<Vec<OutboxStatus>, PersistenceError> {
    Ok(email_outbox::table
        .order(email_outbox::id)
        .select((
            email_outbox::id,
            email_outbox::kind,
            email_outbox::state,
            email_outbox::attempts,
            email_outbox::last_error,
        ))
        .load(conn)?)
}
