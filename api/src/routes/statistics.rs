//! What none of the official endpoints offers (SPEC §4.3–4.4): signatures over time,
//! trending petitions, related petitions, and what a constituency is signing.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use domain::deadline::london_date;
use domain::Postcode;
use persistence::petitions::find_count;
use persistence::statistics::{
    hourly_series, popular_in_constituency, related, trending, RankedPetition,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::visibility::{parse_id, visible};
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::petition_json::{SelfLink, Timestamp};
use crate::query::Query;

/// The series moves with every batch, like the count; rankings can lag a little more.
const SERIES_MAX_AGE: u32 = 10;
const RANKING_MAX_AGE: u32 = 60;
const TRENDING_SIZE: usize = 10;
pub(super) const RELATED_SIZE: i64 = 5;
const POPULAR_SIZE: i64 = 10;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Hour,
    Day,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SeriesParams {
    /// `hour` (the default) or `day` (London days).
    pub interval: Option<Interval>,
}

/// A petition's confirmed signatures per hour or per day, from its first signature to its
/// last, with the empty hours or days in between as zeros.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignaturesOverTime {
    pub links: SelfLink,
    pub petition_id: i64,
    pub interval: Interval,
    pub data: Vec<SeriesPoint>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    /// The start of the hour (UTC), or the London date.
    pub starts: String,
    pub signature_count: i64,
}

/// Signatures over time: the series the counter keeps with every batch.
#[utoipa::path(
    tag = "statistics",
    params(("id" = String, Path, description = "The petition id"), SeriesParams),
    responses(
        (status = 200, description = "The series", body = SignaturesOverTime),
        (status = 400, description = "The id is not a number, or the interval is unknown", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such public petition", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed, or taken down after publication", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/petitions/{id}/signatures-over-time.json")]
pub async fn signatures_over_time(
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: Query<SeriesParams>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let interval = params.interval.unwrap_or(Interval::Hour);
    let (petition, hours) = state
        .db
        .run(move |conn| Ok((find_count(conn, id)?, hourly_series(conn, id)?)))
        .await?;
    visible(id, petition)?;
    let data = match interval {
        Interval::Hour => hourly_points(&hours),
        Interval::Day => daily_points(&hours),
    };
    let path = format!("/petitions/{id}/signatures-over-time.json");
    let body = SignaturesOverTime {
        links: SelfLink {
            self_link: state.public_url.with_query(
                &path,
                &[("interval", format!("{interval:?}").to_lowercase())],
            ),
        },
        petition_id: id,
        interval,
        data,
    };
    Ok(super::cacheable_json(&body, SERIES_MAX_AGE))
}

fn hourly_points(hours: &[(NaiveDateTime, i64)]) -> Vec<SeriesPoint> {
    let (Some(first), Some(last)) = (hours.first(), hours.last()) else {
        return Vec::new();
    };
    let counts: BTreeMap<NaiveDateTime, i64> = hours.iter().copied().collect();
    let mut points = Vec::new();
    let mut hour = first.0;
    while hour <= last.0 {
        points.push(SeriesPoint {
            starts: Timestamp(hour).to_string(),
            signature_count: counts.get(&hour).copied().unwrap_or(0),
        });
        hour += Duration::hours(1);
    }
    points
}

fn daily_points(hours: &[(NaiveDateTime, i64)]) -> Vec<SeriesPoint> {
    let mut days: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (hour, count) in hours {
        *days.entry(london_date(hour.and_utc())).or_default() += count;
    }
    let (Some(first), Some(last)) = (
        days.keys().next().copied(),
        days.keys().next_back().copied(),
    ) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|day| *day <= last)
        .map(|day| SeriesPoint {
            starts: day.to_string(),
            signature_count: days.get(&day).copied().unwrap_or(0),
        })
        .collect()
}

/// A petition in a ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankedItem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: i64,
    pub links: SelfLink,
    pub attributes: RankedAttributes,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankedAttributes {
    pub action: String,
    /// All its confirmed signatures.
    pub signature_count: i64,
    /// What it is ranked by: signatures in the last hour (trending), text similarity in
    /// thousandths (related), or signatures from the constituency (popular).
    pub score: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ranking {
    pub links: SelfLink,
    pub data: Vec<RankedItem>,
}

fn ranking(
    state: &AppState,
    path: &str,
    query: &[(&str, String)],
    rows: Vec<RankedPetition>,
) -> Ranking {
    Ranking {
        links: SelfLink {
            self_link: state.public_url.with_query(path, query),
        },
        data: ranked_items(state, rows),
    }
}

pub(super) fn ranked_items(state: &AppState, rows: Vec<RankedPetition>) -> Vec<RankedItem> {
    rows.into_iter()
        .map(|row| RankedItem {
            kind: "petition",
            id: row.id,
            links: SelfLink {
                self_link: state.public_url.petition(row.id, false),
            },
            attributes: RankedAttributes {
                action: row.action,
                signature_count: row.signature_count,
                score: row.score,
            },
        })
        .collect()
}

/// The 10 open petitions with the most signatures confirmed in the last hour.
#[utoipa::path(
    tag = "statistics",
    responses((status = 200, description = "Trending petitions, most signed in the last hour first", body = Ranking))
)]
#[get("/trending.json")]
pub async fn trending_petitions(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    // Switched off under load, the list is empty rather than gone, so pages still render.
    let rows = if state.settings.get(&state.db).await?.trending_enabled {
        state
            .db
            .run(move |conn| trending(conn, now, TRENDING_SIZE))
            .await?
    } else {
        Vec::new()
    };
    Ok(super::cacheable_json(
        &ranking(&state, "/trending.json", &[], rows),
        RANKING_MAX_AGE,
    ))
}

