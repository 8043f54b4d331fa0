//! Site settings: any member of staff reads them; sysadmins change them. A change applies
//! at once in this process and within two seconds in every other.

use actix_web::{get, patch, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::settings::{SettingsForm, SiteSettings};
use persistence::settings::change_settings;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::forms::FormReader;

/// The settings in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsJson {
    /// Confirmed supporters that put a petition in the moderation queue (1–100).
    pub moderation_threshold: u32,
    /// Supporters beyond which sponsoring is refused (from the moderation threshold to 1000).
    pub max_sponsors: u32,
    /// Signatures at which the government responds.
    pub response_threshold: u64,
    /// Signatures at which Parliament considers a debate (above the response threshold).
    pub debate_threshold: u64,
    /// How long newly published petitions stay open, in months (1–12).
    pub duration_months: u32,
    /// Whether signing is paused site-wide: open petitions' deadlines move on a day for each
    /// London midnight spent paused.
    pub collection_paused: bool,
    pub collection_paused_since: Option<DateTime<Utc>>,
    /// `/trending.json` answers an empty list while this is off.
    pub trending_enabled: bool,
    /// Petition pages show no signatures by country, constituency or region while this is off.
    pub breakdowns_enabled: bool,
}

impl From<SiteSettings> for SettingsJson {
    fn from(settings: SiteSettings) -> Self {
        let thresholds = settings.thresholds;
        Self {
            moderation_threshold: thresholds.moderation,
            max_sponsors: thresholds.max_sponsors,
            response_threshold: thresholds.response,
            debate_threshold: thresholds.debate,
            duration_months: thresholds.duration_months,
            collection_paused: !settings.collecting(),
            collection_paused_since: settings.collection_paused_since,
            trending_enabled: settings.trending_enabled,
            breakdowns_enabled: settings.breakdowns_enabled,
        }
    }
}

/// A change: every field is optional, and one left out stays as it is.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct SettingsChange {
    pub moderation_threshold: Option<u32>,
    pub max_sponsors: Option<u32>,
    pub response_threshold: Option<u64>,
    pub debate_threshold: Option<u64>,
    pub duration_months: Option<u32>,
    pub collection_paused: Option<bool>,
    pub trending_enabled: Option<bool>,
    pub breakdowns_enabled: Option<bool>,
}

fn answer(settings: SiteSettings) -> HttpResponse {
    HttpResponse::Ok().json(SettingsJson::from(settings))
}

/// The settings in force.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "The settings", body = SettingsJson),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.settings.forget();
    Ok(answer(state.settings.get(&state.db).await?))
}

/// Changes the settings. New thresholds apply to counts from now on; a new duration to
/// petitions published from now on. A body naming no setting is refused, rather than
/// audited as a change that changed nothing.
#[utoipa::path(
    tag = "admin",
    request_body = SettingsChange,
    responses(
        (status = 200, description = "Changed: the settings now in force", body = SettingsJson),
        (status = 400, description = "The body names no setting", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a usable one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a sysadmin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Out of range, or out of order; each field is named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("")]
pub async fn change(
    state: web::Data<AppState>,
    auth: web::ReqData<Authenticated>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let mut form = FormReader::new(&body);
    let fields = SettingsForm {
        moderation_threshold: form.number("moderation_threshold"),
        max_sponsors: form.number("max_sponsors"),
        response_threshold: form.number("response_threshold"),
        debate_threshold: form.number("debate_threshold"),
        duration_months: form.number("duration_months"),
        collection_paused: form.flag("collection_paused"),
        trending_enabled: form.flag("trending_enabled"),
        breakdowns_enabled: form.flag("breakdowns_enabled"),
    };
    if form.is_clean() && fields.is_empty() {
        return Err(ApiError::BadRequest {
            detail: "the body must hold at least one setting: moderation_threshold, \
                     max_sponsors, response_threshold, debate_threshold, duration_months, \
                     collection_paused, trending_enabled or breakdowns_enabled"
                .to_owned(),
            field: "body",
        });
    }
    let mut applied = None;
    if form.is_clean() {
        let (actor, now) = (auth.into_inner().principal.actor(), state.clock.now());
        let changed = state
            .db
            .run(move |conn| {
                change_settings(conn, |current| current.changed(&fields, now), &actor, now)
            })
            .await?;
        state.settings.forget();
        match changed {
            Ok(settings) => applied = Some(settings),
            Err(faults) => form.add_rule_faults(&faults),
        }
    }
    form.finish("change", applied).map(answer)
}
