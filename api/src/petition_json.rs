//! The petition object of the official JSON (SPEC §4.2): field order, explicit nulls and
//! formats are a contract that existing scripts rely on.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use domain::deadline;
use domain::state::PetitionState;
use persistence::petitions::{Breakdowns, PetitionRecord};
use persistence::reference::Parliament;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use crate::links::PublicUrl;

/// A UTC instant written as the official site writes it: `2020-01-01T12:00:00.000Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub NaiveDateTime);

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn timestamp(value: Option<NaiveDateTime>) -> Option<Timestamp> {
    value.map(Timestamp)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SelfLink {
    #[serde(rename = "self")]
    pub self_link: String,
}

/// `{"links": {"self"}, "data": petition}`
#[derive(Debug, Serialize, ToSchema)]
pub struct PetitionDocument {
    pub links: SelfLink,
    pub data: PetitionData,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PetitionData {
    /// `petition`, or `archived-petition` for petitions of past parliaments.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: i64,
    /// Only on list items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<SelfLink>,
    /// Only on archived petitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parliament: Option<ParliamentSummary>,
    pub attributes: PetitionAttributes,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParliamentSummary {
    pub period: String,
    pub government: String,
    /// Written with an offset (`2019-11-06T00:01:00.000+00:00`), as the official site does.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub dissolution_at: Option<String>,
    pub response_threshold: i64,
    pub debate_threshold: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PetitionAttributes {
    pub action: String,
    pub background: Option<String>,
    pub additional_details: Option<String>,
    pub committee_note: Option<String>,
    pub state: &'static str,
    pub signature_count: i64,
    /// The last London date for signing; present only while the petition is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing_date: Option<NaiveDate>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub rejected_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opened_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub moderation_threshold_reached_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub response_threshold_reached_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub government_response_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub debate_threshold_reached_at: Option<Timestamp>,
    pub debate_scheduled_on: Option<NaiveDate>,
    pub scheduled_debate_date: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub debate_outcome_at: Option<Timestamp>,
    /// The creator's name while the petition is open, else null. Archived petitions leave
    /// the key out altogether, as the official site does.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub creator_name: Option<Option<String>>,
    pub rejection: Option<Rejection>,
    pub government_response: Option<GovernmentResponseJson>,
    pub debate: Option<DebateJson>,
    pub departments: Vec<DepartmentJson>,
    /// Topic codes.
    pub topics: Vec<String>,
    /// Single-petition page only, for open and closed petitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signatures_by_country: Option<Vec<CountrySignatures>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signatures_by_constituency: Option<Vec<ConstituencySignatures>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signatures_by_region: Option<Vec<RegionSignatures>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_parliamentary_business: Option<Vec<OtherBusinessJson>>,
    /// Ours, after the official attributes: signatures confirmed in the last 24 hours
    /// (open petitions, single-petition page only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_24_hours: Option<i64>,
    /// Ours: the count projected to the deadline from the recent rate and its decay (see the
    /// README for the method; open petitions, single-petition page only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_final_signatures: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rejection {
    pub code: String,
    pub details: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GovernmentResponseJson {
    pub responded_on: Option<NaiveDate>,
    pub summary: String,
    pub details: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DebateJson {
    pub debated_on: Option<NaiveDate>,
    pub transcript_url: Option<String>,
    pub video_url: Option<String>,
    pub debate_pack_url: Option<String>,
    pub public_engagement_url: Option<String>,
    pub debate_summary_url: Option<String>,
    pub overview: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentJson {
    pub acronym: String,
    pub name: String,
    pub url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountrySignatures {
    pub name: String,
    pub code: String,
    pub signature_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConstituencySignatures {
    pub name: String,
    pub ons_code: String,
    pub mp: Option<String>,
    pub signature_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionSignatures {
    pub name: String,
    pub ons_code: String,
    pub signature_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OtherBusinessJson {
    pub subject: String,
    pub body: String,
    pub occurred_on: Option<NaiveDate>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// How a petition looks at `now`: an open petition past its deadline is closed, with
/// `closed_at` the deadline itself, whether or not the closing job has run.
pub struct Moment {
    pub state: PetitionState,
    pub closed_at: Option<NaiveDateTime>,
    pub closing_date: Option<NaiveDate>,
}

pub fn moment(
    stored_state: &str,
    deadline: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
    now: DateTime<Utc>,
) -> Moment {
    let state = PetitionState::parse(stored_state).unwrap_or(PetitionState::Closed);
    let deadline = deadline.map(|at| at.and_utc());
    match (state, deadline) {
        (PetitionState::Open, Some(deadline)) if !deadline::is_signable(deadline, now) => Moment {
            state: PetitionState::Closed,
            closed_at: Some(deadline.naive_utc()),
            closing_date: None,
        },
        (PetitionState::Open, deadline) => Moment {
            state,
            closed_at,
            closing_date: deadline.map(deadline::closing_date),
        },
        _ => Moment {
            state,
            closed_at,
            closing_date: None,
        },
    }
}

/// Builds the petition object. `breakdowns` is `Some` on the single-petition page.
pub fn petition_data(
    record: PetitionRecord,
    breakdowns: Option<Breakdowns>,
    in_list: bool,
    public_url: &PublicUrl,
    now: DateTime<Utc>,
) -> PetitionData {
    let PetitionRecord {
        petition: row,
        government_response,
        debate,
        departments,
        topics,
        parliament,
    } = record;
    let archived = row.archived_at.is_some();
    let moment = moment(&row.state, row.deadline, row.closed_at, now);
    let counted = matches!(moment.state, PetitionState::Open | PetitionState::Closed);
    let breakdowns = breakdowns.filter(|_| counted);
    let creator_name = (!archived).then(|| {
        row.creator_name
            .clone()
            .filter(|_| moment.state == PetitionState::Open)
    });
    let attributes = PetitionAttributes {
        action: row.action,
        background: row.background,
        additional_details: row.additional_details,
        committee_note: row.committee_note,
        state: moment.state.as_str(),
        signature_count: row.signature_count,
        closing_date: moment.closing_date.filter(|_| !archived),
        created_at: Timestamp(row.created_at),
        updated_at: Timestamp(row.updated_at),
        rejected_at: timestamp(row.rejected_at),
        opened_at: timestamp(row.opened_at),
        closed_at: timestamp(moment.closed_at),
        moderation_threshold_reached_at: timestamp(row.moderation_threshold_reached_at),
        response_threshold_reached_at: timestamp(row.response_threshold_reached_at),
        government_response_at: timestamp(row.government_response_at),
        debate_threshold_reached_at: timestamp(row.debate_threshold_reached_at),
        debate_scheduled_on: row.debate_scheduled_on,
        scheduled_debate_date: row.scheduled_debate_date,
        debate_outcome_at: timestamp(row.debate_outcome_at),
        creator_name,
        rejection: row.rejection_code.map(|code| Rejection {
            code,
            details: row.rejection_details,
        }),
        government_response: government_response.map(|response| GovernmentResponseJson {
            responded_on: response.responded_on,
            summary: response.summary,
            details: response.details,
            created_at: Timestamp(response.created_at),
            updated_at: Timestamp(response.updated_at),
        }),
        debate: debate.map(|debate| DebateJson {
            debated_on: debate.debated_on,
            transcript_url: debate.transcript_url,
            video_url: debate.video_url,
            debate_pack_url: debate.debate_pack_url,
            public_engagement_url: debate.public_engagement_url,
            debate_summary_url: debate.debate_summary_url,
            overview: debate.overview,
        }),
        departments: departments
            .into_iter()
            .map(|department| DepartmentJson {
                acronym: department.acronym,
                name: department.name,
                url: department.url,
            })
            .collect(),
        topics,
        signatures_by_country: None,
        signatures_by_constituency: None,
        signatures_by_region: None,
        other_parliamentary_business: None,
        last_24_hours: None,
        estimated_final_signatures: None,
    };
    let attributes = match breakdowns {
        Some(breakdowns) => with_breakdowns(attributes, breakdowns),
        None => attributes,
    };
    PetitionData {
        kind: if archived {
            "archived-petition"
        } else {
            "petition"
        },
        id: row.id,
        links: in_list.then(|| SelfLink {
            self_link: public_url.petition(row.id, archived),
        }),
        parliament: parliament.filter(|_| archived).map(parliament_summary),
        attributes,
    }
}

fn with_breakdowns(attributes: PetitionAttributes, breakdowns: Breakdowns) -> PetitionAttributes {
    PetitionAttributes {
        signatures_by_country: Some(
            breakdowns
                .countries
                .into_iter()
                .map(|row| CountrySignatures {
                    name: row.name,
                    code: row.code,
                    signature_count: row.signature_count,
                })
                .collect(),
        ),
        signatures_by_constituency: Some(
            breakdowns
                .constituencies
                .into_iter()
                .map(|row| ConstituencySignatures {
                    name: row.name,
                    ons_code: row.ons_code,
                    mp: row.mp,
                    signature_count: row.signature_count,
                })
                .collect(),
        ),
        signatures_by_region: Some(
            breakdowns
                .regions
                .into_iter()
                .map(|row| RegionSignatures {
                    name: row.name,
                    ons_code: row.ons_code,
                    signature_count: row.signature_count,
                })
                .collect(),
        ),
        other_parliamentary_business: Some(
            breakdowns
                .other_business
                .into_iter()
                .map(|row| OtherBusinessJson {
                    subject: row.subject,
                    body: row.body,
                    occurred_on: row.occurred_on,
                    created_at: Timestamp(row.created_at),
                    updated_at: Timestamp(row.updated_at),
                })
                .collect(),
        ),
        ..attributes
    }
}

pub fn parliament_summary(parliament: Parliament) -> ParliamentSummary {
    ParliamentSummary {
        period: parliament.period,
        government: parliament.government,
        dissolution_at: parliament
            .dissolution_at
            .map(|at| at.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()),
        response_threshold: parliament.response_threshold,
        debate_threshold: parliament.debate_threshold,
    }
}
