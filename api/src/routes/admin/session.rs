//! Staff sign-in and sign-out (SPEC §5).

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::access::{Principal, StaffRole};
use persistence::staff::{self, SignInAttempt};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{password_matches, waste_the_same_time, Authenticated};
use crate::error::{ApiError, Problem};
use crate::forms::FormReader;
use crate::signing::new_token;

/// What a member of staff signs in with.
// Documents the body; the handler reads it leniently so every fault is named.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct LoginForm {
    #[schema(example = "moderator@petitions.example")]
    pub email: String,
    pub password: String,
}

/// A signed-in session: send the token as `Authorization: Bearer …`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub role: String,
}

const WRONG_EMAIL_OR_PASSWORD: &str = "the email or password is wrong";

/// Signs a member of staff in. Five failures in a row lock the account for 15 minutes.
#[utoipa::path(
    tag = "admin",
    request_body = LoginForm,
    responses(
        (status = 200, description = "Signed in", body = Session),
        (status = 401, description = "The email or password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The email or password is missing", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed sign-ins: the account is locked for a while", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let mut form = FormReader::new(&body);
    let email = form
        .required_text("email")
        .map(|email| email.trim().to_lowercase());
    let password = form.required_text("password").map(str::to_owned);
    let (email, password) = form.finish("sign-in", email.zip(password))?;
    let now = state.clock.now();

    let account = state
        .db
        .run(move |conn| staff::find_staff_by_email(conn, &email))
        .await?;
    let Some(account) = account else {
        web::block(move || waste_the_same_time(&password))
            .await
            .map_err(|error| ApiError::Internal(Box::new(error)))?;
        return Err(ApiError::Unauthorized(WRONG_EMAIL_OR_PASSWORD.to_owned()));
    };
    let id = account.id;
    let attempt = state
        .db
        .run(move |conn| staff::begin_sign_in(conn, id, now))
        .await?;
    if let SignInAttempt::LockedUntil(until) = attempt {
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "too many failed sign-ins: this account is locked until {}",
                until.format("%H:%M UTC")
            ),
            retry_after: (until - now).num_seconds(),
        });
    }
    let stored = account.password_hash.clone();
    let matches = web::block(move || password_matches(&password, &stored))
        .await
        .map_err(|error| ApiError::Internal(Box::new(error)))?;
    if !matches {
        return Err(ApiError::Unauthorized(WRONG_EMAIL_OR_PASSWORD.to_owned()));
    }
    let role = StaffRole::parse(&account.role)
        .ok_or_else(|| ApiError::Internal(format!("unknown role {:?}", account.role).into()))?;
    state
        .db
        .run(move |conn| staff::signed_in(conn, id, now))
        .await?;
    let (token, claims) = state.tokens.issue_staff(id, role, new_token()?, now)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Session {
            token,
            expires_at: claims.expires_at(),
            role: role.as_str().to_owned(),
        }))
}

/// Signs out: the token is refused from now on.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a staff token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn logout(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
) -> Result<HttpResponse, ApiError> {
    let claims = auth.into_inner().claims;
    let expires_at = claims.expires_at();
    state
        .db
        .run(move |conn| staff::revoke_token(conn, &claims.jti, expires_at))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who the token speaks for.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    /// `staff:ID`.
    pub subject: String,
    pub role: String,
    pub expires_at: DateTime<Utc>,
}

/// The signed-in member of staff.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "The token's subject", body = WhoAmI),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a staff token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn who_am_i(auth: web::ReqData<Authenticated>) -> Result<HttpResponse, ApiError> {
    let auth = auth.into_inner();
    // The route admits staff only.
    let Principal::Staff { role, .. } = auth.principal else {
        return Err(ApiError::Forbidden("this is for staff".to_owned()));
    };
    Ok(HttpResponse::Ok().json(WhoAmI {
        subject: auth.claims.sub.clone(),
        role: role.as_str().to_owned(),
        expires_at: auth.claims.expires_at(),
    }))
}
