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
    /// Load a postcode → constituency lookup from CSV: the ONS Postcode Directory or NSPL
    /// (columns pcds or pcd, pcon, doterm), or postcode,ons_code / sector,ons_code lists.
    /// Replaces what is stored for the postcodes in the file, in one transaction.
    ImportPostcodes {
        /// The CSV file.
        path: PathBuf,
    },
    /// Recompute every count from the signatures, repair any drift, and list the repairs.
    Reconcile,
    /// Shadow-ban signatures matching an email domain (`*.example.com` for subdomains), an IP
    /// address or CIDR range, or an email address (compared in canonical form).
    Block {
        #[arg(value_parser = ["domain", "ip", "email"])]
        kind: String,
        pattern: String,
        /// Why, for whoever reads the list later.
        #[arg(long)]
        note: Option<String>,
    },
    /// Exempt matching signatures from the rate limits (blocks still apply).
    Allow {
        #[arg(value_parser = ["domain", "ip", "email"])]
        kind: String,
        pattern: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a member of staff. The password is read from standard input (one line, at least
    /// 12 characters), so it stays out of the shell history.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["reviewer", "moderator", "sysadmin"])]
        role: String,
    },
    /// Give a member of staff another role, from their next request on.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["reviewer", "moderator", "sysadmin"])]
        role: String,
    },
    /// Remove a member of staff: they can't sign in, and their tokens stop working at once.
    Remove {
        #[arg(long)]
        email: String,
    },
}

/// How the audit log names changes made at the command line.
const CLI_ACTOR: &str = "cli";

/// Adds a member of staff with the password on the first line of `password_input`.
pub fn add_staff(
    config: &Config,
    email: &str,
    role: &str,
    password_input: impl std::io::BufRead,
) -> anyhow::Result<i64> {
    let (email, role) = (staff_email(email)?, staff_role(role)?);
    let password = password_input
        .lines()
        .next()
        .transpose()?
        .unwrap_or_default();
    domain::access::check_new_password(&password)
        .map_err(|error| anyhow::anyhow!("the password {error}"))?;
    let hash = crate::auth::hash_password(&password).map_err(|error| anyhow::anyhow!("{error}"))?;
    let db = crate::startup::migrate(config)?;
    let id = db
        .run_blocking(|conn| {
            let now = chrono::Utc::now();
            persistence::staff::add_staff(conn, &email, role.as_str(), &hash, CLI_ACTOR, now)
        })
        .map_err(|error| anyhow::anyhow!("{}", error_chain(&error)))?;
    println!("added {email} as {role} (staff:{id})");
    Ok(id)
}

fn staff_email(email: &str) -> anyhow::Result<String> {
    Ok(domain::Email::parse(email)
        .map_err(|error| anyhow::anyhow!("--email {error}"))?
        .as_str()
        .to_lowercase())
}

fn staff_role(role: &str) -> anyhow::Result<domain::access::StaffRole> {
    domain::access::StaffRole::parse(role)
        .ok_or_else(|| anyhow::anyhow!("--role must be reviewer, moderator or sysadmin"))
}

/// Gives a member of staff another role.
pub fn change_staff_role(config: &Config, email: &str, role: &str) -> anyhow::Result<i64> {
    let (email, role) = (staff_email(email)?, staff_role(role)?);
    let db = crate::startup::migrate(config)?;
    let id = db
        .run_blocking(|conn| {
            let now = chrono::Utc::now();
            persistence::staff::change_role(conn, &email, role.as_str(), CLI_ACTOR, now)
        })
        .map_err(|error| anyhow::anyhow!("{}", error_chain(&error)))?;
    println!("{email} is now {role} (staff:{id})");
    Ok(id)
}

/// Removes a member of staff.
pub fn remove_staff(config: &Config, email: &str) -> anyhow::Result<i64> {
    let email = staff_email(email)?;
    let db = crate::startup::migrate(config)?;
    let id = db
        .run_blocking(|conn| {
            persistence::staff::remove_staff(conn, &email, CLI_ACTOR, chrono::Utc::now())
        })
        .map_err(|error| anyhow::anyhow!("{}", error_chain(&error)))?;
    println!("removed {email} (staff:{id})");
    Ok(id)
}

/// Loads a postcode directory.
pub fn import_postcodes(config: &Config, path: &std::path::Path) -> anyhow::Result<()> {
    let db = crate::startup::migrate(config)?;
    let file = std::fs::File::open(path)
        .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
    let report = db
        .run_blocking(|conn| {
            persistence::postcodes::import_csv(conn, std::io::BufReader::new(file))
        })
        .map_err(|error| anyhow::anyhow!("{}: {}", path.display(), error_chain(&error)))?;
    println!(
        "{}: {} postcodes and {} sectors loaded, {} rows skipped (terminated, no constituency, or not a postcode)",
        path.display(),
        report.postcodes,
        report.sectors,
        report.skipped
    );
    Ok(())
}

/// Reconciles every count once.
pub fn reconcile(config: &Config) -> anyhow::Result<()> {
    let db = crate::startup::migrate(config)?;
    let repairs = db.run_blocking(|conn| {
        persistence::signatures::reconcile_all(
            conn,
            &domain::Thresholds::default(),
            chrono::Utc::now(),
        )
    })?;
    for repair in &repairs {
        println!(
            "petition {}: {}{} was {}, now {}",
            repair.petition_id,
            repair.count,
            repair
                .key
                .as_deref()
                .map(|key| format!(" {key}"))
                .unwrap_or_default(),
            repair.stored,
            repair.actual
        );
    }
    println!("{} count(s) repaired", repairs.len());
    Ok(())
}

/// Adds a block or allow list entry.
pub fn add_list_entry(
    config: &Config,
    list: domain::screening::ListKind,
    kind: &str,
    pattern: &str,
    note: Option<&str>,
) -> anyhow::Result<()> {
    let db = crate::startup::migrate(config)?;
    db.run_blocking(|conn| {
        persistence::signatures::add_list_entry(conn, list, kind, pattern, note, chrono::Utc::now())
    })
    .map_err(|error| anyhow::anyhow!("{}", error_chain(&error)))?;
    println!("added; every process applies it within 10 seconds");
    Ok(())
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
