//! The block and allow lists for signing, kept in the database so every process applies
//! the same ones.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::screening::{ListEntry, ListKind, SigningLists};

use crate::schema::signing_list_entries;
use crate::{DbConnection, PersistenceError};

fn list_name(kind: ListKind) -> &'static str {
    match kind {
        ListKind::Block => "block",
        ListKind::Allow => "allow",
    }
}

/// Every entry, parsed. An entry that no longer parses is logged and left out, never fatal.
pub fn load_signing_lists(conn: &mut DbConnection) -> Result<SigningLists, PersistenceError> {
    let rows: Vec<(i64, String, String, String)> = signing_list_entries::table
        .order(signing_list_entries::id)
        .select((
            signing_list_entries::id,
            signing_list_entries::list,
            signing_list_entries::kind,
            signing_list_entries::pattern,
        ))
        .load(conn)?;
    let mut lists = SigningLists::default();
    for (id, list, kind, pattern) in rows {
        let list = if list == "block" {
            ListKind::Block
        } else {
            ListKind::Allow
        };
        match ListEntry::parse(&kind, &pattern) {
            Ok(entry) => lists.add(list, entry),
            Err(error) => {
                tracing::warn!(id, kind, pattern, %error, "skipping a signing list entry")
            }
        }
    }
    Ok(lists)
}

/// Adds an entry (`kind` is `domain`, `ip` or `email`); adding one twice changes nothing.
/// The pattern is checked first, so a stored entry always parses.
pub fn add_list_entry(
    conn: &mut DbConnection,
    list: ListKind,
    kind: &str,
    pattern: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    ListEntry::parse(kind, pattern)
        .map_err(|error| PersistenceError::InvalidInput(format!("{kind} {pattern:?} {error}")))?;
    let exists = signing_list_entries::table
        .filter(signing_list_entries::list.eq(list_name(list)))
        .filter(signing_list_entries::kind.eq(kind))
        .filter(signing_list_entries::pattern.eq(pattern.trim()))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !exists {
        diesel::insert_into(signing_list_entries::table)
            .values((
                signing_list_entries::list.eq(list_name(list)),
                signing_list_entries::kind.eq(kind),
                signing_list_entries::pattern.eq(pattern.trim()),
                signing_list_entries::note.eq(note),
                signing_list_entries::created_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}
