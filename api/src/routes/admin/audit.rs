//! Reading the audit log (sysadmin): who did what to which petition, when, with before/after.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use persistence::audit::{self, AuditEntry, AuditQuery};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::query::Query;

const DEFAULT_COUNT: i64 = 50;
const MAX_COUNT: i64 = 200;

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    /// Only actions on this petition.
    pub petition_id: Option<i64>,
    /// Only actions by this actor, e.g. `staff:3` or `integration:…`.
    pub actor: Option<String>,
    /// Only entries older than this id: the `next` link carries it.
    pub before: Option<i64>,
    /// How many, 1 to 200 (default 50).
    pub count: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLogPage {
    /// Newest first.
    pub data: Vec<AuditLogEntry>,
    /// The address of the next (older) page, if there may be one.
    pub next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLogEntry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub petition_id: Option<i64>,
    pub subject: Option<String>,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
    pub at: DateTime<Utc>,
}

impl From<AuditEntry> for AuditLogEntry {
    fn from(entry: AuditEntry) -> Self {
        let json = |text: Option<String>| {
            text.and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or(Value::Null)
        };
        Self {
            id: entry.id,
            actor: entry.actor,
            action: entry.action,
            petition_id: entry.petition_id,
            subject: entry.subject,
            before: json(entry.before),
            after: json(entry.after),
            at: entry.created_at.and_utc(),
        }
    }
}

/// The audit log, newest first.
#[utoipa::path(
    tag = "admin",
    params(AuditParams),
    responses(
        (status = 200, description = "A page of the log", body = AuditLogPage),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn audit_log(
    state: web::Data<AppState>,
    params: Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let count = params.count.unwrap_or(DEFAULT_COUNT);
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(ApiError::BadRequest {
            detail: format!("count must be from 1 to {MAX_COUNT}"),
            field: "count",
        });
    }
    let query = AuditQuery {
        petition_id: params.petition_id,
        actor: params.actor.clone(),
        before_id: params.before,
        limit: count,
    };
    let entries = state.db.run(move |conn| audit::list(conn, &query)).await?;
    let next = (entries.len() as i64 == count)
        .then(|| entries.last().map(|oldest| oldest.id))
        .flatten()
        .map(|oldest| {
            let mut query = vec![("before", oldest.to_string()), ("count", count.to_string())];
            if let Some(petition_id) = params.petition_id {
                query.push(("petition_id", petition_id.to_string()));
            }
            if let Some(actor) = params.actor {
                query.push(("actor", actor));
            }
            state.public_url.with_query("/admin/audit-log", &query)
        });
    Ok(HttpResponse::Ok().json(AuditLogPage {
        data: entries.into_iter().map(Into::into).collect(),
        next,
    }))
}
