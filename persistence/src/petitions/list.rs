//! The public petition lists (SPEC §4.1): facets, search, topic, pages.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::model::PetitionRow;
use super::read::{with_relations, PetitionRecord};
use crate::database::MultiBackend;
use crate::schema::{petition_topics, petitions, topics};
use crate::{Backend, DbConnection, PersistenceError};

/// Live petitions, or those of past parliaments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Current,
    Archived { parliament_id: Option<i64> },
}

/// A public list facet (`state=` in the query string), with its filter and order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    All,
    Open,
    Recent,
    Closed,
    Rejected,
    AwaitingResponse,
    WithResponse,
    AwaitingDebate,
    Debated,
    NotDebated,
    /// Archived lists only: every petition that was published.
    Published,
}

impl Facet {
    pub(super) const NAMES: [(&'static str, Facet); 11] = [
        ("all", Facet::All),
        ("open", Facet::Open),
        ("recent", Facet::Recent),
        ("closed", Facet::Closed),
        ("rejected", Facet::Rejected),
        ("awaiting_response", Facet::AwaitingResponse),
        ("with_response", Facet::WithResponse),
        ("awaiting_debate", Facet::AwaitingDebate),
        ("debated", Facet::Debated),
        ("not_debated", Facet::NotDebated),
        ("published", Facet::Published),
    ];

    /// Unknown facets fall back to `all`, as on the official site.
    pub fn parse(text: &str) -> Self {
        Self::NAMES
            .iter()
            .find(|(name, _)| *name == text)
            .map_or(Facet::All, |(_, facet)| *facet)
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, facet)| *facet == self)
            .map_or("all", |(name, _)| name)
    }
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub scope: Scope,
    pub facet: Facet,
    /// Words to look for in the texts; punctuation is ignored.
    pub search: Option<String>,
    pub topic: Option<String>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub records: Vec<PetitionRecord>,
    /// How many petitions match across all pages.
    pub total: i64,
}

pub(super) type PetitionQuery = petitions::BoxedQuery<'static, MultiBackend>;

/// One page of a public list. `now` decides which open petitions are past their deadline.
pub fn list_petitions(
    conn: &mut DbConnection,
    query: &ListQuery,
    now: NaiveDateTime,
) -> Result<Page, PersistenceError> {
    let total = filtered(query, backend_of(conn), now)
        .count()
        .get_result::<i64>(conn)?;
    let rows = list_petition_rows(conn, query, now)?;
    Ok(Page {
        records: with_relations(conn, rows)?,
        total,
    })
}

/// One page of bare rows, without the total or related records: what an export needs.
pub fn list_petition_rows(
    conn: &mut DbConnection,
    query: &ListQuery,
    now: NaiveDateTime,
) -> Result<Vec<PetitionRow>, PersistenceError> {
    let offset = i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page);
    Ok(ordered(filtered(query, backend_of(conn), now), query.facet)
        .limit(i64::from(query.per_page))
        .offset(offset)
        .select(PetitionRow::as_select())
        .load(conn)?)
}

pub(super) fn backend_of(conn: &DbConnection) -> Backend {
    match conn {
        DbConnection::Postgres(_) => Backend::Postgres,
        DbConnection::Sqlite(_) => Backend::Sqlite,
    }
}

fn filtered(query: &ListQuery, backend: Backend, now: NaiveDateTime) -> PetitionQuery {
    use petitions::dsl as p;

    let mut selection = p::petitions
        .into_boxed()
        .filter(p::state.eq_any(["open", "closed", "rejected"]));
    selection = match query.scope {
        Scope::Current => selection.filter(p::archived_at.is_null()),
        Scope::Archived {
            parliament_id: None,
        } => selection.filter(p::archived_at.is_not_null()),
        Scope::Archived {
            parliament_id: Some(id),
        } => selection
            .filter(p::archived_at.is_not_null())
            .filter(p::parliament_id.eq(id)),
    };
    selection = with_facet(selection, query.facet, now);
    if let Some(topic) = &query.topic {
        let tagged = petition_topics::table
            .inner_join(topics::table)
            .filter(topics::code.eq(topic.clone()))
            .select(petition_topics::petition_id);
        selection = selection.filter(p::id.eq_any(tagged));
    }
    if let Some(search) = query.search.as_deref() {
        selection = with_search(selection, search, backend);
    }
    selection
}

