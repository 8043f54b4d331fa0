//! Reads none of the official endpoints offer (SPEC §4.4): the hourly series, what is
//! trending, related petitions, and what a constituency is signing. All of them read the
//! counter's tables, never the signatures, so they stay cheap on a viral day.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use domain::counting::hour_of;
use domain::projection::RecentSignatures;
use domain::state::PetitionState;

use crate::schema::{
    constituencies, petition_constituency_signatures, petition_hourly_signatures, petitions,
};
use crate::{DbConnection, PersistenceError};

/// Confirmed signatures per hour, oldest first; hours with none are absent.
pub fn hourly_series(
    conn: &mut DbConnection,
    petition_id: i64,
) -> Result<Vec<(NaiveDateTime, i64)>, PersistenceError> {
    Ok(petition_hourly_signatures::table
        .filter(petition_hourly_signatures::petition_id.eq(petition_id))
        .order(petition_hourly_signatures::hour)
        .select((
            petition_hourly_signatures::hour,
            petition_hourly_signatures::signature_count,
        ))
        .load(conn)?)
}

/// The signatures of the 24 hourly buckets up to now, and of the 24 before them.
pub fn recent_signatures(
    conn: &mut DbConnection,
    petition_id: i64,
    now: DateTime<Utc>,
) -> Result<RecentSignatures, PersistenceError> {
    let current_hour = hour_of(now);
    let day_start = (current_hour - Duration::hours(23)).naive_utc();
    let previous_start = (current_hour - Duration::hours(47)).naive_utc();
    let rows: Vec<(NaiveDateTime, i64)> = petition_hourly_signatures::table
        .filter(petition_hourly_signatures::petition_id.eq(petition_id))
        .filter(petition_hourly_signatures::hour.ge(previous_start))
        .select((
            petition_hourly_signatures::hour,
            petition_hourly_signatures::signature_count,
        ))
        .load(conn)?;
    let sum = |keep: &dyn Fn(&NaiveDateTime) -> bool| {
        rows.iter()
            .filter(|(hour, _)| keep(hour))
            .map(|(_, count)| count)
            .sum()
    };
    Ok(RecentSignatures {
        last_24_hours: sum(&|hour| *hour >= day_start),
        previous_24_hours: sum(&|hour| *hour < day_start),
    })
}

/// A petition in a ranking, with the number it is ranked by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedPetition {
    pub id: i64,
    pub action: String,
    pub signature_count: i64,
    pub score: i64,
}

fn open_petitions() -> petitions::BoxedQuery<'static, crate::database::MultiBackend> {
    petitions::table
        .filter(petitions::state.eq(PetitionState::Open.as_str()))
        .filter(petitions::archived_at.is_null())
        .into_boxed()
}

/// The open petitions with the most signatures confirmed in the last hour. The hour is read
/// from the hourly series: all of the current hour, and the part of the previous hour that
/// falls within the last sixty minutes, pro rata.
pub fn trending(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<RankedPetition>, PersistenceError> {
    let current_hour = hour_of(now);
    let previous_hour = current_hour - Duration::hours(1);
    let share_of_previous = 1.0 - (now - current_hour).num_seconds() as f64 / 3_600.0;
    let rows: Vec<(i64, String, i64, NaiveDateTime, i64)> = open_petitions()
        .inner_join(petition_hourly_signatures::table)
        .filter(petition_hourly_signatures::hour.ge(previous_hour.naive_utc()))
        .select((
            petitions::id,
            petitions::action,
            petitions::signature_count,
            petition_hourly_signatures::hour,
            petition_hourly_signatures::signature_count,
        ))
        .load(conn)?;
    let mut by_id: BTreeMap<i64, RankedPetition> = BTreeMap::new();
    for (id, action, signature_count, hour, count) in rows {
        let weighted = if hour < current_hour.naive_utc() {
            (count as f64 * share_of_previous).round() as i64
        } else {
            count
        };
        by_id
            .entry(id)
            .or_insert(RankedPetition {
                id,
                action,
                signature_count,
                score: 0,
            })
            .score += weighted;
    }
    let mut ranked: Vec<RankedPetition> = by_id.into_values().collect();
    ranked.retain(|petition| petition.score > 0);
    ranked.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.signature_count.cmp(&a.signature_count))
    });
    ranked.truncate(limit);
    Ok(ranked)
}

/// Words too common to say two petitions are alike. PostgreSQL's English configuration
/// drops these itself; SQLite's FTS5 has no stop words, so they are dropped here for both.
const STOP_WORDS: [&str; 40] = [
    "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was",
    "one", "our", "out", "has", "his", "how", "its", "who", "did", "get", "him", "let", "put",
    "say", "she", "too", "use", "that", "this", "with", "from", "they", "them", "have", "were",
    "will", "into",
];

