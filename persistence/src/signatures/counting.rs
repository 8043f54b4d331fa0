//! The counter: confirmed signatures are added to their petitions in batches, with one
//! update per petition per batch, so a viral petition's row is written a few times a second
//! however fast people sign. Counts, breakdowns, the hourly series and threshold stamps
//! move together in one transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use domain::counting::{CountState, CountedSignature, Tally};
use domain::state::{DebateState, ResponseState};
use domain::Thresholds;

use crate::database::{on_each_backend, write_transaction};
use crate::schema::{
    constituencies, count_queue, countries, parliaments, petition_constituency_signatures,
    petition_country_signatures, petition_hourly_signatures, petition_region_signatures, petitions,
    regions,
};
use crate::{DbConnection, PersistenceError};

/// A confirmed signature as counting sees it: id, petition, country, constituency, when it
/// was confirmed.
pub(crate) type Queued = (i64, i64, String, Option<String>, Option<NaiveDateTime>);

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountReport {
    pub signatures: usize,
    pub petitions: usize,
}

/// Adds up to `limit` queued signatures to their petitions' counts, and takes them off the
/// queue in the same transaction.
pub fn count_confirmed(
    conn: &mut DbConnection,
    limit: i64,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<CountReport, PersistenceError> {
    write_transaction(conn, |conn| {
        let queue = count_queue::table
            .order(count_queue::signature_id)
            .limit(limit)
            .select((
                count_queue::signature_id,
                count_queue::petition_id,
                count_queue::location_code,
                count_queue::constituency_code,
                count_queue::validated_at.nullable(),
            ));
        let batch: Vec<Queued> = match conn {
            // Two counters (in two processes) take disjoint batches instead of queueing, and
            // an invalidation deleting a row the counter holds waits to see it counted.
            DbConnection::Postgres(pg) => queue.for_update().skip_locked().load(pg)?,
            DbConnection::Sqlite(_) => queue.load(conn)?,
        };
        if batch.is_empty() {
            return Ok(CountReport::default());
        }
        let (tallies, names) = tally(conn, &batch, now)?;
        for (petition_id, tally) in &tallies {
            apply_tally(conn, *petition_id, tally, &names, thresholds, now)?;
        }
        let ids: Vec<i64> = batch.iter().map(|row| row.0).collect();
        for chunk in ids.chunks(5_000) {
            diesel::delete(count_queue::table.filter(count_queue::signature_id.eq_any(chunk)))
                .execute(conn)?;
        }
        Ok(CountReport {
            signatures: batch.len(),
            petitions: tallies.len(),
        })
    })
}

/// A signature just validated, as the counter's queue holds it.
pub(crate) struct ToCount<'a> {
    pub signature_id: i64,
    pub petition_id: i64,
    pub location_code: &'a str,
    pub constituency_code: Option<&'a str>,
}

/// Queues signatures validated at `validated_at` for the counter, in the caller's transaction.
pub(crate) fn queue_for_counting(
    conn: &mut DbConnection,
    validated: &[ToCount],
    validated_at: NaiveDateTime,
) -> Result<(), PersistenceError> {
    if validated.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = validated
        .iter()
        .map(|signature| {
            (
                count_queue::signature_id.eq(signature.signature_id),
                count_queue::petition_id.eq(signature.petition_id),
                count_queue::location_code.eq(signature.location_code),
                count_queue::constituency_code.eq(signature.constituency_code),
                count_queue::validated_at.eq(validated_at),
            )
        })
        .collect();
    on_each_backend!(conn, |c| diesel::insert_into(count_queue::table)
        .values(&rows)
        .execute(c)?);
    Ok(())
}

