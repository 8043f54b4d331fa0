//! The OpenAPI description, generated from the registered routes themselves.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::auth::{INTEGRATION_TOKEN, STAFF_TOKEN};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Petitions",
        description = "A parliamentary petitions service. The public reads are compatible with \
                       petition.parliament.uk's JSON, so scripts written for it work unchanged.",
        license(name = "MIT"),
    ),
    tags(
        (name = "petitions", description = "Petitions of the current parliament: reading them, creating one, supporting one before publication"),
        (name = "signatures", description = "Signing a petition, confirming a signature, unsubscribing"),
        (name = "statistics", description = "Ours: signatures over time, trending, related and popular petitions"),
        (name = "archived", description = "Petitions of past parliaments"),
        (name = "reference", description = "Constituencies, parliaments and topics"),
        (name = "health", description = "Probes for orchestrators"),
        (name = "admin", description = "Staff and integrations: each route states the role or scope it needs"),
    ),
    modifiers(&SecuritySchemes),
)]
pub struct ApiDoc;

/// The two kinds of bearer token the staff routes accept.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            let mut scheme = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build();
            scheme.description = Some(description.to_owned());
            SecurityScheme::Http(scheme)
        };
        components.add_security_scheme(
            STAFF_TOKEN,
            bearer("From POST /admin/login; valid 30 minutes by default. The scope names the least role needed."),
        );
        components.add_security_scheme(
            INTEGRATION_TOKEN,
            bearer("Issued to a system by a sysadmin; the scope names what it may do."),
        );
    }
}

/// Adds to every route that reads a JSON body the answers it may give before its handler runs
/// (`app::unreadable_body`), so each route need not list them. Run once the routes are
/// registered: `ApiDoc`'s own modifiers run before there are any.
pub fn with_unreadable_body_answers(
    mut openapi: utoipa::openapi::OpenApi,
) -> utoipa::openapi::OpenApi {
    let too_large = format!(
        "The body is larger than {} KiB",
        crate::app::MAX_JSON_BODY_BYTES / 1024
    );
    let answers = [
        ("400", "The body is not valid JSON"),
        ("413", too_large.as_str()),
        (
            "415",
            "The body is not sent as Content-Type: application/json",
        ),
    ];
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            if operation.request_body.is_none() {
                continue;
            }
            for (status, description) in answers {
                let responses = &mut operation.responses.responses;
                match responses.get_mut(status) {
                    // The route has its own reason for this status: say both.
                    Some(RefOr::T(own)) => {
                        own.description =
                            format!("{}, or {}", own.description, lowercase_first(description));
                    }
                    Some(RefOr::Ref(_)) => {}
                    None => {
                        responses.insert(status.to_owned(), problem(description).into());
                    }
                }
            }
        }
    }
    openapi
}

/// "The body is …" as it reads after a comma.
fn lowercase_first(sentence: &str) -> String {
    let mut characters = sentence.chars();
    characters
        .next()
        .map(|first| first.to_lowercase().chain(characters).collect())
        .unwrap_or_default()
}

fn problem(description: &str) -> utoipa::openapi::Response {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/problem+json", content)
        .build()
}

/// The full description, as served at `/openapi.json` and checked in as `openapi.yaml`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    with_unreadable_body_answers(api)
}

/// The checked-in form of [`document`].
pub fn yaml() -> Result<String, String> {
    document().to_yaml().map_err(|error| error.to_string())
}
