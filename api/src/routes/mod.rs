//! The HTTP routes, registered through utoipa so the OpenAPI document comes from the same calls.

mod admin;
mod archived;
mod creation;
mod health;
mod listing;
mod petitions;
pub(crate) mod reference;
mod signatures;
mod statistics;
mod visibility;

pub use petitions::PetitionPage;

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

/// Routes are tried in this order, each dynamic one by a regex, so the requests of a viral
/// day (sign, confirm, count, the petition's page) come first: they skip the others' regexes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(signatures::sign_petition)
        .service(signatures::verify_signature)
        .service(signatures::verify_signature_post)
        .service(petitions::petition_count)
        .service(petitions::show_petition)
        .service(petitions::list_petitions)
        .service(petitions::list_petitions_csv)
        .service(creation::create)
        .service(creation::sponsor)
        .service(signatures::unsubscribe)
        .service(archived::list_archived_petitions)
        .service(archived::list_archived_petitions_csv)
        .service(archived::show_archived_petition)
        .service(statistics::signatures_over_time)
        .service(statistics::related_petitions)
        .service(statistics::trending_petitions)
        .service(statistics::popular_petitions)
        .service(reference::constituencies)
        .service(reference::parliaments)
        .service(reference::topics)
        .service(health::live)
        .service(health::ready)
        .configure(admin::configure);
}

/// A public read a CDN may keep for `max_age` seconds, and serve stale while it refreshes.
pub(crate) fn cacheable_json(body: &impl Serialize, max_age: u32) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(cache_control(max_age))
        .json(body)
}

pub(crate) fn cache_control(max_age: u32) -> CacheControl {
    CacheControl(vec![
        CacheDirective::Public,
        CacheDirective::MaxAge(max_age),
        CacheDirective::Extension(
            "stale-while-revalidate".to_owned(),
            Some((max_age * 5).to_string()),
        ),
    ])
}
