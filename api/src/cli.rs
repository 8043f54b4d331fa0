//! The `petitions` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::error::error_chain;
use crate::official::parse_document;

/// A parliamentary petitions service. Configuration comes from the environment: see the README.
#[derive(Debug, Parser)]
#[command(name = "petitions", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default): migrates, loads reference data, and on an empty
    /// database the bundled real petitions unless SEED_OFFICIAL_PETITIONS=false.
    Serve,
    /// Apply pending database migrations and refresh the reference data, then exit.
    Migrate,
    /// Import petitions from official-format JSON files (single petitions, list pages,
    /// archived petitions), upserting by id: importing a file twice changes nothing.
    Import {
        /// JSON files to import.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the OpenAPI description as YAML (the checked-in openapi.yaml).
    Openapi,
}

/// Imports every file, reporting each; fails at the end if any file could not be imported.
pub fn import(config: &Config, paths: &[PathBuf]) -> anyhow::Result<()> {
    let db = crate::startup::migrate(config)?;
    let mut failures = 0;
    for path in paths {
        let outcome = std::fs::read_to_string(path)
            .map_err(|error| error.to_string())
            .and_then(|text| parse_document(&text).map_err(|error| error.to_string()))
            .and_then(|petitions| {
                let count = petitions.len();
                for petition in petitions {
                    db.run_blocking(|conn| persistence::petitions::import_petition(conn, petition))
                        .map_err(|error| error_chain(&error))?;
                }
                Ok(count)
            });
        match outcome {
            Ok(count) => println!("{}: imported {count} petition(s)", path.display()),
            Err(problem) => {
                failures += 1;
                eprintln!("{}: {problem}", path.display());
            }
        }
    }
    if failures > 0 {
        anyhow::bail!(
            "{failures} of {} file(s) could not be imported",
            paths.len()
        );
    }
    Ok(())
}
