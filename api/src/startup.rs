//! What happens before the first request: connect, migrate, load reference data, seed.

use persistence::{migrations, postcodes, reference, Database};

use crate::config::Config;
use crate::error::error_chain;
use crate::official::bundled;

/// Connects and brings the schema and reference data up to date.
pub fn migrate(config: &Config) -> anyhow::Result<Database> {
    let db = Database::connect(
        &config.database_url,
        config.database_max_connections,
        config.database_timeout,
    )
    .map_err(|error| anyhow::anyhow!("DATABASE_URL: cannot connect: {}", error_chain(&error)))?;
    let applied = db.run_blocking(migrations::run_pending)?;
    for version in &applied {
        tracing::info!(migration = %version, "applied migration");
    }
    db.run_blocking(reference::load_bundled)?;
    if let Some(loaded) = db.run_blocking(postcodes::load_bundled_if_empty)? {
        tracing::info!(
            postcodes = loaded.postcodes,
            sectors = loaded.sectors,
            "loaded the bundled postcode lookup"
        );
    }
    Ok(db)
}

/// Everything `serve` needs before it binds, off the async runtime.
pub async fn prepare_database(config: &Config) -> anyhow::Result<Database> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || {
        let db = migrate(&config)?;
        if config.seed_official_petitions {
            let imported = bundled::seed_if_empty(&db)?;
            if imported > 0 {
                tracing::info!(
                    petitions = imported,
                    "loaded the bundled official petitions into the empty database"
                );
            }
        }
        Ok(db)
    })
    .await?
}
