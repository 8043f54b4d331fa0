//! Test support: a fresh database per test on either backend, and the real application
//! driven over its HTTP interface.
//!
//! With `TEST_DATABASE_URL=postgres://...` each test gets its own PostgreSQL database, created
//! from that server and dropped afterwards; without it, its own SQLite file.

use std::path::PathBuf;
use std::time::Duration;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test;
use api::app::{build_app, AppState};
use api::clock::Clock;
use api::config::Config;
use api::links::PublicUrl;
use diesel::connection::SimpleConnection;
use persistence::Database;

pub mod smtp;

pub use smtp::SmtpServer;

pub const PUBLIC_URL: &str = "https://petitions.test";

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDatabase { server_url: String, name: String },
}

impl TestDatabase {
    pub fn new() -> Self {
        let name = format!("petitions_test_{}", uuid::Uuid::new_v4().simple());
        match std::env::var("TEST_DATABASE_URL") {
            Ok(server_url) if server_url.starts_with("postgres") => {
                let admin = Database::connect(&server_url, 1, Duration::from_secs(10))
                    .expect("TEST_DATABASE_URL answers");
                admin
                    .run_blocking(
                        |conn| Ok(conn.batch_execute(&format!("CREATE DATABASE {name}"))?),
                    )
                    .expect("can create a test database");
                let base = server_url.split('?').next().unwrap_or(&server_url);
                let (server, _) = base
                    .rsplit_once('/')
                    .expect("TEST_DATABASE_URL names a database");
                Self {
                    url: format!("{server}/{name}"),
                    cleanup: Cleanup::PostgresDatabase { server_url, name },
                }
            }
            _ => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                Self {
                    url: format!("sqlite://{}", path.display()),
                    cleanup: Cleanup::SqliteFile(path),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::PostgresDatabase { .. })
    }

    pub fn connect(&self) -> Database {
        Database::connect(&self.url, 4, Duration::from_secs(10)).expect("the test database answers")
    }
}

impl Default for TestDatabase {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresDatabase { server_url, name } => {
                if let Ok(admin) = Database::connect(server_url, 1, Duration::from_secs(10)) {
                    let _ = admin.run_blocking(|conn| {
                        Ok(conn.batch_execute(&format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        ))?)
                    });
                }
            }
        }
    }
}

/// A response, read whole.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    }
}

/// The application on a migrated, empty database (reference data loaded, nothing seeded).
pub struct TestApp {
    pub db: Database,
    pub clock: Clock,
    pub database: TestDatabase,
    trusted_proxies: Vec<ipnet::IpNet>,
}

impl TestApp {
    pub fn new() -> Self {
        let database = TestDatabase::new();
        let url = database.url.clone();
        let config = Config::from_lookup(|name| match name {
            "DATABASE_URL" => Some(url.clone()),
            "PUBLIC_URL" => Some(PUBLIC_URL.to_owned()),
            "SEED_OFFICIAL_PETITIONS" => Some("false".to_owned()),
            _ => None,
        })
        .expect("the test configuration is valid");
        let db = api::startup::migrate(&config).expect("migrations apply");
        Self {
            db,
            clock: Clock::System,
            database,
            trusted_proxies: Vec::new(),
        }
    }

    /// Reads as if at `now` from here on.
    pub fn at(mut self, now: &str) -> Self {
        self.clock = Clock::Fixed(now.parse().expect("an RFC 3339 instant"));
        self
    }

