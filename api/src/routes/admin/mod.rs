//! The staff and integration API under `/admin`. Every route but sign-in is registered
//! through [`staff_route`], which enforces and documents who may use it.

mod audit;
mod departments_and_topics;
mod editing;
mod integrations;
mod invalidations;
mod mailings;
mod moderation;
mod parliament;
mod petitions;
mod rejection_reasons;
mod responses_and_debates;
mod session;
mod settings;

use actix_web::http::Method;
use domain::access::{Access, IntegrationScope, StaffRole};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::staff_route;

pub fn configure(config: &mut ServiceConfig) {
    use StaffRole::{Moderator, Reviewer, Sysadmin};
    config.service(session::login);
    let any_staff = Access::staff(Reviewer);
    let moderator = Access::staff(Moderator);
    let sysadmin = Access::staff(Sysadmin);
    let responses = Access::staff_or_system(Moderator, IntegrationScope::ResponsesWrite);
    let debates = Access::staff_or_system(Moderator, IntegrationScope::DebatesWrite);
    // Scopes match by prefix, so a longer path is registered before any path it extends.
    staff_route(
        config,
        responses,
        Method::PUT,
        "/admin/petitions/{id}/government-response",
        responses_and_debates::government_response,
    );
    staff_route(
        config,
        debates,
        Method::PUT,
        "/admin/petitions/{id}/debate-outcome",
        responses_and_debates::debate_outcome,
    );
    staff_route(
        config,
        debates,
        Method::PUT,
        "/admin/petitions/{id}/debate",
        responses_and_debates::debate,
    );
    let emails = "/admin/petitions/{id}/emails";
    staff_route(
        config,
        moderator,
        Method::POST,
        emails,
        responses_and_debates::other_business,
    );
    staff_route(config, any_staff, Method::GET, emails, mailings::list);
    staff_route(
        config,
        moderator,
        Method::POST,
        "/admin/petitions/{id}/moderation",
        moderation::moderate,
    );
    staff_route(
        config,
        any_staff,
        Method::PUT,
        "/admin/petitions/{id}/tags",
        editing::set_tags,
    );
    staff_route(
        config,
        any_staff,
        Method::PUT,
        "/admin/petitions/{id}/note",
        editing::save_note,
    );
    let petition = "/admin/petitions/{id}";
    staff_route(config, any_staff, Method::GET, petition, petitions::show);
    staff_route(
        config,
        moderator,
        Method::PATCH,
        petition,
        editing::edit_texts,
    );
    staff_route(
        config,
        any_staff,
        Method::GET,
        "/admin/petitions",
        petitions::list,
    );
    staff_route(
        config,
        any_staff,
        Method::POST,
        "/admin/logout",
        session::logout,
    );
    staff_route(
        config,
        any_staff,
        Method::GET,
        "/admin/me",
        session::who_am_i,
    );
    let reason = "/admin/rejection-reasons/{code}";
    staff_route(
        config,
        sysadmin,
        Method::PUT,
        reason,
        rejection_reasons::update,
    );
    staff_route(
        config,
        sysadmin,
        Method::DELETE,
        reason,
        rejection_reasons::remove,
    );
    let reasons = "/admin/rejection-reasons";
    staff_route(
        config,
        any_staff,
        Method::GET,
        reasons,
        rejection_reasons::list,
    );
    staff_route(
        config,
        sysadmin,
        Method::POST,
        reasons,
        rejection_reasons::add,
    );
    staff_route(
        config,
        sysadmin,
        Method::PUT,
        "/admin/departments/{acronym}",
        departments_and_topics::save_department,
    );
    staff_route(
        config,
        any_staff,
        Method::GET,
        "/admin/departments",
        departments_and_topics::list_departments,
    );
    staff_route(
        config,
        sysadmin,
        Method::PUT,
        "/admin/topics/{code}",
        departments_and_topics::save_topic,
    );
    staff_route(
        config,
        sysadmin,
        Method::POST,
        "/admin/invalidations/{id}/count",
        invalidations::count,
    );
    staff_route(
        config,
        sysadmin,
        Method::POST,
        "/admin/invalidations/{id}/start",
        invalidations::start,
    );
    staff_route(
        config,
        sysadmin,
        Method::POST,
        "/admin/invalidations/{id}/cancel",
        invalidations::cancel,
    );
    staff_route(
        config,
        sysadmin,
        Method::GET,
        "/admin/invalidations/{id}",
        invalidations::show,
    );
    let all_invalidations = "/admin/invalidations";
    staff_route(
        config,
        sysadmin,
        Method::POST,
        all_invalidations,
        invalidations::describe,
    );
    staff_route(
        config,
        sysadmin,
        Method::GET,
        all_invalidations,
        invalidations::list,
    );
    staff_route(
        config,
        any_staff,
        Method::GET,
        "/admin/settings",
        settings::show,
    );
    staff_route(
        config,
        sysadmin,
        Method::PATCH,
        "/admin/settings",
        settings::change,
    );
    staff_route(
        config,
        sysadmin,
        Method::POST,
        "/admin/parliament/dissolution/emails",
        parliament::notify_signers,
    );
    staff_route(
        config,
        sysadmin,
        Method::PUT,
        "/admin/parliament/dissolution",
        parliament::announce_dissolution,
    );
    staff_route(
        config,
        sysadmin,
        Method::POST,
        "/admin/parliament/archive",
        parliament::archive,
    );
    staff_route(
        config,
        any_staff,
        Method::GET,
        "/admin/parliament",
        parliament::show,
    );
    staff_route(
        config,
        sysadmin,
        Method::POST,
        "/admin/parliaments",
        parliament::open,
    );
    let tokens = "/admin/integration-tokens";
    staff_route(config, sysadmin, Method::POST, tokens, integrations::issue);
    staff_route(config, sysadmin, Method::GET, tokens, integrations::list);
    staff_route(
        config,
        sysadmin,
        Method::GET,
        "/admin/audit-log",
        audit::audit_log,
    );
    staff_route(
        config,
        sysadmin,
        Method::DELETE,
        "/admin/integration-tokens/{token_id}",
        integrations::revoke,
    );
}
