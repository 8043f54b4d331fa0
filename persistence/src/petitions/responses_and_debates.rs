//! Recording the government's response, a scheduled debate and a debate's outcome on a
//! published petition: the state change, the record and its audit entry in one transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::responses_and_debates::{
    DebateOutcomeText, DebateSchedule, GovernmentResponseText, OtherBusinessText,
};
use domain::state::{
    Authority, DebateEvent, DebateState, PetitionState, ResponseEvent, ResponseState, StateMachine,
};
use serde_json::{json, Value};

use super::model::{DebateOutcome, GovernmentResponse, PetitionRow};
use super::moderation::locked_petition;
use crate::audit::{self, NewAuditEntry};
use crate::database::{on_each_backend, write_transaction};
use crate::mailings::{start_mailing, NewMailing};
use crate::schema::{
    debate_outcomes, government_responses, other_parliamentary_business, petitions,
};
use crate::{DbConnection, PersistenceError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOutcome {
    Recorded,
    NoSuchPetition,
    /// Only published petitions (open or closed) get responses and debates.
    NotPublished(String),
    /// The debate already has an outcome, so it can't be scheduled: the current state.
    DebateAlreadyDecided(String),
}

/// Saves (or replaces) the government's response; the petition is then `responded`.
pub fn record_government_response(
    conn: &mut DbConnection,
    petition_id: i64,
    response: &GovernmentResponseText,
    mailing: Option<&NewMailing>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<RecordOutcome, PersistenceError> {
    let stamp = now.naive_utc();
    on_published_petition(
        conn,
        petition_id,
        |conn, petition| {
            let state =
                ResponseState::parse(&petition.response_state).unwrap_or(ResponseState::Pending);
            // Respond is allowed from every response state; the table says so, not this code.
            let to = state
                .apply(ResponseEvent::Respond, Authority::Moderator)
                .unwrap_or(ResponseState::Responded);
            let before: Option<GovernmentResponse> = government_responses::table
                .find(petition_id)
                .select(GovernmentResponse::as_select())
                .first(conn)
                .optional()?;
            let record = GovernmentResponse {
                petition_id,
                responded_on: Some(response.responded_on),
                summary: response.summary.as_str().to_owned(),
                details: response.details.as_ref().map(|d| d.as_str().to_owned()),
                created_at: before.as_ref().map_or(stamp, |before| before.created_at),
                updated_at: stamp,
            };
            if before.is_some() {
                diesel::update(government_responses::table.find(petition_id))
                    .set(&record)
                    .execute(conn)?;
            } else {
                diesel::insert_into(government_responses::table)
                    .values(&record)
                    .execute(conn)?;
            }
            diesel::update(petitions::table.find(petition_id))
                .set((
                    petitions::response_state.eq(to.as_str()),
                    petitions::government_response_at
                        .eq(petition.government_response_at.unwrap_or(stamp)),
                    petitions::updated_at.eq(stamp),
                ))
                .execute(conn)?;
            Ok(Ok(Audited {
                action: "petition.government_response",
                before: json!({
                    "response_state": petition.response_state,
                    "summary": before.map(|before| before.summary),
                }),
                after: json!({
                    "response_state": to.as_str(),
                    "summary": record.summary,
                    "responded_on": record.responded_on,
                }),
            }))
        },
        mailing,
        actor,
        now,
    )
}

/// Sets the date of the debate; the petition's debate is then `scheduled`.
pub fn schedule_debate(
    conn: &mut DbConnection,
    petition_id: i64,
    schedule: &DebateSchedule,
    mailing: Option<&NewMailing>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<RecordOutcome, PersistenceError> {
    on_published_petition(
        conn,
        petition_id,
        |conn, petition| {
            let state = DebateState::parse(&petition.debate_state).unwrap_or(DebateState::Pending);
            let Ok(to) = state.apply(DebateEvent::Schedule, Authority::Moderator) else {
                return Ok(Err(RecordOutcome::DebateAlreadyDecided(
                    state.as_str().to_owned(),
                )));
            };
            diesel::update(petitions::table.find(petition_id))
                .set((
                    petitions::debate_state.eq(to.as_str()),
                    petitions::scheduled_debate_date.eq(schedule.scheduled_debate_date),
                    petitions::debate_scheduled_on.eq(schedule.debate_scheduled_on),
                    petitions::updated_at.eq(now.naive_utc()),
                ))
                .execute(conn)?;
            Ok(Ok(Audited {
                action: "petition.debate_scheduled",
                before: json!({
                    "debate_state": petition.debate_state,
                    "scheduled_debate_date": petition.scheduled_debate_date,
                }),
                after: json!({
                    "debate_state": to.as_str(),
                    "scheduled_debate_date": schedule.scheduled_debate_date,
                    "debate_scheduled_on": schedule.debate_scheduled_on,
                }),
            }))
        },
        mailing,
        actor,
        now,
    )
}

/// Saves (or replaces) the debate's outcome; the petition is then `debated` or `not_debated`.
pub fn record_debate_outcome(
    conn: &mut DbConnection,
    petition_id: i64,
    outcome: &DebateOutcomeText,
    mailing: Option<&NewMailing>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<RecordOutcome, PersistenceError> {
    let stamp = now.naive_utc();
    on_published_petition(
        conn,
        petition_id,
        |conn, petition| {
            let state = DebateState::parse(&petition.debate_state).unwrap_or(DebateState::Pending);
            let event = if outcome.debated {
                DebateEvent::RecordDebated
            } else {
                DebateEvent::RecordNotDebated
            };
            let Ok(to) = state.apply(event, Authority::Moderator) else {
                return Ok(Err(RecordOutcome::DebateAlreadyDecided(
                    state.as_str().to_owned(),
                )));
            };
            let created_at: Option<NaiveDateTime> = debate_outcomes::table
                .find(petition_id)
                .select(debate_outcomes::created_at)
                .first(conn)
                .optional()?;
            let record = DebateOutcome {
                petition_id,
                debated: outcome.debated,
                debated_on: outcome.debated_on,
                overview: outcome.overview.as_ref().map(|o| o.as_str().to_owned()),
                transcript_url: outcome.transcript_url.clone(),
                video_url: outcome.video_url.clone(),
                debate_pack_url: outcome.debate_pack_url.clone(),
                public_engagement_url: outcome.public_engagement_url.clone(),
                debate_summary_url: outcome.debate_summary_url.clone(),
                created_at: created_at.unwrap_or(stamp),
                updated_at: stamp,
            };
            if created_at.is_some() {
                diesel::update(debate_outcomes::table.find(petition_id))
                    .set(&record)
                    .execute(conn)?;
            } else {
                diesel::insert_into(debate_outcomes::table)
                    .values(&record)
                    .execute(conn)?;
            }
            // The day it was debated is the date the public lists sort debated petitions by.
            let debate_date = outcome.debated_on.or(petition.scheduled_debate_date);
            diesel::update(petitions::table.find(petition_id))
                .set((
                    petitions::debate_state.eq(to.as_str()),
                    petitions::debate_outcome_at.eq(petition.debate_outcome_at.unwrap_or(stamp)),
                    petitions::scheduled_debate_date.eq(debate_date),
                    petitions::updated_at.eq(stamp),
                ))
                .execute(conn)?;
            Ok(Ok(Audited {
                action: "petition.debate_outcome",
                before: json!({ "debate_state": petition.debate_state }),
                after: json!({
                    "debate_state": to.as_str(),
                    "debated": record.debated,
                    "debated_on": record.debated_on,
                }),
            }))
        },
        mailing,
        actor,
        now,
    )
}

/// Records other parliamentary business (a committee inquiry, a Westminster Hall debate on
/// the same subject...), shown on the petition's page.
pub fn record_other_business(
    conn: &mut DbConnection,
    petition_id: i64,
    business: &OtherBusinessText,
    mailing: Option<&NewMailing>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<RecordOutcome, PersistenceError> {
    let stamp = now.naive_utc();
    on_published_petition(
        conn,
        petition_id,
        |conn, _| {
            let id: i64 = on_each_backend!(conn, |c| diesel::insert_into(
                other_parliamentary_business::table
            )
            .values((
                other_parliamentary_business::petition_id.eq(petition_id),
                other_parliamentary_business::subject.eq(business.subject.as_str()),
                other_parliamentary_business::body.eq(business.body.as_str()),
                other_parliamentary_business::occurred_on.eq(business.occurred_on),
                other_parliamentary_business::created_at.eq(stamp),
                other_parliamentary_business::updated_at.eq(stamp),
            ))
            .returning(other_parliamentary_business::id)
            .get_result(c)?);
            Ok(Ok(Audited {
                action: "petition.other_business",
                before: Value::Null,
                after: json!({ "id": id, "subject": business.subject.as_str() }),
            }))
        },
        mailing,
        actor,
        now,
    )
}

/// What a recording did, for the audit log.
struct Audited {
    action: &'static str,
    before: Value,
    after: Value,
}

/// What `work` gives: the audit entry of what it wrote, or a refusal before writing anything.
type Work = Result<Result<Audited, RecordOutcome>, PersistenceError>;

/// Runs `work` on a published petition, locked, and audits what it did and starts the
/// mailing to its signers, if asked, all in one transaction.
fn on_published_petition(
    conn: &mut DbConnection,
    petition_id: i64,
    work: impl FnOnce(&mut DbConnection, &PetitionRow) -> Work,
    mailing: Option<&NewMailing>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<RecordOutcome, PersistenceError> {
    write_transaction(conn, |conn| {
        let Some(petition) = locked_petition(conn, petition_id)? else {
            return Ok(RecordOutcome::NoSuchPetition);
        };
        let published = matches!(
            PetitionState::parse(&petition.state),
            Some(PetitionState::Open | PetitionState::Closed)
        );
        if !published {
            return Ok(RecordOutcome::NotPublished(petition.state));
        }
        let audited = match work(conn, &petition)? {
            Ok(audited) => audited,
            Err(refusal) => return Ok(refusal),
        };
        audit::record(
            conn,
            &NewAuditEntry {
                actor,
                action: audited.action,
                petition_id: Some(petition_id),
                subject: None,
                before: Some(audited.before.to_string()),
                after: Some(audited.after.to_string()),
            },
            now,
        )?;
        if let Some(mailing) = mailing {
            start_mailing(conn, Some(petition_id), mailing, actor, now)?;
        }
        Ok(RecordOutcome::Recorded)
    })
}
