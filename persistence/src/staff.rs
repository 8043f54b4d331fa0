//! Staff accounts, integration tokens, revoked tokens and the service's own secrets.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::access::after_failed_login;

use crate::audit::{self, NewAuditEntry};
use crate::database::{on_each_backend, write_transaction};
use crate::schema::{integration_tokens, revoked_tokens, service_secrets, staff_accounts};
use crate::{DbConnection, PersistenceError};

/// A member of staff, as sign-in sees them.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct StaffAccount {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub password_hash: String,
}

/// Adds a member of staff, or brings back one who was removed, with a new role and
/// password; an email in use by someone current is refused, naming it. Audited as `actor`.
pub fn add_staff(
    conn: &mut DbConnection,
    email: &str,
    role: &str,
    password_hash: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<i64, PersistenceError> {
    write_transaction(conn, |conn| {
        let existing: Option<(i64, Option<NaiveDateTime>)> = staff_accounts::table
            .filter(staff_accounts::email.eq(email))
            .select((staff_accounts::id, staff_accounts::removed_at))
            .first(conn)
            .optional()?;
        let stamp = now.naive_utc();
        let id = match existing {
            Some((_, None)) => {
                return Err(PersistenceError::InvalidInput(format!(
                    "there is already a staff account for {email}"
                )))
            }
            Some((id, Some(_))) => {
                diesel::update(staff_accounts::table.find(id))
                    .set((
                        staff_accounts::role.eq(role),
                        staff_accounts::password_hash.eq(password_hash),
                        staff_accounts::failed_logins.eq(0),
                        staff_accounts::locked_until.eq(None::<NaiveDateTime>),
                        staff_accounts::removed_at.eq(None::<NaiveDateTime>),
                        staff_accounts::updated_at.eq(stamp),
                    ))
                    .execute(conn)?;
                id
            }
            None => on_each_backend!(conn, |c| diesel::insert_into(staff_accounts::table)
                .values((
                    staff_accounts::email.eq(email),
                    staff_accounts::role.eq(role),
                    staff_accounts::password_hash.eq(password_hash),
                    staff_accounts::created_at.eq(stamp),
                    staff_accounts::updated_at.eq(stamp),
                ))
                .returning(staff_accounts::id)
                .get_result(c)?),
        };
        record_staff_change(conn, actor, "staff.add", id, None, Some(role), now)?;
        Ok(id)
    })
}

/// What a change to a staff account did, for the audit log.
fn record_staff_change(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    id: i64,
    before: Option<&str>,
    after: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let role = |role: Option<&str>| Some(serde_json::json!({ "role": role }).to_string());
    let subject = format!("staff:{id}");
    let entry = NewAuditEntry {
        actor,
        action,
        petition_id: None,
        subject: Some(&subject),
        before: role(before),
        after: role(after),
    };
    audit::record(conn, &entry, now)
}

/// The current account for `email`, locked against other changes until the transaction
/// ends; an unknown or removed one is refused, naming it.
fn current_account(
    conn: &mut DbConnection,
    email: &str,
) -> Result<(i64, String), PersistenceError> {
    let account = staff_accounts::table
        .filter(staff_accounts::email.eq(email))
        .filter(staff_accounts::removed_at.is_null())
        .select((staff_accounts::id, staff_accounts::role));
    let found: Option<(i64, String)> = match conn {
        DbConnection::Postgres(pg) => account.for_update().first(pg).optional()?,
        DbConnection::Sqlite(sqlite) => account.first(sqlite).optional()?,
    };
    found.ok_or_else(|| {
        PersistenceError::InvalidInput(format!("there is no staff account for {email}"))
    })
}

/// Gives a member of staff another role; it applies to their next request, token or not.
pub fn change_role(
    conn: &mut DbConnection,
    email: &str,
    role: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<i64, PersistenceError> {
    write_transaction(conn, |conn| {
        let (id, before) = current_account(conn, email)?;
        diesel::update(staff_accounts::table.find(id))
            .set((
                staff_accounts::role.eq(role),
                staff_accounts::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        record_staff_change(
            conn,
            actor,
            "staff.change_role",
            id,
            Some(&before),
            Some(role),
            now,
        )?;
        Ok(id)
    })
}

/// Removes a member of staff: they can't sign in, and the tokens they hold stop working at
/// their next request. Integration tokens they issued stay until a sysadmin revokes them.
pub fn remove_staff(
    conn: &mut DbConnection,
    email: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<i64, PersistenceError> {
    write_transaction(conn, |conn| {
        let (id, before) = current_account(conn, email)?;
        diesel::update(staff_accounts::table.find(id))
            .set((
                staff_accounts::removed_at.eq(now.naive_utc()),
                staff_accounts::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        record_staff_change(conn, actor, "staff.remove", id, Some(&before), None, now)?;
        Ok(id)
    })
}

pub fn find_staff_by_email(
    conn: &mut DbConnection,
    email: &str,
) -> Result<Option<StaffAccount>, PersistenceError> {
    Ok(staff_accounts::table
        .filter(staff_accounts::email.eq(email))
        .filter(staff_accounts::removed_at.is_null())
        .select((
            staff_accounts::id,
            staff_accounts::email,
            staff_accounts::role,
            staff_accounts::password_hash,
        ))
        .first(conn)
        .optional()?)
}

/// The current role of a member of staff, `None` if the account was removed.
pub fn staff_role(conn: &mut DbConnection, id: i64) -> Result<Option<String>, PersistenceError> {
    Ok(staff_accounts::table
        .find(id)
        .filter(staff_accounts::removed_at.is_null())
        .select(staff_accounts::role)
        .first(conn)
        .optional()?)
}

/// Whether a sign-in may go on to check the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInAttempt {
    Proceed,
    LockedUntil(DateTime<Utc>),
}

/// Counts a sign-in attempt as failed before its password is checked, under a row lock,
/// so attempts made in parallel each count and the lock falls at the fifth however they
/// interleave. [`signed_in`] clears the count when the password was right.
pub fn begin_sign_in(
    conn: &mut DbConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<SignInAttempt, PersistenceError> {
    write_transaction(conn, |conn| {
        let account = staff_accounts::table
            .find(id)
            .select((staff_accounts::failed_logins, staff_accounts::locked_until));
        let (failed, locked_until): (i32, Option<NaiveDateTime>) = match conn {
            DbConnection::Postgres(pg) => account.for_update().first(pg)?,
            DbConnection::Sqlite(sqlite) => account.first(sqlite)?,
        };
        if let Some(until) = locked_until.map(|at| at.and_utc()).filter(|at| *at > now) {
            return Ok(SignInAttempt::LockedUntil(until));
        }
        let (failures, locked_until) = after_failed_login(failed, now);
        diesel::update(staff_accounts::table.find(id))
            .set((
                staff_accounts::failed_logins.eq(failures),
                staff_accounts::locked_until.eq(locked_until.map(|at| at.naive_utc())),
                staff_accounts::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        Ok(SignInAttempt::Proceed)
    })
}

/// The password was right: the failures counted so far, and any lock they set, are gone.
pub fn signed_in(
    conn: &mut DbConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::update(staff_accounts::table.find(id))
        .set((
            staff_accounts::failed_logins.eq(0),
            staff_accounts::locked_until.eq(None::<NaiveDateTime>),
            staff_accounts::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Signs a token out: it is refused from now until it would have expired.
pub fn revoke_token(
    conn: &mut DbConnection,
    jti: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    on_each_backend!(conn, |c| diesel::insert_into(revoked_tokens::table)
        .values((
            revoked_tokens::jti.eq(jti),
            revoked_tokens::expires_at.eq(expires_at.naive_utc()),
        ))
        .on_conflict_do_nothing()
        .execute(c)?);
    Ok(())
}

/// Whether a staff token was signed out.
pub fn is_revoked(conn: &mut DbConnection, jti: &str) -> Result<bool, PersistenceError> {
    let found: i64 = revoked_tokens::table
        .filter(revoked_tokens::jti.eq(jti))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// An integration token as issued (the token itself is shown once, when issued).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct IntegrationToken {
    pub id: String,
    pub name: String,
    /// Space-separated, as in OAuth.
    pub scopes: String,
    pub issued_by: i64,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Stores a newly issued token, with its audit entry, in one transaction.
pub fn add_integration_token(
    conn: &mut DbConnection,
    token: &IntegrationToken,
    audit_entry: &NewAuditEntry<'_>,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    write_transaction(conn, |conn| {
        insert_integration_token(conn, token)?;
        audit::record(conn, audit_entry, now)
    })
}

fn insert_integration_token(
    conn: &mut DbConnection,
    token: &IntegrationToken,
) -> Result<(), PersistenceError> {
    diesel::insert_into(integration_tokens::table)
        .values((
            integration_tokens::id.eq(&token.id),
            integration_tokens::name.eq(&token.name),
            integration_tokens::scopes.eq(&token.scopes),
            integration_tokens::issued_by.eq(token.issued_by),
            integration_tokens::issued_at.eq(token.issued_at),
            integration_tokens::expires_at.eq(token.expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_integration_token(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<IntegrationToken>, PersistenceError> {
    Ok(integration_tokens::table.find(id).first(conn).optional()?)
}

/// Newest first.
pub fn list_integration_tokens(
    conn: &mut DbConnection,
) -> Result<Vec<IntegrationToken>, PersistenceError> {
    Ok(integration_tokens::table
        .order((integration_tokens::issued_at.desc(), integration_tokens::id))
        .load(conn)?)
}

/// Revokes an integration token, recording `audit_entry` if this changed anything; `false`
/// if there is no such token.
pub fn revoke_integration_token(
    conn: &mut DbConnection,
    id: &str,
    audit_entry: &NewAuditEntry<'_>,
    now: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    write_transaction(conn, |conn| {
        let Some(token) = find_integration_token(conn, id)? else {
            return Ok(false);
        };
        if token.revoked_at.is_none() {
            diesel::update(integration_tokens::table.find(id))
                .set(integration_tokens::revoked_at.eq(now.naive_utc()))
                .execute(conn)?;
            audit::record(conn, audit_entry, now)?;
        }
        Ok(true)
    })
}

/// The stored secret called `name`, if any process has made it yet.
pub fn service_secret(
    conn: &mut DbConnection,
    name: &str,
) -> Result<Option<String>, PersistenceError> {
    Ok(service_secrets::table
        .find(name)
        .select(service_secrets::secret)
        .first(conn)
        .optional()?)
}

/// Keeps `fresh` as the secret called `name` unless a process already made one, and returns
/// whichever is kept: two processes starting at once agree, as the first write wins.
pub fn keep_service_secret(
    conn: &mut DbConnection,
    name: &str,
    fresh: &str,
    now: DateTime<Utc>,
) -> Result<String, PersistenceError> {
    on_each_backend!(conn, |c| diesel::insert_into(service_secrets::table)
        .values((
            service_secrets::name.eq(name),
            service_secrets::secret.eq(fresh),
            service_secrets::created_at.eq(now.naive_utc()),
        ))
        .on_conflict_do_nothing()
        .execute(c)?);
    service_secret(conn, name)?.ok_or(PersistenceError::Query(diesel::result::Error::NotFound))
}
