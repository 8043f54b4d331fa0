//! End-to-end tests of the petitions service, on SQLite or (with TEST_DATABASE_URL) PostgreSQL.

mod contract;
mod counting;
mod creation;
mod editing;
mod hostile_input;
mod importer;
mod invalidations;
mod journey;
mod lifecycle;
mod migrations;
mod moderation;
mod openapi;
mod parliaments;
mod public_reads;
mod responses_and_debates;
mod settings;
mod signing;
mod staff;
mod statistics;
mod time_driven;