/// Narrows `selection` to one public facet.
pub(super) fn with_facet(
    mut selection: PetitionQuery,
    facet: Facet,
    now: NaiveDateTime,
) -> PetitionQuery {
    use petitions::dsl as p;

    // Open means open now: a petition is closed the instant its deadline passes, even if
    // the closing job has not run yet.
    let signable = p::state
        .eq("open")
        .and(p::deadline.is_null().or(p::deadline.ge(now)));
    let past_deadline = p::state
        .eq("closed")
        .or(p::state.eq("open").and(p::deadline.lt(now)));
    selection = match facet {
        Facet::All => selection,
        Facet::Open | Facet::Recent => selection.filter(signable),
        Facet::Closed | Facet::Published => selection.filter(past_deadline),
        Facet::Rejected => selection.filter(p::state.eq("rejected")),
        Facet::AwaitingResponse => selection.filter(p::response_state.eq("awaiting")),
        Facet::WithResponse => selection.filter(p::government_response_at.is_not_null()),
        Facet::AwaitingDebate => {
            selection.filter(p::debate_state.eq_any(["awaiting", "scheduled"]))
        }
        Facet::Debated => selection.filter(p::debate_state.eq("debated")),
        Facet::NotDebated => selection.filter(p::debate_state.eq("not_debated")),
    };
    selection
}

/// Narrows `selection` to petitions whose texts hold every word of `search`, by each
/// database's own full-text index.
pub(super) fn with_search(
    mut selection: PetitionQuery,
    search: &str,
    backend: Backend,
) -> PetitionQuery {
    if let Some(words) = search_words(search) {
        selection = selection.filter(match backend {
            Backend::Postgres => {
                sql::<Bool>("petitions.search_vector @@ plainto_tsquery('english', ")
                    .bind::<Text, _>(words.join(" "))
                    .sql(")")
            }
            // Each word quoted, so FTS5 reads user input as words and never as its query syntax.
            Backend::Sqlite => sql::<Bool>(
                "petitions.id IN (SELECT rowid FROM petition_search WHERE petition_search MATCH ",
            )
            .bind::<Text, _>(
                words
                    .iter()
                    .map(|word| format!("\"{word}\""))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
            .sql(")"),
        });
    }
    selection
}

pub(super) fn ordered(selection: PetitionQuery, facet: Facet) -> PetitionQuery {
    use petitions::dsl as p;

    match facet {
        Facet::All | Facet::Open | Facet::Closed | Facet::Published => selection.order((
            p::signature_count.desc(),
            p::created_at.desc(),
            p::id.desc(),
        )),
        Facet::Recent => selection.order((p::opened_at.desc(), p::id.desc())),
        Facet::Rejected => selection.order((p::created_at.desc(), p::id.desc())),
        Facet::AwaitingResponse => {
            selection.order((p::response_threshold_reached_at.asc(), p::id.asc()))
        }
        Facet::WithResponse => selection.order((p::government_response_at.desc(), p::id.desc())),
        Facet::AwaitingDebate => selection.order((
            p::scheduled_debate_date.is_null().asc(),
            p::scheduled_debate_date.asc(),
            p::debate_threshold_reached_at.asc(),
            p::id.asc(),
        )),
        // NULLs sort differently on the two backends; an explicit IS NULL key makes them agree.
        Facet::Debated => selection.order((
            p::scheduled_debate_date.is_null().asc(),
            p::scheduled_debate_date.desc(),
            p::debate_outcome_at.desc(),
            p::id.desc(),
        )),
        Facet::NotDebated => selection.order((p::debate_outcome_at.desc(), p::id.desc())),
    }
}

/// The words of a search, lower-cased, without punctuation; `None` if there are none.
fn search_words(text: &str) -> Option<Vec<String>> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    (!words.is_empty()).then_some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_facets_fall_back_to_all_and_known_ones_round_trip() {
        assert_eq!(Facet::parse("nonsense"), Facet::All);
        for (name, facet) in Facet::NAMES {
            assert_eq!(Facet::parse(name), facet);
            assert_eq!(facet.as_str(), name);
        }
    }

    #[test]
    fn search_input_is_reduced_to_words() {
        assert_eq!(
            search_words("\"NHS\" AND (funding)*"),
            Some(vec!["nhs".into(), "and".into(), "funding".into()])
        );
        assert_eq!(search_words(" -- "), None);
    }
}
