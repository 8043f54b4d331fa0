//! Reference data: countries, regions and constituencies bundled with the service (see
//! `persistence/data/SOURCES.md`), plus parliaments and topics.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::parliament::ParliamentFacts;
use serde::Deserialize;

use crate::database::on_each_backend;
use crate::schema::{constituencies, countries, parliaments, regions, topics};
use crate::{DbConnection, PersistenceError};

const COUNTRIES_CSV: &str = include_str!("../data/countries.csv");
const REGIONS_CSV: &str = include_str!("../data/regions.csv");
const CONSTITUENCIES_CSV: &str = include_str!("../data/constituencies.csv");

/// The constituencies in the bundled file took effect at the general election of 4 July 2024,
/// which is also when the members named there were elected.
const CONSTITUENCIES_START: Option<NaiveDate> = NaiveDate::from_ymd_opt(2024, 7, 4);

#[derive(Debug, Clone, Deserialize, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = countries, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Country {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = regions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Region {
    pub code: String,
    pub name: String,
    pub ons_code: String,
}

#[derive(Debug, Clone, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = constituencies, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub struct Constituency {
    pub ons_code: String,
    pub name: String,
    pub nation: String,
    pub region_code: String,
    pub mp_name: Option<String>,
    pub party: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
struct ConstituencyCsvRow {
    ons_code: String,
    name: String,
    nation: String,
    region_code: String,
    mp_name: String,
    party: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = parliaments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Parliament {
    pub id: i64,
    pub period: String,
    pub government: String,
    pub opening_at: Option<NaiveDateTime>,
    pub dissolution_at: Option<NaiveDateTime>,
    pub response_threshold: i64,
    pub debate_threshold: i64,
    pub archived_at: Option<NaiveDateTime>,
    pub dissolution_message: Option<String>,
    pub dissolution_announced_at: Option<NaiveDateTime>,
    /// The mailing telling signers of open petitions of the dissolution, once started.
    pub notice_mailing_id: Option<i64>,
}

impl Parliament {
    pub fn facts(&self) -> ParliamentFacts {
        let utc = |at: Option<NaiveDateTime>| at.map(|at| at.and_utc());
        ParliamentFacts {
            opening_at: utc(self.opening_at),
            dissolution_at: utc(self.dissolution_at),
            archived_at: utc(self.archived_at),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = topics, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Topic {
    pub id: i64,
    pub code: String,
    pub name: String,
}

fn parse_csv<T: for<'de> Deserialize<'de>>(
    name: &str,
    text: &str,
) -> Result<Vec<T>, PersistenceError> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|error| PersistenceError::ReferenceData(format!("{name}: {error}")))
}

fn bundled_constituencies() -> Result<Vec<Constituency>, PersistenceError> {
    let rows: Vec<ConstituencyCsvRow> = parse_csv("constituencies.csv", CONSTITUENCIES_CSV)?;
    Ok(rows
        .into_iter()
        .map(|row| Constituency {
            ons_code: row.ons_code,
            name: row.name,
            nation: row.nation,
            region_code: row.region_code,
            mp_name: Some(row.mp_name).filter(|name| !name.is_empty()),
            party: Some(row.party).filter(|party| !party.is_empty()),
            start_date: CONSTITUENCIES_START,
            end_date: None,
        })
        .collect())
}

/// Brings countries, regions and constituencies in line with the bundled files. Safe to run
/// on every start: rows are updated in place, never duplicated.
pub fn load_bundled(conn: &mut DbConnection) -> Result<(), PersistenceError> {
    let countries: Vec<Country> = parse_csv("countries.csv", COUNTRIES_CSV)?;
    let regions: Vec<Region> = parse_csv("regions.csv", REGIONS_CSV)?;
    let constituencies = bundled_constituencies()?;
    conn.transaction(|conn| {
        on_each_backend!(conn, |c| {
            for country in &countries {
                diesel::insert_into(countries::table)
                    .values(country)
                    .on_conflict(countries::code)
                    .do_update()
                    .set(country)
                    .execute(c)?;
            }
            for region in &regions {
                diesel::insert_into(regions::table)
                    .values(region)
                    .on_conflict(regions::code)
                    .do_update()
                    .set(region)
                    .execute(c)?;
            }
            for constituency in &constituencies {
                diesel::insert_into(constituencies::table)
                    .values(constituency)
                    .on_conflict(constituencies::ons_code)
                    .do_update()
                    .set(constituency)
                    .execute(c)?;
            }
        });
        Ok(())
    })
}

pub fn list_constituencies(conn: &mut DbConnection) -> Result<Vec<Constituency>, PersistenceError> {
    Ok(constituencies::table
        .order(constituencies::ons_code)
        .select(Constituency::as_select())
        .load(conn)?)
}

pub fn list_parliaments(conn: &mut DbConnection) -> Result<Vec<Parliament>, PersistenceError> {
    Ok(parliaments::table
        .order(parliaments::opening_at.desc())
        .select(Parliament::as_select())
        .load(conn)?)
}

pub fn list_topics(conn: &mut DbConnection) -> Result<Vec<Topic>, PersistenceError> {
    Ok(topics::table
        .order(topics::code)
        .select(Topic::as_select())
        .load(conn)?)
}

/// The codes of every country a signer may give.
pub fn country_codes(conn: &mut DbConnection) -> Result<Vec<String>, PersistenceError> {
    Ok(countries::table.select(countries::code).load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_files_hold_every_constituency_region_and_country() {
        assert_eq!(bundled_constituencies().unwrap().len(), 650);
        assert_eq!(
            parse_csv::<Region>("regions", REGIONS_CSV).unwrap().len(),
            12
        );
        let countries = parse_csv::<Country>("countries", COUNTRIES_CSV).unwrap();
        assert!(countries.iter().any(|country| country.code == "GB"));
    }
}
