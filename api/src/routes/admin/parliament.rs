//! The sitting parliament, for sysadmins: announcing its dissolution, telling signers of
//! open petitions, archiving it once dissolved, and opening the next one. Any member of
//! staff may look.

use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::parliament::{
    Dissolution, DissolutionForm, NewParliament, NewParliamentForm, ParliamentError,
    ParliamentRefusal,
};
use persistence::mailings::mailing_progress;
use persistence::parliaments::{self, current_parliament};
use persistence::reference::Parliament;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::forms::FormReader;
use crate::mail::mailings;

/// A parliament and where it is in its life.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParliamentStatus {
    pub id: i64,
    pub period: String,
    pub government: String,
    /// sitting, dissolving (announced), dissolved, or archived.
    pub phase: &'static str,
    pub opening_at: Option<DateTime<Utc>>,
    pub dissolution_at: Option<DateTime<Utc>>,
    pub dissolution_message: Option<String>,
    pub dissolution_announced_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    /// The thresholds copied on at archiving; until then, the site settings apply.
    pub response_threshold: i64,
    pub debate_threshold: i64,
    /// The email to signers and creators of open petitions, once it is started.
    pub notice: Option<NoticeProgress>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeProgress {
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    /// Addresses queued so far (each once, however many petitions it signed).
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    /// When every address had been queued.
    pub queued_all_at: Option<DateTime<Utc>>,
}

/// The answer to an announcement.
#[derive(Debug, Serialize, ToSchema)]
pub struct DissolutionAnnounced {
    /// Open petitions whose deadline now falls at the dissolution.
    pub deadlines_brought_forward: usize,
    pub parliament: ParliamentStatus,
}

/// The answer to archiving.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParliamentArchived {
    /// Petitions moved to the archived endpoints.
    pub petitions_archived: usize,
    pub parliament: ParliamentStatus,
}

/// An announcement: when Parliament dissolves, and what to tell signers.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct DissolutionRequest {
    /// In the future (RFC 3339). Once announced it may be brought forward, not put back.
    #[schema(example = "2029-05-20T23:01:00Z")]
    pub dissolution_at: DateTime<Utc>,
    /// Added to the email to signers (up to 2000 characters).
    pub message: Option<String>,
}

/// The next parliament.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct NewParliamentRequest {
    /// The party or parties in government (up to 100 characters).
    pub government: String,
    /// After the last dissolution (RFC 3339).
    pub opening_at: DateTime<Utc>,
}

/// The parliament with how far its dissolution notice has gone.
async fn described(state: &AppState, parliament: Parliament) -> Result<ParliamentStatus, ApiError> {
    let notice = match parliament.notice_mailing_id {
        Some(id) => state.db.run(move |conn| mailing_progress(conn, id)).await?,
        None => None,
    };
    let notice = notice.map(|progress| NoticeProgress {
        requested_by: progress.mailing.requested_by,
        requested_at: progress.mailing.created_at.and_utc(),
        queued: progress.mailing.queued,
        sent: progress.sent,
        failed: progress.failed,
        queued_all_at: progress.mailing.finished_at.map(|at| at.and_utc()),
    });
    let utc = |at: Option<NaiveDateTime>| at.map(|at| at.and_utc());
    Ok(ParliamentStatus {
        phase: parliament.facts().phase(state.clock.now()).as_str(),
        id: parliament.id,
        period: parliament.period,
        government: parliament.government,
        opening_at: utc(parliament.opening_at),
        dissolution_at: utc(parliament.dissolution_at),
        dissolution_message: parliament.dissolution_message,
        dissolution_announced_at: utc(parliament.dissolution_announced_at),
        archived_at: utc(parliament.archived_at),
        response_threshold: parliament.response_threshold,
        debate_threshold: parliament.debate_threshold,
        notice,
    })
}

fn refusal_error(refusal: ParliamentRefusal) -> ApiError {
    let detail = match refusal {
        ParliamentRefusal::AlreadyDissolved => {
            "Parliament has already been dissolved; what is done can't be changed".to_owned()
        }
        ParliamentRefusal::Postponed { announced } => format!(
            "dissolution is announced for {}, and open petitions' deadlines were brought \
             forward to it; it can be brought forward, but not put back",
            announced.to_rfc3339()
        ),
        ParliamentRefusal::NotDissolved => {
            "Parliament has not been dissolved yet: archive it once it has".to_owned()
        }
        ParliamentRefusal::NotAnnounced => {
            "no dissolution has been announced: announce one first".to_owned()
        }
        ParliamentRefusal::AlreadyNotified => {
            "signers have already been told of this dissolution".to_owned()
        }
        ParliamentRefusal::StillSitting => {
            "the last Parliament has not been archived yet: archive it first".to_owned()
        }
        ParliamentRefusal::NoParliament => {
            return ApiError::not_found(
                "no Parliament is sitting: open one with POST /admin/parliaments",
            )
        }
    };
    ApiError::Conflict(detail)
}

