//! Staff edits to a petition: its texts, where it is filed, and the private note. Each edit,
//! and its audit entry with the old and new values, is one transaction on the locked row.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::editing::{EditRefusal, Tags, TextEdit};
use domain::state::PetitionState;
use domain::text::PrivateNote;
use serde_json::{json, Map, Value};

use super::moderation::locked_petition;
use crate::audit::{self, NewAuditEntry};
use crate::database::{on_each_backend, write_transaction};
use crate::schema::{
    departments, petition_departments, petition_notes, petition_topics, petitions, topics,
};
use crate::{DbConnection, PersistenceError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    Edited,
    NoSuchPetition,
    Refused(EditRefusal),
    /// Acronyms and topic codes that are not on the lists.
    UnknownTags(Tags),
}

/// Applies a text edit, if the petition's state allows it.
pub fn edit_texts(
    conn: &mut DbConnection,
    petition_id: i64,
    edit: &TextEdit,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<EditOutcome, PersistenceError> {
    write_transaction(conn, |conn| {
        let Some(petition) = locked_petition(conn, petition_id)? else {
            return Ok(EditOutcome::NoSuchPetition);
        };
        let state = PetitionState::parse(&petition.state).unwrap_or(PetitionState::Removed);
        if let Err(refusal) = edit.allowed_in(state) {
            return Ok(EditOutcome::Refused(refusal));
        }
        let owned = |text: &str| Some(text.to_owned());
        let new = Texts {
            action: edit
                .action
                .as_ref()
                .map_or(Some(petition.action.clone()), |text| owned(text.as_str())),
            background: edit
                .background
                .as_ref()
                .map_or(petition.background.clone(), |text| owned(text.as_str())),
            additional_details: match &edit.additional_details {
                Some(text) => text.as_ref().and_then(|text| owned(text.as_str())),
                None => petition.additional_details.clone(),
            },
            committee_note: match &edit.committee_note {
                Some(text) => text.as_ref().and_then(|text| owned(text.as_str())),
                None => petition.committee_note.clone(),
            },
        };
        let old = Texts {
            action: Some(petition.action),
            background: petition.background,
            additional_details: petition.additional_details,
            committee_note: petition.committee_note,
        };
        let (before, after) = old.differences(&new);
        if after.is_empty() {
            return Ok(EditOutcome::Edited);
        }
        diesel::update(petitions::table.find(petition_id))
            .set((
                petitions::action.eq(new.action.unwrap_or_default()),
                petitions::background.eq(new.background),
                petitions::additional_details.eq(new.additional_details),
                petitions::committee_note.eq(new.committee_note),
                petitions::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        let entry = NewAuditEntry {
            actor,
            action: "petition.edit",
            petition_id: Some(petition_id),
            subject: None,
            before: Some(Value::Object(before).to_string()),
            after: Some(Value::Object(after).to_string()),
        };
        audit::record(conn, &entry, now)?;
        Ok(EditOutcome::Edited)
    })
}

/// The editable texts of a petition.
struct Texts {
    action: Option<String>,
    background: Option<String>,
    additional_details: Option<String>,
    committee_note: Option<String>,
}

impl Texts {
    /// The fields that differ: their values here, and in `new`.
    fn differences(&self, new: &Self) -> (Map<String, Value>, Map<String, Value>) {
        let pairs = [
            ("action", &self.action, &new.action),
            ("background", &self.background, &new.background),
            (
                "additional_details",
                &self.additional_details,
                &new.additional_details,
            ),
            ("committee_note", &self.committee_note, &new.committee_note),
        ];
        let mut before = Map::new();
        let mut after = Map::new();
        for (field, old, new) in pairs {
            if old != new {
                before.insert(field.to_owned(), json!(old));
                after.insert(field.to_owned(), json!(new));
            }
        }
        (before, after)
    }
}

/// Files the petition under exactly these departments and topics, in this order.
pub fn set_tags(
    conn: &mut DbConnection,
    petition_id: i64,
    tags: &Tags,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<EditOutcome, PersistenceError> {
    write_transaction(conn, |conn| {
        let Some(petition) = locked_petition(conn, petition_id)? else {
            return Ok(EditOutcome::NoSuchPetition);
        };
        if petition.state == PetitionState::Removed.as_str() {
            return Ok(EditOutcome::Refused(EditRefusal::Removed));
        }
        let department_ids: Vec<(i64, String)> = departments::table
            .filter(departments::acronym.eq_any(&tags.departments))
            .select((departments::id, departments::acronym))
            .load(conn)?;
        let topic_ids: Vec<(i64, String)> = topics::table
            .filter(topics::code.eq_any(&tags.topics))
            .select((topics::id, topics::code))
            .load(conn)?;
        let unknown = Tags {
            departments: missing(&tags.departments, &department_ids),
            topics: missing(&tags.topics, &topic_ids),
        };
        if unknown != Tags::default() {
            return Ok(EditOutcome::UnknownTags(unknown));
        }
        let before = current_tags(conn, petition_id)?;
        diesel::delete(
            petition_departments::table.filter(petition_departments::petition_id.eq(petition_id)),
        )
        .execute(conn)?;
        diesel::delete(petition_topics::table.filter(petition_topics::petition_id.eq(petition_id)))
            .execute(conn)?;
        let id_of = |ids: &[(i64, String)], wanted: &str| {
            ids.iter()
                .find(|(_, tag)| tag == wanted)
                .map_or(0, |(id, _)| *id)
        };
        let department_rows: Vec<_> = (0..)
            .zip(&tags.departments)
            .map(|(position, acronym)| {
                (
                    petition_departments::petition_id.eq(petition_id),
                    petition_departments::department_id.eq(id_of(&department_ids, acronym)),
                    petition_departments::position.eq(position),
                )
            })
            .collect();
        let topic_rows: Vec<_> = (0..)
            .zip(&tags.topics)
            .map(|(position, code)| {
                (
                    petition_topics::petition_id.eq(petition_id),
                    petition_topics::topic_id.eq(id_of(&topic_ids, code)),
                    petition_topics::position.eq(position),
                )
            })
            .collect();
        // One statement per table, however many tags.
        if !department_rows.is_empty() {
            on_each_backend!(conn, |c| diesel::insert_into(petition_departments::table)
                .values(&department_rows)
                .execute(c)?);
        }
        if !topic_rows.is_empty() {
            on_each_backend!(conn, |c| diesel::insert_into(petition_topics::table)
                .values(&topic_rows)
                .execute(c)?);
        }
        diesel::update(petitions::table.find(petition_id))
            .set(petitions::updated_at.eq(now.naive_utc()))
            .execute(conn)?;
        let as_json = |tags: &Tags| {
            json!({"departments": tags.departments, "topics": tags.topics}).to_string()
        };
        let entry = NewAuditEntry {
            actor,
            action: "petition.tags",
            petition_id: Some(petition_id),
            subject: None,
            before: Some(as_json(&before)),
            after: Some(as_json(tags)),
        };
        audit::record(conn, &entry, now)?;
        Ok(EditOutcome::Edited)
    })
}

fn missing(wanted: &[String], found: &[(i64, String)]) -> Vec<String> {
    wanted
        .iter()
        .filter(|tag| !found.iter().any(|(_, known)| known == *tag))
        .cloned()
        .collect()
}

fn current_tags(conn: &mut DbConnection, petition_id: i64) -> Result<Tags, PersistenceError> {
    Ok(Tags {
        departments: petition_departments::table
            .inner_join(departments::table)
            .filter(petition_departments::petition_id.eq(petition_id))
            .order(petition_departments::position)
            .select(departments::acronym)
            .load(conn)?,
        topics: petition_topics::table
            .inner_join(topics::table)
            .filter(petition_topics::petition_id.eq(petition_id))
            .order(petition_topics::position)
            .select(topics::code)
            .load(conn)?,
    })
}

/// Staff's private note, as last saved.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Note {
    pub details: String,
    pub updated_by: String,
    pub updated_at: chrono::NaiveDateTime,
}

pub fn find_note(
    conn: &mut DbConnection,
    petition_id: i64,
) -> Result<Option<Note>, PersistenceError> {
    Ok(petition_notes::table
        .find(petition_id)
        .select((
            petition_notes::details,
            petition_notes::updated_by,
            petition_notes::updated_at,
        ))
        .first(conn)
        .optional()?)
}

/// Replaces the private note; an empty one deletes it.
pub fn save_note(
    conn: &mut DbConnection,
    petition_id: i64,
    note: &PrivateNote,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<EditOutcome, PersistenceError> {
    write_transaction(conn, |conn| {
        if locked_petition(conn, petition_id)?.is_none() {
            return Ok(EditOutcome::NoSuchPetition);
        }
        let before = find_note(conn, petition_id)?;
        let stamp = now.naive_utc();
        let details = note.as_str();
        match (&before, details.is_empty()) {
            (None, true) => return Ok(EditOutcome::Edited),
            (Some(_), true) => {
                diesel::delete(petition_notes::table.find(petition_id)).execute(conn)?;
            }
            (Some(_), false) => {
                diesel::update(petition_notes::table.find(petition_id))
                    .set((
                        petition_notes::details.eq(details),
                        petition_notes::updated_by.eq(actor),
                        petition_notes::updated_at.eq(stamp),
                    ))
                    .execute(conn)?;
            }
            (None, false) => {
                diesel::insert_into(petition_notes::table)
                    .values((
                        petition_notes::petition_id.eq(petition_id),
                        petition_notes::details.eq(details),
                        petition_notes::updated_by.eq(actor),
                        petition_notes::created_at.eq(stamp),
                        petition_notes::updated_at.eq(stamp),
                    ))
                    .execute(conn)?;
            }
        }
        let entry = NewAuditEntry {
            actor,
            action: "petition.note",
            petition_id: Some(petition_id),
            subject: None,
            before: before.map(|note| json!(note.details).to_string()),
            after: Some(json!(details).to_string()).filter(|_| !details.is_empty()),
        };
        audit::record(conn, &entry, now)?;
        Ok(EditOutcome::Edited)
    })
}
