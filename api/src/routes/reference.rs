//! Reference lists: constituencies, parliaments, topics.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use persistence::reference::{list_constituencies, list_parliaments, list_topics};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::ApiError;
use crate::petition_json::Timestamp;

/// Reference data changes rarely: an hour of caching is fine.
const REFERENCE_MAX_AGE: u32 = 3600;

#[derive(Debug, Serialize, ToSchema)]
pub struct ConstituencyJson {
    pub mp: Option<String>,
    pub party: Option<String>,
    pub constituency: String,
    pub ons_code: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

/// Every Westminster constituency with its MP, keyed by ONS code.
#[utoipa::path(
    tag = "reference",
    responses((status = 200, description = "Constituencies by ONS code", body = BTreeMap<String, ConstituencyJson>))
)]
#[get("/constituencies.json")]
pub async fn constituencies(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state.db.run(list_constituencies).await?;
    let by_code: BTreeMap<String, ConstituencyJson> = rows
        .into_iter()
        .map(|row| {
            let json = ConstituencyJson {
                mp: row.mp_name,
                party: row.party,
                constituency: row.name,
                ons_code: row.ons_code.clone(),
                start_date: row.start_date,
                end_date: row.end_date,
            };
            (row.ons_code, json)
        })
        .collect();
    Ok(super::cacheable_json(&by_code, REFERENCE_MAX_AGE))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParliamentJson {
    /// Use as `parliament=` on the archived lists.
    pub id: i64,
    pub period: String,
    pub government: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opening_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub dissolution_at: Option<Timestamp>,
    /// Ours: what staff announced with the dissolution, for a banner on the site.
    pub dissolution_message: Option<String>,
    pub response_threshold: i64,
    pub debate_threshold: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<Timestamp>,
}

/// Parliaments, newest first, with the thresholds that were in force.
#[utoipa::path(tag = "reference", responses((status = 200, description = "Parliaments", body = Vec<ParliamentJson>)))]
#[get("/parliaments.json")]
pub async fn parliaments(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state.db.run(list_parliaments).await?;
    let json: Vec<ParliamentJson> = rows
        .into_iter()
        .map(|row| ParliamentJson {
            id: row.id,
            period: row.period,
            government: row.government,
            opening_at: row.opening_at.map(Timestamp),
            dissolution_at: row.dissolution_at.map(Timestamp),
            dissolution_message: row.dissolution_message,
            response_threshold: row.response_threshold,
            debate_threshold: row.debate_threshold,
            archived_at: row.archived_at.map(Timestamp),
        })
        .collect();
    Ok(super::cacheable_json(&json, REFERENCE_MAX_AGE))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicJson {
    pub code: String,
    pub name: String,
}

/// Topics petitions are tagged with; use a code as `topic=` on the lists.
#[utoipa::path(tag = "reference", responses((status = 200, description = "Topics", body = Vec<TopicJson>)))]
#[get("/topics.json")]
pub async fn topics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state.db.run(list_topics).await?;
    let json: Vec<TopicJson> = rows
        .into_iter()
        .map(|row| TopicJson {
            code: row.code,
            name: row.name,
        })
        .collect();
    Ok(super::cacheable_json(&json, REFERENCE_MAX_AGE))
}
