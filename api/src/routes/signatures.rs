//! Signing a petition, confirming a signature, and unsubscribing (SPEC §2).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use domain::settings::SiteSettings;
use domain::state::PetitionState;
use persistence::signatures::{self, ConfirmOutcome, ConfirmRequest, NewSignature};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::petitions::cached_count;
use super::visibility::{parse_id, Visibility};
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::forms::{read_signer, FormReader};
use crate::query::Query;
use crate::signing::{client_address, new_token};

/// What a signer sends. Every field is checked and every fault reported together.
// This documents the body; `parse_signer` reads it leniently so that a field of the wrong
// type is reported by name like any other fault.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct SignatureForm {
    /// Full name, up to 255 characters; no web addresses, not starting with = + - @.
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    #[schema(example = "ada@example.com")]
    pub email: String,
    /// A UK postcode when `location_code` is `GB`; otherwise any postal code, or none.
    #[schema(example = "SW1A 1AA")]
    pub postcode: Option<String>,
    /// A country code from the countries list (default `GB`).
    #[schema(example = "GB")]
    pub location_code: Option<String>,
    /// Must be `true`: only British citizens and UK residents may sign.
    pub uk_citizenship: bool,
    /// Whether to receive emails about the petition's progress (default `false`).
    pub notify_by_email: Option<bool>,
}

/// The answer to every accepted request, duplicate or not, so that it reveals nothing about
/// who has signed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    pub message: &'static str,
}

const CHECK_YOUR_EMAIL: &str =
    "Thank you. We have sent you an email: open the link in it to confirm your signature.";

