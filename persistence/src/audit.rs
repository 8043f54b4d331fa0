//! The audit log: every staff action, written in the same transaction as the action, so
//! nothing is done without a record and nothing is recorded that was not done.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::audit_log;
use crate::{DbConnection, PersistenceError};

/// One action, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry<'a> {
    /// `staff:ID` or `integration:TOKEN_ID`.
    pub actor: &'a str,
    /// What was done, e.g. `integration_token.issue`.
    pub action: &'a str,
    pub petition_id: Option<i64>,
    /// What it was done to, when that is not a petition (a token id, an account).
    pub subject: Option<&'a str>,
    /// The state before and after, as JSON.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Writes `entry` in the caller's transaction.
pub fn record(
    conn: &mut DbConnection,
    entry: &NewAuditEntry<'_>,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor.eq(entry.actor),
            audit_log::action.eq(entry.action),
            audit_log::petition_id.eq(entry.petition_id),
            audit_log::subject.eq(entry.subject),
            audit_log::before_state.eq(&entry.before),
            audit_log::after_state.eq(&entry.after),
            audit_log::created_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub petition_id: Option<i64>,
    pub subject: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Which entries to read: newest first, optionally about one petition or by one actor,
/// `limit` of them older than `before_id` (for the next page).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub petition_id: Option<i64>,
    pub actor: Option<String>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub fn list(
    conn: &mut DbConnection,
    query: &AuditQuery,
) -> Result<Vec<AuditEntry>, PersistenceError> {
    let mut select = audit_log::table.into_boxed();
    if let Some(petition_id) = query.petition_id {
        select = select.filter(audit_log::petition_id.eq(petition_id));
    }
    if let Some(actor) = &query.actor {
        select = select.filter(audit_log::actor.eq(actor.clone()));
    }
    if let Some(before_id) = query.before_id {
        select = select.filter(audit_log::id.lt(before_id));
    }
    Ok(select
        .order(audit_log::id.desc())
        .limit(query.limit)
        .load(conn)?)
}
