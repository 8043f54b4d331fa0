//! The departments and topics petitions are filed under: staff read the departments (topics
//! are public at `/topics.json`); sysadmins add and rename both.

use actix_web::{get, put, web, HttpResponse, HttpResponseBuilder};
use domain::editing::{parse_acronym, DepartmentText};
use domain::rejection_reason::parse_code;
use domain::text::ReferenceName;
use persistence::departments_and_topics;
use persistence::petitions::Department;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::forms::FormReader;
use crate::routes::reference::TopicJson;

/// A government department, as petitions show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentJson {
    #[schema(example = "DfE")]
    pub acronym: String,
    pub name: String,
    pub url: Option<String>,
}

impl From<Department> for DepartmentJson {
    fn from(department: Department) -> Self {
        Self {
            acronym: department.acronym,
            name: department.name,
            url: department.url,
        }
    }
}

#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct DepartmentBody {
    /// Up to 100 characters.
    pub name: String,
    /// An https address, up to 500 characters.
    pub url: Option<String>,
}

#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct TopicBody {
    /// Up to 100 characters.
    pub name: String,
}

/// 201 for what a PUT added, 200 for what it renamed.
fn saved(added: bool) -> HttpResponseBuilder {
    if added {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
}

/// Every department, by acronym.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "The departments", body = [DepartmentJson]),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list_departments(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let departments = state
        .db
        .run(departments_and_topics::list_departments)
        .await?;
    let departments: Vec<DepartmentJson> = departments.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(departments))
}

/// Adds the department with this acronym, or renames it.
#[utoipa::path(
    tag = "admin",
    params(("acronym" = String, Path, description = "Letters and digits, up to 20")),
    request_body = DepartmentBody,
    responses(
        (status = 200, description = "Renamed", body = DepartmentJson),
        (status = 201, description = "Added", body = DepartmentJson),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("")]
pub async fn save_department(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    acronym: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let acronym = parse_acronym(&acronym)
        .map_err(|error| ApiError::invalid_field("acronym", &error.to_string()))?;
    let mut form = FormReader::new(&body);
    let name = form.text("name");
    let url = form.text("url");
    let text = DepartmentText::parse(name, url)
        .map_err(|faults| form.add_rule_faults(&faults))
        .ok();
    let text = form.finish("department", text)?;
    let (actor, now) = (auth.into_inner().principal.actor(), state.clock.now());
    let (department, added) = state
        .db
        .run(move |conn| {
            departments_and_topics::save_department(conn, &acronym, &text, &actor, now)
        })
        .await?;
    Ok(saved(added).json(DepartmentJson::from(department)))
}

/// Adds the topic with this code, or renames it.
#[utoipa::path(
    tag = "admin",
    params(("code" = String, Path, description = "Lowercase letters and dashes, up to 30")),
    request_body = TopicBody,
    responses(
        (status = 200, description = "Renamed", body = TopicJson),
        (status = 201, description = "Added", body = TopicJson),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields break the rules; each is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("")]
pub async fn save_topic(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    code: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let code =
        parse_code(&code).map_err(|error| ApiError::invalid_field("code", &error.to_string()))?;
    let mut form = FormReader::new(&body);
    let name = ReferenceName::parse(form.text("name").unwrap_or_default())
        .map_err(|error| form.add_rule_faults(&vec![("name", error)]))
        .ok();
    let name = form.finish("topic", name)?;
    let (actor, now) = (auth.into_inner().principal.actor(), state.clock.now());
    let (topic, added) = state
        .db
        .run(move |conn| departments_and_topics::save_topic(conn, &code, &name, &actor, now))
        .await?;
    Ok(saved(added).json(TopicJson {
        code: topic.code,
        name: topic.name,
    }))
}
