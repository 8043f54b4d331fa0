//! Rejection reasons (SPEC §1.4), managed by sysadmins; every change audited in its own
//! transaction. A reason in use can't be deleted: the petitions' foreign key says so too.

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use domain::rejection_reason::ReasonText;
use serde_json::json;

use crate::audit::{self, NewAuditEntry};
use crate::database::write_transaction;
use crate::schema::{petitions, rejection_reasons};
use crate::{DbConnection, PersistenceError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct RejectionReason {
    pub code: String,
    pub title: String,
    pub description: String,
    pub hidden: bool,
}

pub fn list_reasons(conn: &mut DbConnection) -> Result<Vec<RejectionReason>, PersistenceError> {
    Ok(rejection_reasons::table
        .order(rejection_reasons::code)
        .load(conn)?)
}

fn find(conn: &mut DbConnection, code: &str) -> Result<Option<RejectionReason>, PersistenceError> {
    Ok(rejection_reasons::table.find(code).first(conn).optional()?)
}

fn as_json(reason: &RejectionReason) -> String {
    json!({
        "code": reason.code,
        "title": reason.title,
        "description": reason.description,
        "hidden": reason.hidden,
    })
    .to_string()
}

fn entry<'a>(
    actor: &'a str,
    action: &'a str,
    code: &'a str,
    before: Option<&RejectionReason>,
    after: Option<&RejectionReason>,
) -> NewAuditEntry<'a> {
    NewAuditEntry {
        actor,
        action,
        petition_id: None,
        subject: Some(code),
        before: before.map(as_json),
        after: after.map(as_json),
    }
}

/// Adds a reason; `false` if one with that code exists already.
pub fn add_reason(
    conn: &mut DbConnection,
    code: &str,
    text: &ReasonText,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    write_transaction(conn, |conn| {
        if find(conn, code)?.is_some() {
            return Ok(false);
        }
        let reason = RejectionReason {
            code: code.to_owned(),
            title: text.title.clone(),
            description: text.description.clone(),
            hidden: text.hidden,
        };
        diesel::insert_into(rejection_reasons::table)
            .values((
                rejection_reasons::code.eq(&reason.code),
                rejection_reasons::title.eq(&reason.title),
                rejection_reasons::description.eq(&reason.description),
                rejection_reasons::hidden.eq(reason.hidden),
            ))
            .execute(conn)?;
        let entry = entry(actor, "rejection_reason.add", code, None, Some(&reason));
        audit::record(conn, &entry, now)?;
        Ok(true)
    })
}

/// Rewords a reason; `None` if there is no such reason.
pub fn update_reason(
    conn: &mut DbConnection,
    code: &str,
    text: &ReasonText,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<RejectionReason>, PersistenceError> {
    write_transaction(conn, |conn| {
        let Some(before) = find(conn, code)? else {
            return Ok(None);
        };
        diesel::update(rejection_reasons::table.find(code))
            .set((
                rejection_reasons::title.eq(&text.title),
                rejection_reasons::description.eq(&text.description),
                rejection_reasons::hidden.eq(text.hidden),
            ))
            .execute(conn)?;
        let after = RejectionReason {
            title: text.title.clone(),
            description: text.description.clone(),
            hidden: text.hidden,
            ..before.clone()
        };
        let entry = entry(
            actor,
            "rejection_reason.update",
            code,
            Some(&before),
            Some(&after),
        );
        audit::record(conn, &entry, now)?;
        Ok(Some(after))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    NotFound,
    /// Petitions were rejected for it: how many.
    InUse(i64),
}

pub fn delete_reason(
    conn: &mut DbConnection,
    code: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Deletion, PersistenceError> {
    let outcome = write_transaction(conn, |conn| {
        let Some(before) = find(conn, code)? else {
            return Ok(Deletion::NotFound);
        };
        let used: i64 = petitions::table
            .filter(petitions::rejection_code.eq(code))
            .select(count_star())
            .first(conn)?;
        if used > 0 {
            return Ok(Deletion::InUse(used));
        }
        diesel::delete(rejection_reasons::table.find(code)).execute(conn)?;
        let entry = entry(actor, "rejection_reason.delete", code, Some(&before), None);
        audit::record(conn, &entry, now)?;
        Ok(Deletion::Deleted)
    });
    match outcome {
        // A moderator used it between the check and the delete: the foreign key held.
        Err(PersistenceError::Query(DieselError::DatabaseError(
            DatabaseErrorKind::ForeignKeyViolation,
            _,
        ))) => Ok(Deletion::InUse(1)),
        other => other,
    }
}
