//! What the live and archived lists share: parameters, paging links, JSON and CSV.

use actix_web::web;
use actix_web::HttpResponse;
use persistence::petitions::{list_petition_rows, list_petitions, Facet, ListQuery, Page, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::error::ApiError;
use crate::petition_json::{moment, petition_data, PetitionData};

const DEFAULT_PAGE_SIZE: u32 = 25;
const MAX_PAGE_SIZE: u32 = 50;
/// Lists are cheap to cache for a minute; signatures move the counts, not the membership.
const LIST_MAX_AGE: u32 = 60;

/// List parameters. Bad values never fail the request: an invalid `page` means 1, an invalid
/// `count` the default, an unknown `state` `all`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Words to search for in the action, background and additional details.
    q: Option<String>,
    /// The facet: all, open, recent, closed, rejected, awaiting_response, with_response,
    /// awaiting_debate, debated, not_debated (archived lists: all, published, rejected,
    /// with_response, debated, not_debated).
    state: Option<String>,
    /// The page, from 1.
    #[param(value_type = Option<u32>, minimum = 1)]
    page: Option<String>,
    /// Petitions per page: 25 by default, 50 at most.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    count: Option<String>,
    /// A topic code.
    topic: Option<String>,
    /// Archived lists only: the id of a parliament from /parliaments.json.
    #[param(value_type = Option<i64>)]
    parliament: Option<String>,
}

/// `{"links": {...}, "data": [petition...]}`
#[derive(Debug, Serialize, ToSchema)]
pub struct PetitionList {
    pub links: ListLinks,
    pub data: Vec<PetitionData>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListLinks {
    #[serde(rename = "self")]
    pub self_link: String,
    pub first: String,
    pub last: String,
    pub next: Option<String>,
    pub prev: Option<String>,
}

impl ListParams {
    fn query(&self, archived: bool) -> ListQuery {
        let trimmed = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let page = self
            .page
            .as_deref()
            .and_then(|text| text.trim().parse::<u32>().ok())
            .filter(|page| *page >= 1);
        let per_page = self
            .count
            .as_deref()
            .and_then(|text| text.trim().parse::<u32>().ok())
            .filter(|count| *count >= 1);
        let scope = if archived {
            Scope::Archived {
                parliament_id: self
                    .parliament
                    .as_deref()
                    .and_then(|text| text.trim().parse().ok()),
            }
        } else {
            Scope::Current
        };
        ListQuery {
            scope,
            facet: Facet::parse(self.state.as_deref().unwrap_or("all").trim()),
            search: trimmed(&self.q),
            topic: trimmed(&self.topic),
            // Far past the last page is an empty page, not an overflow.
            page: page.unwrap_or(1).min(1_000_000),
            per_page: per_page.map_or(DEFAULT_PAGE_SIZE, |count| count.min(MAX_PAGE_SIZE)),
        }
    }

    /// The parameters to repeat in every link, as given (normalised), without `page`.
    fn link_params(&self, query: &ListQuery) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if self.count.is_some() {
            params.push(("count", query.per_page.to_string()));
        }
        if let Scope::Archived {
            parliament_id: Some(id),
        } = query.scope
        {
            params.push(("parliament", id.to_string()));
        }
        if let Some(search) = &query.search {
            params.push(("q", search.clone()));
        }
        if self.state.is_some() {
            params.push(("state", query.facet.as_str().to_owned()));
        }
        if let Some(topic) = &query.topic {
            params.push(("topic", topic.clone()));
        }
        params
    }
}

fn list_path(archived: bool, extension: &str) -> String {
    format!(
        "{}/petitions.{extension}",
        if archived { "/archived" } else { "" }
    )
}

/// The JSON list, for `/petitions.json` and `/archived/petitions.json`.
pub async fn list_json(
    state: web::Data<AppState>,
    params: ListParams,
    archived: bool,
) -> Result<HttpResponse, ApiError> {
    let query = params.query(archived);
    let now = state.clock.now();
    let page = {
        let query = query.clone();
        state
            .db
            .run(move |conn| list_petitions(conn, &query, now.naive_utc()))
            .await?
    };
    let links = list_links(&state, &params, &query, &page, archived);
    let data = page
        .records
        .into_iter()
        .map(|record| petition_data(record, None, true, &state.public_url, now))
        .collect();
    Ok(super::cacheable_json(
        &PetitionList { links, data },
        LIST_MAX_AGE,
    ))
}

fn list_links(
    state: &AppState,
    params: &ListParams,
    query: &ListQuery,
    page: &Page,
    archived: bool,
) -> ListLinks {
    let path = list_path(archived, "json");
    let base = params.link_params(query);
    let last_page =
        u32::try_from((page.total + i64::from(query.per_page) - 1) / i64::from(query.per_page))
            .unwrap_or(u32::MAX)
            .max(1);
    let link = |number: u32| {
        let mut params = base.clone();
        if number > 1 {
            params.push(("page", number.to_string()));
        }
        state.public_url.with_query(&path, &params)
    };
    ListLinks {
        self_link: link(query.page),
        first: link(1),
        last: link(last_page),
        next: (query.page < last_page).then(|| link(query.page + 1)),
        prev: (query.page > 1).then(|| link((query.page - 1).min(last_page))),
    }
}

/// The CSV list: every matching petition, not one page.
pub async fn list_csv(
    state: web::Data<AppState>,
    params: ListParams,
    archived: bool,
) -> Result<HttpResponse, ApiError> {
    const BATCH: u32 = 500;
    let mut query = params.query(archived);
    query.per_page = BATCH;
    let now = state.clock.now();
    let rows = state
        .db
        .run(move |conn| {
            let mut rows = Vec::new();
            for page_number in 1.. {
                query.page = page_number;
                let page = list_petition_rows(conn, &query, now.naive_utc())?;
                let complete = page.len() < BATCH as usize;
                rows.extend(page);
                if complete {
                    break;
                }
            }
            Ok(rows)
        })
        .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |error: csv::Error| ApiError::Internal(Box::new(error));
    writer
        .write_record(["Petition", "URL", "State", "Signatures Count"])
        .map_err(csv_error)?;
    for row in rows {
        let shown_state = moment(&row.state, row.deadline, row.closed_at, now).state;
        let url = state.public_url.petition(row.id, archived);
        writer
            .write_record([
                row.action.as_str(),
                &url,
                shown_state.as_str(),
                &row.signature_count.to_string(),
            ])
            .map_err(csv_error)?;
    }
    let csv = writer
        .into_inner()
        .map_err(|error| ApiError::Internal(Box::new(error.into_error())))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(super::cache_control(LIST_MAX_AGE))
        .body(csv))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(page: &str, count: &str) -> ListParams {
        ListParams {
            page: Some(page.into()),
            count: Some(count.into()),
            ..ListParams::default()
        }
    }

    #[test]
    fn bad_page_and_count_values_fall_back_to_defaults() {
        for (page, count) in [
            ("abc", "x"),
            ("0", "0"),
            ("-3", "-1"),
            ("1.5", "2.5"),
            ("99999999999999", ""),
        ] {
            let query = params(page, count).query(false);
            assert_eq!(query.page, 1, "{page}");
            assert_eq!(query.per_page, DEFAULT_PAGE_SIZE, "{count}");
        }
        assert_eq!(params("3", "500").query(false).per_page, MAX_PAGE_SIZE);
        assert_eq!(params("3", "10").query(false).page, 3);
    }
}
