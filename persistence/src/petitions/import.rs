//! Storing a petition from an official-format document, upserting by id: importing the same
//! document twice leaves the database as the first import did.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::model::{
    ConstituencyCount, CountryCount, DebateOutcome, GovernmentResponse, PetitionRow, RegionCount,
};
use crate::database::on_each_backend;
use crate::reference::Parliament;
use crate::schema::{
    debate_outcomes, departments, government_responses, other_parliamentary_business, parliaments,
    petition_constituency_signatures, petition_country_signatures, petition_departments,
    petition_region_signatures, petition_topics, petitions, rejection_reasons, topics,
};
use crate::{DbConnection, PersistenceError};

/// Everything one document says about a petition. `None` for a list means the document did
/// not carry that list (list pages omit breakdowns), so what is stored is kept.
#[derive(Debug, Clone)]
pub struct PetitionImport {
    /// `parliament_id` and `archived_at` are filled in from `archived`.
    pub petition: PetitionRow,
    /// `Some` for a petition of a past parliament.
    pub archived: Option<ImportedParliament>,
    pub government_response: Option<GovernmentResponse>,
    pub debate: Option<DebateOutcome>,
    pub departments: Vec<NewDepartment>,
    pub topics: Vec<String>,
    pub countries: Option<Vec<CountryCount>>,
    pub constituencies: Option<Vec<ConstituencyCount>>,
    pub regions: Option<Vec<RegionCount>>,
    pub other_business: Option<Vec<NewOtherBusiness>>,
}

/// The parliament an archived petition belongs to.
#[derive(Debug, Clone)]
pub enum ImportedParliament {
    /// The document names it (archived documents since June 2024).
    Described {
        period: String,
        government: String,
        dissolution_at: Option<NaiveDateTime>,
        response_threshold: i64,
        debate_threshold: i64,
    },
    /// Older documents don't: the parliament sitting when the petition was created.
    SittingAtCreation,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = departments)]
pub struct NewDepartment {
    pub acronym: String,
    pub name: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = other_parliamentary_business)]
pub struct NewOtherBusiness {
    pub petition_id: i64,
    pub subject: String,
    pub body: String,
    pub occurred_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Stores `import` in one transaction.
pub fn import_petition(
    conn: &mut DbConnection,
    mut import: PetitionImport,
) -> Result<(), PersistenceError> {
    conn.transaction(|conn| {
        if let Some(code) = import.petition.rejection_code.clone() {
            ensure_rejection_reason(conn, &code)?;
        }
        if let Some(archived) = &import.archived {
            let parliament = resolve_parliament(conn, archived, import.petition.created_at)?;
            import.petition.parliament_id = Some(parliament.id);
            import.petition.archived_at = parliament
                .archived_at
                .or(parliament.dissolution_at)
                .or(Some(import.petition.updated_at));
        }
        upsert_petition(conn, &import.petition)?;
        // Marks the counts as the official site's: reconciliation has no rows to check them by.
        diesel::update(petitions::table.find(import.petition.id))
            .set(petitions::imported_at.eq(chrono::Utc::now().naive_utc()))
            .execute(conn)?;
        replace_children(conn, &import)?;
        Ok(())
    })
}

fn upsert_petition(conn: &mut DbConnection, row: &PetitionRow) -> Result<(), PersistenceError> {
    on_each_backend!(conn, |c| {
        diesel::insert_into(petitions::table)
            .values(row)
            .on_conflict(petitions::id)
            .do_update()
            .set(row)
            .execute(c)?
    });
    // Ids come from the document; keep PostgreSQL's sequence ahead of them so petitions
    // created here later never collide with imported ones.
    if let DbConnection::Postgres(c) = conn {
        diesel::sql_query("SELECT setval(pg_get_serial_sequence('petitions', 'id'), (SELECT MAX(id) FROM petitions))")
            .execute(c)?;
    }
    Ok(())
}

/// Inserts many rows in one statement; `MultiBackend` can't batch, each concrete backend can.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        on_each_backend!($conn, |c| diesel::insert_into($table)
            .values($rows)
            .execute(c)?)
    };
}

