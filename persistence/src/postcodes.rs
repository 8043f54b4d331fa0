//! Postcode to constituency: full postcodes where the lookup has them, the postcode sector
//! (`SW1A 1`) otherwise. Loaded from the bundled files or from an ONS Postcode Directory or
//! NSPL extract (`petitions import-postcodes`).

use std::collections::HashMap;
use std::io::Read;

use diesel::prelude::*;
use diesel::upsert::excluded;
use domain::Postcode;

use crate::database::{on_each_backend, write_transaction};
use crate::schema::{postcode_sectors, postcodes};
use crate::{DbConnection, PersistenceError};

const BUNDLED_POSTCODES: &str = include_str!("../data/postcodes_full_sample.csv");
const BUNDLED_SECTORS: &str = include_str!("../data/postcodes_sample.csv");

/// Rows per INSERT: well under SQLite's limit on bound parameters.
const ROWS_PER_INSERT: usize = 2_000;

/// Header names for the postcode, in order of preference: ONSPD/NSPL's `pcds` is the
/// display form; `pcd`/`pcd7`/`pcd8` are fixed-width forms of the same.
const POSTCODE_COLUMNS: [&str; 6] = ["pcds", "pcd", "pcd7", "pcd8", "pcd2", "postcode"];
/// Header names for the Westminster constituency's GSS code.
const CONSTITUENCY_COLUMNS: [&str; 5] = ["pcon", "pcon24cd", "pcon25cd", "pcon24", "ons_code"];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostcodeImport {
    pub postcodes: usize,
    pub sectors: usize,
    /// Rows left out: terminated postcodes, no constituency, or not a postcode at all.
    pub skipped: usize,
}

/// The constituency (GSS code) of `postcode`, if the lookup knows it.
pub fn constituency_of(
    conn: &mut DbConnection,
    postcode: &Postcode,
) -> Result<Option<String>, PersistenceError> {
    Ok(constituencies_of(conn, &[postcode])?.remove(postcode.as_str()))
}

