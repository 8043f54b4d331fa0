//! PostgreSQL's text can't hold the NUL character and SQLite's can, so a NUL sent in a request
//! would be stored on one database and fail the query (a 500) on the other. It is refused
//! where it comes in instead, the same on both: in a body's texts (`forms`), in a query
//! parameter (`query`) and, here, in the path.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;

use crate::error::{problem_response, FieldError};

/// Completes a sentence that begins with the field's name.
pub const NUL_FAULT: &str = "must not contain the NUL character (%00)";

/// Refuses a path with an encoded NUL (a raw one can't be sent in a URI) before it is routed.
pub async fn refuse_nul_in_path(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !request.path().contains("%00") {
        return Ok(next.call(request).await?.map_into_left_body());
    }
    let fault = FieldError {
        field: "path".to_owned(),
        message: format!("path {NUL_FAULT}"),
    };
    let summary = format!("the request's {}", fault.message);
    let refusal = problem_response(StatusCode::BAD_REQUEST, summary, vec![fault]);
    Ok(request.into_response(refusal).map_into_right_body())
}
