//! The OpenAPI description, generated from the registered routes themselves.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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

/// The full description, as served at `/openapi.json` and checked in as `openapi.yaml`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    api
}

/// The checked-in form of [`document`].
pub fn yaml() -> Result<String, String> {
    document().to_yaml().map_err(|error| error.to_string())
}
