//! The site settings row, and the one job that depends on it: adding the days spent paused
//! to open petitions' deadlines.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::parliament::closes_at;
use domain::settings::{extended_deadline, pause_extension, SiteSettings};
use domain::state::PetitionState;
use domain::Thresholds;
use serde_json::json;

use crate::audit::{self, NewAuditEntry};
use crate::database::write_transaction;
use crate::parliaments::dissolution_in_force;
use crate::schema::{petitions, site_settings};
use crate::{DbConnection, PersistenceError};

const ROW: i32 = 1;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = site_settings, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct SettingsRow {
    moderation_threshold: i32,
    max_sponsors: i32,
    response_threshold: i64,
    debate_threshold: i64,
    duration_months: i32,
    collection_paused_since: Option<NaiveDateTime>,
    trending_enabled: bool,
    breakdowns_enabled: bool,
}

impl From<SettingsRow> for SiteSettings {
    fn from(row: SettingsRow) -> Self {
        let defaults = Thresholds::default();
        let small = |value: i32, default: u32| u32::try_from(value).unwrap_or(default);
        let large = |value: i64, default: u64| u64::try_from(value).unwrap_or(default);
        Self {
            thresholds: Thresholds {
                moderation: small(row.moderation_threshold, defaults.moderation),
                max_sponsors: small(row.max_sponsors, defaults.max_sponsors),
                response: large(row.response_threshold, defaults.response),
                debate: large(row.debate_threshold, defaults.debate),
                duration_months: small(row.duration_months, defaults.duration_months),
            },
            collection_paused_since: row.collection_paused_since.map(|at| at.and_utc()),
            trending_enabled: row.trending_enabled,
            breakdowns_enabled: row.breakdowns_enabled,
        }
    }
}

/// The settings in force (the defaults, were the row ever missing).
pub fn load_settings(conn: &mut DbConnection) -> Result<SiteSettings, PersistenceError> {
    let row: Option<SettingsRow> = site_settings::table
        .find(ROW)
        .select(SettingsRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(SiteSettings::from).unwrap_or_default())
}

fn as_json(settings: &SiteSettings) -> String {
    let thresholds = settings.thresholds;
    json!({
        "moderation_threshold": thresholds.moderation,
        "max_sponsors": thresholds.max_sponsors,
        "response_threshold": thresholds.response,
        "debate_threshold": thresholds.debate,
        "duration_months": thresholds.duration_months,
        "collection_paused_since": settings.collection_paused_since,
        "trending_enabled": settings.trending_enabled,
        "breakdowns_enabled": settings.breakdowns_enabled,
    })
    .to_string()
}

/// Replaces the settings with `change(current)`, audited; returns them.
pub fn change_settings<E>(
    conn: &mut DbConnection,
    change: impl FnOnce(&SiteSettings) -> Result<SiteSettings, E>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Result<SiteSettings, E>, PersistenceError> {
    write_transaction(conn, |conn| {
        let before = load_settings(conn)?;
        let after = match change(&before) {
            Ok(after) => after,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let small = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
        let large = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        let thresholds = after.thresholds;
        let resumed = before.collection_paused_since.is_some() && after.collecting();
        diesel::update(site_settings::table.find(ROW))
            .set((
                site_settings::moderation_threshold.eq(small(thresholds.moderation)),
                site_settings::max_sponsors.eq(small(thresholds.max_sponsors)),
                site_settings::response_threshold.eq(large(thresholds.response)),
                site_settings::debate_threshold.eq(large(thresholds.debate)),
                site_settings::duration_months.eq(small(thresholds.duration_months)),
                site_settings::collection_paused_since
                    .eq(after.collection_paused_since.map(|at| at.naive_utc())),
                site_settings::trending_enabled.eq(after.trending_enabled),
                site_settings::breakdowns_enabled.eq(after.breakdowns_enabled),
                site_settings::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        if resumed {
            // The midnights of this pause are counted; the next pause starts afresh.
            diesel::update(site_settings::table.find(ROW))
                .set(site_settings::extended_through.eq(None::<NaiveDateTime>))
                .execute(conn)?;
        }
        let entry = NewAuditEntry {
            actor,
            action: "settings.change",
            petition_id: None,
            subject: None,
            before: Some(as_json(&before)),
            after: Some(as_json(&after)),
        };
        audit::record(conn, &entry, now)?;
        Ok(Ok(after))
    })
}

/// While collection is paused, adds a day to every open petition's deadline for each London
/// midnight passed since the last run. The settings row is held while it does, and the
/// instant counted up to moves in the same transaction, so each midnight counts once
/// however many processes run this. Returns how many petitions it extended.
pub fn extend_paused_deadlines(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<usize, PersistenceError> {
    write_transaction(conn, |conn| {
        let query = site_settings::table.find(ROW).select((
            site_settings::collection_paused_since,
            site_settings::extended_through,
        ));
        let found: Option<(Option<NaiveDateTime>, Option<NaiveDateTime>)> = match conn {
            DbConnection::Postgres(pg) => query.for_update().first(pg).optional()?,
            DbConnection::Sqlite(sqlite) => query.first(sqlite).optional()?,
        };
        let Some((Some(paused_since), extended_through)) = found else {
            return Ok(0);
        };
        let extension = pause_extension(
            paused_since.and_utc(),
            extended_through.map(|at| at.and_utc()),
            now,
        );
        if extension.days == 0 {
            return Ok(0);
        }
        // A petition whose deadline came first has closed, whatever the closing job has
        // stored yet.
        let open: Vec<(i64, NaiveDateTime)> = petitions::table
            .filter(petitions::state.eq(PetitionState::Open.as_str()))
            .filter(petitions::deadline.ge(extension.first_midnight.naive_utc()))
            .select((petitions::id, petitions::deadline.assume_not_null()))
            .load(conn)?;
        // No petition outlives an announced dissolution, pause or not.
        let dissolution_at = dissolution_in_force(conn)?;
        for (id, deadline) in &open {
            let moved = closes_at(
                extended_deadline(deadline.and_utc(), extension.days),
                dissolution_at,
            );
            diesel::update(petitions::table.find(id))
                .set((
                    petitions::deadline.eq(moved.naive_utc()),
                    petitions::updated_at.eq(now.naive_utc()),
                ))
                .execute(conn)?;
        }
        diesel::update(site_settings::table.find(ROW))
            .set(site_settings::extended_through.eq(extension.through.naive_utc()))
            .execute(conn)?;
        Ok(open.len())
    })
}