fn replace_children(
    conn: &mut DbConnection,
    import: &PetitionImport,
) -> Result<(), PersistenceError> {
    let id = import.petition.id;
    diesel::delete(government_responses::table.filter(government_responses::petition_id.eq(id)))
        .execute(conn)?;
    if let Some(response) = &import.government_response {
        diesel::insert_into(government_responses::table)
            .values(response)
            .execute(conn)?;
    }
    diesel::delete(debate_outcomes::table.filter(debate_outcomes::petition_id.eq(id)))
        .execute(conn)?;
    if let Some(debate) = &import.debate {
        diesel::insert_into(debate_outcomes::table)
            .values(debate)
            .execute(conn)?;
    }

    diesel::delete(petition_departments::table.filter(petition_departments::petition_id.eq(id)))
        .execute(conn)?;
    for (position, department) in (0..).zip(&import.departments) {
        let department_id = upsert_department(conn, department)?;
        diesel::insert_into(petition_departments::table)
            .values((
                petition_departments::petition_id.eq(id),
                petition_departments::department_id.eq(department_id),
                petition_departments::position.eq(position),
            ))
            .execute(conn)?;
    }
    diesel::delete(petition_topics::table.filter(petition_topics::petition_id.eq(id)))
        .execute(conn)?;
    for (position, code) in (0..).zip(&import.topics) {
        let topic_id = ensure_topic(conn, code)?;
        diesel::insert_into(petition_topics::table)
            .values((
                petition_topics::petition_id.eq(id),
                petition_topics::topic_id.eq(topic_id),
                petition_topics::position.eq(position),
            ))
            .execute(conn)?;
    }

    if let Some(countries) = &import.countries {
        diesel::delete(
            petition_country_signatures::table
                .filter(petition_country_signatures::petition_id.eq(id)),
        )
        .execute(conn)?;
        insert_all!(conn, petition_country_signatures::table, countries);
    }
    if let Some(constituencies) = &import.constituencies {
        diesel::delete(
            petition_constituency_signatures::table
                .filter(petition_constituency_signatures::petition_id.eq(id)),
        )
        .execute(conn)?;
        insert_all!(
            conn,
            petition_constituency_signatures::table,
            constituencies
        );
    }
    if let Some(regions) = &import.regions {
        diesel::delete(
            petition_region_signatures::table
                .filter(petition_region_signatures::petition_id.eq(id)),
        )
        .execute(conn)?;
        insert_all!(conn, petition_region_signatures::table, regions);
    }
    if let Some(business) = &import.other_business {
        diesel::delete(
            other_parliamentary_business::table
                .filter(other_parliamentary_business::petition_id.eq(id)),
        )
        .execute(conn)?;
        insert_all!(conn, other_parliamentary_business::table, business);
    }
    Ok(())
}

/// A code the document uses but we don't know yet is kept, visible, with the code as title,
/// for a sysadmin to describe; refusing the petition would lose it.
fn ensure_rejection_reason(conn: &mut DbConnection, code: &str) -> Result<(), PersistenceError> {
    let known = rejection_reasons::table
        .find(code)
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !known {
        diesel::insert_into(rejection_reasons::table)
            .values((
                rejection_reasons::code.eq(code),
                rejection_reasons::title.eq(code),
                rejection_reasons::description.eq(""),
                rejection_reasons::hidden.eq(false),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn upsert_department(
    conn: &mut DbConnection,
    department: &NewDepartment,
) -> Result<i64, PersistenceError> {
    let existing = departments::table
        .filter(departments::acronym.eq(&department.acronym))
        .select(departments::id)
        .first::<i64>(conn)
        .optional()?;
    if let Some(id) = existing {
        diesel::update(departments::table.find(id))
            .set((
                departments::name.eq(&department.name),
                departments::url.eq(&department.url),
            ))
            .execute(conn)?;
        return Ok(id);
    }
    diesel::insert_into(departments::table)
        .values(department)
        .execute(conn)?;
    Ok(departments::table
        .filter(departments::acronym.eq(&department.acronym))
        .select(departments::id)
        .first(conn)?)
}

/// Documents carry only topic codes; the code stands in for the name until staff set one.
fn ensure_topic(conn: &mut DbConnection, code: &str) -> Result<i64, PersistenceError> {
    let existing = topics::table
        .filter(topics::code.eq(code))
        .select(topics::id)
        .first::<i64>(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    diesel::insert_into(topics::table)
        .values((topics::code.eq(code), topics::name.eq(code)))
        .execute(conn)?;
    Ok(topics::table
        .filter(topics::code.eq(code))
        .select(topics::id)
        .first(conn)?)
}

fn resolve_parliament(
    conn: &mut DbConnection,
    archived: &ImportedParliament,
    created_at: NaiveDateTime,
) -> Result<Parliament, PersistenceError> {
    match archived {
        ImportedParliament::Described {
            period,
            government,
            dissolution_at,
            response_threshold,
            debate_threshold,
        } => {
            let changes = (
                parliaments::government.eq(government),
                parliaments::dissolution_at.eq(dissolution_at),
                parliaments::archived_at.eq(dissolution_at),
                parliaments::response_threshold.eq(response_threshold),
                parliaments::debate_threshold.eq(debate_threshold),
            );
            let updated = diesel::update(parliaments::table.filter(parliaments::period.eq(period)))
                .set(changes)
                .execute(conn)?;
            if updated == 0 {
                diesel::insert_into(parliaments::table)
                    .values((parliaments::period.eq(period), changes))
                    .execute(conn)?;
            }
            Ok(parliaments::table
                .filter(parliaments::period.eq(period))
                .select(Parliament::as_select())
                .first(conn)?)
        }
        ImportedParliament::SittingAtCreation => {
            let sitting = parliaments::table
                .filter(parliaments::opening_at.le(created_at))
                .order(parliaments::opening_at.desc())
                .select(Parliament::as_select())
                .first(conn)
                .optional()?;
            match sitting {
                Some(parliament) => Ok(parliament),
                None => Ok(parliaments::table
                    .order(parliaments::opening_at.asc())
                    .select(Parliament::as_select())
                    .first(conn)?),
            }
        }
    }
}
