//! Building and running the HTTP application.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::JsonPayloadError;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpRequest, HttpServer};
use ipnet::IpNet;
use persistence::petitions::CountRow;
use persistence::Database;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::TokenKeys;
use crate::clock::Clock;
use crate::config::{AuthConfig, Config};
use crate::encoding::unencoded_when_nothing_offered_is_accepted;
use crate::error::{extractor_fault, FieldError};
use crate::fresh_cache::FreshCache;
use crate::http_cache::conditional_get;
use crate::links::PublicUrl;
use crate::mail::Mailer;
use crate::methods::{head_as_get, RouteMethods};
use crate::nul::refuse_nul_in_path;
use crate::openapi::{with_unreadable_body_answers, ApiDoc};
use crate::routes::PetitionPage;
use crate::settings::SettingsCache;
use crate::signing::{
    confirming_queue, signing_queue, ConfirmingQueue, SigningPolicyCache, SigningQueue,
};
use crate::startup;
use crate::workers::Workers;

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub public_url: PublicUrl,
    pub clock: Clock,
    /// The country codes a signer may give (reference data, fixed while running).
    pub countries: Arc<HashSet<String>>,
    pub signatures: SigningQueue,
    pub confirmations: ConfirmingQueue,
    /// The abuse controls, shared with the signing queue.
    pub signing_policy: SigningPolicyCache,
    /// The thresholds, the duration and the switches sysadmins change at run time.
    pub settings: SettingsCache,
    /// Signs and checks staff and integration tokens.
    pub tokens: TokenKeys,
    pub trusted_proxies: Arc<[IpNet]>,
    /// `count.json` and the signing check read a petition's count row through this.
    pub counts: Arc<FreshCache<i64, Option<CountRow>>>,
    /// A petition's page is built from this.
    pub pages: Arc<FreshCache<i64, Option<PetitionPage>>>,
}

/// How long a process reuses a petition's count or page: the counter's own cadence, so a
/// confirmed signature still shows within a second.
const READ_FRESH_FOR: Duration = Duration::from_millis(250);

impl AppState {
    /// Reads what the handlers keep in memory. Blocking.
    pub fn load(
        db: Database,
        public_url: PublicUrl,
        clock: Clock,
        trusted_proxies: &[IpNet],
        auth: &AuthConfig,
    ) -> anyhow::Result<Self> {
        let countries = db.run_blocking(persistence::reference::country_codes)?;
        let secret = match &auth.jwt_secret {
            Some(secret) => secret.clone(),
            None => signing_key_kept_in(&db, clock)?,
        };
        let tokens = TokenKeys::new(
            secret.as_bytes(),
            &public_url.join(""),
            chrono::Duration::from_std(auth.staff_token_lifetime)
                .unwrap_or(chrono::Duration::minutes(30)),
        );
        let settings = SettingsCache::default();
        let signing_policy = SigningPolicyCache::default();
        Ok(Self {
            signatures: signing_queue(db.clone(), clock, signing_policy.clone()),
            signing_policy,
            confirmations: confirming_queue(db.clone(), clock, settings.clone()),
            settings,
            tokens,
            db,
            public_url,
            clock,
            countries: Arc::new(countries.into_iter().collect()),
            trusted_proxies: trusted_proxies.into(),
            counts: Arc::new(FreshCache::new(READ_FRESH_FOR)),
            pages: Arc::new(FreshCache::new(READ_FRESH_FOR)),
        })
    }
}

/// The key tokens are signed with when `JWT_SECRET` is not set: made by the first process to
/// start and kept in the database, so every process shares it. Never a fixed default.
fn signing_key_kept_in(db: &Database, clock: Clock) -> anyhow::Result<String> {
    const NAME: &str = "jwt-signing-key";
    if let Some(kept) = db.run_blocking(|conn| persistence::staff::service_secret(conn, NAME))? {
        return Ok(kept);
    }
    let fresh = crate::signing::new_token()?;
    Ok(db.run_blocking(|conn| {
        persistence::staff::keep_service_secret(conn, NAME, &fresh, clock.now())
    })?)
}

