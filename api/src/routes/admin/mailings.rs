//! How far each mailing to a petition's signers has gone.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use persistence::mailings::{self, MailingProgress};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::routes::visibility::parse_id;

/// A mailing to every confirmed signer who asked for updates.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mailing {
    pub id: i64,
    /// government_response, debate_scheduled, debate_outcome or other_business.
    pub kind: String,
    pub subject: String,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    /// Signers queued so far.
    pub queued: i64,
    /// Set once every signer has been queued.
    pub finished_queueing_at: Option<DateTime<Utc>>,
    pub sent: i64,
    pub failed: i64,
}

impl From<MailingProgress> for Mailing {
    fn from(
        MailingProgress {
            mailing,
            sent,
            failed,
        }: MailingProgress,
    ) -> Self {
        Self {
            id: mailing.id,
            kind: mailing.kind,
            subject: mailing.subject,
            requested_by: mailing.requested_by,
            created_at: mailing.created_at.and_utc(),
            queued: mailing.queued,
            finished_queueing_at: mailing.finished_at.map(|at| at.and_utc()),
            sent,
            failed,
        }
    }
}

/// The mailings to a petition's signers, newest first, with their progress.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "The petition's id")),
    responses(
        (status = 200, description = "The mailings", body = [Mailing]),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such petition", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let found = state
        .db
        .run(move |conn| {
            let exists = persistence::petitions::find_count(conn, id)?.is_some();
            exists.then(|| mailings::mailings_of(conn, id)).transpose()
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no petition {id}")))?;
    let mailings: Vec<Mailing> = found.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(mailings))
}
