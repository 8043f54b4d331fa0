//! Following the links in a signer's email: confirming, and unsubscribing.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::secret::tokens_match;
use domain::sponsorship::reaches_moderation;
use domain::state::{
    Authority, ModerationEvent, PetitionState, SignatureEvent, SignatureState, StateMachine,
};
use domain::Thresholds;

use super::counting::{queue_for_counting, ToCount};
use super::outbox::{queue_emails, EmailKind, QueuedEmail};
use crate::database::{lock_key, lock_keys, on_each_backend, write_transaction};
use crate::petitions::confirmed_sponsors;
use crate::schema::{constituencies, petitions, signatures};
use crate::{DbConnection, PersistenceError};

/// What a confirmation link found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmOutcome {
    /// Confirmed now or before (the answer is the same either way).
    Confirmed(ConfirmedSignature),
    /// No such signature, or the token is not its token.
    NotFound,
    /// The petition closed more than a day ago, or was taken down.
    TooLate,
    /// The signature was struck out by an invalidation.
    Invalidated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedSignature {
    pub signature_id: i64,
    pub petition_id: i64,
    pub constituency: Option<SignerConstituency>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct SignerConstituency {
    pub ons_code: String,
    pub name: String,
    pub mp: Option<String>,
}

#[derive(Queryable)]
struct Confirmable {
    signature_id: i64,
    state: String,
    confirmation_token: String,
    creator: bool,
    sponsor: bool,
    location_code: String,
    constituency_code: Option<String>,
    constituency: Option<SignerConstituency>,
    petition_id: i64,
    petition_state: String,
    deadline: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
    archived_at: Option<NaiveDateTime>,
}

/// A followed confirmation link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmRequest {
    pub signature_id: i64,
    pub token: String,
}

