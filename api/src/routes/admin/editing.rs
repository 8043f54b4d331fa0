//! Staff edits to one petition: its texts (moderators), where it is filed and the private
//! note (any staff). Each answers with the petition as staff now see it.

use actix_web::{patch, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::editing::{Tags, TextEdit, TextEditForm};
use domain::text::PrivateNote;
use persistence::petitions::{self, EditOutcome};
use persistence::{DbConnection, PersistenceError};
use serde_json::Value;
use utoipa::ToSchema;

use super::petitions::{load_detail, StaffPetitionDetail};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, FieldError, Problem};
use crate::forms::FormReader;
use crate::routes::visibility::parse_id;

/// The texts to change; a text left out stays as it is, and `null` clears an optional one.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct TextEditBody {
    /// Up to 80 characters; only before publication.
    pub action: Option<String>,
    /// Up to 300 characters; only before publication.
    pub background: Option<String>,
    /// Up to 800 characters; only before publication.
    pub additional_details: Option<String>,
    /// The Petitions Committee's public note, up to 800 characters; at any time.
    pub committee_note: Option<String>,
}

/// Edits the texts. The petitioners' words (action, background, additional details) can
/// change only before publication; the committee note at any time.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The petition's id")),
    request_body = TextEditBody,
    responses(
        (status = 200, description = "Saved: the petition as it now is", body = StaffPetitionDetail),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a moderator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Published (or removed): those texts can't change", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("")]
pub async fn edit_texts(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let mut form = FormReader::new(&body);
    let fields = TextEditForm {
        action: form.edited_text("action"),
        background: form.edited_text("background"),
        additional_details: form.edited_text("additional_details"),
        committee_note: form.edited_text("committee_note"),
    };
    let edit = TextEdit::parse(&fields)
        .map_err(|faults| form.add_rule_faults(&faults))
        .ok();
    let edit = form.finish("edit", edit)?;
    if edit.is_empty() {
        return Err(ApiError::BadRequest {
            detail: "the body must hold at least one of action, background, \
                     additional_details and committee_note"
                .to_owned(),
            field: "body",
        });
    }
    apply_edit(&state, auth, id, move |conn, actor, now| {
        petitions::edit_texts(conn, id, &edit, actor, now)
    })
    .await
}

/// Where a petition is filed.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct TagsBody {
    /// Department acronyms, up to 10, in the order the petition shows them.
    #[schema(example = json!(["DfE"]))]
    pub departments: Vec<String>,
    /// Topic codes, up to 10.
    #[schema(example = json!(["education"]))]
    pub topics: Vec<String>,
}

/// Files the petition under exactly these departments and topics.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The petition's id")),
    request_body = TagsBody,
    responses(
        (status = 200, description = "Saved: the petition as it now is", body = StaffPetitionDetail),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The petition has been removed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed, or not on the lists; each field is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("")]
pub async fn set_tags(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let mut form = FormReader::new(&body);
    let departments = form.texts("departments");
    let topics = form.texts("topics");
    let tags = Tags::parse(&departments, &topics)
        .map_err(|faults| form.add_rule_faults(&faults))
        .ok();
    let tags = form.finish("filing", tags)?;
    apply_edit(&state, auth, id, move |conn, actor, now| {
        petitions::set_tags(conn, id, &tags, actor, now)
    })
    .await
}

/// Staff's private note.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct NoteBody {
    /// Up to 10,000 characters; empty deletes the note.
    pub details: String,
}

/// Replaces the private note staff keep on a petition.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The petition's id")),
    request_body = NoteBody,
    responses(
        (status = 200, description = "Saved: the petition as it now is", body = StaffPetitionDetail),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too long, or not text", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("")]
pub async fn save_note(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let mut form = FormReader::new(&body);
    let details = form.text("details").unwrap_or_default();
    let note = PrivateNote::parse(details)
        .map_err(|error| form.add_rule_faults(&vec![("details", error)]))
        .ok();
    let note = form.finish("note", note)?;
    apply_edit(&state, auth, id, move |conn, actor, now| {
        petitions::save_note(conn, id, &note, actor, now)
    })
    .await
}

/// Runs one edit as the caller, off the async runtime, and answers with the petition as it
/// now is, or with why it could not be made.
async fn apply_edit(
    state: &AppState,
    auth: web::ReqData<Authenticated>,
    id: i64,
    work: impl FnOnce(&mut DbConnection, &str, DateTime<Utc>) -> Result<EditOutcome, PersistenceError>
        + Send
        + 'static,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.into_inner().principal;
    let (actor, now) = (principal.actor(), state.clock.now());
    let outcome = state.db.run(move |conn| work(conn, &actor, now)).await?;
    match outcome {
        EditOutcome::Edited => {
            Ok(HttpResponse::Ok().json(load_detail(state, id, &principal).await?))
        }
        EditOutcome::NoSuchPetition => {
            Err(ApiError::not_found(format!("there is no petition {id}")))
        }
        EditOutcome::Refused(refusal) => Err(ApiError::Conflict(refusal.to_string())),
        EditOutcome::UnknownTags(unknown) => {
            let lists = [
                (
                    "departments",
                    &unknown.departments,
                    "the department list (GET /admin/departments)",
                ),
                (
                    "topics",
                    &unknown.topics,
                    "the topic list (GET /topics.json)",
                ),
            ];
            let errors = lists
                .into_iter()
                .filter(|(_, tags, _)| !tags.is_empty())
                .map(|(field, tags, list)| FieldError {
                    field: field.to_owned(),
                    message: format!(
                        "{field} names {} that {list} does not hold",
                        tags.join(", ")
                    ),
                })
                .collect();
            Err(ApiError::unprocessable("filing", errors))
        }
    }
}
