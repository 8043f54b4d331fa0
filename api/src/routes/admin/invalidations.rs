//! Invalidations, for sysadmins: describe a set of signatures, count it, start it, watch it
//! and cancel it. The workers strike the signatures out and the counts fall.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::invalidation::{Criteria, CriteriaForm};
use domain::state::{InvalidationEvent, InvalidationState, StateMachine};
use persistence::invalidations::{self, Invalidation, Transitioned};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::forms::FormReader;
use crate::routes::visibility::parse_id;

/// The newest this many are listed.
const LISTED: i64 = 100;

/// Which signatures to strike out: those matching every criterion given.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct InvalidationForm {
    /// Why, in a line (up to 500 characters).
    #[schema(example = "Bot flood from one range on 3 March")]
    pub summary: String,
    /// Only this petition's signatures.
    pub petition_id: Option<i64>,
    /// Compared without regard to case or runs of spaces.
    pub name: Option<String>,
    /// Compared by canonical address (plus-extension dropped; dots ignored for Gmail).
    pub email: Option<String>,
    /// `example.com`, or `*.example.com` for its subdomains.
    pub domain: Option<String>,
    /// An address or a CIDR range.
    #[schema(example = "203.0.113.0/24")]
    pub ip: Option<String>,
    pub postcode: Option<String>,
    /// An ONS code.
    pub constituency: Option<String>,
    /// A country code.
    pub country: Option<String>,
    /// Signed at or after this instant (RFC 3339).
    pub signed_after: Option<DateTime<Utc>>,
    /// Signed before this instant (RFC 3339).
    pub signed_before: Option<DateTime<Utc>>,
}

/// An invalidation and how far it has got.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvalidationJson {
    pub id: i64,
    pub summary: String,
    /// pending, running, completed or cancelled.
    pub state: String,
    /// What may be asked of it now: `start`, `cancel`.
    pub allowed_actions: Vec<&'static str>,
    /// The criteria, as they are compared.
    pub petition_id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub domain: Option<String>,
    pub ip: Option<String>,
    pub postcode: Option<String>,
    pub constituency: Option<String>,
    pub country: Option<String>,
    pub signed_after: Option<DateTime<Utc>>,
    pub signed_before: Option<DateTime<Utc>>,
    /// How many signatures matched when last counted, and when that was.
    pub matching_count: Option<i64>,
    pub counted_at: Option<DateTime<Utc>>,
    /// How many it has struck out so far.
    pub invalidated_count: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed or was cancelled.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Invalidation> for InvalidationJson {
    fn from(row: Invalidation) -> Self {
        let utc = |at: Option<NaiveDateTime>| at.map(|at| at.and_utc());
        let allowed_actions = InvalidationState::parse(&row.state)
            .map(|state| staff_actions(state.allowed_events()))
            .unwrap_or_default();
        Self {
            id: row.id,
            summary: row.summary,
            state: row.state,
            allowed_actions,
            petition_id: row.petition_id,
            name: row.name,
            email: row.email,
            domain: row.domain,
            ip: row.ip,
            postcode: row.postcode,
            constituency: row.constituency,
            country: row.country,
            signed_after: utc(row.signed_after),
            signed_before: utc(row.signed_before),
            matching_count: row.matching_count,
            counted_at: utc(row.counted_at),
            invalidated_count: row.invalidated_count,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            started_at: utc(row.started_at),
            finished_at: utc(row.finished_at),
        }
    }
}

/// The events staff may ask for: finishing is the workers' business.
fn staff_actions(events: Vec<InvalidationEvent>) -> Vec<&'static str> {
    events
        .into_iter()
        .filter(|event| *event != InvalidationEvent::Finish)
        .map(InvalidationEvent::as_str)
        .collect()
}

