//! Test support: a fresh database per test on either backend, and the real application
//! driven over its HTTP interface.
//!
//! With `TEST_DATABASE_URL=postgres://...` each test gets its own PostgreSQL database, created
//! from that server and dropped afterwards; without it, its own SQLite file.

use std::path::PathBuf;
use std::time::Duration;

use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test;
use api::app::{build_app, AppState};
use api::clock::Clock;
use api::config::Config;
use api::links::PublicUrl;
use diesel::connection::SimpleConnection;
use persistence::Database;

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
        AppState {
            db: self.db.clone(),
            public_url: PublicUrl::new(PUBLIC_URL),
            clock,
        }
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
        let service = test::init_service(build_app(self.state(clock))).await;
        let mut request = test::TestRequest::get().uri(path);
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let response = test::call_service(&service, request.to_request()).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = test::read_body(response).await.to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }
}

impl Default for TestApp {
    fn default() -> Self {
        Self::new()
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
