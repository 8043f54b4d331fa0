//! Moderation decisions: publish, reject (or take down), flag, park, restore, remove. The
//! domain's transition table decides what is allowed; a refusal names what is.

use actix_web::{post, web, HttpResponse};
use domain::moderation::{authority_of, ModerationAction, Refusal};
use domain::RejectionDetails;
use persistence::petitions::{self, ModerationOutcome, ModerationRequest};
use serde_json::Value;
use utoipa::ToSchema;

use super::petitions::StaffPetition;
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::forms::FormReader;
use crate::routes::visibility::parse_id;

/// A moderation decision.
// Documents the body; the handler reads it leniently so every fault is named.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct ModerationForm {
    /// publish, reject, flag, dormant, restore or remove.
    #[schema(example = "reject")]
    pub action: String,
    /// Required to reject: a code from the rejection reasons, and details (up to 4000
    /// characters) shown with it.
    pub rejection: Option<RejectionForm>,
}

#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct RejectionForm {
    #[schema(example = "duplicate")]
    pub code: String,
    pub details: Option<String>,
}

/// Decides on a petition. Publishing and rejecting email the creator and confirmed supporters.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The petition's id")),
    request_body = ModerationForm,
    responses(
        (status = 200, description = "Done: the petition as it now is", body = StaffPetition),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a moderator, or the action needs a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the petition's state; `allowed_actions` names what is", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn moderate(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let petition_id = parse_id(&id)?;
    let principal = auth.into_inner().principal;
    let authority = authority_of(&principal)
        .ok_or_else(|| ApiError::Forbidden("moderating needs the moderator role".to_owned()))?;
    let (action, rejection) = read_form(&body)?;
    let request = ModerationRequest {
        petition_id,
        action,
        rejection,
        authority,
        actor: principal.actor(),
    };
    let thresholds = state.settings.get(&state.db).await?.thresholds;
    let now = state.clock.now();
    let outcome = state
        .db
        .run(move |conn| petitions::moderate(conn, &request, &thresholds, now))
        .await?;
    match outcome {
        ModerationOutcome::Done(row) => {
            Ok(HttpResponse::Ok().json(StaffPetition::new(*row, &principal)))
        }
        ModerationOutcome::NoSuchPetition => Err(ApiError::not_found(format!(
            "there is no petition {petition_id}"
        ))),
        ModerationOutcome::UnknownReason => Err(ApiError::invalid_field(
            "rejection.code",
            "is not a rejection reason: see GET /admin/rejection-reasons",
        )),
        ModerationOutcome::Refused(refusal) => Err(refused(action, refusal)),
    }
}

fn refused(action: ModerationAction, refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NotAllowed { from, allowed } => {
            let mut detail = format!("a {from} petition can't be given the action {action}");
            if let Some(why) = from
                .publish_refusal()
                .filter(|_| action == ModerationAction::Publish)
            {
                detail = format!("{detail}: {why}");
            }
            let allowed_actions: Vec<&'static str> =
                allowed.into_iter().map(ModerationAction::as_str).collect();
            if allowed_actions.is_empty() {
                detail.push_str("; nothing can be done to it now");
            } else {
                detail = format!("{detail}; allowed now: {}", allowed_actions.join(", "));
            }
            ApiError::ActionNotAllowed {
                detail,
                allowed_actions,
            }
        }
        Refusal::NeedsSysadmin => ApiError::Forbidden(format!("{action} here needs a sysadmin")),
        // The form reader asks for a reason before this is reached.
        Refusal::NoReason => ApiError::invalid_field("rejection.code", "is required to reject"),
        Refusal::ParliamentDissolved => ApiError::Conflict(format!(
            "Parliament has been dissolved: nothing can be given the action {action} until the \
             next Parliament opens"
        )),
    }
}

type RejectionInput = Option<(String, Option<String>)>;

fn read_form(body: &Value) -> Result<(ModerationAction, RejectionInput), ApiError> {
    let mut form = FormReader::new(body);
    let action = form.text("action").and_then(ModerationAction::parse);
    if action.is_none() && !form.has_fault("action") {
        let names: Vec<&str> = ModerationAction::ALL.iter().map(|a| a.as_str()).collect();
        form.fault("action", format!("must be one of {}", names.join(", ")));
    }
    let mut rejection = None;
    if action == Some(ModerationAction::Reject) {
        let mut nested = form.object("rejection");
        let code = nested.text("code").map(str::trim).filter(|c| !c.is_empty());
        if code.is_none() && !nested.has_fault("code") {
            nested.fault("code", "is required to reject");
        }
        let details = match nested.text("details") {
            Some(raw) => match RejectionDetails::parse(raw) {
                Ok(details) => Some(details.into_inner()).filter(|d| !d.is_empty()),
                Err(error) => {
                    nested.fault("details", error);
                    None
                }
            },
            None => None,
        };
        rejection = code.map(|code| (code.to_owned(), details));
        form.absorb(nested);
    }
    let action = form.finish("decision", action)?;
    Ok((action, rejection))
}
