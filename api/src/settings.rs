//! The site settings as each process sees them: read from the database at most every two
//! seconds, so a sysadmin's change reaches every process within about that (the first
//! request after two seconds is still answered with the old settings while the new are
//! read), and at once in the process that made it.

use std::sync::Arc;
use std::time::Duration;

use domain::settings::SiteSettings;
use persistence::settings::load_settings;
use persistence::{Database, PersistenceError};

use crate::fresh_cache::FreshCache;

const SETTINGS_TTL: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct SettingsCache(Arc<FreshCache<(), SiteSettings>>);

impl Default for SettingsCache {
    fn default() -> Self {
        Self(Arc::new(FreshCache::new(SETTINGS_TTL)))
    }
}

impl SettingsCache {
    pub async fn get(&self, db: &Database) -> Result<SiteSettings, PersistenceError> {
        let db = db.clone();
        self.0
            .get_or_load((), || async move { db.run(load_settings).await })
            .await
    }

    /// After a change here: the next read takes it from the database.
    pub fn forget(&self) {
        self.0.forget(&());
    }
}
