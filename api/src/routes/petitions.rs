//! Live petitions: the list, one petition, its count.

use actix_web::{get, web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use domain::projection::{estimated_final_signatures, RecentSignatures};
use persistence::petitions::{
    find_breakdowns, find_count, find_petition, Breakdowns, CountRow, PetitionRecord,
};
use persistence::statistics::recent_signatures;
use serde::Serialize;
use utoipa::ToSchema;

use super::listing::{list_csv, list_json, ListParams, PetitionList};
use super::visibility::{parse_id, visible, Visibility};
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::petition_json::{petition_data, PetitionDocument, SelfLink, Timestamp};
use crate::query::Query;

/// A petition's page changes with every signature batch; a few seconds of caching absorbs
/// a crowd refreshing it without showing a stale count for long.
const PETITION_MAX_AGE: u32 = 10;
const COUNT_MAX_AGE: u32 = 2;

/// Lists published petitions.
#[utoipa::path(
    tag = "petitions",
    params(ListParams),
    responses((status = 200, description = "One page of petitions", body = PetitionList))
)]
#[get("/petitions.json")]
pub async fn list_petitions(
    state: web::Data<AppState>,
    params: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    list_json(state, params.into_inner(), false).await
}

/// Lists published petitions as CSV: every match, with the columns Petition, URL, State,
/// Signatures Count.
#[utoipa::path(
    tag = "petitions",
    params(ListParams),
    responses((status = 200, description = "Every matching petition", content_type = "text/csv", body = String))
)]
#[get("/petitions.csv")]
pub async fn list_petitions_csv(
    state: web::Data<AppState>,
    params: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    list_csv(state, params.into_inner(), false).await
}

/// One petition, with its signatures by country, constituency and region.
#[utoipa::path(
    tag = "petitions",
    params(("id" = String, Path, description = "The petition id")),
    responses(
        (status = 200, description = "The petition", body = PetitionDocument),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such public petition", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed, or taken down after publication", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/petitions/{id}.json")]
pub async fn show_petition(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    show(state, &id, false).await
}

/// Shared by the live and archived single-petition pages.
pub(super) async fn show(
    state: web::Data<AppState>,
    raw_id: &str,
    archived: bool,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(raw_id)?;
    let now = state.clock.now();
    let counts = state.settings.get(&state.db).await?.breakdowns_enabled;
    let load = || {
        let db = state.db.clone();
        async move {
            db.run(move |conn| {
                let Some(record) = find_petition(conn, id)? else {
                    return Ok(None);
                };
                // Only open and closed petitions show breakdowns; spare the queries otherwise.
                let (breakdowns, recent) = match record.petition.state.as_str() {
                    "open" => (
                        Some(find_breakdowns(conn, id, counts)?),
                        Some(recent_signatures(conn, id, now)?),
                    ),
                    "closed" => (Some(find_breakdowns(conn, id, counts)?), None),
                    _ => (None, None),
                };
                Ok(Some(PetitionPage {
                    record,
                    breakdowns,
                    recent,
                }))
            })
            .await
        }
    };
    let found = state.pages.get_or_load(id, load).await?;
    let PetitionPage {
        record,
        breakdowns,
        recent,
    } = found.ok_or_else(|| ApiError::not_found(format!("there is no petition {id}")))?;
    let row = &record.petition;
    Visibility {
        id,
        state: &row.state,
        opened_at: row.opened_at,
        archived_at: row.archived_at,
    }
    .check(archived)?;
    let deadline = row.deadline;
    let mut data = petition_data(record, breakdowns, false, &state.public_url, now);
    if let (Some(recent), Some(deadline), "open") = (recent, deadline, data.attributes.state) {
        data.attributes.last_24_hours = Some(recent.last_24_hours);
        data.attributes.estimated_final_signatures = Some(estimated_final_signatures(
            data.attributes.signature_count,
            recent,
            now,
            deadline.and_utc(),
        ));
    }
    let document = PetitionDocument {
        links: SelfLink {
            self_link: state.public_url.petition(id, archived),
        },
        data,
    };
    Ok(super::cacheable_json(&document, PETITION_MAX_AGE))
}

/// What a petition's page is built from, as read together.
#[derive(Debug, Clone)]
pub struct PetitionPage {
    record: PetitionRecord,
    breakdowns: Option<Breakdowns>,
    recent: Option<RecentSignatures>,
}

/// The petition's count row, read at most every quarter second per process, and never
/// waited for while an expired one can still answer (see `FreshCache`).
pub(super) async fn cached_count(state: &AppState, id: i64) -> Result<Option<CountRow>, ApiError> {
    let load = || {
        let db = state.db.clone();
        async move { db.run(move |conn| find_count(conn, id)).await }
    };
    Ok(state.counts.get_or_load(id, load).await?)
}

/// What count pages poll every few seconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct PetitionCount {
    pub signature_count: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub response_threshold_reached_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub government_response_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub debate_threshold_reached_at: Option<Timestamp>,
    pub scheduled_debate_date: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub debate_outcome_at: Option<Timestamp>,
    pub debated: bool,
}

/// The signature count and milestones of a petition: the cheapest read there is.
#[utoipa::path(
    tag = "petitions",
    params(("id" = String, Path, description = "The petition id")),
    responses(
        (status = 200, description = "The count", body = PetitionCount),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such public petition", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed, or taken down after publication", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/petitions/{id}/count.json")]
pub async fn petition_count(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let row = visible(id, cached_count(&state, id).await?)?;
    let stamp = |at: Option<NaiveDateTime>| at.map(Timestamp);
    let count = PetitionCount {
        signature_count: row.signature_count,
        response_threshold_reached_at: stamp(row.response_threshold_reached_at),
        government_response_at: stamp(row.government_response_at),
        debate_threshold_reached_at: stamp(row.debate_threshold_reached_at),
        scheduled_debate_date: row.scheduled_debate_date,
        debate_outcome_at: stamp(row.debate_outcome_at),
        debated: row.debate_state == "debated",
    };
    Ok(super::cacheable_json(&count, COUNT_MAX_AGE))
}