/// Takes struck-out signatures off the queue; returns those that were on it, which were
/// never counted. Run before anything locks a petition: it may wait for a counter that holds
/// these rows, and that counter takes the petitions' rows next.
pub(crate) fn unqueue(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<i64>, PersistenceError> {
    let mut unqueued = Vec::new();
    for chunk in ids.chunks(5_000) {
        let removed: Vec<i64> = on_each_backend!(conn, |c| diesel::delete(
            count_queue::table.filter(count_queue::signature_id.eq_any(chunk))
        )
        .returning(count_queue::signature_id)
        .get_results(c)?);
        unqueued.extend(removed);
    }
    Ok(unqueued)
}

/// What `batch` adds to each petition, and the names of the places it names.
fn tally(
    conn: &mut DbConnection,
    batch: &[Queued],
    now: DateTime<Utc>,
) -> Result<(BTreeMap<i64, Tally>, Names), PersistenceError> {
    let names = Names::load(conn, batch)?;
    let mut tallies: BTreeMap<i64, Tally> = BTreeMap::new();
    for (_, petition_id, location_code, constituency_code, validated_at) in batch {
        let constituency = constituency_code
            .as_ref()
            .and_then(|code| names.region_of(code).map(|region| (code.clone(), region)));
        tallies
            .entry(*petition_id)
            .or_default()
            .add(&CountedSignature {
                location_code: location_code.clone(),
                constituency,
                validated_at: validated_at.unwrap_or(now.naive_utc()).and_utc(),
            });
    }
    Ok((tallies, names))
}

/// Takes counted signatures, just struck out, off their petitions' counts, breakdowns and
/// series, in the caller's transaction, moving thresholds back as the table says.
pub(crate) fn uncount(
    conn: &mut DbConnection,
    struck: &[Queued],
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let (tallies, names) = tally(conn, struck, now)?;
    for (petition_id, tally) in &tallies {
        lock_count(conn, *petition_id)?.add(conn, -tally.total, thresholds, now)?;
        subtract_breakdowns(conn, *petition_id, tally, &names)?;
    }
    Ok(())
}

/// Takes `tally` off the petition's breakdowns and series. A row that would reach zero
/// (or, were the counts ever to drift, below it) is deleted, as if it had never been added.
/// Plain updates, not the upserts that add: a negative row to insert would break the
/// tables' `>= 0` checks even when it only meets an existing row.
fn subtract_breakdowns(
    conn: &mut DbConnection,
    petition_id: i64,
    tally: &Tally,
    names: &Names,
) -> Result<(), PersistenceError> {
    use petition_constituency_signatures as by_constituency;
    use petition_country_signatures as by_country;
    use petition_hourly_signatures as by_hour;
    use petition_region_signatures as by_region;
    macro_rules! subtract {
        ($table:ident, $key:expr, $count:expr) => {{
            let row = $table::table.find((petition_id, $key));
            diesel::delete(row.filter($table::signature_count.le($count))).execute(conn)?;
            diesel::update(row)
                .set($table::signature_count.eq($table::signature_count - $count))
                .execute(conn)?;
        }};
    }
    for (code, count) in &tally.by_country {
        subtract!(by_country, code, count);
    }
    for (code, count) in &tally.by_constituency {
        subtract!(by_constituency, code, count);
    }
    for (letter, count) in &tally.by_region {
        if let Some((ons_code, _)) = names.regions.get(letter) {
            subtract!(by_region, ons_code, count);
        }
    }
    for (hour, count) in &tally.by_hour {
        subtract!(by_hour, hour.naive_utc(), count);
    }
    Ok(())
}

/// Names of the places in a batch, as the breakdowns show them.
struct Names {
    countries: HashMap<String, String>,
    /// ONS code → (name, MP, region letter).
    constituencies: HashMap<String, (String, Option<String>, String)>,
    /// Region letter → (ONS code, name).
    regions: HashMap<String, (String, String)>,
}

impl Names {
    fn load(conn: &mut DbConnection, batch: &[Queued]) -> Result<Self, PersistenceError> {
        let mut country_codes: Vec<&String> = batch.iter().map(|row| &row.2).collect();
        country_codes.sort_unstable();
        country_codes.dedup();
        let mut constituency_codes: Vec<&String> =
            batch.iter().filter_map(|row| row.3.as_ref()).collect();
        constituency_codes.sort_unstable();
        constituency_codes.dedup();
        let countries = countries::table
            .filter(countries::code.eq_any(country_codes))
            .select((countries::code, countries::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        let constituencies = constituencies::table
            .filter(constituencies::ons_code.eq_any(constituency_codes))
            .select((
                constituencies::ons_code,
                constituencies::name,
                constituencies::mp_name,
                constituencies::region_code,
            ))
            .load::<(String, String, Option<String>, String)>(conn)?
            .into_iter()
            .map(|(code, name, mp, region)| (code, (name, mp, region)))
            .collect();
        let regions = regions::table
            .select((regions::code, regions::ons_code, regions::name))
            .load::<(String, String, String)>(conn)?
            .into_iter()
            .map(|(code, ons_code, name)| (code, (ons_code, name)))
            .collect();
        Ok(Self {
            countries,
            constituencies,
            regions,
        })
    }

    /// The region letter of a constituency we list; `None` for codes we don't.
    fn region_of(&self, constituency: &str) -> Option<String> {
        self.constituencies
            .get(constituency)
            .map(|(_, _, region)| region.clone())
    }
}

#[derive(Queryable)]
struct PetitionCounts {
    signature_count: i64,
    response_state: String,
    debate_state: String,
    response_threshold_reached_at: Option<NaiveDateTime>,
    debate_threshold_reached_at: Option<NaiveDateTime>,
    parliament_id: Option<i64>,
}

/// A petition's counting state, read with its row held until the transaction ends: another
/// process's counter (or a reconciliation) waits, so each computes its threshold crossings
/// from the count the other left, never from a stale one. `FOR NO KEY UPDATE`, not
/// `FOR UPDATE`: new signatures' foreign keys take a key-share lock on the same row, and
/// must not wait for the counter.
pub(super) struct LockedCount {
    pub(super) petition_id: i64,
    pub(super) state: CountState,
    parliament_id: Option<i64>,
}

pub(super) fn lock_count(
    conn: &mut DbConnection,
    petition_id: i64,
) -> Result<LockedCount, PersistenceError> {
    let query = petitions::table.find(petition_id).select((
        petitions::signature_count,
        petitions::response_state,
        petitions::debate_state,
        petitions::response_threshold_reached_at,
        petitions::debate_threshold_reached_at,
        petitions::parliament_id,
    ));
    let row: PetitionCounts = match conn {
        DbConnection::Postgres(pg) => query.for_no_key_update().first(pg)?,
        DbConnection::Sqlite(_) => query.first(conn)?,
    };
    Ok(LockedCount {
        petition_id,
        state: CountState {
            signature_count: row.signature_count,
            response_state: ResponseState::parse(&row.response_state)
                .unwrap_or(ResponseState::Pending),
            debate_state: DebateState::parse(&row.debate_state).unwrap_or(DebateState::Pending),
            response_threshold_reached_at: row.response_threshold_reached_at.map(|t| t.and_utc()),
            debate_threshold_reached_at: row.debate_threshold_reached_at.map(|t| t.and_utc()),
        },
        parliament_id: row.parliament_id,
    })
}

impl LockedCount {
    /// Adds `added` (negative to take away) in one update, with the thresholds it crosses.
    pub(super) fn add(
        self,
        conn: &mut DbConnection,
        added: i64,
        defaults: &Thresholds,
        now: DateTime<Utc>,
    ) -> Result<(), PersistenceError> {
        let thresholds = thresholds_of(conn, self.parliament_id, defaults)?;
        let after = self.state.after(added, &thresholds, now);
        diesel::update(petitions::table.find(self.petition_id))
            .set((
                petitions::signature_count.eq(after.signature_count),
                petitions::response_state.eq(after.response_state.as_str()),
                petitions::debate_state.eq(after.debate_state.as_str()),
                petitions::response_threshold_reached_at
                    .eq(after.response_threshold_reached_at.map(|t| t.naive_utc())),
                petitions::debate_threshold_reached_at
                    .eq(after.debate_threshold_reached_at.map(|t| t.naive_utc())),
                petitions::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    }
}

/// The thresholds of the petition's parliament, where it has one; `defaults` otherwise.
fn thresholds_of(
    conn: &mut DbConnection,
    parliament_id: Option<i64>,
    defaults: &Thresholds,
) -> Result<Thresholds, PersistenceError> {
    let Some(parliament_id) = parliament_id else {
        return Ok(*defaults);
    };
    let found: Option<(i64, i64)> = parliaments::table
        .find(parliament_id)
        .select((
            parliaments::response_threshold,
            parliaments::debate_threshold,
        ))
        .first(conn)
        .optional()?;
    Ok(match found {
        Some((response, debate)) => Thresholds {
            response: u64::try_from(response).unwrap_or(defaults.response),
            debate: u64::try_from(debate).unwrap_or(defaults.debate),
            ..*defaults
        },
        None => *defaults,
    })
}

fn apply_tally(
    conn: &mut DbConnection,
    petition_id: i64,
    tally: &Tally,
    names: &Names,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    lock_count(conn, petition_id)?.add(conn, tally.total, thresholds, now)?;
    add_breakdowns(conn, petition_id, tally, names)
}

fn add_breakdowns(
    conn: &mut DbConnection,
    petition_id: i64,
    tally: &Tally,
    names: &Names,
) -> Result<(), PersistenceError> {
    let country_rows: Vec<_> = tally
        .by_country
        .iter()
        .map(|(code, count)| {
            let name = names
                .countries
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.clone());
            (
                petition_country_signatures::petition_id.eq(petition_id),
                petition_country_signatures::code.eq(code.clone()),
                petition_country_signatures::name.eq(name),
                petition_country_signatures::signature_count.eq(*count),
            )
        })
        .collect();
    let constituency_rows: Vec<_> = tally
        .by_constituency
        .iter()
        .filter_map(|(code, count)| {
            let (name, mp, _) = names.constituencies.get(code)?;
            Some((
                petition_constituency_signatures::petition_id.eq(petition_id),
                petition_constituency_signatures::ons_code.eq(code.clone()),
                petition_constituency_signatures::name.eq(name.clone()),
                petition_constituency_signatures::mp.eq(mp.clone()),
                petition_constituency_signatures::signature_count.eq(*count),
            ))
        })
        .collect();
    let region_rows: Vec<_> = tally
        .by_region
        .iter()
        .filter_map(|(letter, count)| {
            let (ons_code, name) = names.regions.get(letter)?;
            Some((
                petition_region_signatures::petition_id.eq(petition_id),
                petition_region_signatures::ons_code.eq(ons_code.clone()),
                petition_region_signatures::name.eq(name.clone()),
                petition_region_signatures::signature_count.eq(*count),
            ))
        })
        .collect();
    let hour_rows: Vec<_> = tally
        .by_hour
        .iter()
        .map(|(hour, count)| {
            (
                petition_hourly_signatures::petition_id.eq(petition_id),
                petition_hourly_signatures::hour.eq(hour.naive_utc()),
                petition_hourly_signatures::signature_count.eq(*count),
            )
        })
        .collect();
    on_each_backend!(conn, |c| {
        diesel::insert_into(petition_country_signatures::table)
            .values(&country_rows)
            .on_conflict((
                petition_country_signatures::petition_id,
                petition_country_signatures::code,
            ))
            .do_update()
            .set(
                petition_country_signatures::signature_count
                    .eq(petition_country_signatures::signature_count
                        + excluded(petition_country_signatures::signature_count)),
            )
            .execute(c)?;
        if !constituency_rows.is_empty() {
            diesel::insert_into(petition_constituency_signatures::table)
                .values(&constituency_rows)
                .on_conflict((
                    petition_constituency_signatures::petition_id,
                    petition_constituency_signatures::ons_code,
                ))
                .do_update()
                .set(
                    petition_constituency_signatures::signature_count
                        .eq(petition_constituency_signatures::signature_count
                            + excluded(petition_constituency_signatures::signature_count)),
                )
                .execute(c)?;
        }
        if !region_rows.is_empty() {
            diesel::insert_into(petition_region_signatures::table)
                .values(&region_rows)
                .on_conflict((
                    petition_region_signatures::petition_id,
                    petition_region_signatures::ons_code,
                ))
                .do_update()
                .set(
                    petition_region_signatures::signature_count
                        .eq(petition_region_signatures::signature_count
                            + excluded(petition_region_signatures::signature_count)),
                )
                .execute(c)?;
        }
        diesel::insert_into(petition_hourly_signatures::table)
            .values(&hour_rows)
            .on_conflict((
                petition_hourly_signatures::petition_id,
                petition_hourly_signatures::hour,
            ))
            .do_update()
            .set(
                petition_hourly_signatures::signature_count
                    .eq(petition_hourly_signatures::signature_count
                        + excluded(petition_hourly_signatures::signature_count)),
            )
            .execute(c)?;
    });
    Ok(())
}