/// The constituencies of many postcodes in two queries (full postcodes, then the sectors of
/// the rest), keyed by postcode; a postcode the lookup doesn't know is left out.
pub fn constituencies_of(
    conn: &mut DbConnection,
    wanted: &[&Postcode],
) -> Result<HashMap<String, String>, PersistenceError> {
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let exact: Vec<&str> = wanted.iter().map(|postcode| postcode.as_str()).collect();
    let mut found: HashMap<String, String> = postcodes::table
        .filter(postcodes::postcode.eq_any(&exact))
        .select((postcodes::postcode, postcodes::ons_code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let by_sector: Vec<(&str, String)> = wanted
        .iter()
        .filter(|postcode| !found.contains_key(postcode.as_str()))
        .filter_map(|postcode| Some((postcode.as_str(), postcode.sector()?)))
        .collect();
    if by_sector.is_empty() {
        return Ok(found);
    }
    let sectors: Vec<&str> = by_sector
        .iter()
        .map(|(_, sector)| sector.as_str())
        .collect();
    let sector_codes: HashMap<String, String> = postcode_sectors::table
        .filter(postcode_sectors::sector.eq_any(&sectors))
        .select((postcode_sectors::sector, postcode_sectors::ons_code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    for (postcode, sector) in by_sector {
        if let Some(code) = sector_codes.get(&sector) {
            found.insert(postcode.to_owned(), code.clone());
        }
    }
    Ok(found)
}

/// Loads the bundled lookup into an empty database; returns what it loaded, if anything.
pub fn load_bundled_if_empty(
    conn: &mut DbConnection,
) -> Result<Option<PostcodeImport>, PersistenceError> {
    let empty = postcodes::table
        .select(postcodes::postcode)
        .first::<String>(conn)
        .optional()?
        .is_none()
        && postcode_sectors::table
            .select(postcode_sectors::sector)
            .first::<String>(conn)
            .optional()?
            .is_none();
    if !empty {
        return Ok(None);
    }
    let mut total = import_csv(conn, BUNDLED_POSTCODES.as_bytes())?;
    let sectors = import_csv(conn, BUNDLED_SECTORS.as_bytes())?;
    total.sectors += sectors.sectors;
    total.skipped += sectors.skipped;
    Ok(Some(total))
}

/// Imports a CSV in one transaction, replacing what is stored for the same postcodes. The
/// columns are found by name: a postcode directory (`pcds`/`pcd`, `pcon`, and `doterm` for
/// terminated postcodes), a `postcode,ons_code` list, or a `sector,ons_code` list.
pub fn import_csv(
    conn: &mut DbConnection,
    source: impl Read,
) -> Result<PostcodeImport, PersistenceError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(source);
    let headers = reader
        .headers()
        .map_err(|error| PersistenceError::InvalidInput(format!("the header row: {error}")))?
        .clone();
    let column = |names: &[&str]| {
        names.iter().find_map(|name| {
            headers
                .iter()
                .position(|header| header.trim().eq_ignore_ascii_case(name))
        })
    };
    let constituency = column(&CONSTITUENCY_COLUMNS).ok_or_else(|| {
        PersistenceError::InvalidInput(format!(
            "no constituency column: expected one of {}",
            CONSTITUENCY_COLUMNS.join(", ")
        ))
    })?;
    let terminated = column(&["doterm"]);
    let key = match (column(&POSTCODE_COLUMNS), column(&["sector"])) {
        (Some(index), _) => Key::Postcode(index),
        (None, Some(index)) => Key::Sector(index),
        (None, None) => {
            return Err(PersistenceError::InvalidInput(format!(
                "no postcode column: expected one of {} or sector",
                POSTCODE_COLUMNS.join(", ")
            )))
        }
    };

    write_transaction(conn, |conn| {
        let mut report = PostcodeImport::default();
        let mut batch: Vec<(String, String)> = Vec::with_capacity(ROWS_PER_INSERT);
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|error| {
                PersistenceError::InvalidInput(format!("line {}: {error}", line + 2))
            })?;
            // PostgreSQL's text can't hold one; refused here, with its line, on both databases.
            if record.iter().any(|field| field.contains('\0')) {
                return Err(PersistenceError::InvalidInput(format!(
                    "line {}: a field contains the NUL character",
                    line + 2
                )));
            }
            let field = |index: usize| record.get(index).map(str::trim).unwrap_or_default();
            let ons_code = field(constituency);
            let is_terminated = terminated.is_some_and(|index| !field(index).is_empty());
            let lookup_key = match key {
                Key::Postcode(index) => Postcode::parse(field(index))
                    .ok()
                    .map(|postcode| postcode.as_str().to_owned()),
                Key::Sector(index) => normalise_sector(field(index)),
            };
            match lookup_key {
                Some(lookup_key) if !ons_code.is_empty() && !is_terminated => {
                    batch.push((lookup_key, ons_code.to_owned()));
                }
                _ => report.skipped += 1,
            }
            if batch.len() == ROWS_PER_INSERT {
                store(conn, key, &mut batch, &mut report)?;
            }
        }
        store(conn, key, &mut batch, &mut report)?;
        Ok(report)
    })
}

#[derive(Debug, Clone, Copy)]
enum Key {
    Postcode(usize),
    Sector(usize),
}

/// `sw1a  1` → `SW1A 1`: the outward code, one space, the inward code's digit.
fn normalise_sector(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let (outward, digit) = compact.split_at(compact.len().checked_sub(1)?);
    let valid = (2..=4).contains(&outward.len())
        && outward.chars().all(|c| c.is_ascii_alphanumeric())
        && digit.chars().all(|c| c.is_ascii_digit());
    valid.then(|| format!("{outward} {digit}"))
}

fn store(
    conn: &mut DbConnection,
    key: Key,
    batch: &mut Vec<(String, String)>,
    report: &mut PostcodeImport,
) -> Result<(), PersistenceError> {
    if batch.is_empty() {
        return Ok(());
    }
    // A directory can list a postcode twice; the last row wins, as an upsert would.
    batch.sort_by(|a, b| a.0.cmp(&b.0));
    batch.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 = std::mem::take(&mut later.1);
        }
        same
    });
    match key {
        Key::Postcode(_) => {
            let rows: Vec<_> = batch
                .iter()
                .map(|(postcode, ons_code)| {
                    (
                        postcodes::postcode.eq(postcode),
                        postcodes::ons_code.eq(ons_code),
                    )
                })
                .collect();
            on_each_backend!(conn, |c| diesel::insert_into(postcodes::table)
                .values(&rows)
                .on_conflict(postcodes::postcode)
                .do_update()
                .set(postcodes::ons_code.eq(excluded(postcodes::ons_code)))
                .execute(c)?);
            report.postcodes += batch.len();
        }
        Key::Sector(_) => {
            let rows: Vec<_> = batch
                .iter()
                .map(|(sector, ons_code)| {
                    (
                        postcode_sectors::sector.eq(sector),
                        postcode_sectors::ons_code.eq(ons_code),
                    )
                })
                .collect();
            on_each_backend!(conn, |c| diesel::insert_into(postcode_sectors::table)
                .values(&rows)
                .on_conflict(postcode_sectors::sector)
                .do_update()
                .set(postcode_sectors::ons_code.eq(excluded(postcode_sectors::ons_code)))
                .execute(c)?);
            report.sectors += batch.len();
        }
    }
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sectors_are_normalised() {
        assert_eq!(normalise_sector("sw1a 1"), Some("SW1A 1".to_owned()));
        assert_eq!(normalise_sector("M1  1"), Some("M1 1".to_owned()));
        assert_eq!(normalise_sector("M1"), None);
        assert_eq!(normalise_sector(""), None);
        assert_eq!(normalise_sector("SW1A A"), None);
    }
}
