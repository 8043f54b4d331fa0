//! Creating a petition and supporting it before publication (SPEC §1.2).

use actix_web::{post, web, HttpRequest, HttpResponse};
use domain::secret::tokens_match;
use domain::sponsorship::{may_sponsor, SponsorRefusal};
use domain::{PetitionText, PetitionTextForm};
use persistence::parliaments::current_parliament;
use persistence::petitions::{create_petition, find_sponsorship, NewPetition};
use persistence::statistics::like_text;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::signatures::{collecting, submit_signature, Accepted, SignatureForm, TokenParam};
use super::statistics::{ranked_items, RankedItem, RELATED_SIZE};
use super::visibility::parse_id;
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::forms::{read_signer, FormReader};
use crate::query::Query;
use crate::signing::{client_address, new_token};

/// A new petition, as its creator writes it.
// Documents the body; the handler reads it leniently so every fault is named (see `forms`).
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct PetitionForm {
    /// The petition's title: what you want done, up to 80 characters.
    #[schema(example = "Plant a tree for every child born in the UK")]
    pub action: String,
    /// Why, up to 300 characters.
    pub background: String,
    /// More detail, up to 800 characters.
    pub additional_details: Option<String>,
    /// The creator, who signs first: the same fields as a signature.
    pub creator: SignatureForm,
}

/// The answer to a new petition: its id, and open petitions like it that could be signed
/// instead.
#[derive(Debug, Serialize, ToSchema)]
pub struct PetitionCreated {
    pub message: &'static str,
    pub petition_id: i64,
    /// Up to five open petitions most like this one, best first.
    pub similar_petitions: Vec<RankedItem>,
}

/// Creates a petition. It stays private until the creator confirms their email, five
/// supporters confirm theirs, and a moderator publishes it.
#[utoipa::path(
    tag = "petitions",
    request_body = PetitionForm,
    responses(
        (status = 202, description = "Stored; an email with the confirmation and supporter links is on its way", body = PetitionCreated),
        (status = 409, description = "Parliament is dissolved: no new petitions until the next opens", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/petitions")]
pub async fn create(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let mut form = FormReader::new(&body);
    let text_form = PetitionTextForm {
        action: form.text("action"),
        background: form.text("background"),
        additional_details: form.text("additional_details"),
    };
    let text = PetitionText::parse(&text_form)
        .map_err(|faults| form.add_rule_faults(&faults))
        .ok();
    let mut creator_form = form.object("creator");
    let creator = read_signer(&mut creator_form, |code| state.countries.contains(code));
    form.absorb(creator_form);
    let (text, creator) = form.finish("petition", text.zip(creator))?;

    let petition = NewPetition {
        text,
        creator,
        ip: client_address(&request, &state.trusted_proxies),
        confirmation_token: new_token()?,
        unsubscribe_token: new_token()?,
        sponsor_token: new_token()?,
    };
    let now = state.clock.now();
    let sitting = state.db.run(current_parliament).await?;
    if !sitting.is_some_and(|parliament| parliament.facts().phase(now).takes_petitions()) {
        return Err(ApiError::Conflict(
            "Parliament has been dissolved for a general election: new petitions can be \
             started once the next Parliament opens"
                .to_owned(),
        ));
    }
    let policy = state.signing_policy.get(&state.db).await?;
    let (created, similar) = state
        .db
        .run(move |conn| {
            let created = create_petition(conn, &petition, &policy, now)?;
            let similar = like_text(
                conn,
                petition.text.action.as_str(),
                Some(created.petition_id),
                RELATED_SIZE,
            )?;
            Ok((created, similar))
        })
        .await?;
    Ok(HttpResponse::Accepted().json(PetitionCreated {
        message: "Thank you. We have sent you an email: open the link in it to confirm your \
                  petition, then share the supporter link it gives you.",
        petition_id: created.petition_id,
        similar_petitions: ranked_items(&state, similar),
    }))
}

/// Supports a petition before publication, through the link its creator shared. The
/// supporter then confirms by email like any signer; confirmed supporters put the petition
/// in the moderation queue.
#[utoipa::path(
    tag = "petitions",
    params(("id" = String, Path, description = "The petition id"), TokenParam),
    request_body = SignatureForm,
    responses(
        (status = 202, description = "Stored; a confirmation email is on its way", body = Accepted),
        (status = 400, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition, or the token is not its supporter token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The petition takes no supporters now: its creator has not confirmed, it has all it can take, or it was published or rejected", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The petition was removed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Signing is paused across the site for now", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/petitions/{id}/sponsors")]
pub async fn sponsor(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    query: Query<TokenParam>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let petition_id = parse_id(&id)?;
    let sponsorship = state
        .db
        .run(move |conn| find_sponsorship(conn, petition_id))
        .await?
        .filter(|found| {
            found
                .sponsor_token
                .as_deref()
                .is_some_and(|token| tokens_match(token, &query.token))
        })
        .ok_or_else(|| {
            ApiError::not_found(
                "this supporter link is not valid: check that the whole link from the creator was used",
            )
        })?;
    let settings = collecting(&state).await?;
    may_sponsor(
        sponsorship.state,
        sponsorship.confirmed_sponsors,
        &settings.thresholds,
    )
    .map_err(|refusal| match refusal {
        SponsorRefusal::Removed => ApiError::Gone(refusal.to_string()),
        _ => ApiError::Conflict(refusal.to_string()),
    })?;

    submit_signature(&state, &request, &body, petition_id, true).await
}
