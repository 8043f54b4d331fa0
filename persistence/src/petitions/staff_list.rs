//! The staff list of petitions: every state, with the moderation facets (SPEC §5).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::list::{backend_of, ordered, with_facet, with_search, Facet, PetitionQuery};
use super::model::PetitionRow;
use crate::schema::petitions;
use crate::{DbConnection, PersistenceError};

/// Days in the moderation queue after which a petition is overdue, and nearly so.
pub const OVERDUE_AFTER_DAYS: i64 = 14;
pub const NEARLY_OVERDUE_AFTER_DAYS: i64 = 11;

/// A staff facet: the moderation ones, or any public one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffFacet {
    /// Every petition, whatever its state.
    All,
    /// Waiting for the creator to confirm, or for supporters.
    CollectingSponsors,
    /// In the moderation queue (sponsored or flagged), oldest first.
    InModeration,
    /// In the queue for 11 to 14 days.
    NearlyOverdue,
    /// In the queue for more than 14 days.
    Overdue,
    Flagged,
    Dormant,
    Hidden,
    Stopped,
    Removed,
    Public(Facet),
}

impl StaffFacet {
    const NAMES: [(&'static str, StaffFacet); 10] = [
        ("all", StaffFacet::All),
        ("collecting_sponsors", StaffFacet::CollectingSponsors),
        ("in_moderation", StaffFacet::InModeration),
        ("nearly_overdue", StaffFacet::NearlyOverdue),
        ("overdue", StaffFacet::Overdue),
        ("flagged", StaffFacet::Flagged),
        ("dormant", StaffFacet::Dormant),
        ("hidden", StaffFacet::Hidden),
        ("stopped", StaffFacet::Stopped),
        ("removed", StaffFacet::Removed),
    ];

    /// Every name this accepts, the staff ones first.
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Self::NAMES.iter().map(|(name, _)| *name).collect();
        for (name, _) in Facet::NAMES {
            if !names.contains(&name) && name != "published" {
                names.push(name);
            }
        }
        names
    }

    /// `None` for a name that is not a facet: staff tools should hear of a typo, not get
    /// every petition.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some((_, facet)) = Self::NAMES.iter().find(|(name, _)| *name == text) {
            return Some(*facet);
        }
        let public = Facet::parse(text);
        (public.as_str() == text && public != Facet::Published)
            .then_some(StaffFacet::Public(public))
    }
}

#[derive(Debug, Clone)]
pub struct StaffListQuery {
    pub facet: StaffFacet,
    /// A petition id, or words to look for in the texts.
    pub search: Option<String>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// One page of the staff list and how many petitions match across all pages.
pub fn list_for_staff(
    conn: &mut DbConnection,
    query: &StaffListQuery,
    now: NaiveDateTime,
) -> Result<(Vec<PetitionRow>, i64), PersistenceError> {
    let total = filtered(conn, query, now).count().get_result::<i64>(conn)?;
    let offset = i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page);
    let rows = ordered_for_staff(filtered(conn, query, now), query.facet)
        .limit(i64::from(query.per_page))
        .offset(offset)
        .select(PetitionRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

const IN_MODERATION: [&str; 2] = ["sponsored", "flagged"];

fn filtered(conn: &DbConnection, query: &StaffListQuery, now: NaiveDateTime) -> PetitionQuery {
    use petitions::dsl as p;

    let selection = p::petitions.into_boxed();
    let queued_before = |days: i64| now - Duration::days(days);
    let mut selection = match query.facet {
        StaffFacet::All => selection,
        StaffFacet::CollectingSponsors => {
            selection.filter(p::state.eq_any(["pending", "validated"]))
        }
        StaffFacet::InModeration => selection.filter(p::state.eq_any(IN_MODERATION)),
        StaffFacet::NearlyOverdue => selection
            .filter(p::state.eq_any(IN_MODERATION))
            .filter(p::moderation_threshold_reached_at.ge(queued_before(OVERDUE_AFTER_DAYS)))
            .filter(
                p::moderation_threshold_reached_at.lt(queued_before(NEARLY_OVERDUE_AFTER_DAYS)),
            ),
        StaffFacet::Overdue => selection
            .filter(p::state.eq_any(IN_MODERATION))
            .filter(p::moderation_threshold_reached_at.lt(queued_before(OVERDUE_AFTER_DAYS))),
        StaffFacet::Flagged => selection.filter(p::state.eq("flagged")),
        StaffFacet::Dormant => selection.filter(p::state.eq("dormant")),
        StaffFacet::Hidden => selection.filter(p::state.eq("hidden")),
        StaffFacet::Stopped => selection.filter(p::state.eq("stopped")),
        StaffFacet::Removed => selection.filter(p::state.eq("removed")),
        StaffFacet::Public(facet) => with_facet(
            selection.filter(p::state.eq_any(["open", "closed", "rejected"])),
            facet,
            now,
        ),
    };
    if let Some(search) = query.search.as_deref().map(str::trim) {
        selection = match search.trim_start_matches('#').parse::<i64>() {
            Ok(id) => selection.filter(p::id.eq(id)),
            Err(_) => with_search(selection, search, backend_of(conn)),
        };
    }
    selection
}

fn ordered_for_staff(selection: PetitionQuery, facet: StaffFacet) -> PetitionQuery {
    use petitions::dsl as p;

    match facet {
        StaffFacet::Public(facet) => ordered(selection, facet),
        // The longest-waiting first: that is the order moderators work in.
        StaffFacet::InModeration | StaffFacet::NearlyOverdue | StaffFacet::Overdue => {
            selection.order((p::moderation_threshold_reached_at.asc(), p::id.asc()))
        }
        _ => selection.order((p::created_at.desc(), p::id.desc())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_facet_name_parses_and_nonsense_does_not() {
        for name in StaffFacet::names() {
            assert!(StaffFacet::parse(name).is_some(), "{name}");
        }
        assert_eq!(StaffFacet::parse("all"), Some(StaffFacet::All));
        assert_eq!(
            StaffFacet::parse("open"),
            Some(StaffFacet::Public(Facet::Open))
        );
        assert_eq!(StaffFacet::parse("moderated"), None);
        assert_eq!(StaffFacet::parse("published"), None);
    }
}
