//! The government's response and Parliament's debates, recorded by staff or by the
//! departments' and Parliament's own systems with a scoped integration token.

use actix_web::{post, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::deadline::london_date;
use domain::responses_and_debates::{
    DebateOutcomeForm, DebateOutcomeText, DebateSchedule, GovernmentResponseText,
    OtherBusinessText, ResponseForm,
};
use domain::signer_details::FieldErrors;
use persistence::mailings::NewMailing;
use persistence::petitions::{self, RecordOutcome};
use persistence::{DbConnection, PersistenceError};
use serde_json::Value;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::forms::FormReader;
use crate::mail::mailings;
use crate::petition_json::{petition_data, PetitionDocument, SelfLink};
use crate::routes::visibility::parse_id;

/// The government's response.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct GovernmentResponseForm {
    /// Up to 200 characters.
    pub summary: String,
    /// Up to 6000 characters.
    pub details: Option<String>,
    /// `YYYY-MM-DD`, not in the future; today (in London) if left out.
    #[schema(value_type = Option<String>, format = Date)]
    pub responded_on: Option<String>,
    /// Email every confirmed signer who asked for updates (default false).
    pub email_signers: Option<bool>,
}

/// A debate's date.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct DebateForm {
    /// The day of the debate, `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date)]
    pub scheduled_debate_date: String,
    /// The day it was scheduled, not in the future; today (in London) if left out.
    #[schema(value_type = Option<String>, format = Date)]
    pub debate_scheduled_on: Option<String>,
    /// Email every confirmed signer who asked for updates (default false).
    pub email_signers: Option<bool>,
}

/// A debate's outcome. Each link is an `https` address of up to 500 characters.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct DebateOutcomeFormBody {
    /// Whether Parliament debated it.
    pub debated: bool,
    /// Required when debated; `YYYY-MM-DD`, not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    pub debated_on: Option<String>,
    /// Up to 6000 characters.
    pub overview: Option<String>,
    pub transcript_url: Option<String>,
    pub video_url: Option<String>,
    pub debate_pack_url: Option<String>,
    pub public_engagement_url: Option<String>,
    pub debate_summary_url: Option<String>,
    /// Email every confirmed signer who asked for updates (default false).
    pub email_signers: Option<bool>,
}

