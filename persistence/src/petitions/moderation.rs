//! Moderators' decisions (SPEC §1.2): the change of state, the dates it sets, the emails to
//! the creator and supporters, and the audit entry, all in one transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::moderation::{
    decide, DecisionNotice, ModerationAction, PetitionFacts, Refusal, RejectionKind,
};
use domain::state::{Authority, PetitionState, SignatureState};
use domain::Thresholds;
use serde_json::json;

use super::model::PetitionRow;
use crate::audit::{self, NewAuditEntry};
use crate::database::write_transaction;
use crate::parliaments::dissolution_in_force;
use crate::schema::{petitions, rejection_reasons, signatures};
use crate::signatures::{queue_emails, EmailKind, QueuedEmail};
use crate::{DbConnection, PersistenceError};

/// A decision asked for by a member of staff.
#[derive(Debug, Clone)]
pub struct ModerationRequest {
    pub petition_id: i64,
    pub action: ModerationAction,
    /// The reason code and details, for a rejection.
    pub rejection: Option<(String, Option<String>)>,
    pub authority: Authority,
    /// How the audit log names who asked.
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModerationOutcome {
    /// Done: the petition as it now is.
    Done(Box<PetitionRow>),
    NoSuchPetition,
    UnknownReason,
    Refused(Refusal),
}

/// Reads the petition under a row lock, asks the domain, and applies what it decided.
pub fn moderate(
    conn: &mut DbConnection,
    request: &ModerationRequest,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<ModerationOutcome, PersistenceError> {
    write_transaction(conn, |conn| {
        let Some(row) = locked_petition(conn, request.petition_id)? else {
            return Ok(ModerationOutcome::NoSuchPetition);
        };
        let before_state = row.state.clone();
        let state = PetitionState::parse(&row.state).unwrap_or(PetitionState::Removed);
        let kind = match (&request.rejection, request.action) {
            (Some((code, _)), ModerationAction::Reject) => match reason_is_hidden(conn, code)? {
                Some(hidden) => Some(RejectionKind { hidden }),
                None => return Ok(ModerationOutcome::UnknownReason),
            },
            _ => None,
        };
        let facts = PetitionFacts {
            state,
            opened_at: row.opened_at.map(|at| at.and_utc()),
            deadline: row.deadline.map(|at| at.and_utc()),
            dissolution_at: dissolution_in_force(conn)?,
        };
        let decision = match decide(
            request.action,
            facts,
            kind,
            request.authority,
            thresholds,
            now,
        ) {
            Ok(decision) => decision,
            Err(refusal) => return Ok(ModerationOutcome::Refused(refusal)),
        };

        let stamp = now.naive_utc();
        let mut changed = row;
        changed.state = decision.to.as_str().to_owned();
        changed.updated_at = stamp;
        if let Some(opened_at) = decision.opened_at {
            changed.opened_at = Some(opened_at.naive_utc());
        }
        if let Some(deadline) = decision.deadline {
            changed.deadline = Some(deadline.naive_utc());
        }
        if let Some(closed_at) = decision.closed_at {
            changed.closed_at = Some(closed_at.naive_utc());
        }
        match decision.records_rejection {
            Some(true) => {
                let (code, details) = request.rejection.clone().unzip();
                changed.rejection_code = code;
                changed.rejection_details = details.flatten();
                changed.rejected_at = Some(stamp);
            }
            Some(false) => {
                changed.rejection_code = None;
                changed.rejection_details = None;
                changed.rejected_at = None;
            }
            None => {}
        }
        diesel::update(petitions::table.find(changed.id))
            .set(&changed)
            .execute(conn)?;

        if let Some(notice) = decision.notice {
            tell_creator_and_supporters(conn, changed.id, notice, now)?;
        }
        let after = json!({
            "state": changed.state,
            "rejection": changed.rejection_code.as_ref().map(|code| json!({
                "code": code,
                "details": changed.rejection_details,
            })),
            "opened_at": changed.opened_at.map(|at| at.and_utc()),
            "deadline": changed.deadline.map(|at| at.and_utc()),
        });
        audit::record(
            conn,
            &NewAuditEntry {
                actor: &request.actor,
                action: &format!("petition.{}", request.action),
                petition_id: Some(changed.id),
                subject: None,
                before: Some(json!({ "state": before_state }).to_string()),
                after: Some(after.to_string()),
            },
            now,
        )?;
        Ok(ModerationOutcome::Done(Box::new(changed)))
    })
}

/// The petition, locked against other decisions until the transaction ends. SQLite's write
/// transaction already holds the only write lock.
pub(super) fn locked_petition(
    conn: &mut DbConnection,
    petition_id: i64,
) -> Result<Option<PetitionRow>, PersistenceError> {
    let petition = petitions::table.find(petition_id);
    Ok(match conn {
        DbConnection::Postgres(pg) => petition
            .select(PetitionRow::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(sqlite) => petition
            .select(PetitionRow::as_select())
            .first(sqlite)
            .optional()?,
    })
}

/// `Some(hidden)` for a known rejection reason.
fn reason_is_hidden(conn: &mut DbConnection, code: &str) -> Result<Option<bool>, PersistenceError> {
    Ok(rejection_reasons::table
        .find(code)
        .select(rejection_reasons::hidden)
        .first(conn)
        .optional()?)
}

/// Queues the decision's email to the creator and every confirmed supporter. Like the
/// confirmation email, it answers what they asked for, so it goes whether or not they opted
/// in to updates.
fn tell_creator_and_supporters(
    conn: &mut DbConnection,
    petition_id: i64,
    notice: DecisionNotice,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let kind = match notice {
        DecisionNotice::Published => EmailKind::PetitionPublished,
        DecisionNotice::Rejected => EmailKind::PetitionRejected,
    };
    let recipients: Vec<i64> = signatures::table
        .filter(signatures::petition_id.eq(petition_id))
        .filter(signatures::creator.or(signatures::sponsor))
        .filter(signatures::state.eq(SignatureState::Validated.as_str()))
        .order(signatures::id)
        .select(signatures::id)
        .load(conn)?;
    let emails: Vec<QueuedEmail> = recipients
        .into_iter()
        .map(|id| QueuedEmail::to(kind, id))
        .collect();
    queue_emails(conn, &emails, now)
}