/// Confirms one signature: [`confirm_all`] with a group of one.
pub fn confirm(
    conn: &mut DbConnection,
    signature_id: i64,
    token: &str,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<ConfirmOutcome, PersistenceError> {
    let request = ConfirmRequest {
        signature_id,
        token: token.to_owned(),
    };
    let mut outcomes = confirm_all(conn, &[request], thresholds, now)?;
    Ok(outcomes.remove(0))
}

/// Confirms signatures in one transaction, answering each in order, and queues those
/// validated now for the counter.
/// Idempotent: a mail scanner fetching the link first changes nothing for the signer who
/// clicks it after. A shadow-banned signature is answered as if confirmed. A creator
/// confirming, or a supporter, moves their petition on (see [`advance_petitions`]).
pub fn confirm_all(
    conn: &mut DbConnection,
    requests: &[ConfirmRequest],
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<Vec<ConfirmOutcome>, PersistenceError> {
    let ids: Vec<i64> = requests
        .iter()
        .map(|request| request.signature_id)
        .collect();
    write_transaction(conn, |conn| {
        // Each signature with its petition and the constituency to answer with.
        let found: HashMap<i64, Confirmable> = signatures::table
            .inner_join(petitions::table)
            .left_join(
                constituencies::table
                    .on(signatures::constituency_code.eq(constituencies::ons_code.nullable())),
            )
            .filter(signatures::id.eq_any(&ids))
            .select((
                signatures::id,
                signatures::state,
                signatures::confirmation_token,
                signatures::creator,
                signatures::sponsor,
                signatures::location_code,
                signatures::constituency_code,
                (
                    constituencies::ons_code,
                    constituencies::name,
                    constituencies::mp_name,
                )
                    .nullable(),
                petitions::id,
                petitions::state,
                petitions::deadline,
                petitions::closed_at,
                petitions::archived_at,
            ))
            .load::<Confirmable>(conn)?
            .into_iter()
            .map(|found| (found.signature_id, found))
            .collect();
        let mut to_validate = Vec::new();
        let outcomes = requests
            .iter()
            .map(|request| {
                let outcome = judge(found.get(&request.signature_id), &request.token, now);
                if let Judged::Validate(_) = outcome {
                    to_validate.push(request.signature_id);
                }
                outcome.into_outcome()
            })
            .collect();
        if !to_validate.is_empty() {
            // Only pending rows change, so two confirmations racing count a signature once,
            // and only the one that changed it moves its petition on.
            let stamp = now.naive_utc();
            let validated_now: Vec<i64> = on_each_backend!(conn, |c| diesel::update(
                signatures::table
                    .filter(signatures::id.eq_any(&to_validate))
                    .filter(signatures::state.eq(SignatureState::Pending.as_str())),
            )
            .set((
                signatures::state.eq(SignatureState::Validated.as_str()),
                signatures::validated_at.eq(stamp),
                signatures::updated_at.eq(stamp),
            ))
            .returning(signatures::id)
            .get_results(c)?);
            let validated: Vec<&Confirmable> = validated_now
                .iter()
                .filter_map(|id| found.get(id))
                .collect();
            let to_count: Vec<ToCount> = validated
                .iter()
                .map(|found| ToCount {
                    signature_id: found.signature_id,
                    petition_id: found.petition_id,
                    location_code: &found.location_code,
                    constituency_code: found.constituency_code.as_deref(),
                })
                .collect();
            queue_for_counting(conn, &to_count, stamp)?;
            let moving_on: Vec<&Confirmable> = validated
                .into_iter()
                .filter(|found| found.creator || found.sponsor)
                .collect();
            advance_petitions(conn, &moving_on, thresholds, now)?;
        }
        Ok(outcomes)
    })
}

/// Before publication, confirming moves a petition on: its creator confirming validates it,
/// and each supporter confirming is reported to the creator and may put it in the
/// moderation queue. The transitions are the state table's.
fn advance_petitions(
    conn: &mut DbConnection,
    validated: &[&Confirmable],
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let stamp = now.naive_utc();
    let transition = |from: PetitionState, event: ModerationEvent| {
        from.apply(event, Authority::System)
            .map(|to| (from.as_str(), to.as_str()))
    };
    let created: Vec<i64> = validated
        .iter()
        .filter(|found| found.creator)
        .map(|found| found.petition_id)
        .collect();
    let creator_confirmed = transition(PetitionState::Pending, ModerationEvent::ConfirmCreator);
    if let (false, Ok((from, to))) = (created.is_empty(), creator_confirmed) {
        diesel::update(
            petitions::table
                .filter(petitions::id.eq_any(&created))
                .filter(petitions::state.eq(from)),
        )
        .set((petitions::state.eq(to), petitions::updated_at.eq(stamp)))
        .execute(conn)?;
    }

    let sponsors: Vec<&&Confirmable> = validated.iter().filter(|found| found.sponsor).collect();
    if sponsors.is_empty() {
        return Ok(());
    }
    let sponsored: BTreeSet<i64> = sponsors.iter().map(|found| found.petition_id).collect();
    let creators: HashMap<i64, i64> = signatures::table
        .filter(signatures::creator)
        .filter(signatures::petition_id.eq_any(&sponsored))
        .select((signatures::petition_id, signatures::id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let emails: Vec<QueuedEmail> = sponsors
        .iter()
        .filter_map(|sponsor| {
            Some(QueuedEmail {
                kind: EmailKind::SponsorSupported,
                to_signature_id: *creators.get(&sponsor.petition_id)?,
                about_signature_id: Some(sponsor.signature_id),
            })
        })
        .collect();
    queue_emails(conn, &emails, now)?;

    let Ok((from, to)) = transition(
        PetitionState::Validated,
        ModerationEvent::ReachSponsorThreshold,
    ) else {
        return Ok(());
    };
    // Supporters confirming at once in two processes count in turn, so the last to count
    // sees the others' confirmations and the threshold is never missed.
    let mut keys: Vec<i64> = sponsored
        .iter()
        .map(|id| lock_key(&["petition-sponsors", &id.to_string()]))
        .collect();
    lock_keys(conn, &mut keys)?;
    for petition_id in sponsored {
        if reaches_moderation(confirmed_sponsors(conn, petition_id)?, thresholds) {
            diesel::update(
                petitions::table
                    .find(petition_id)
                    .filter(petitions::state.eq(from)),
            )
            .set((
                petitions::state.eq(to),
                petitions::moderation_threshold_reached_at.eq(stamp),
                petitions::updated_at.eq(stamp),
            ))
            .execute(conn)?;
        }
    }
    Ok(())
}

enum Judged {
    /// A pending signature: confirm it now.
    Validate(ConfirmedSignature),
    Answer(ConfirmOutcome),
}

impl Judged {
    fn into_outcome(self) -> ConfirmOutcome {
        match self {
            Judged::Validate(confirmed) => ConfirmOutcome::Confirmed(confirmed),
            Judged::Answer(outcome) => outcome,
        }
    }
}

fn judge(found: Option<&Confirmable>, token: &str, now: DateTime<Utc>) -> Judged {
    let Some(found) = found.filter(|found| tokens_match(&found.confirmation_token, token)) else {
        return Judged::Answer(ConfirmOutcome::NotFound);
    };
    if !confirmable_at(found, now) {
        return Judged::Answer(ConfirmOutcome::TooLate);
    }
    let confirmed = ConfirmedSignature {
        signature_id: found.signature_id,
        petition_id: found.petition_id,
        constituency: found.constituency.clone(),
    };
    let state = SignatureState::parse(&found.state).unwrap_or(SignatureState::Invalidated);
    match state.apply(SignatureEvent::Confirm, Authority::System) {
        Err(_) => Judged::Answer(ConfirmOutcome::Invalidated),
        Ok(SignatureState::Validated) if state == SignatureState::Pending => {
            Judged::Validate(confirmed)
        }
        Ok(_) => Judged::Answer(ConfirmOutcome::Confirmed(confirmed)),
    }
}

/// Open, or closed less than a day ago (SPEC §2.2), and not archived or taken down. A
/// creator's or supporter's signature may also be confirmed before publication.
fn confirmable_at(found: &Confirmable, now: DateTime<Utc>) -> bool {
    use PetitionState as P;
    let state = PetitionState::parse(&found.petition_state);
    let before_publication = matches!(
        state,
        Some(P::Pending | P::Validated | P::Sponsored | P::Flagged | P::Dormant)
    );
    if found.archived_at.is_none() && before_publication {
        return found.creator || found.sponsor;
    }
    if found.archived_at.is_some() || !matches!(state, Some(P::Open | P::Closed)) {
        return false;
    }
    let closes = match (found.closed_at, found.deadline) {
        (Some(closed), Some(deadline)) => Some(closed.min(deadline)),
        (closed, deadline) => closed.or(deadline),
    };
    closes.is_none_or(|closes| now <= domain::deadline::confirmation_closes_at(closes.and_utc()))
}

/// Whether the signer asked for no more emails now (true) or had already (also true).
pub fn unsubscribe(
    conn: &mut DbConnection,
    signature_id: i64,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let stored: Option<String> = signatures::table
        .find(signature_id)
        .select(signatures::unsubscribe_token)
        .first(conn)
        .optional()?;
    if !stored.is_some_and(|stored| tokens_match(&stored, token)) {
        return Ok(false);
    }
    diesel::update(signatures::table.find(signature_id))
        .set((
            signatures::notify_by_email.eq(false),
            signatures::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(true)
}
