//! The OpenAPI description, generated from the registered routes themselves.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

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
    )
)]
pub struct ApiDoc;

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
