//! Real petitions from petition.parliament.uk (Open Government Licence v3.0), bundled so a
//! new installation shows data at once. Sources and eras: `api/seed/official/README.md`.

use persistence::petitions::{count_petitions, import_petition};
use persistence::{Database, PersistenceError};

use super::{parse_document, ImportError};

/// Every file in `api/seed/official/`; a test checks that none is missing.
pub const DOCUMENTS: &[(&str, &str)] = &[
    ("10.json", include_str!("../../seed/official/10.json")),
    ("100.json", include_str!("../../seed/official/100.json")),
    ("1000.json", include_str!("../../seed/official/1000.json")),
    (
        "104309.json",
        include_str!("../../seed/official/104309.json"),
    ),
    (
        "104311.json",
        include_str!("../../seed/official/104311.json"),
    ),
    (
        "104318.json",
        include_str!("../../seed/official/104318.json"),
    ),
    (
        "104322.json",
        include_str!("../../seed/official/104322.json"),
    ),
    (
        "104324.json",
        include_str!("../../seed/official/104324.json"),
    ),
    (
        "104337.json",
        include_str!("../../seed/official/104337.json"),
    ),
    (
        "104343.json",
        include_str!("../../seed/official/104343.json"),
    ),
    (
        "104349.json",
        include_str!("../../seed/official/104349.json"),
    ),
    (
        "104361.json",
        include_str!("../../seed/official/104361.json"),
    ),
    (
        "104374.json",
        include_str!("../../seed/official/104374.json"),
    ),
    (
        "114003.json",
        include_str!("../../seed/official/114003.json"),
    ),
    (
        "120783.json",
        include_str!("../../seed/official/120783.json"),
    ),
    (
        "131215.json",
        include_str!("../../seed/official/131215.json"),
    ),
    (
        "171928.json",
        include_str!("../../seed/official/171928.json"),
    ),
    (
        "200000.json",
        include_str!("../../seed/official/200000.json"),
    ),
    (
        "200001.json",
        include_str!("../../seed/official/200001.json"),
    ),
    (
        "200004.json",
        include_str!("../../seed/official/200004.json"),
    ),
    (
        "200010.json",
        include_str!("../../seed/official/200010.json"),
    ),
    (
        "200011.json",
        include_str!("../../seed/official/200011.json"),
    ),
    (
        "200018.json",
        include_str!("../../seed/official/200018.json"),
    ),
    (
        "200019.json",
        include_str!("../../seed/official/200019.json"),
    ),
    (
        "200021.json",
        include_str!("../../seed/official/200021.json"),
    ),
    (
        "200025.json",
        include_str!("../../seed/official/200025.json"),
    ),
    (
        "200030.json",
        include_str!("../../seed/official/200030.json"),
    ),
    (
        "200037.json",
        include_str!("../../seed/official/200037.json"),
    ),
    (
        "200040.json",
        include_str!("../../seed/official/200040.json"),
    ),
    (
        "200048.json",
        include_str!("../../seed/official/200048.json"),
    ),
    (
        "200074.json",
        include_str!("../../seed/official/200074.json"),
    ),
    (
        "200088.json",
        include_str!("../../seed/official/200088.json"),
    ),
    (
        "200117.json",
        include_str!("../../seed/official/200117.json"),
    ),
    (
        "200131.json",
        include_str!("../../seed/official/200131.json"),
    ),
    (
        "274666.json",
        include_str!("../../seed/official/274666.json"),
    ),
    ("38257.json", include_str!("../../seed/official/38257.json")),
    (
        "736296.json",
        include_str!("../../seed/official/736296.json"),
    ),
    (
        "751154.json",
        include_str!("../../seed/official/751154.json"),
    ),
    (
        "754624.json",
        include_str!("../../seed/official/754624.json"),
    ),
    (
        "755725.json",
        include_str!("../../seed/official/755725.json"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("bundled document {file}: {error}")]
    Document {
        file: &'static str,
        error: ImportError,
    },
    #[error(transparent)]
    Database(#[from] PersistenceError),
}

/// Imports the bundled petitions if the database holds none; returns how many it imported.
pub fn seed_if_empty(db: &Database) -> Result<usize, SeedError> {
    let existing = db.run_blocking(count_petitions)?;
    if existing > 0 {
        return Ok(0);
    }
    let mut imported = 0;
    for (file, text) in DOCUMENTS {
        let petitions =
            parse_document(text).map_err(|error| SeedError::Document { file, error })?;
        for petition in petitions {
            db.run_blocking(|conn| import_petition(conn, petition))?;
            imported += 1;
        }
    }
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_file_is_listed_and_parses() {
        let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/seed/official"))
            .unwrap()
            .filter_map(|entry| entry.unwrap().file_name().into_string().ok())
            .filter(|name| name.ends_with(".json"))
            .count();
        assert_eq!(DOCUMENTS.len(), on_disk);
        for (file, text) in DOCUMENTS {
            assert_eq!(
                parse_document(text)
                    .unwrap_or_else(|error| panic!("{file}: {error}"))
                    .len(),
                1,
                "{file}"
            );
        }
    }
}
