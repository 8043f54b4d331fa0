//! The petitions HTTP service: the public JSON API compatible with petition.parliament.uk,
//! its OpenAPI description, and the `petitions` command line.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
mod encoding;
pub mod error;
mod forms;
mod fresh_cache;
mod group_commit;
mod http_cache;
pub mod links;
pub mod mail;
mod methods;
mod nul;
pub mod official;
pub mod openapi;
pub mod petition_json;
mod query;
mod routes;
pub mod settings;
pub mod signing;
pub mod startup;
pub mod workers;
