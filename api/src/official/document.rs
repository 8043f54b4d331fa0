//! The official document shapes, and how each maps onto what we store.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use domain::deadline;
use domain::state::PetitionState;
use persistence::petitions::{
    ConstituencyCount, CountryCount, DebateOutcome, GovernmentResponse, ImportedParliament,
    NewDepartment, NewOtherBusiness, PetitionImport, PetitionRow, RegionCount,
};
use serde::Deserialize;
use serde_json::Value;

use super::ImportError;

/// Official petitions ran for six months whenever these documents were published.
const OFFICIAL_DURATION_MONTHS: u32 = 6;

#[derive(Debug, Deserialize)]
struct Item {
    #[serde(rename = "type")]
    kind: String,
    id: i64,
    attributes: Attributes,
    parliament: Option<ParliamentDoc>,
}

#[derive(Debug, Deserialize)]
struct ParliamentDoc {
    period: String,
    government: String,
    dissolution_at: Option<DateTime<FixedOffset>>,
    response_threshold: i64,
    debate_threshold: i64,
}

#[derive(Debug, Deserialize)]
struct Attributes {
    action: String,
    background: Option<String>,
    additional_details: Option<String>,
    #[serde(default)]
    committee_note: Option<String>,
    state: String,
    signature_count: i64,
    #[serde(default)]
    closing_date: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    rejected_at: Option<DateTime<Utc>>,
    /// Called `open_at` before July 2017.
    #[serde(alias = "open_at")]
    opened_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    moderation_threshold_reached_at: Option<DateTime<Utc>>,
    response_threshold_reached_at: Option<DateTime<Utc>>,
    government_response_at: Option<DateTime<Utc>>,
    debate_threshold_reached_at: Option<DateTime<Utc>>,
    #[serde(default)]
    debate_scheduled_on: Option<NaiveDate>,
    scheduled_debate_date: Option<NaiveDate>,
    debate_outcome_at: Option<DateTime<Utc>>,
    #[serde(default)]
    creator_name: Option<String>,
    rejection: Option<RejectionDoc>,
    government_response: Option<ResponseDoc>,
    debate: Option<DebateDoc>,
    #[serde(default)]
    departments: Vec<DepartmentDoc>,
    #[serde(default)]
    topics: Vec<String>,
    signatures_by_country: Option<Vec<CountryDoc>>,
    signatures_by_constituency: Option<Vec<ConstituencyDoc>>,
    signatures_by_region: Option<Vec<RegionDoc>>,
    other_parliamentary_business: Option<Vec<OtherBusinessDoc>>,
}

