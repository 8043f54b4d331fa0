//! Who may see a petition at which address (SPEC §4.3): 404 if it was never public,
//! 410 if it was and has been taken down, 400 for an id that is not a number.

use chrono::NaiveDateTime;
use domain::state::PetitionState;
use persistence::petitions::CountRow;

use crate::error::ApiError;

/// Parses the `{id}` of a petition path.
pub fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| ApiError::BadRequest {
        detail: format!("{raw:?} is not a petition id: ids are positive whole numbers, as in /petitions/123.json"),
        field: "id",
    })
}

/// The facts about a stored petition that decide whether the public may see it.
pub struct Visibility<'a> {
    pub id: i64,
    pub state: &'a str,
    pub opened_at: Option<NaiveDateTime>,
    pub archived_at: Option<NaiveDateTime>,
}

impl Visibility<'_> {
    /// `Ok` if the petition may be shown at the live (`archived = false`) or archived address.
    pub fn check(&self, archived: bool) -> Result<(), ApiError> {
        let id = self.id;
        match PetitionState::parse(self.state) {
            Some(PetitionState::Removed) => {
                return Err(ApiError::Gone(format!("petition {id} has been removed")))
            }
            Some(PetitionState::Hidden) if self.opened_at.is_some() => {
                return Err(ApiError::Gone(format!("petition {id} has been taken down")))
            }
            Some(state) if state.is_public() => {}
            _ => return Err(ApiError::not_found(format!("there is no petition {id}"))),
        }
        match (archived, self.archived_at.is_some()) {
            (false, true) => Err(ApiError::not_found(format!(
                "petition {id} belongs to a past parliament: see /archived/petitions/{id}.json"
            ))),
            (true, false) => Err(ApiError::not_found(format!(
                "petition {id} is not archived: see /petitions/{id}.json"
            ))),
            _ => Ok(()),
        }
    }
}

/// The count row of petition `id` if the public may see it at its own address (live or
/// archived): for the pages that hang off a petition.
pub fn visible(id: i64, row: Option<CountRow>) -> Result<CountRow, ApiError> {
    let row = row.ok_or_else(|| ApiError::not_found(format!("there is no petition {id}")))?;
    Visibility {
        id,
        state: &row.state,
        opened_at: row.opened_at,
        archived_at: row.archived_at,
    }
    .check(row.archived_at.is_some())?;
    Ok(row)
}
