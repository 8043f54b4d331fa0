//! Reconciliation: every count recomputed from the signature rows, and drift repaired.
//! Petitions whose counts were imported from the official site have no rows to count from
//! and are left alone.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use domain::state::SignatureState;
use domain::Thresholds;

use super::counting::lock_count;
use crate::database::write_transaction;
use crate::schema::{
    constituencies, count_queue, countries, petition_constituency_signatures,
    petition_country_signatures, petition_hourly_signatures, petition_region_signatures, petitions,
    regions, signatures,
};
use crate::{DbConnection, PersistenceError};

/// One repaired count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub petition_id: i64,
    /// `signature_count`, or the breakdown: `country`, `constituency`, `region`, `hour`.
    pub count: &'static str,
    pub key: Option<String>,
    pub stored: i64,
    pub actual: i64,
}

/// Reconciles every petition that is counted here; returns the repairs made.
pub fn reconcile_all(
    conn: &mut DbConnection,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<Vec<Repair>, PersistenceError> {
    let ids: Vec<i64> = petitions::table
        .filter(petitions::imported_at.is_null())
        .order(petitions::id)
        .select(petitions::id)
        .load(conn)?;
    let mut repairs = Vec::new();
    for id in ids {
        repairs.extend(reconcile_petition(conn, id, thresholds, now)?);
    }
    Ok(repairs)
}

/// Reconciles one petition in one transaction, holding its row so the counter waits.
pub fn reconcile_petition(
    conn: &mut DbConnection,
    petition_id: i64,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<Vec<Repair>, PersistenceError> {
    write_transaction(conn, |conn| {
        let mut repairs = Vec::new();
        let locked = lock_count(conn, petition_id)?;
        let stored_total = locked.state.signature_count;
        // Validated and no longer queued: what the counter has added.
        let counted = signatures::table
            .filter(signatures::petition_id.eq(petition_id))
            .filter(signatures::state.eq(SignatureState::Validated.as_str()))
            .filter(not(exists(
                count_queue::table.filter(count_queue::signature_id.eq(signatures::id)),
            )));

        let actual_total: i64 = counted.count().get_result(conn)?;
        if actual_total != stored_total {
            locked.add(conn, actual_total - stored_total, thresholds, now)?;
            repairs.push(Repair {
                petition_id,
                count: "signature_count",
                key: None,
                stored: stored_total,
                actual: actual_total,
            });
        }

        // Countries.
        let actual: BTreeMap<String, i64> = counted
            .group_by(signatures::location_code)
            .select((signatures::location_code, diesel::dsl::count_star()))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        let stored_countries: BTreeMap<String, i64> = petition_country_signatures::table
            .filter(petition_country_signatures::petition_id.eq(petition_id))
            .select((
                petition_country_signatures::code,
                petition_country_signatures::signature_count,
            ))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        if differences(
            petition_id,
            "country",
            &stored_countries,
            &actual,
            &mut repairs,
        ) {
            diesel::delete(
                petition_country_signatures::table
                    .filter(petition_country_signatures::petition_id.eq(petition_id)),
            )
            .execute(conn)?;
            let names: BTreeMap<String, String> = countries::table
                .select((countries::code, countries::name))
                .load::<(String, String)>(conn)?
                .into_iter()
                .collect();
            for (code, count) in &actual {
                diesel::insert_into(petition_country_signatures::table)
                    .values((
                        petition_country_signatures::petition_id.eq(petition_id),
                        petition_country_signatures::code.eq(code),
                        petition_country_signatures::name.eq(names.get(code).unwrap_or(code)),
                        petition_country_signatures::signature_count.eq(count),
                    ))
                    .execute(conn)?;
            }
        }

        // Constituencies and, from them, regions. Codes we don't list count nowhere.
        let counts_by_code: Vec<(Option<String>, i64)> = counted
            .filter(signatures::constituency_code.is_not_null())
            .group_by(signatures::constituency_code)
            .select((signatures::constituency_code, diesel::dsl::count_star()))
            .load(conn)?;
        let codes: Vec<String> = counts_by_code
            .iter()
            .filter_map(|row| row.0.clone())
            .collect();
        let places: BTreeMap<String, (String, Option<String>, String, String)> =
            constituencies::table
                .inner_join(regions::table)
                .filter(constituencies::ons_code.eq_any(&codes))
                .select((
                    constituencies::ons_code,
                    constituencies::name,
                    constituencies::mp_name,
                    regions::ons_code,
                    regions::name,
                ))
                .load::<(String, String, Option<String>, String, String)>(conn)?
                .into_iter()
                .map(|(code, name, mp, region_code, region_name)| {
                    (code, (name, mp, region_code, region_name))
                })
                .collect();
        let by_constituency: Vec<(String, String, Option<String>, String, String, i64)> =
            counts_by_code
                .into_iter()
                .filter_map(|(code, count)| {
                    let code = code?;
                    let (name, mp, region_code, region_name) = places.get(&code)?.clone();
                    Some((code, name, mp, region_code, region_name, count))
                })
                .collect();
        let actual: BTreeMap<String, i64> = by_constituency
            .iter()
            .map(|row| (row.0.clone(), row.5))
            .collect();
        let stored_constituencies: BTreeMap<String, i64> = petition_constituency_signatures::table
            .filter(petition_constituency_signatures::petition_id.eq(petition_id))
            .select((
                petition_constituency_signatures::ons_code,
                petition_constituency_signatures::signature_count,
            ))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        if differences(
            petition_id,
            "constituency",
            &stored_constituencies,
            &actual,
            &mut repairs,
        ) {
            diesel::delete(
                petition_constituency_signatures::table
                    .filter(petition_constituency_signatures::petition_id.eq(petition_id)),
            )
            .execute(conn)?;
            for (ons_code, name, mp, _, _, count) in &by_constituency {
                diesel::insert_into(petition_constituency_signatures::table)
                    .values((
                        petition_constituency_signatures::petition_id.eq(petition_id),
                        petition_constituency_signatures::ons_code.eq(ons_code),
                        petition_constituency_signatures::name.eq(name),
                        petition_constituency_signatures::mp.eq(mp),
                        petition_constituency_signatures::signature_count.eq(count),
                    ))
                    .execute(conn)?;
            }
        }
        let mut actual_regions: BTreeMap<String, (String, i64)> = BTreeMap::new();
        for (_, _, _, ons_code, name, count) in &by_constituency {
            actual_regions
                .entry(ons_code.clone())
                .or_insert_with(|| (name.clone(), 0))
                .1 += count;
        }
        let actual: BTreeMap<String, i64> = actual_regions
            .iter()
            .map(|(code, (_, count))| (code.clone(), *count))
            .collect();
        let stored_regions: BTreeMap<String, i64> = petition_region_signatures::table
            .filter(petition_region_signatures::petition_id.eq(petition_id))
            .select((
                petition_region_signatures::ons_code,
                petition_region_signatures::signature_count,
            ))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        if differences(
            petition_id,
            "region",
            &stored_regions,
            &actual,
            &mut repairs,
        ) {
            diesel::delete(
                petition_region_signatures::table
                    .filter(petition_region_signatures::petition_id.eq(petition_id)),
            )
            .execute(conn)?;
            for (ons_code, (name, count)) in &actual_regions {
                diesel::insert_into(petition_region_signatures::table)
                    .values((
                        petition_region_signatures::petition_id.eq(petition_id),
                        petition_region_signatures::ons_code.eq(ons_code),
                        petition_region_signatures::name.eq(name),
                        petition_region_signatures::signature_count.eq(count),
                    ))
                    .execute(conn)?;
            }
        }

        // The hourly series.
        let actual_hours = hourly_counts(conn, petition_id)?;
        let stored_hours: BTreeMap<NaiveDateTime, i64> = petition_hourly_signatures::table
            .filter(petition_hourly_signatures::petition_id.eq(petition_id))
            .select((
                petition_hourly_signatures::hour,
                petition_hourly_signatures::signature_count,
            ))
            .load::<(NaiveDateTime, i64)>(conn)?
            .into_iter()
            .collect();
        let as_text = |map: &BTreeMap<NaiveDateTime, i64>| -> BTreeMap<String, i64> {
            map.iter()
                .map(|(hour, count)| (hour.and_utc().to_rfc3339(), *count))
                .collect()
        };
        if differences(
            petition_id,
            "hour",
            &as_text(&stored_hours),
            &as_text(&actual_hours),
            &mut repairs,
        ) {
            diesel::delete(
                petition_hourly_signatures::table
                    .filter(petition_hourly_signatures::petition_id.eq(petition_id)),
            )
            .execute(conn)?;
            for (hour, count) in &actual_hours {
                diesel::insert_into(petition_hourly_signatures::table)
                    .values((
                        petition_hourly_signatures::petition_id.eq(petition_id),
                        petition_hourly_signatures::hour.eq(hour),
                        petition_hourly_signatures::signature_count.eq(count),
                    ))
                    .execute(conn)?;
            }
        }
        for repair in &repairs {
            tracing::warn!(
                petition_id = repair.petition_id,
                count = repair.count,
                key = repair.key.as_deref().unwrap_or(""),
                stored = repair.stored,
                actual = repair.actual,
                "repaired a count that had drifted from the signatures"
            );
        }
        Ok(repairs)
    })
}

/// Records every key whose stored and actual counts differ; whether any did.
fn differences(
    petition_id: i64,
    count: &'static str,
    stored: &BTreeMap<String, i64>,
    actual: &BTreeMap<String, i64>,
    repairs: &mut Vec<Repair>,
) -> bool {
    let before = repairs.len();
    for key in stored
        .keys()
        .chain(actual.keys().filter(|key| !stored.contains_key(*key)))
    {
        let stored = stored.get(key).copied().unwrap_or(0);
        let actual = actual.get(key).copied().unwrap_or(0);
        if stored != actual {
            repairs.push(Repair {
                petition_id,
                count,
                key: Some(key.clone()),
                stored,
                actual,
            });
        }
    }
    repairs.len() > before
}

#[derive(QueryableByName)]
struct HourCount {
    #[diesel(sql_type = Timestamp)]
    hour: NaiveDateTime,
    #[diesel(sql_type = BigInt)]
    signature_count: i64,
}

/// Counted signatures per hour of confirmation. Truncating to the hour is spelt differently
/// by each database.
fn hourly_counts(
    conn: &mut DbConnection,
    petition_id: i64,
) -> Result<BTreeMap<NaiveDateTime, i64>, PersistenceError> {
    const FILTER: &str = "FROM signatures s WHERE petition_id = $1 AND state = 'validated' \
                          AND NOT EXISTS (SELECT 1 FROM count_queue q WHERE q.signature_id = s.id) \
                          GROUP BY 1";
    let rows: Vec<HourCount> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(format!(
            "SELECT date_trunc('hour', validated_at) AS hour, COUNT(*) AS signature_count {FILTER}"
        ))
        .bind::<BigInt, _>(petition_id)
        .load(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(format!(
            "SELECT strftime('%Y-%m-%d %H:00:00', validated_at) AS hour, \
             COUNT(*) AS signature_count {}",
            FILTER.replace("$1", "?")
        ))
        .bind::<BigInt, _>(petition_id)
        .load(sqlite)?,
    };
    Ok(rows
        .into_iter()
        .map(|row| (row.hour, row.signature_count))
        .collect())
}