/// Signs a petition. The signature counts once the link in the confirmation email is opened.
#[utoipa::path(
    tag = "signatures",
    params(("id" = String, Path, description = "The petition id")),
    request_body = SignatureForm,
    responses(
        (status = 202, description = "Stored; a confirmation email is on its way", body = Accepted),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such public petition", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The petition is not open for signatures", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The petition was taken down", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Signing is paused across the site for now", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/petitions/{id}/signatures")]
pub async fn sign_petition(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let petition_id = parse_id(&id)?;
    let now = state.clock.now();
    let petition = cached_count(&state, petition_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no petition {petition_id}")))?;
    Visibility {
        id: petition_id,
        state: &petition.state,
        opened_at: petition.opened_at,
        archived_at: petition.archived_at,
    }
    .check(false)?;
    refuse_unless_signable(petition_id, &petition.state, petition.deadline, now)?;
    collecting(&state).await?;

    submit_signature(&state, &request, &body, petition_id, false).await
}

/// The settings in force, or 503 while a sysadmin has paused signature collection. Deadlines
/// move on a day for each midnight spent paused, so nobody loses time to sign.
pub(super) async fn collecting(state: &AppState) -> Result<SiteSettings, ApiError> {
    let settings = state.settings.get(&state.db).await?;
    if settings.collecting() {
        Ok(settings)
    } else {
        Err(ApiError::Paused(
            "signing is paused across the site for now; please try again later. Petitions' \
             deadlines are extended for the time lost"
                .to_owned(),
        ))
    }
}

/// Reads the signer from `body` and stores the signature through group commit. The answer
/// is the same whatever becomes of it (new, duplicate or shadow-banned).
pub(super) async fn submit_signature(
    state: &AppState,
    request: &HttpRequest,
    body: &Value,
    petition_id: i64,
    sponsor: bool,
) -> Result<HttpResponse, ApiError> {
    let mut form = FormReader::new(body);
    let signer = read_signer(&mut form, |code| state.countries.contains(code));
    let signer = form.finish("signature", signer)?;
    let new_signature = NewSignature {
        petition_id,
        signer,
        ip: client_address(request, &state.trusted_proxies),
        confirmation_token: new_token()?,
        unsubscribe_token: new_token()?,
        sponsor,
    };
    state.signatures.submit(new_signature).await?;
    Ok(HttpResponse::Accepted().json(Accepted {
        message: CHECK_YOUR_EMAIL,
    }))
}

fn refuse_unless_signable(
    id: i64,
    state: &str,
    deadline: Option<NaiveDateTime>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    match PetitionState::parse(state) {
        Some(PetitionState::Open) => {
            let closed = deadline
                .is_some_and(|deadline| !domain::deadline::is_signable(deadline.and_utc(), now));
            if closed {
                return Err(ApiError::Conflict(format!(
                    "petition {id} has closed: it no longer takes signatures"
                )));
            }
            Ok(())
        }
        Some(PetitionState::Closed) => Err(ApiError::Conflict(format!(
            "petition {id} has closed: it no longer takes signatures"
        ))),
        _ => Err(ApiError::Conflict(format!(
            "petition {id} was rejected: it can't be signed"
        ))),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TokenParam {
    /// The token from the link in the email.
    pub token: String,
}

/// The answer to a confirmation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Confirmation {
    pub message: &'static str,
    pub petition_id: i64,
    /// The petition's address in this API.
    pub petition: String,
    /// The signer's constituency and MP, when the postcode placed them in one.
    pub constituency: Option<ConstituencyOfSigner>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConstituencyOfSigner {
    pub ons_code: String,
    pub name: String,
    pub mp: Option<String>,
}

/// Confirms a signature: the link in the confirmation email. Confirming again changes
/// nothing and answers the same. Possible until 24 hours after the petition closes.
#[utoipa::path(
    tag = "signatures",
    params(("signature_id" = i64, Path, description = "The signature id"), TokenParam),
    responses(
        (status = 200, description = "Confirmed (now or before)", body = Confirmation),
        (status = 400, description = "No token, or the id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such signature, or the token is not its token", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Too late: the petition closed more than a day ago or was taken down, or the signature was struck out", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/signatures/{signature_id}/verify")]
pub async fn verify_signature(
    state: web::Data<AppState>,
    signature_id: web::Path<String>,
    query: Query<TokenParam>,
) -> Result<HttpResponse, ApiError> {
    confirm(
        state,
        parse_signature_id(&signature_id)?,
        query.into_inner().token,
    )
    .await
}

/// The same as `GET`, for clients that prefer not to change state with a `GET`.
#[utoipa::path(
    tag = "signatures",
    params(("signature_id" = i64, Path, description = "The signature id"), TokenParam),
    responses(
        (status = 200, description = "Confirmed (now or before)", body = Confirmation),
        (status = 400, description = "No token, or the id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such signature, or the token is not its token", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Too late, or the signature was struck out", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/signatures/{signature_id}/verify")]
pub async fn verify_signature_post(
    state: web::Data<AppState>,
    signature_id: web::Path<String>,
    query: Query<TokenParam>,
) -> Result<HttpResponse, ApiError> {
    confirm(
        state,
        parse_signature_id(&signature_id)?,
        query.into_inner().token,
    )
    .await
}

/// Parses the `{signature_id}` of a link from an email.
fn parse_signature_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::BadRequest {
            detail: format!(
                "{raw:?} is not a signature id: ids are positive whole numbers; use the whole link from the email"
            ),
            field: "signature_id",
        })
}

async fn confirm(
    state: web::Data<AppState>,
    signature_id: i64,
    token: String,
) -> Result<HttpResponse, ApiError> {
    let outcome = state
        .confirmations
        .submit(ConfirmRequest {
            signature_id,
            token,
        })
        .await?;
    match outcome {
        ConfirmOutcome::Confirmed(confirmed) => Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(Confirmation {
                message: "Thank you: your signature is confirmed.",
                petition_id: confirmed.petition_id,
                petition: state.public_url.petition(confirmed.petition_id, false),
                constituency: confirmed.constituency.map(|found| ConstituencyOfSigner {
                    ons_code: found.ons_code,
                    name: found.name,
                    mp: found.mp,
                }),
            })),
        ConfirmOutcome::NotFound => Err(ApiError::not_found(
            "this confirmation link is not valid: check that the whole link from the email was used",
        )),
        ConfirmOutcome::TooLate => Err(ApiError::Gone(
            "this petition closed more than 24 hours ago, or was taken down: signatures can no longer be confirmed".to_owned(),
        )),
        ConfirmOutcome::Invalidated => Err(ApiError::Gone(
            "this signature was struck out and can't be confirmed".to_owned(),
        )),
    }
}

/// Stops emails about the petition to this signer: the one-click unsubscribe of RFC 8058
/// that the `List-Unsubscribe-Post` header of every email points to.
#[utoipa::path(
    tag = "signatures",
    params(("signature_id" = i64, Path, description = "The signature id"), TokenParam),
    responses(
        (status = 200, description = "Unsubscribed (now or before)", body = Accepted),
        (status = 400, description = "No token, or the id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such signature, or the token is not its token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/signatures/{signature_id}/unsubscribe")]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    signature_id: web::Path<String>,
    query: Query<TokenParam>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let signature_id = parse_signature_id(&signature_id)?;
    let token = query.into_inner().token;
    let done = state
        .db
        .run(move |conn| signatures::unsubscribe(conn, signature_id, &token, now))
        .await?;
    if !done {
        return Err(ApiError::not_found(
            "this unsubscribe link is not valid: check that the whole link from the email was used",
        ));
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Accepted {
            message: "You will get no more emails about this petition.",
        }))
}
