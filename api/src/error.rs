//! The one error type of the HTTP layer, answered as RFC 9457 `application/problem+json`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use persistence::PersistenceError;
use serde::Serialize;
use thiserror::Error;
use utoipa::ToSchema;

#[derive(Debug, Error)]
pub enum ApiError {
    /// 400: the request is malformed (a path segment or parameter of the wrong type); `field`
    /// names it.
    #[error("{detail}")]
    BadRequest { detail: String, field: &'static str },
    /// 422: the request was read, but fields in it break the rules; each is named.
    #[error("{detail}")]
    Unprocessable {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 401: no usable credentials: no token, a bad or expired one, or a failed sign-in.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: signed in, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// 503 on purpose: a sysadmin paused this for now.
    #[error("{0}")]
    Paused(String),
    /// 429: too many attempts; try again after the given number of seconds.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: i64 },
    /// 409: the request is fine, but the petition is not in a state to take it.
    #[error("{0}")]
    Conflict(String),
    /// 409 for a staff action the petition's state does not allow, naming those it does.
    #[error("{detail}")]
    ActionNotAllowed {
        detail: String,
        allowed_actions: Vec<&'static str>,
    },
    /// 404: nothing public here.
    #[error("{0}")]
    NotFound(String),
    /// 410: it was public once and has been taken down.
    #[error("{0}")]
    Gone(String),
    /// 503: the database can't be reached; worth retrying.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] PersistenceError),
    /// 500: a fault of ours. Logged with its cause; the client only learns that it happened.
    #[error("something went wrong on our side")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, for a person to read.
    pub detail: String,
    /// The fields at fault, when the request's content was the problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a refused staff action: the actions the petition's state allows now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl From<PersistenceError> for ApiError {
    fn from(error: PersistenceError) -> Self {
        if error.is_unavailable() {
            ApiError::Unavailable(error)
        } else {
            ApiError::Internal(Box::new(error))
        }
    }
}

impl ApiError {
    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::NotFound(what.into())
    }

    /// A 422 naming each field at fault; the detail lists every message.
    pub fn unprocessable(what: &str, errors: Vec<FieldError>) -> Self {
        let messages: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
        ApiError::Unprocessable {
            detail: format!("the {what} was not accepted: {}", messages.join("; ")),
            errors,
        }
    }

    /// A 422 naming one field, for a fault found only once the database is read.
    pub fn invalid_field(field: &str, message: &str) -> Self {
        ApiError::Unprocessable {
            detail: format!("{field} {message}"),
            errors: vec![FieldError {
                field: field.to_owned(),
                message: message.to_owned(),
            }],
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Conflict(_) | ApiError::ActionNotAllowed { .. } => StatusCode::CONFLICT,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::Unavailable(_) | ApiError::Paused(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %error_chain(cause.as_ref()), status = status.as_u16(), "request failed");
            }
            ApiError::Unavailable(cause) => {
                tracing::error!(error = %error_chain(cause), status = status.as_u16(), "request failed");
            }
            _ => {}
        }
        let errors = match self {
            ApiError::BadRequest { field, detail } => {
                vec![FieldError {
                    field: (*field).to_owned(),
                    message: detail.clone(),
                }]
            }
            ApiError::Unprocessable { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        let allowed_actions = match self {
            ApiError::ActionNotAllowed {
                allowed_actions, ..
            } => Some(allowed_actions.iter().map(|a| (*a).to_owned()).collect()),
            _ => None,
        };
        let mut response = problem(status, self.to_string(), errors, allowed_actions);
        let extra = match self {
            ApiError::Unauthorized(_) => Some(("www-authenticate", "Bearer".to_owned())),
            ApiError::TooManyRequests { retry_after, .. } => {
                Some(("retry-after", (*retry_after).max(1).to_string()))
            }
            _ => None,
        };
        if let Some((name, value)) = extra {
            if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&value) {
                response.headers_mut().insert(
                    actix_web::http::header::HeaderName::from_static(name),
                    value,
                );
            }
        }
        response
    }
}

/// An extractor's refusal (of the path, query or body) as a problem+json naming the field.
pub fn extractor_fault(status: StatusCode, summary: String, fault: FieldError) -> actix_web::Error {
    let message = fault.message.clone();
    let response = problem_response(status, summary, vec![fault]);
    actix_web::error::InternalError::from_response(message, response).into()
}

/// A problem+json response; also used for errors raised outside handlers (routing, extractors).
pub fn problem_response(
    status: StatusCode,
    detail: String,
    errors: Vec<FieldError>,
) -> HttpResponse {
    problem(status, detail, errors, None)
}

fn problem(
    status: StatusCode,
    detail: String,
    errors: Vec<FieldError>,
    allowed_actions: Option<Vec<String>>,
) -> HttpResponse {
    let problem = Problem {
        kind: "about:blank".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        errors,
        allowed_actions,
    };
    let mut response = HttpResponse::build(status);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header(("Retry-After", "5"));
    }
    response
        .content_type("application/problem+json")
        .json(problem)
}

/// The error and its causes on one line, for logs and the command line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