/// The whole application: routes, OpenAPI and docs, error handlers, middleware.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(web::Data::new(state))
        .app_data(
            web::PathConfig::default()
                .error_handler(|error, _| bad_request("path", error.to_string())),
        )
        .app_data(
            web::JsonConfig::default()
                .limit(MAX_JSON_BODY_BYTES)
                .error_handler(|error, _| unreadable_body(error)),
        )
        .configure(crate::routes::configure)
        .split_for_parts();
    let api = with_unreadable_body_answers(api);
    let methods = RouteMethods::from_document(&api);
    app.service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
        .default_service(web::to(move |request: HttpRequest| {
            let answer = methods.no_such_route(&request);
            async move { answer }
        }))
        .wrap(from_fn(conditional_get))
        .wrap(from_fn(head_as_get))
        .wrap(from_fn(refuse_nul_in_path))
        .wrap(Compress::default())
        .wrap(from_fn(unencoded_when_nothing_offered_is_accepted))
        .wrap(
            Cors::default()
                .allow_any_origin()
                .send_wildcard()
                .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
                .allowed_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
                .max_age(86_400),
        )
        .wrap(TracingLogger::default())
}

/// The largest JSON body read. The longest text a form takes is 10,000 characters: at most
/// 120,000 bytes however they are escaped (a `\u` surrogate pair is 12). Anything far larger
/// is not a form, and reading it would only cost memory.
pub const MAX_JSON_BODY_BYTES: usize = 256 * 1024;

fn bad_request(field: &str, detail: String) -> actix_web::Error {
    let summary = format!("the request's {field} could not be read: {detail}");
    let fault = FieldError {
        field: field.to_owned(),
        message: detail,
    };
    extractor_fault(StatusCode::BAD_REQUEST, summary, fault)
}

/// Why a JSON body was not read, told so the sender can fix it: actix's own messages
/// ("Content type error") name no remedy.
fn unreadable_body(error: JsonPayloadError) -> actix_web::Error {
    let (status, message) = match &error {
        JsonPayloadError::ContentType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "body must be JSON, sent with the header Content-Type: application/json".to_owned(),
        ),
        JsonPayloadError::OverflowKnownLength { length, limit } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body is {length} bytes; the most this service reads is {limit}"),
        ),
        JsonPayloadError::Overflow { limit } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body is larger than the {limit} bytes this service reads"),
        ),
        JsonPayloadError::Deserialize(json) if json.is_data() => (
            StatusCode::BAD_REQUEST,
            format!("body is JSON but not in the form expected: {json}"),
        ),
        JsonPayloadError::Deserialize(json) => (
            StatusCode::BAD_REQUEST,
            format!("body is not valid JSON: {json}"),
        ),
        other => (
            StatusCode::BAD_REQUEST,
            format!("body could not be read: {other}"),
        ),
    };
    let summary = format!("the request's {message}");
    let fault = FieldError {
        field: "body".to_owned(),
        message,
    };
    extractor_fault(status, summary, fault)
}

/// A bound, ready-to-run server (zero2prod's shape: tests bind port 0 and ask for the port).
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects, migrates, seeds if asked, and binds.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = startup::prepare_database(&config).await?;
        let public_url = PublicUrl::new(config.public_url.clone());
        let state = {
            let (db, public_url, proxies, auth) = (
                db.clone(),
                public_url.clone(),
                config.trusted_proxies.clone(),
                config.auth.clone(),
            );
            web::block(move || AppState::load(db, public_url, Clock::System, &proxies, &auth))
                .await??
        };
        let mailer = Mailer::new(
            config.smtp_url.as_deref(),
            config.smtp_connections,
            config.mail_dir.clone(),
        )
        .map_err(|error| anyhow::anyhow!("SMTP_URL: {error}"))?;
        Workers {
            db,
            mailer,
            mail_from: config.mail_from.clone(),
            public_url,
            settings: state.settings.clone(),
            reconcile_every: config.reconcile_interval,
        }
        .spawn();
        let listener = TcpListener::bind(config.bind_addr).map_err(|error| {
            anyhow::anyhow!("BIND_ADDR: cannot listen on {}: {error}", config.bind_addr)
        })?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(move || build_app(state.clone()))
            .listen(listener)?
            .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight requests before returning.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