/// Saves (or replaces) the government's response; `response_state` becomes `responded`.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The petition's id")),
    request_body = GovernmentResponseForm,
    responses(
        (status = 200, description = "Saved: the petition as the public now sees it", body = PetitionDocument),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a moderator nor a system with responses:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The petition has not been published", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("")]
pub async fn government_response(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    save(
        state,
        auth,
        &id,
        &body,
        Recording {
            what: "response",
            emails_by_default: false,
            read: |form, today| {
                let fields = ResponseForm {
                    summary: form.text("summary"),
                    details: form.text("details"),
                    responded_on: form.text("responded_on"),
                };
                GovernmentResponseText::parse(&fields, today)
            },
            announce: mailings::government_response,
            store: petitions::record_government_response,
        },
    )
    .await
}

/// Schedules the debate; `debate_state` becomes `scheduled`.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The petition's id")),
    request_body = DebateForm,
    responses(
        (status = 200, description = "Saved: the petition as the public now sees it", body = PetitionDocument),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a moderator nor a system with debates:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not published, or the debate already has an outcome", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("")]
pub async fn debate(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    save(
        state,
        auth,
        &id,
        &body,
        Recording {
            what: "debate",
            emails_by_default: false,
            read: |form, today| {
                let date_of_debate = form.text("scheduled_debate_date");
                let scheduled_on = form.text("debate_scheduled_on");
                DebateSchedule::parse(date_of_debate, scheduled_on, today)
            },
            announce: mailings::debate_scheduled,
            store: petitions::schedule_debate,
        },
    )
    .await
}

/// Saves (or replaces) the debate's outcome; `debate_state` becomes `debated` or
/// `not_debated`.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The petition's id")),
    request_body = DebateOutcomeFormBody,
    responses(
        (status = 200, description = "Saved: the petition as the public now sees it", body = PetitionDocument),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a moderator nor a system with debates:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The petition has not been published", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("")]
pub async fn debate_outcome(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    save(
        state,
        auth,
        &id,
        &body,
        Recording {
            what: "outcome",
            emails_by_default: false,
            read: |form, today| {
                let fields = DebateOutcomeForm {
                    debated: form.flag("debated"),
                    debated_on: form.text("debated_on"),
                    overview: form.text("overview"),
                    transcript_url: form.text("transcript_url"),
                    video_url: form.text("video_url"),
                    debate_pack_url: form.text("debate_pack_url"),
                    public_engagement_url: form.text("public_engagement_url"),
                    debate_summary_url: form.text("debate_summary_url"),
                };
                DebateOutcomeText::parse(&fields, today)
            },
            announce: mailings::debate_outcome,
            store: petitions::record_debate_outcome,
        },
    )
    .await
}

/// Other parliamentary business.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct OtherBusinessForm {
    /// Up to 200 characters.
    pub subject: String,
    /// Up to 6000 characters.
    pub body: String,
    /// `YYYY-MM-DD`, not in the future; today (in London) if left out.
    #[schema(value_type = Option<String>, format = Date)]
    pub occurred_on: Option<String>,
    /// Email every confirmed signer who asked for updates (default true).
    pub email_signers: Option<bool>,
}

/// Records other parliamentary business on the petition's page and, unless told not to,
/// emails it to every confirmed signer who asked for updates.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The petition's id")),
    request_body = OtherBusinessForm,
    responses(
        (status = 200, description = "Saved: the petition as the public now sees it", body = PetitionDocument),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a moderator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The petition has not been published", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn other_business(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    save(
        state,
        auth,
        &id,
        &body,
        Recording {
            what: "business",
            emails_by_default: true,
            read: |form, today| {
                let subject = form.text("subject");
                let text = form.text("body");
                let occurred_on = form.text("occurred_on");
                OtherBusinessText::parse(subject, text, occurred_on, today)
            },
            announce: mailings::other_business,
            store: petitions::record_other_business,
        },
    )
    .await
}

/// A persistence function that saves a record on petition `id` for `actor`, with any mailing.
type Store<T> = fn(
    &mut DbConnection,
    i64,
    &T,
    Option<&NewMailing>,
    &str,
    DateTime<Utc>,
) -> Result<RecordOutcome, PersistenceError>;

/// How one kind of record is read from its form, announced to signers and stored.
struct Recording<T> {
    /// Names the record in a 422's detail.
    what: &'static str,
    /// Whether signers are emailed when the request does not say.
    emails_by_default: bool,
    /// Reads the fields (given London's date today), naming every fault.
    read: fn(&mut FormReader<'_>, NaiveDate) -> Result<T, FieldErrors>,
    announce: fn(&T) -> NewMailing,
    store: Store<T>,
}

/// Reads, stores and (if asked) announces a record, and answers with the petition as the
/// public now sees it.
async fn save<T: Send + 'static>(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    raw_id: &str,
    body: &Value,
    recording: Recording<T>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(raw_id)?;
    let now = state.clock.now();
    let mut form = FormReader::new(body);
    let read = (recording.read)(&mut form, london_date(now));
    let email_signers = form
        .flag("email_signers")
        .unwrap_or(recording.emails_by_default);
    let value = read.map_err(|faults| form.add_rule_faults(&faults)).ok();
    let value = form.finish(recording.what, value)?;
    let mailing = email_signers.then(|| (recording.announce)(&value));
    let store = recording.store;
    let actor = auth.into_inner().principal.actor();
    let (outcome, record) = state
        .db
        .run(move |conn| {
            let outcome = store(conn, id, &value, mailing.as_ref(), &actor, now)?;
            Ok((outcome, petitions::find_petition(conn, id)?))
        })
        .await?;
    match (outcome, record) {
        (RecordOutcome::Recorded, Some(record)) => Ok(HttpResponse::Ok().json(PetitionDocument {
            links: SelfLink {
                self_link: state.public_url.petition(id, false),
            },
            data: petition_data(record, None, false, &state.public_url, now),
        })),
        (RecordOutcome::NoSuchPetition, _) | (_, None) => {
            Err(ApiError::not_found(format!("there is no petition {id}")))
        }
        (RecordOutcome::NotPublished(state), _) => Err(ApiError::Conflict(format!(
            "petition {id} is {state}: only published petitions get responses and debates"
        ))),
        (RecordOutcome::DebateAlreadyDecided(state), _) => Err(ApiError::Conflict(format!(
            "the debate of petition {id} is already recorded as {state}: record the outcome \
             instead"
        ))),
    }
}
