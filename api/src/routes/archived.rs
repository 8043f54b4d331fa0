//! Petitions of past parliaments, at the official `/archived` addresses.

use actix_web::{get, web, HttpResponse};

use super::listing::{list_csv, list_json, ListParams, PetitionList};
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::petition_json::PetitionDocument;
use crate::query::Query;

/// Lists petitions of past parliaments; `parliament=` narrows to one.
#[utoipa::path(
    tag = "archived",
    params(ListParams),
    responses((status = 200, description = "One page of archived petitions", body = PetitionList))
)]
#[get("/archived/petitions.json")]
pub async fn list_archived_petitions(
    state: web::Data<AppState>,
    params: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    list_json(state, params.into_inner(), true).await
}

/// Lists petitions of past parliaments as CSV.
#[utoipa::path(
    tag = "archived",
    params(ListParams),
    responses((status = 200, description = "Every matching archived petition", content_type = "text/csv", body = String))
)]
#[get("/archived/petitions.csv")]
pub async fn list_archived_petitions_csv(
    state: web::Data<AppState>,
    params: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    list_csv(state, params.into_inner(), true).await
}

/// One petition of a past parliament.
#[utoipa::path(
    tag = "archived",
    params(("id" = String, Path, description = "The petition id")),
    responses(
        (status = 200, description = "The archived petition", body = PetitionDocument),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such archived petition", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/archived/petitions/{id}.json")]
pub async fn show_archived_petition(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    super::petitions::show(state, &id, true).await
}
