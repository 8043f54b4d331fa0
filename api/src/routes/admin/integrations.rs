//! Integration tokens: for systems, not people (a government department recording responses,
//! parliament's systems recording debates). Scoped, revocable, longer-lived (SPEC §5).

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use domain::access::{IntegrationScope, Principal};
use persistence::audit::NewAuditEntry;
use persistence::staff::{self, IntegrationToken};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::{parse_scopes, Authenticated};
use crate::error::{ApiError, Problem};
use crate::forms::FormReader;

const DEFAULT_DAYS: i64 = 365;
const MAX_DAYS: i64 = 730;

/// A token to issue.
// Documents the body; the handler reads it leniently so every fault is named.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct IntegrationTokenForm {
    /// Who it is for, e.g. "Cabinet Office responses".
    pub name: String,
    /// Any of `responses:write`, `debates:write`.
    #[schema(example = json!(["responses:write"]))]
    pub scopes: Vec<String>,
    /// How long it lasts, 1 to 730 days (default 365).
    pub valid_days: Option<i64>,
}

/// An integration token as listed. The token itself is shown only when issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationTokenInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<IntegrationToken> for IntegrationTokenInfo {
    fn from(token: IntegrationToken) -> Self {
        Self {
            scopes: token.scopes.split_whitespace().map(str::to_owned).collect(),
            id: token.id,
            name: token.name,
            issued_by: format!("staff:{}", token.issued_by),
            issued_at: token.issued_at.and_utc(),
            expires_at: token.expires_at.and_utc(),
            revoked_at: token.revoked_at.map(|at| at.and_utc()),
        }
    }
}

/// A newly issued token: keep `token` safe; it is not shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedIntegrationToken {
    pub token: String,
    #[serde(flatten)]
    pub info: IntegrationTokenInfo,
}

/// Issues a scoped token for a system.
#[utoipa::path(
    tag = "admin",
    request_body = IntegrationTokenForm,
    responses(
        (status = 201, description = "Issued", body = IssuedIntegrationToken),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn issue(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.into_inner().principal;
    let Principal::Staff { id: issued_by, .. } = principal else {
        return Err(ApiError::Forbidden("only staff issue tokens".to_owned()));
    };
    let (name, scopes, days) = read_form(&body)?;
    let now = state.clock.now();
    let expires_at = now + Duration::days(days);
    let id = Uuid::new_v4().simple().to_string();
    let token = state
        .tokens
        .issue_integration(&id, &scopes, now, expires_at)?;
    let stored = IntegrationToken {
        id,
        name,
        scopes: scopes
            .iter()
            .map(|scope| scope.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        issued_by,
        issued_at: now.naive_utc(),
        expires_at: expires_at.naive_utc(),
        revoked_at: None,
    };
    let info = IntegrationTokenInfo::from(stored.clone());
    let after = serde_json::to_string(&info).map_err(|error| ApiError::Internal(error.into()))?;
    state
        .db
        .run(move |conn| {
            let actor = principal.actor();
            let entry = NewAuditEntry {
                actor: &actor,
                action: "integration_token.issue",
                petition_id: None,
                subject: Some(&stored.id),
                before: None,
                after: Some(after),
            };
            staff::add_integration_token(conn, &stored, &entry, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(IssuedIntegrationToken { token, info }))
}

fn read_form(body: &Value) -> Result<(String, Vec<IntegrationScope>, i64), ApiError> {
    let mut form = FormReader::new(body);
    let name = form.text("name").map(str::trim);
    let name = name.filter(|name| (1..=100).contains(&name.chars().count()));
    if name.is_none() && !form.has_fault("name") {
        form.fault("name", "must be 1 to 100 characters");
    }
    let scopes = form
        .value("scopes")
        .and_then(Value::as_array)
        .and_then(|scopes| {
            let words: Option<Vec<&str>> = scopes.iter().map(Value::as_str).collect();
            parse_scopes(&words?.join(" "))
        })
        .filter(|scopes| !scopes.is_empty());
    if scopes.is_none() {
        form.fault(
            "scopes",
            "must list one or more of responses:write, debates:write",
        );
    }
    let days = match form.value("valid_days") {
        None => Some(DEFAULT_DAYS),
        Some(value) => value.as_i64().filter(|days| (1..=MAX_DAYS).contains(days)),
    };
    if days.is_none() {
        form.fault(
            "valid_days",
            format!("must be a whole number from 1 to {MAX_DAYS}"),
        );
    }
    let ((name, scopes), days) = form.finish("token", name.zip(scopes).zip(days))?;
    Ok((name.to_owned(), scopes, days))
}

/// Every integration token issued, newest first.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "The tokens (without the secrets)", body = [IntegrationTokenInfo]),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let tokens = state.db.run(staff::list_integration_tokens).await?;
    let tokens: Vec<IntegrationTokenInfo> = tokens.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(tokens))
}

/// Revokes a token: the system using it is refused from now on.
#[utoipa::path(
    tag = "admin",
    params(("token_id" = String, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked (now or before)"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("")]
pub async fn revoke(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    token_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let id = token_id.into_inner();
    let actor = auth.into_inner().principal.actor();
    let found = state
        .db
        .run(move |conn| {
            let entry = NewAuditEntry {
                actor: &actor,
                action: "integration_token.revoke",
                petition_id: None,
                subject: Some(&id),
                before: Some(json!({ "revoked_at": null }).to_string()),
                after: Some(json!({ "revoked_at": now }).to_string()),
            };
            staff::revoke_integration_token(conn, &id, &entry, now)
        })
        .await?;
    if !found {
        return Err(ApiError::not_found(
            "there is no integration token with that id",
        ));
    }
    Ok(HttpResponse::NoContent().finish())
}