/// Open petitions whose text is most like this petition's action, best first, by each
/// database's own full-text ranking (`ts_rank` on PostgreSQL, `bm25` on SQLite). The score
/// is the rank in thousandths, comparable only within one answer.
pub fn related(
    conn: &mut DbConnection,
    petition_id: i64,
    limit: i64,
) -> Result<Vec<RankedPetition>, PersistenceError> {
    let action: Option<String> = petitions::table
        .find(petition_id)
        .select(petitions::action)
        .first(conn)
        .optional()?;
    match action {
        Some(action) => like_text(conn, &action, Some(petition_id), limit),
        None => Ok(Vec::new()),
    }
}

/// Open petitions whose text is most like `text` (a new petition's action, say), best
/// first, leaving out `except`.
pub fn like_text(
    conn: &mut DbConnection,
    text: &str,
    except: Option<i64>,
    limit: i64,
) -> Result<Vec<RankedPetition>, PersistenceError> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|word| word.chars().count() > 2 && !STOP_WORDS.contains(&word.as_str()))
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let others = open_petitions().filter(petitions::id.ne(except.unwrap_or(0)));
    let rows: Vec<(i64, String, i64, i64)> = match conn {
        DbConnection::Postgres(_) => {
            // Any of the words, not all of them: plainto_tsquery's AND would find only
            // near-copies.
            let query = "to_tsquery('english', array_to_string(ARRAY(SELECT quote_literal(lexeme) \
                         FROM unnest(to_tsvector('english', ";
            let close = "))), ' | '))";
            others
                .filter(
                    sql::<diesel::sql_types::Bool>("petitions.search_vector @@ ")
                        .sql(query)
                        .bind::<Text, _>(words.join(" "))
                        .sql(close),
                )
                .select((
                    petitions::id,
                    petitions::action,
                    petitions::signature_count,
                    sql::<BigInt>("CAST(1000 * ts_rank(petitions.search_vector, ")
                        .sql(query)
                        .bind::<Text, _>(words.join(" "))
                        .sql(close)
                        .sql(") AS BIGINT)"),
                ))
                .order_by(sql::<BigInt>("4 DESC, 3 DESC"))
                .limit(limit)
                .load(conn)?
        }
        DbConnection::Sqlite(_) => {
            let query = words
                .iter()
                .map(|word| format!("\"{word}\""))
                .collect::<Vec<_>>()
                .join(" OR ");
            others
                .filter(
                    sql::<diesel::sql_types::Bool>(
                        "petitions.id IN (SELECT rowid FROM petition_search WHERE petition_search MATCH ",
                    )
                    .bind::<Text, _>(query.clone())
                    .sql(")"),
                )
                .select((
                    petitions::id,
                    petitions::action,
                    petitions::signature_count,
                    sql::<BigInt>(
                        "(SELECT CAST(-1000 * bm25(petition_search) AS INTEGER) FROM petition_search \
                         WHERE petition_search MATCH ",
                    )
                    .bind::<Text, _>(query)
                    .sql(" AND petition_search.rowid = petitions.id)"),
                ))
                .order_by(sql::<BigInt>("4 DESC, 3 DESC"))
                .limit(limit)
                .load(conn)?
        }
    };
    Ok(ranked(rows))
}

/// The open petitions most signed in a constituency; the score is the constituency's count.
/// `None` when `ons_code` is no constituency on the reference list: a mistyped code is not
/// a constituency where no one signed.
pub fn popular_in_constituency(
    conn: &mut DbConnection,
    ons_code: &str,
    limit: i64,
) -> Result<Option<Vec<RankedPetition>>, PersistenceError> {
    let known: bool = diesel::select(diesel::dsl::exists(
        constituencies::table.filter(constituencies::ons_code.eq(ons_code)),
    ))
    .get_result(conn)?;
    if !known {
        return Ok(None);
    }
    let rows: Vec<(i64, String, i64, i64)> = open_petitions()
        .inner_join(petition_constituency_signatures::table)
        .filter(petition_constituency_signatures::ons_code.eq(ons_code.to_owned()))
        .order((
            petition_constituency_signatures::signature_count.desc(),
            petitions::signature_count.desc(),
        ))
        .limit(limit)
        .select((
            petitions::id,
            petitions::action,
            petitions::signature_count,
            petition_constituency_signatures::signature_count,
        ))
        .load(conn)?;
    Ok(Some(ranked(rows)))
}

fn ranked(rows: Vec<(i64, String, i64, i64)>) -> Vec<RankedPetition> {
    rows.into_iter()
        .map(|(id, action, signature_count, score)| RankedPetition {
            id,
            action,
            signature_count,
            score,
        })
        .collect()
}
