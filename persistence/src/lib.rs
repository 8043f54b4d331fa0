//! Storage for the petitions service: one code path over SQLite (the embedded default) and
//! PostgreSQL (production), with migrations embedded per backend. Every function that touches
//! the database is blocking; [`Database::run`] moves it off the async runtime.

pub mod anonymisation;
pub mod audit;
mod database;
pub mod departments_and_topics;
mod error;
pub mod invalidations;
pub mod mailings;
pub mod migrations;
pub mod parliaments;
pub mod petitions;
pub mod postcodes;
pub mod reference;
pub mod rejection_reasons;
mod schema;
pub mod settings;
pub mod signatures;
pub mod staff;
pub mod statistics;

pub use database::{write_transaction, Backend, Database, DbConnection};
pub use error::PersistenceError;