/// Open petitions like this one ("you may be interested in"), most similar first.
#[utoipa::path(
    tag = "statistics",
    params(("id" = String, Path, description = "The petition id")),
    responses(
        (status = 200, description = "Up to 5 similar open petitions", body = Ranking),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such public petition", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed, or taken down after publication", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/petitions/{id}/related.json")]
pub async fn related_petitions(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let (petition, rows) = state
        .db
        .run(move |conn| Ok((find_count(conn, id)?, related(conn, id, RELATED_SIZE)?)))
        .await?;
    visible(id, petition)?;
    let path = format!("/petitions/{id}/related.json");
    Ok(super::cacheable_json(
        &ranking(&state, &path, &[], rows),
        RANKING_MAX_AGE,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PopularParams {
    /// A constituency's ONS code, e.g. `E14001172`.
    pub constituency: Option<String>,
    /// Or a UK postcode, whose constituency is looked up.
    pub postcode: Option<String>,
}

/// The open petitions most signed in a constituency, by ONS code or by postcode.
#[utoipa::path(
    tag = "statistics",
    params(PopularParams),
    responses(
        (status = 200, description = "Up to 10 open petitions, most signed in the constituency first", body = Ranking),
        (status = 400, description = "Neither or both of constituency and postcode, or not a postcode", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No constituency has the code, or none is known for the postcode", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/popular.json")]
pub async fn popular_petitions(
    state: web::Data<AppState>,
    params: Query<PopularParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let (query, ons_code) = match (params.constituency, params.postcode) {
        (Some(code), None) => {
            let code = code.trim().to_ascii_uppercase();
            (("constituency", code.clone()), code)
        }
        (None, Some(raw)) => {
            let postcode = Postcode::parse(&raw).map_err(|error| ApiError::BadRequest {
                detail: format!("postcode {raw:?} {error}"),
                field: "postcode",
            })?;
            let lookup = postcode.clone();
            let found = state
                .db
                .run(move |conn| persistence::postcodes::constituency_of(conn, &lookup))
                .await?;
            let code = found.ok_or_else(|| {
                ApiError::not_found(format!(
                    "no constituency is known for {}",
                    postcode.display()
                ))
            })?;
            (("postcode", postcode.as_str().to_owned()), code)
        }
        _ => {
            return Err(ApiError::BadRequest {
                detail: "give one of constituency (an ONS code) or postcode".to_owned(),
                field: "constituency",
            })
        }
    };
    let lookup = ons_code.clone();
    let rows = state
        .db
        .run(move |conn| popular_in_constituency(conn, &lookup, POPULAR_SIZE))
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "there is no constituency {ons_code:?}: give an ONS code from /constituencies.json, as E14001172"
            ))
        })?;
    Ok(super::cacheable_json(
        &ranking(&state, "/popular.json", &[query], rows),
        RANKING_MAX_AGE,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour(text: &str) -> NaiveDateTime {
        text.parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn gaps_in_the_series_are_zeros() {
        let hours = [
            (hour("2026-03-28T22:00:00Z"), 3),
            (hour("2026-03-29T01:00:00Z"), 4),
        ];
        let points = hourly_points(&hours);
        let counts: Vec<i64> = points.iter().map(|p| p.signature_count).collect();
        assert_eq!(counts, [3, 0, 0, 4]);
        assert_eq!(points[0].starts, "2026-03-28T22:00:00.000Z");
    }

    #[test]
    fn days_are_london_days() {
        // 23:00 UTC on 1 June is midnight in London: the next day there.
        let hours = [
            (hour("2026-06-01T22:00:00Z"), 1),
            (hour("2026-06-01T23:00:00Z"), 2),
            (hour("2026-06-03T12:00:00Z"), 5),
        ];
        let points = daily_points(&hours);
        let days: Vec<(&str, i64)> = points
            .iter()
            .map(|p| (p.starts.as_str(), p.signature_count))
            .collect();
        assert_eq!(
            days,
            [("2026-06-01", 1), ("2026-06-02", 2), ("2026-06-03", 5)]
        );
    }
}
