//! Petitions as staff see them: every state, the moderation facets, and what may be done next.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::access::Principal;
use domain::moderation::{allowed_actions, authority_of};
use domain::state::PetitionState;
use persistence::petitions::{self, PetitionRow, StaffFacet, StaffListQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::petition_json::Rejection;
use crate::query::Query;
use crate::routes::visibility::parse_id;

const DEFAULT_PAGE_SIZE: u32 = 50;
const MAX_PAGE_SIZE: u32 = 200;

/// A petition in any state, with the moderation dates and the actions open to the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffPetition {
    pub id: i64,
    pub state: String,
    pub action: String,
    pub background: Option<String>,
    pub additional_details: Option<String>,
    pub committee_note: Option<String>,
    pub creator_name: Option<String>,
    pub signature_count: i64,
    pub response_state: String,
    pub debate_state: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it entered the moderation queue.
    pub moderation_threshold_reached_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub rejected_at: Option<DateTime<Utc>>,
    pub rejection: Option<Rejection>,
    /// What the caller may ask of `POST /admin/petitions/{id}/moderation` now.
    #[schema(example = json!(["publish", "reject", "flag", "dormant"]))]
    pub allowed_actions: Vec<&'static str>,
}

impl StaffPetition {
    pub fn new(row: PetitionRow, principal: &Principal) -> Self {
        let utc = |at: Option<NaiveDateTime>| at.map(|at| at.and_utc());
        let state = PetitionState::parse(&row.state);
        let authority = authority_of(principal);
        let allowed = state
            .zip(authority)
            .map(|(state, authority)| allowed_actions(state, authority))
            .unwrap_or_default();
        Self {
            id: row.id,
            state: row.state,
            action: row.action,
            background: row.background,
            additional_details: row.additional_details,
            committee_note: row.committee_note,
            creator_name: row.creator_name,
            signature_count: row.signature_count,
            response_state: row.response_state,
            debate_state: row.debate_state,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            moderation_threshold_reached_at: utc(row.moderation_threshold_reached_at),
            opened_at: utc(row.opened_at),
            deadline: utc(row.deadline),
            closed_at: utc(row.closed_at),
            rejected_at: utc(row.rejected_at),
            rejection: row.rejection_code.map(|code| Rejection {
                code,
                details: row.rejection_details,
            }),
            allowed_actions: allowed.into_iter().map(|action| action.as_str()).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffListParams {
    /// The facet: all, collecting_sponsors, in_moderation, nearly_overdue (11–14 days in
    /// the queue), overdue (more than 14), flagged, dormant, hidden, stopped, removed, or
    /// any public facet (open, recent, closed, rejected, awaiting_response, ...).
    pub state: Option<String>,
    /// A petition id, or words to look for in the texts.
    pub q: Option<String>,
    /// The page, from 1.
    pub page: Option<u32>,
    /// Petitions per page, 1 to 200 (default 50).
    pub count: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffPetitionList {
    pub data: Vec<StaffPetition>,
    /// How many petitions match, across every page.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Petitions in any state, by facet or search.
#[utoipa::path(
    tag = "admin",
    params(StaffListParams),
    responses(
        (status = 200, description = "A page of petitions", body = StaffPetitionList),
        (status = 400, description = "An unknown facet, or a count out of range", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    params: Query<StaffListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let facet_name = params.state.as_deref().unwrap_or("all");
    let facet = StaffFacet::parse(facet_name).ok_or_else(|| ApiError::BadRequest {
        detail: format!(
            "{facet_name:?} is not a facet; use one of: {}",
            StaffFacet::names().join(", ")
        ),
        field: "state",
    })?;
    let per_page = params.count.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&per_page) {
        return Err(ApiError::BadRequest {
            detail: format!("count must be from 1 to {MAX_PAGE_SIZE}"),
            field: "count",
        });
    }
    let query = StaffListQuery {
        facet,
        search: params.q.filter(|q| !q.trim().is_empty()),
        page: params.page.unwrap_or(1).max(1),
        per_page,
    };
    let now = state.clock.now().naive_utc();
    let page = query.page;
    let (rows, total) = state
        .db
        .run(move |conn| petitions::list_for_staff(conn, &query, now))
        .await?;
    let principal = auth.into_inner().principal;
    Ok(HttpResponse::Ok().json(StaffPetitionList {
        data: rows
            .into_iter()
            .map(|row| StaffPetition::new(row, &principal))
            .collect(),
        total,
        page,
        per_page,
    }))
}

/// One petition as staff see it: where it is filed, and the private note.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffPetitionDetail {
    #[serde(flatten)]
    pub petition: StaffPetition,
    /// Acronyms of the departments it is filed under, in order.
    pub departments: Vec<String>,
    /// Codes of its topics, in order.
    pub topics: Vec<String>,
    /// Staff's private note; never public.
    pub note: Option<StaffNote>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffNote {
    pub details: String,
    /// Who saved it last: `staff:ID`.
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// Reads one petition for staff; 404 if there is no such petition.
pub(super) async fn load_detail(
    state: &AppState,
    id: i64,
    principal: &Principal,
) -> Result<StaffPetitionDetail, ApiError> {
    let (record, note) = state
        .db
        .run(move |conn| {
            let record = petitions::find_petition(conn, id)?;
            Ok((record, petitions::find_note(conn, id)?))
        })
        .await?;
    let record = record.ok_or_else(|| ApiError::not_found(format!("there is no petition {id}")))?;
    Ok(StaffPetitionDetail {
        petition: StaffPetition::new(record.petition, principal),
        departments: record
            .departments
            .into_iter()
            .map(|department| department.acronym)
            .collect(),
        topics: record.topics,
        note: note.map(|note| StaffNote {
            details: note.details,
            updated_by: note.updated_by,
            updated_at: note.updated_at.and_utc(),
        }),
    })
}

/// One petition in any state.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The petition's id")),
    responses(
        (status = 200, description = "The petition", body = StaffPetitionDetail),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn show(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let detail = load_detail(&state, id, &auth.into_inner().principal).await?;
    Ok(HttpResponse::Ok().json(detail))
}
