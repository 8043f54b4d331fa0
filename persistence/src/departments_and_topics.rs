//! The departments and topics petitions are filed under, kept by sysadmins; each change is
//! audited in its own transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::editing::DepartmentText;
use domain::text::ReferenceName;
use serde_json::json;

use crate::audit::{self, NewAuditEntry};
use crate::database::write_transaction;
use crate::petitions::Department;
use crate::reference::Topic;
use crate::schema::{departments, topics};
use crate::{DbConnection, PersistenceError};

pub fn list_departments(conn: &mut DbConnection) -> Result<Vec<Department>, PersistenceError> {
    Ok(departments::table
        .order(departments::acronym)
        .select(Department::as_select())
        .load(conn)?)
}

/// Adds the department, or renames the one with this acronym; `true` when it is new.
pub fn save_department(
    conn: &mut DbConnection,
    acronym: &str,
    text: &DepartmentText,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(Department, bool), PersistenceError> {
    write_transaction(conn, |conn| {
        let before: Option<Department> = departments::table
            .filter(departments::acronym.eq(acronym))
            .select(Department::as_select())
            .first(conn)
            .optional()?;
        let values = (
            departments::name.eq(text.name.as_str()),
            departments::url.eq(&text.url),
        );
        match &before {
            Some(department) => {
                diesel::update(departments::table.find(department.id))
                    .set(values)
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(departments::table)
                    .values((departments::acronym.eq(acronym), values.0, values.1))
                    .execute(conn)?;
            }
        }
        let after: Department = departments::table
            .filter(departments::acronym.eq(acronym))
            .select(Department::as_select())
            .first(conn)?;
        let as_json = |d: &Department| json!({"name": d.name, "url": d.url}).to_string();
        let entry = NewAuditEntry {
            actor,
            action: "department.save",
            petition_id: None,
            subject: Some(acronym),
            before: before.as_ref().map(as_json),
            after: Some(as_json(&after)),
        };
        audit::record(conn, &entry, now)?;
        Ok((after, before.is_none()))
    })
}

/// Adds the topic, or renames the one with this code; `true` when it is new.
pub fn save_topic(
    conn: &mut DbConnection,
    code: &str,
    name: &ReferenceName,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(Topic, bool), PersistenceError> {
    write_transaction(conn, |conn| {
        let before: Option<Topic> = topics::table
            .filter(topics::code.eq(code))
            .select(Topic::as_select())
            .first(conn)
            .optional()?;
        match &before {
            Some(topic) => {
                diesel::update(topics::table.find(topic.id))
                    .set(topics::name.eq(name.as_str()))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(topics::table)
                    .values((topics::code.eq(code), topics::name.eq(name.as_str())))
                    .execute(conn)?;
            }
        }
        let after: Topic = topics::table
            .filter(topics::code.eq(code))
            .select(Topic::as_select())
            .first(conn)?;
        let entry = NewAuditEntry {
            actor,
            action: "topic.save",
            petition_id: None,
            subject: Some(code),
            before: before.as_ref().map(|topic| json!(topic.name).to_string()),
            after: Some(json!(after.name).to_string()),
        };
        audit::record(conn, &entry, now)?;
        Ok((after, before.is_none()))
    })
}
