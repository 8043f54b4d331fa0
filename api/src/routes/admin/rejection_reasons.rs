//! Rejection reasons: any member of staff reads them; sysadmins add, reword and delete them.

use actix_web::{delete, get, post, put, web, HttpResponse};
use domain::rejection_reason::{parse_code, ReasonText};
use persistence::rejection_reasons::{self, Deletion, RejectionReason};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::forms::FormReader;

#[derive(Debug, Serialize, ToSchema)]
pub struct Reason {
    /// Lowercase letters and dashes, up to 30.
    #[schema(example = "duplicate")]
    pub code: String,
    /// Up to 100 characters.
    pub title: String,
    /// Up to 1000 characters.
    pub description: String,
    /// Whether a petition rejected for it is hidden from the public.
    pub hidden: bool,
}

impl From<RejectionReason> for Reason {
    fn from(reason: RejectionReason) -> Self {
        Self {
            code: reason.code,
            title: reason.title,
            description: reason.description,
            hidden: reason.hidden,
        }
    }
}

/// The words of a reason (the code comes from the path when rewording).
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct ReasonForm {
    /// Only when adding.
    pub code: Option<String>,
    pub title: String,
    pub description: String,
    pub hidden: bool,
}

fn read_text(form: &mut FormReader<'_>) -> Option<ReasonText> {
    let title = form.text("title");
    let description = form.text("description");
    let hidden = form.flag("hidden");
    ReasonText::parse(title, description, hidden)
        .map_err(|faults| form.add_rule_faults(&faults))
        .ok()
}

/// Every rejection reason.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "The reasons, by code", body = [Reason]),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let reasons = state.db.run(rejection_reasons::list_reasons).await?;
    let reasons: Vec<Reason> = reasons.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(reasons))
}

/// Adds a reason.
#[utoipa::path(
    tag = "admin",
    request_body = ReasonForm,
    responses(
        (status = 201, description = "Added", body = Reason),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A reason with that code exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn add(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let mut form = FormReader::new(&body);
    let code = match parse_code(form.text("code").unwrap_or_default()) {
        Ok(code) => Some(code),
        Err(error) => {
            if !form.has_fault("code") {
                form.fault("code", error);
            }
            None
        }
    };
    let text = read_text(&mut form);
    let (code, text) = form.finish("reason", code.zip(text))?;
    let actor = auth.into_inner().principal.actor();
    let now = state.clock.now();
    let (stored_code, stored_text) = (code.clone(), text.clone());
    let added = state
        .db
        .run(move |conn| {
            rejection_reasons::add_reason(conn, &stored_code, &stored_text, &actor, now)
        })
        .await?;
    if !added {
        return Err(ApiError::Conflict(format!(
            "there is already a rejection reason {code:?}: PUT to /admin/rejection-reasons/{code} to reword it"
        )));
    }
    Ok(HttpResponse::Created().json(Reason {
        code,
        title: text.title,
        description: text.description,
        hidden: text.hidden,
    }))
}

/// Rewords a reason; petitions rejected for it show the new words.
#[utoipa::path(
    tag = "admin",
    params(("code" = String, Path, description = "The reason's code")),
    request_body = ReasonForm,
    responses(
        (status = 200, description = "Reworded", body = Reason),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reason", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("")]
pub async fn update(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    code: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    let mut form = FormReader::new(&body);
    let text = read_text(&mut form);
    let text = form.finish("reason", text)?;
    let actor = auth.into_inner().principal.actor();
    let now = state.clock.now();
    let path_code = code.clone();
    let updated = state
        .db
        .run(move |conn| rejection_reasons::update_reason(conn, &path_code, &text, &actor, now))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no rejection reason {code:?}")))?;
    Ok(HttpResponse::Ok().json(Reason::from(updated)))
}

/// Deletes a reason no petition was rejected for.
#[utoipa::path(
    tag = "admin",
    params(("code" = String, Path, description = "The reason's code")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reason", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Petitions were rejected for it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("")]
pub async fn remove(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    let actor = auth.into_inner().principal.actor();
    let now = state.clock.now();
    let path_code = code.clone();
    let deletion = state
        .db
        .run(move |conn| rejection_reasons::delete_reason(conn, &path_code, &actor, now))
        .await?;
    match deletion {
        Deletion::Deleted => Ok(HttpResponse::NoContent().finish()),
        Deletion::NotFound => Err(ApiError::not_found(format!(
            "there is no rejection reason {code:?}"
        ))),
        Deletion::InUse(petitions) => Err(ApiError::Conflict(format!(
            "{petitions} petition(s) were rejected for {code:?}, so it can't be deleted; it can \
             be reworded"
        ))),
    }
}