/// Describes signatures to strike out. Nothing happens to them until it is started.
#[utoipa::path(
    tag = "admin",
    request_body = InvalidationForm,
    responses(
        (status = 201, description = "Described, pending", body = InvalidationJson),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules, or nothing describes the signers; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn describe(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let mut form = FormReader::new(&body);
    let petition_id = form.number("petition_id");
    if petition_id.is_some_and(|id| id < 1) {
        form.fault("petition_id", "must be a petition's id, from 1");
    }
    let fields = CriteriaForm {
        summary: form.text("summary"),
        petition_id,
        name: form.text("name"),
        email: form.text("email"),
        domain: form.text("domain"),
        ip: form.text("ip"),
        postcode: form.text("postcode"),
        constituency: form.text("constituency"),
        country: form.text("country"),
        signed_after: form.text("signed_after"),
        signed_before: form.text("signed_before"),
    };
    let criteria = Criteria::parse(&fields)
        .map_err(|faults| form.add_rule_faults(&faults))
        .ok();
    let criteria = form.finish("invalidation", criteria)?;
    let (actor, now) = (auth.into_inner().principal.actor(), state.clock.now());
    let stored = state
        .db
        .run(move |conn| invalidations::describe(conn, &criteria, &actor, now))
        .await?
        .ok_or_else(|| {
            ApiError::invalid_field(
                "petition_id",
                &format!("names no petition ({})", petition_id.unwrap_or_default()),
            )
        })?;
    Ok(HttpResponse::Created().json(InvalidationJson::from(stored)))
}

/// The newest invalidations, newest first.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "Up to 100 invalidations", body = [InvalidationJson]),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state
        .db
        .run(|conn| invalidations::list_invalidations(conn, LISTED))
        .await?;
    let rows: Vec<InvalidationJson> = rows.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(rows))
}

/// One invalidation: watch its progress here.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The invalidation's id")),
    responses(
        (status = 200, description = "The invalidation", body = InvalidationJson),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such invalidation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn show(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let row = state
        .db
        .run(move |conn| invalidations::find_invalidation(conn, id))
        .await?
        .ok_or_else(|| no_such(id))?;
    Ok(HttpResponse::Ok().json(InvalidationJson::from(row)))
}

fn no_such(id: i64) -> ApiError {
    ApiError::not_found(format!("there is no invalidation {id}"))
}

/// Counts the signatures it matches now, without touching them.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The invalidation's id")),
    responses(
        (status = 200, description = "Counted: see matching_count", body = InvalidationJson),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such invalidation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn count(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let row = state
        .db
        .run(move |conn| invalidations::count_matching(conn, id, now))
        .await?
        .ok_or_else(|| no_such(id))?;
    Ok(HttpResponse::Ok().json(InvalidationJson::from(row)))
}

/// Starts striking out what it matches; the counts fall as the workers go.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The invalidation's id")),
    responses(
        (status = 200, description = "Running", body = InvalidationJson),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such invalidation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending; `allowed_actions` names what is allowed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn start(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    transition(state, auth, &id, InvalidationEvent::Start).await
}

/// Stops it. Signatures it already struck out stay struck out.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The invalidation's id")),
    responses(
        (status = 200, description = "Cancelled", body = InvalidationJson),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such invalidation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already completed or cancelled", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn cancel(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    transition(state, auth, &id, InvalidationEvent::Cancel).await
}

async fn transition(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    raw_id: &str,
    event: InvalidationEvent,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(raw_id)?;
    let (actor, now) = (auth.into_inner().principal.actor(), state.clock.now());
    let outcome = state
        .db
        .run(move |conn| invalidations::transition_invalidation(conn, id, event, &actor, now))
        .await?;
    match outcome {
        Transitioned::Done(row) => Ok(HttpResponse::Ok().json(InvalidationJson::from(*row))),
        Transitioned::NotFound => Err(no_such(id)),
        Transitioned::NotAllowed(from, allowed) => {
            let allowed_actions = staff_actions(allowed);
            Err(ApiError::ActionNotAllowed {
                detail: format!(
                    "the invalidation is {}, so you can't {} it",
                    from.as_str(),
                    event.as_str()
                ),
                allowed_actions,
            })
        }
    }
}
