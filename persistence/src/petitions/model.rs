//! Rows of the petition tables, as stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{
    debate_outcomes, departments, government_responses, other_parliamentary_business,
    petition_constituency_signatures, petition_country_signatures, petition_region_signatures,
    petitions,
};

/// One petition, every column. Timestamps are UTC.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = petitions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub struct PetitionRow {
    pub id: i64,
    pub action: String,
    pub background: Option<String>,
    pub additional_details: Option<String>,
    pub committee_note: Option<String>,
    pub state: String,
    pub response_state: String,
    pub debate_state: String,
    pub signature_count: i64,
    pub creator_name: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub rejected_at: Option<NaiveDateTime>,
    pub opened_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub deadline: Option<NaiveDateTime>,
    pub moderation_threshold_reached_at: Option<NaiveDateTime>,
    pub response_threshold_reached_at: Option<NaiveDateTime>,
    pub government_response_at: Option<NaiveDateTime>,
    pub debate_threshold_reached_at: Option<NaiveDateTime>,
    pub debate_scheduled_on: Option<NaiveDate>,
    pub scheduled_debate_date: Option<NaiveDate>,
    pub debate_outcome_at: Option<NaiveDateTime>,
    pub rejection_code: Option<String>,
    pub rejection_details: Option<String>,
    pub parliament_id: Option<i64>,
    pub archived_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = government_responses, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub struct GovernmentResponse {
    pub petition_id: i64,
    pub responded_on: Option<NaiveDate>,
    pub summary: String,
    pub details: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = debate_outcomes, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub struct DebateOutcome {
    pub petition_id: i64,
    pub debated: bool,
    pub debated_on: Option<NaiveDate>,
    pub overview: Option<String>,
    pub transcript_url: Option<String>,
    pub video_url: Option<String>,
    pub debate_pack_url: Option<String>,
    pub public_engagement_url: Option<String>,
    pub debate_summary_url: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = departments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Department {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub acronym: String,
    pub name: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = other_parliamentary_business, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct OtherBusiness {
    pub id: i64,
    pub petition_id: i64,
    pub subject: String,
    pub body: String,
    pub occurred_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = petition_country_signatures, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CountryCount {
    pub petition_id: i64,
    pub code: String,
    pub name: String,
    pub signature_count: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = petition_constituency_signatures, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ConstituencyCount {
    pub petition_id: i64,
    pub ons_code: String,
    pub name: String,
    pub mp: Option<String>,
    pub signature_count: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = petition_region_signatures, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RegionCount {
    pub petition_id: i64,
    pub ons_code: String,
    pub name: String,
    pub signature_count: i64,
}