#[derive(Debug, Deserialize)]
struct RejectionDoc {
    code: String,
    details: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ResponseDoc {
    #[serde(default)]
    responded_on: Option<NaiveDate>,
    summary: String,
    details: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct DebateDoc {
    debated_on: Option<NaiveDate>,
    transcript_url: Option<String>,
    video_url: Option<String>,
    #[serde(default)]
    debate_pack_url: Option<String>,
    #[serde(default)]
    public_engagement_url: Option<String>,
    #[serde(default)]
    debate_summary_url: Option<String>,
    overview: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DepartmentDoc {
    acronym: String,
    name: String,
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CountryDoc {
    name: String,
    /// Absent before February 2016; the name then stands in for it.
    code: Option<String>,
    signature_count: i64,
}

#[derive(Debug, Deserialize)]
struct ConstituencyDoc {
    name: String,
    ons_code: String,
    mp: Option<String>,
    signature_count: i64,
}

#[derive(Debug, Deserialize)]
struct RegionDoc {
    name: String,
    ons_code: String,
    signature_count: i64,
}

#[derive(Debug, Deserialize)]
struct OtherBusinessDoc {
    subject: String,
    body: String,
    #[serde(default)]
    occurred_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Every petition in `text`, whichever official shape it has.
pub fn parse_document(text: &str) -> Result<Vec<PetitionImport>, ImportError> {
    let document: Value = serde_json::from_str(text).map_err(|error| ImportError {
        location: "document".into(),
        problem: format!("not valid JSON: {error}"),
    })?;
    let items: Vec<(String, Value)> = match document.get("data") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| (format!("data[{index}]"), item.clone()))
            .collect(),
        Some(item @ Value::Object(_)) => vec![("data".to_owned(), item.clone())],
        Some(_) => {
            return Err(ImportError {
                location: "data".into(),
                problem: "must be an object or an array".into(),
            })
        }
        None if document.get("attributes").is_some() => vec![("document".to_owned(), document)],
        None => {
            return Err(ImportError {
                location: "document".into(),
                problem: "has neither `data` nor `attributes`: not an official petition document"
                    .into(),
            })
        }
    };
    items
        .into_iter()
        .map(|(location, value)| {
            if let Some(rest) = path_to_nul(&value) {
                return Err(ImportError {
                    location: format!("{location}{rest}"),
                    problem: "contains the NUL character, which PostgreSQL can't store".into(),
                });
            }
            let item: Item = serde_json::from_value(value).map_err(|error| ImportError {
                location: location.clone(),
                problem: error.to_string(),
            })?;
            to_import(item).map_err(|problem| ImportError { location, problem })
        })
        .collect()
}

/// Where in `value` the first text holding a NUL is (as `.attributes.action`), if one does.
/// The path is built only on the way back from a NUL, so a clean document allocates nothing.
fn path_to_nul(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => text.contains('\0').then(String::new),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| path_to_nul(item).map(|rest| format!("[{index}]{rest}"))),
        Value::Object(fields) => fields
            .iter()
            .find_map(|(name, field)| path_to_nul(field).map(|rest| format!(".{name}{rest}"))),
        _ => None,
    }
}

fn naive(at: Option<DateTime<Utc>>) -> Option<NaiveDateTime> {
    at.map(|at| at.naive_utc())
}

fn to_import(item: Item) -> Result<PetitionImport, String> {
    let Item {
        kind,
        id,
        attributes: a,
        parliament,
    } = item;
    let archived = match kind.as_str() {
        "petition" => None,
        "archived-petition" => Some(match parliament {
            Some(p) => ImportedParliament::Described {
                period: p.period,
                government: p.government,
                dissolution_at: p.dissolution_at.map(|at| at.naive_utc()),
                response_threshold: p.response_threshold,
                debate_threshold: p.debate_threshold,
            },
            None => ImportedParliament::SittingAtCreation,
        }),
        other => {
            return Err(format!(
                "type {other:?} is neither \"petition\" nor \"archived-petition\""
            ))
        }
    };
    if id <= 0 {
        return Err(format!("id {id} is not a positive number"));
    }
    let state = PetitionState::parse(&a.state)
        .ok_or_else(|| format!("state {:?} is not a petition state", a.state))?;
    if a.signature_count < 0 {
        return Err(format!("signature_count {} is negative", a.signature_count));
    }
    let response_state = if a.government_response.is_some() || a.government_response_at.is_some() {
        "responded"
    } else if a.response_threshold_reached_at.is_some() {
        "awaiting"
    } else {
        "pending"
    };
    let debate_state = match &a.debate {
        Some(debate) if debate.debated_on.is_some() => "debated",
        Some(_) => "not_debated",
        None if a.scheduled_debate_date.is_some() => "scheduled",
        None if a.debate_threshold_reached_at.is_some() => "awaiting",
        None => "pending",
    };
    // Prefer the published closing date: it includes any extensions.
    let deadline = a.closing_date.map(deadline::end_of_london_day).or_else(|| {
        a.opened_at
            .map(|opened| deadline::deadline(opened, OFFICIAL_DURATION_MONTHS, 0))
    });
    let petition = PetitionRow {
        id,
        action: a.action,
        background: a.background,
        additional_details: a.additional_details,
        committee_note: a.committee_note,
        state: state.as_str().to_owned(),
        response_state: response_state.to_owned(),
        debate_state: debate_state.to_owned(),
        signature_count: a.signature_count,
        creator_name: a.creator_name,
        created_at: a.created_at.naive_utc(),
        updated_at: a.updated_at.naive_utc(),
        rejected_at: naive(a.rejected_at),
        opened_at: naive(a.opened_at),
        closed_at: naive(a.closed_at),
        deadline: deadline.map(|at| at.naive_utc()),
        moderation_threshold_reached_at: naive(a.moderation_threshold_reached_at),
        response_threshold_reached_at: naive(a.response_threshold_reached_at),
        government_response_at: naive(a.government_response_at),
        debate_threshold_reached_at: naive(a.debate_threshold_reached_at),
        debate_scheduled_on: a.debate_scheduled_on,
        scheduled_debate_date: a.scheduled_debate_date,
        debate_outcome_at: naive(a.debate_outcome_at),
        rejection_code: a.rejection.as_ref().map(|rejection| rejection.code.clone()),
        rejection_details: a.rejection.and_then(|rejection| rejection.details),
        parliament_id: None,
        archived_at: None,
    };
    let outcome_at = petition.debate_outcome_at.unwrap_or(petition.updated_at);
    Ok(PetitionImport {
        government_response: a.government_response.map(|response| GovernmentResponse {
            petition_id: id,
            responded_on: response.responded_on,
            summary: response.summary,
            details: response.details,
            created_at: response.created_at.naive_utc(),
            updated_at: response.updated_at.naive_utc(),
        }),
        debate: a.debate.map(|debate| DebateOutcome {
            petition_id: id,
            debated: debate.debated_on.is_some(),
            debated_on: debate.debated_on,
            overview: debate.overview,
            transcript_url: debate.transcript_url,
            video_url: debate.video_url,
            debate_pack_url: debate.debate_pack_url,
            public_engagement_url: debate.public_engagement_url,
            debate_summary_url: debate.debate_summary_url,
            created_at: outcome_at,
            updated_at: outcome_at,
        }),
        departments: a
            .departments
            .into_iter()
            .map(|department| NewDepartment {
                acronym: department.acronym,
                name: department.name,
                url: department.url,
            })
            .collect(),
        topics: a.topics,
        countries: a.signatures_by_country.map(|rows| {
            rows.into_iter()
                .map(|row| CountryCount {
                    petition_id: id,
                    code: row.code.unwrap_or_else(|| row.name.clone()),
                    name: row.name,
                    signature_count: row.signature_count,
                })
                .collect()
        }),
        constituencies: a.signatures_by_constituency.map(|rows| {
            rows.into_iter()
                .map(|row| ConstituencyCount {
                    petition_id: id,
                    ons_code: row.ons_code,
                    name: row.name,
                    mp: row.mp,
                    signature_count: row.signature_count,
                })
                .collect()
        }),
        regions: a.signatures_by_region.map(|rows| {
            rows.into_iter()
                .map(|row| RegionCount {
                    petition_id: id,
                    ons_code: row.ons_code,
                    name: row.name,
                    signature_count: row.signature_count,
                })
                .collect()
        }),
        other_business: a.other_parliamentary_business.map(|rows| {
            rows.into_iter()
                .map(|row| NewOtherBusiness {
                    petition_id: id,
                    subject: row.subject,
                    body: row.body,
                    occurred_on: row.occurred_on,
                    created_at: row.created_at.naive_utc(),
                    updated_at: row.updated_at.naive_utc(),
                })
                .collect()
        }),
        petition,
        archived,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_page_yields_each_item_and_errors_name_the_item() {
        let page = r#"{"links":{},"data":[{"type":"petition","id":1,"attributes":{}}]}"#;
        let error = parse_document(page).unwrap_err();
        assert_eq!(error.location, "data[0]");
        assert!(error.problem.contains("missing field"), "{}", error.problem);
    }

    #[test]
    fn documents_that_are_not_petitions_are_refused_clearly() {
        assert!(parse_document("[1,2]")
            .unwrap_err()
            .problem
            .contains("neither"));
        assert!(parse_document("{")
            .unwrap_err()
            .problem
            .contains("not valid JSON"));
    }
}