    /// A view of the same database read as if at `now`.
    pub fn clone_at(&self, now: &str) -> TestView<'_> {
        TestView {
            app: self,
            clock: Clock::Fixed(now.parse().expect("an RFC 3339 instant")),
        }
    }

    pub fn state(&self, clock: Clock) -> AppState {
        AppState::load(
            self.db.clone(),
            PublicUrl::new(PUBLIC_URL),
            clock,
            &self.trusted_proxies,
            &api::config::AuthConfig::default(),
        )
        .expect("the app state loads")
    }

    /// Believes `X-Forwarded-For` from these proxies from here on.
    pub fn trusting(mut self, proxies: &[&str]) -> Self {
        self.trusted_proxies = proxies
            .iter()
            .map(|net| net.parse().expect("a CIDR range"))
            .collect();
        self
    }

    /// Opens a petition created here (not imported, so reconciliation checks it), opened a day
    /// before the app's clock. Returns its id.
    pub fn open_petition(&self, id: i64, action: &str) -> i64 {
        let opened = self.clock.now() - chrono::Duration::days(1);
        let stamp = opened.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let document = serde_json::json!({
            "links": {"self": format!("{PUBLIC_URL}/petitions/{id}.json")},
            "data": {"type": "petition", "id": id, "links": {}, "attributes": {
                "action": action, "background": "Because it matters.", "additional_details": null,
                "committee_note": null, "state": "open", "signature_count": 0,
                "created_at": stamp, "updated_at": stamp, "rejected_at": null,
                "opened_at": stamp, "closed_at": null, "moderation_threshold_reached_at": stamp,
                "response_threshold_reached_at": null, "government_response_at": null,
                "debate_threshold_reached_at": null, "scheduled_debate_date": null,
                "debate_outcome_at": null, "creator_name": "A Creator", "rejection": null,
                "government_response": null, "debate": null, "departments": [], "topics": [],
                "signatures_by_country": [], "signatures_by_constituency": [],
                "signatures_by_region": [], "other_parliamentary_business": []
            }}
        });
        self.import(&document.to_string());
        self.execute(&format!(
            "UPDATE petitions SET imported_at = NULL WHERE id = {id}"
        ));
        id
    }

    /// The number one SQL query returns, e.g. `SELECT COUNT(*) FROM signatures`.
    pub fn number(&self, sql: &str) -> i64 {
        use diesel::RunQueryDsl;
        // PostgreSQL sums bigints as numeric; both databases agree on a cast.
        let sql = format!("CAST(({sql}) AS BIGINT)");
        self.db
            .run_blocking(move |conn| {
                Ok(
                    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&sql))
                        .get_result::<i64>(conn)?,
                )
            })
            .expect("the query runs")
    }

    /// Runs SQL directly, for tests that set up or corrupt state on purpose.
    pub fn execute(&self, sql: &str) {
        let sql = sql.to_owned();
        self.db
            .run_blocking(move |conn| Ok(conn.batch_execute(&sql)?))
            .expect("the SQL runs");
    }

    /// Counts every confirmed signature now, with the thresholds in force, as the background
    /// counter would.
    pub fn count(&self) -> usize {
        let mut counted = 0;
        loop {
            let report = self
                .db
                .run_blocking(|conn| {
                    let thresholds = persistence::settings::load_settings(conn)?.thresholds;
                    persistence::signatures::count_confirmed(conn, 2, &thresholds, self.clock.now())
                })
                .expect("counting works");
            counted += report.signatures;
            if report.signatures == 0 {
                return counted;
            }
        }
    }

    /// Runs every started invalidation to its end, in small batches, as the workers would;
    /// returns how many signatures it struck out.
    pub fn invalidate(&self) -> usize {
        let mut struck = 0;
        while let Some(batch) = self
            .db
            .run_blocking(|conn| {
                let thresholds = persistence::settings::load_settings(conn)?.thresholds;
                persistence::invalidations::run_next_batch(conn, 2, &thresholds, self.clock.now())
            })
            .expect("invalidations run")
        {
            struck += batch;
        }
        struck
    }

    /// Queues every mailing to signers and sends every due email through `smtp`, as the
    /// workers would.
    pub fn deliver(&self, smtp: &SmtpServer) -> api::mail::DeliveryReport {
        let mailer = api::mail::Mailer::new(Some(&smtp.url()), 32, std::env::temp_dir())
            .expect("a valid SMTP URL");
        self.deliver_with(&mailer)
    }

    /// Queues every mailing to signers and sends every due email with `mailer`, as the
    /// workers would.
    pub fn deliver_with(&self, mailer: &api::mail::Mailer) -> api::mail::DeliveryReport {
        self.try_deliver_with(mailer).expect("delivery works")
    }

    /// As `deliver_with`, for tests where the database fails on purpose.
    pub fn try_deliver_with(
        &self,
        mailer: &api::mail::Mailer,
    ) -> Result<api::mail::DeliveryReport, persistence::PersistenceError> {
        while self
            .db
            .run_blocking(|conn| persistence::mailings::queue_next_batch(conn, 2, self.clock.now()))
            .expect("mailings queue")
            > 0
        {}
        let thresholds = self
            .db
            .run_blocking(persistence::settings::load_settings)
            .expect("the settings read")
            .thresholds;
        api::mail::deliver_due(
            &self.db,
            mailer,
            &PublicUrl::new(PUBLIC_URL),
            &"Petitions <no-reply@petitions.test>"
                .parse()
                .expect("a mailbox"),
            &thresholds,
            self.clock.now(),
        )
    }

    /// POSTs `body` as JSON from `peer`, with `headers`.
    pub async fn post_json_from(
        &self,
        path: &str,
        body: &serde_json::Value,
        peer: &str,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = test::TestRequest::post()
            .uri(path)
            .peer_addr(format!("{peer}:40000").parse().expect("an IP address"))
            .set_json(body);
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        self.send(request).await
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> TestResponse {
        self.post_json_from(path, body, "192.0.2.1", &[]).await
    }

    /// POSTs `body` as it is, with `content_type`.
    pub async fn send_raw(&self, path: &str, body: &str, content_type: &str) -> TestResponse {
        let request = test::TestRequest::post()
            .uri(path)
            .insert_header(("content-type", content_type))
            .set_payload(body.to_owned());
        self.send(request).await
    }

    /// Every outbox row, oldest first.
    pub fn outbox(&self) -> Vec<persistence::signatures::OutboxStatus> {
        self.db
            .run_blocking(persistence::signatures::outbox_status)
            .expect("the outbox reads")
    }

    /// Any request, with `headers` and an optional JSON body.
    pub async fn request(
        &self,
        method: actix_web::http::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> TestResponse {
        self.send(any_request(method, path, headers, body)).await
    }

    /// One instance of the application, for a test that sends it thousands of requests with
    /// [`call`]: building it for each would cost more than answering.
    pub async fn service(
        &self,
    ) -> impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>
    {
        test::init_service(build_app(self.state(self.clock))).await
    }

    /// The configuration the `petitions` commands would run with here.
    fn command_config(&self) -> Config {
        let url = self.database.url.clone();
        Config::from_lookup(|name| (name == "DATABASE_URL").then(|| url.clone()))
            .expect("the configuration is valid")
    }

    /// Adds a member of staff through the `petitions staff add` command's code.
    pub fn add_staff(&self, email: &str, role: &str, password: &str) -> i64 {
        let input = format!("{password}\n");
        api::cli::add_staff(&self.command_config(), email, role, input.as_bytes())
            .expect("the staff account is added")
    }

    /// Runs `petitions staff set-role`.
    pub fn change_staff_role(&self, email: &str, role: &str) -> anyhow::Result<i64> {
        api::cli::change_staff_role(&self.command_config(), email, role)
    }

    /// Runs `petitions staff remove`.
    pub fn remove_staff(&self, email: &str) -> anyhow::Result<i64> {
        api::cli::remove_staff(&self.command_config(), email)
    }

    /// Signs in and returns the token.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let response = self
            .post_json(
                "/admin/login",
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text());
        response.json()["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// POSTs with no body.
    pub async fn post(&self, path: &str) -> TestResponse {
        self.send(test::TestRequest::post().uri(path)).await
    }

    async fn send(&self, request: test::TestRequest) -> TestResponse {
        self.send_at(request, self.clock).await
    }

    async fn send_at(&self, request: test::TestRequest, clock: Clock) -> TestResponse {
        let service = test::init_service(build_app(self.state(clock))).await;
        call(&service, request).await
    }

    /// Imports an official-format document.
    pub fn import(&self, document: &str) {
        for petition in api::official::parse_document(document).expect("the document parses") {
            self.db
                .run_blocking(|conn| persistence::petitions::import_petition(conn, petition))
                .expect("it imports");
        }
    }

    /// Imports every bundled official document.
    pub fn import_bundled(&self) {
        for (_, document) in api::official::bundled::DOCUMENTS {
            self.import(document);
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        self.get_at(path, headers, self.clock).await
    }

    pub async fn get_at(&self, path: &str, headers: &[(&str, &str)], clock: Clock) -> TestResponse {
        let mut request = test::TestRequest::get().uri(path);
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        self.send_at(request, clock).await
    }
}

impl Default for TestApp {
    fn default() -> Self {
        Self::new()
    }
}

/// Any request from a documentation address, with `headers` and an optional JSON body.
pub fn any_request(
    method: actix_web::http::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> test::TestRequest {
    let mut request = test::TestRequest::default()
        .method(method)
        .uri(path)
        .peer_addr("192.0.2.1:40000".parse().expect("an address"));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    if let Some(body) = body {
        request = request.set_json(body);
    }
    request
}

/// Sends `request` to `service` and reads the whole response.
pub async fn call<S, B>(service: &S, request: test::TestRequest) -> TestResponse
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = test::call_service(service, request.to_request()).await;
    let status = response.status();
    let headers = response.headers().clone();
    let body = test::read_body(response).await.to_vec();
    TestResponse {
        status,
        headers,
        body,
    }
}

/// The application read at a fixed instant.
pub struct TestView<'a> {
    app: &'a TestApp,
    clock: Clock,
}

impl TestView<'_> {
    pub async fn get(&self, path: &str) -> TestResponse {
        self.app.get_at(path, &[], self.clock).await
    }
}
