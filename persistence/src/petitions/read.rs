//! The public read models: a petition with everything its JSON shows, in a bounded number
//! of queries however many petitions are asked for.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::model::{
    ConstituencyCount, CountryCount, DebateOutcome, Department, GovernmentResponse, OtherBusiness,
    PetitionRow, RegionCount,
};
use crate::reference::Parliament;
use crate::schema::{
    debate_outcomes, departments, government_responses, other_parliamentary_business, parliaments,
    petition_constituency_signatures, petition_country_signatures, petition_departments,
    petition_region_signatures, petition_topics, petitions, topics,
};
use crate::{DbConnection, PersistenceError};

/// A petition and what hangs off it, as shown in lists and on its own page.
#[derive(Debug, Clone)]
pub struct PetitionRecord {
    pub petition: PetitionRow,
    pub government_response: Option<GovernmentResponse>,
    pub debate: Option<DebateOutcome>,
    pub departments: Vec<Department>,
    pub topics: Vec<String>,
    pub parliament: Option<Parliament>,
}

/// Only on a single petition's page: where the signatures came from, and other business.
#[derive(Debug, Clone, Default)]
pub struct Breakdowns {
    pub countries: Vec<CountryCount>,
    pub constituencies: Vec<ConstituencyCount>,
    pub regions: Vec<RegionCount>,
    pub other_business: Vec<OtherBusiness>,
}

/// What `count.json` shows, and signing checks: the cheapest read, one row by primary key.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = petitions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CountRow {
    pub state: String,
    pub debate_state: String,
    pub archived_at: Option<NaiveDateTime>,
    pub opened_at: Option<NaiveDateTime>,
    pub signature_count: i64,
    pub response_threshold_reached_at: Option<NaiveDateTime>,
    pub government_response_at: Option<NaiveDateTime>,
    pub debate_threshold_reached_at: Option<NaiveDateTime>,
    pub scheduled_debate_date: Option<NaiveDate>,
    pub debate_outcome_at: Option<NaiveDateTime>,
    /// Whether it may still be signed.
    pub deadline: Option<NaiveDateTime>,
}

pub fn find_petition(
    conn: &mut DbConnection,
    id: i64,
) -> Result<Option<PetitionRecord>, PersistenceError> {
    let row = petitions::table
        .find(id)
        .select(PetitionRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(row) => with_relations(conn, vec![row])?.pop(),
        None => None,
    })
}

pub fn find_count(conn: &mut DbConnection, id: i64) -> Result<Option<CountRow>, PersistenceError> {
    Ok(petitions::table
        .find(id)
        .select(CountRow::as_select())
        .first(conn)
        .optional()?)
}

/// The breakdowns and other business; with `counts` false (switched off under load), only
/// the other business.
pub fn find_breakdowns(
    conn: &mut DbConnection,
    id: i64,
    counts: bool,
) -> Result<Breakdowns, PersistenceError> {
    let other_business = other_parliamentary_business::table
        .filter(other_parliamentary_business::petition_id.eq(id))
        .order((
            other_parliamentary_business::created_at,
            other_parliamentary_business::id,
        ))
        .select(OtherBusiness::as_select())
        .load(conn)?;
    if !counts {
        return Ok(Breakdowns {
            other_business,
            ..Breakdowns::default()
        });
    }
    let mut countries = petition_country_signatures::table
        .filter(petition_country_signatures::petition_id.eq(id))
        .select(CountryCount::as_select())
        .load(conn)?;
    // Sorted here, not in SQL, so both backends agree on the order of accented names.
    countries.sort_by(|a, b| a.name.cmp(&b.name));
    let mut constituencies = petition_constituency_signatures::table
        .filter(petition_constituency_signatures::petition_id.eq(id))
        .select(ConstituencyCount::as_select())
        .load(conn)?;
    constituencies.sort_by(|a, b| a.ons_code.cmp(&b.ons_code));
    let mut regions = petition_region_signatures::table
        .filter(petition_region_signatures::petition_id.eq(id))
        .select(RegionCount::as_select())
        .load(conn)?;
    regions.sort_by(|a, b| a.ons_code.cmp(&b.ons_code));
    Ok(Breakdowns {
        countries,
        constituencies,
        regions,
        other_business,
    })
}

/// Loads the responses, debates, departments, topics and parliaments of `rows` in five
/// queries, keeping the order of `rows`.
pub(crate) fn with_relations(
    conn: &mut DbConnection,
    rows: Vec<PetitionRow>,
) -> Result<Vec<PetitionRecord>, PersistenceError> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut responses: HashMap<i64, GovernmentResponse> = government_responses::table
        .filter(government_responses::petition_id.eq_any(&ids))
        .select(GovernmentResponse::as_select())
        .load(conn)?
        .into_iter()
        .map(|response| (response.petition_id, response))
        .collect();
    let mut debates: HashMap<i64, DebateOutcome> = debate_outcomes::table
        .filter(debate_outcomes::petition_id.eq_any(&ids))
        .select(DebateOutcome::as_select())
        .load(conn)?
        .into_iter()
        .map(|debate| (debate.petition_id, debate))
        .collect();
    let mut departments_by_petition: HashMap<i64, Vec<Department>> = HashMap::new();
    for (petition_id, department) in petition_departments::table
        .inner_join(departments::table)
        .filter(petition_departments::petition_id.eq_any(&ids))
        .order((
            petition_departments::petition_id,
            petition_departments::position,
        ))
        .select((petition_departments::petition_id, Department::as_select()))
        .load::<(i64, Department)>(conn)?
    {
        departments_by_petition
            .entry(petition_id)
            .or_default()
            .push(department);
    }
    let mut topics_by_petition: HashMap<i64, Vec<String>> = HashMap::new();
    for (petition_id, code) in petition_topics::table
        .inner_join(topics::table)
        .filter(petition_topics::petition_id.eq_any(&ids))
        .order((petition_topics::petition_id, petition_topics::position))
        .select((petition_topics::petition_id, topics::code))
        .load::<(i64, String)>(conn)?
    {
        topics_by_petition
            .entry(petition_id)
            .or_default()
            .push(code);
    }
    let parliament_ids: Vec<i64> = rows.iter().filter_map(|row| row.parliament_id).collect();
    let parliaments: HashMap<i64, Parliament> = if parliament_ids.is_empty() {
        HashMap::new()
    } else {
        parliaments::table
            .filter(parliaments::id.eq_any(&parliament_ids))
            .select(Parliament::as_select())
            .load(conn)?
            .into_iter()
            .map(|parliament| (parliament.id, parliament))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|petition| PetitionRecord {
            government_response: responses.remove(&petition.id),
            debate: debates.remove(&petition.id),
            departments: departments_by_petition
                .remove(&petition.id)
                .unwrap_or_default(),
            topics: topics_by_petition.remove(&petition.id).unwrap_or_default(),
            parliament: petition
                .parliament_id
                .and_then(|id| parliaments.get(&id).cloned()),
            petition,
        })
        .collect())
}

/// How many petitions are stored, in any state.
pub fn count_petitions(conn: &mut DbConnection) -> Result<i64, PersistenceError> {
    Ok(petitions::table.count().get_result(conn)?)
}