/// A decision's result: the value, or the form's faults (422) or the refusal (409).
fn decided<T>(
    mut form: FormReader<'_>,
    what: &str,
    result: Result<T, ParliamentError>,
) -> Result<T, ApiError> {
    match result {
        Ok(value) => Ok(value),
        Err(ParliamentError::Refused(refusal)) => Err(refusal_error(refusal)),
        Err(ParliamentError::Invalid(faults)) => {
            form.add_rule_faults(&faults);
            form.finish(what, None)
        }
    }
}

/// The sitting parliament.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "The sitting parliament", body = ParliamentStatus),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "None is sitting (the last was archived)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let parliament = state
        .db
        .run(current_parliament)
        .await?
        .ok_or_else(|| refusal_error(ParliamentRefusal::NoParliament))?;
    Ok(HttpResponse::Ok().json(described(&state, parliament).await?))
}

/// Announces when Parliament dissolves. Every open petition whose deadline is later now
/// closes at the dissolution; petitions published from now on too. At the dissolution,
/// petitions never published are stopped.
#[utoipa::path(
    tag = "admin",
    request_body = DissolutionRequest,
    responses(
        (status = 200, description = "Announced", body = DissolutionAnnounced),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No parliament is sitting", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already dissolved, or a later time than the one announced", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an instant in the future, or the message is too long; each field is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("")]
pub async fn announce_dissolution(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let mut form = FormReader::new(&body);
    let dissolution_at = form.text("dissolution_at").map(str::to_owned);
    let message = form.text("message").map(str::to_owned);
    if !form.is_clean() {
        return form.finish("announcement", None);
    }
    let (actor, now) = (auth.into_inner().principal.actor(), state.clock.now());
    let result = state
        .db
        .run(move |conn| {
            let decide = |facts: &_| {
                let form = DissolutionForm {
                    dissolution_at: dissolution_at.as_deref(),
                    message: message.as_deref(),
                };
                Dissolution::announce(facts, &form, now)
            };
            parliaments::announce_dissolution(conn, decide, &actor, now)
        })
        .await?;
    let announced = decided(form, "announcement", result)?;
    Ok(HttpResponse::Ok().json(DissolutionAnnounced {
        deadlines_brought_forward: announced.deadlines_brought_forward,
        parliament: described(&state, announced.parliament).await?,
    }))
}

/// Emails every subscribed signer and every creator of an open petition, once per address,
/// that Parliament is dissolving and when their petitions will close. Once per dissolution.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 202, description = "Started: the workers send it", body = ParliamentStatus),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No parliament is sitting", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No dissolution announced, already dissolved, or already sent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn notify_signers(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
) -> Result<HttpResponse, ApiError> {
    let (actor, now) = (auth.into_inner().principal.actor(), state.clock.now());
    let result = state
        .db
        .run(move |conn| {
            let mailing = |parliament: &Parliament| {
                let at = parliament.dissolution_at.unwrap_or_default().and_utc();
                mailings::dissolution(at, parliament.dissolution_message.as_deref())
            };
            parliaments::start_dissolution_notice(conn, mailing, &actor, now)
        })
        .await?;
    let parliament = result.map_err(refusal_error)?;
    Ok(HttpResponse::Accepted().json(described(&state, parliament).await?))
}

/// Archives the dissolved parliament: its petitions move to `/archived`, under it, with the
/// response and debate thresholds in force copied onto it.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "Archived", body = ParliamentArchived),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No parliament is sitting", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not dissolved yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn archive(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
) -> Result<HttpResponse, ApiError> {
    let thresholds = state.settings.get(&state.db).await?.thresholds;
    let (actor, now) = (auth.into_inner().principal.actor(), state.clock.now());
    let archived = state
        .db
        .run(move |conn| parliaments::archive_parliament(conn, &thresholds, &actor, now))
        .await?
        .map_err(refusal_error)?;
    Ok(HttpResponse::Ok().json(ParliamentArchived {
        petitions_archived: archived.petitions,
        parliament: described(&state, archived.parliament).await?,
    }))
}

/// Opens the next parliament, once the last is archived. New petitions are taken again.
#[utoipa::path(
    tag = "admin",
    request_body = NewParliamentRequest,
    responses(
        (status = 201, description = "Opened", body = ParliamentStatus),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last parliament is not archived yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn open(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let mut form = FormReader::new(&body);
    let government = form.text("government").map(str::to_owned);
    let opening_at = form.text("opening_at").map(str::to_owned);
    if !form.is_clean() {
        return form.finish("parliament", None);
    }
    let (actor, now) = (auth.into_inner().principal.actor(), state.clock.now());
    let result = state
        .db
        .run(move |conn| {
            let decide = |previous: Option<&_>| {
                let form = NewParliamentForm {
                    government: government.as_deref(),
                    opening_at: opening_at.as_deref(),
                };
                NewParliament::open(previous, &form, now)
            };
            parliaments::open_parliament(conn, decide, &actor, now)
        })
        .await?;
    let parliament = decided(form, "parliament", result)?;
    Ok(HttpResponse::Created().json(described(&state, parliament).await?))
}
