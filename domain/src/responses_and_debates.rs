//! What the government and Parliament record about a published petition (SPEC §5): the
//! government's response, a scheduled debate, and the debate's outcome. Each form is checked
//! whole, every fault named against its field.

use chrono::NaiveDate;

use crate::signer_details::FieldErrors;
use crate::text::{
    BusinessBody, BusinessSubject, DebateOverview, ResponseDetails, ResponseSummary,
};
use crate::validation::ValidationError;

/// The longest link to a transcript, video or paper.
pub const MAX_URL_CHARS: usize = 500;

/// A date as JSON carries it (`YYYY-MM-DD`), required unless `default` is given.
fn date(raw: Option<&str>, default: Option<NaiveDate>) -> Result<NaiveDate, ValidationError> {
    match raw.map(str::trim) {
        None | Some("") => default.ok_or(ValidationError::Blank),
        Some(text) => {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| ValidationError::InvalidDate)
        }
    }
}

fn not_after(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, ValidationError> {
    if date > today {
        return Err(ValidationError::InFuture);
    }
    Ok(date)
}

/// An `https` address of at most [`MAX_URL_CHARS`], with a host; `None` when left empty.
pub fn https_url(raw: &str) -> Result<Option<String>, ValidationError> {
    let url = raw.trim();
    if url.is_empty() {
        return Ok(None);
    }
    let chars = url.chars().count();
    if chars > MAX_URL_CHARS {
        return Err(ValidationError::TooLong {
            max: MAX_URL_CHARS,
            actual: chars,
        });
    }
    let host = url
        .strip_prefix("https://")
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default())
        .unwrap_or_default();
    let clean = url.chars().all(|c| c.is_ascii_graphic());
    if host.is_empty() || !clean {
        return Err(ValidationError::NotHttpsUrl);
    }
    Ok(Some(url.to_owned()))
}

/// Collects `(field, result)` pairs into the values or every fault.
fn collect_faults(checks: &[(&'static str, Option<ValidationError>)]) -> FieldErrors {
    checks
        .iter()
        .filter_map(|(field, error)| Some((*field, error.clone()?)))
        .collect()
}

/// The government's response, as sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseForm<'a> {
    pub summary: Option<&'a str>,
    pub details: Option<&'a str>,
    pub responded_on: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GovernmentResponseText {
    pub summary: ResponseSummary,
    pub details: Option<ResponseDetails>,
    pub responded_on: NaiveDate,
}

impl GovernmentResponseText {
    /// `responded_on` defaults to `today` (in London) and may not be after it.
    pub fn parse(form: &ResponseForm<'_>, today: NaiveDate) -> Result<Self, FieldErrors> {
        let summary = ResponseSummary::parse(form.summary.unwrap_or_default());
        let details = ResponseDetails::parse(form.details.unwrap_or_default());
        let responded_on =
            date(form.responded_on, Some(today)).and_then(|date| not_after(date, today));
        match (summary, details, responded_on) {
            (Ok(summary), Ok(details), Ok(responded_on)) => Ok(Self {
                summary,
                details: Some(details).filter(|details| !details.as_str().is_empty()),
                responded_on,
            }),
            (summary, details, responded_on) => Err(collect_faults(&[
                ("summary", summary.err()),
                ("details", details.err()),
                ("responded_on", responded_on.err()),
            ])),
        }
    }
}

/// A debate scheduled in Parliament.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DebateSchedule {
    /// The day of the debate.
    pub scheduled_debate_date: NaiveDate,
    /// The day it was scheduled: `today` unless given, and never after it.
    pub debate_scheduled_on: NaiveDate,
}

impl DebateSchedule {
    pub fn parse(
        scheduled_debate_date: Option<&str>,
        debate_scheduled_on: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let date_of_debate = date(scheduled_debate_date, None);
        let scheduled_on =
            date(debate_scheduled_on, Some(today)).and_then(|date| not_after(date, today));
        match (date_of_debate, scheduled_on) {
            (Ok(scheduled_debate_date), Ok(debate_scheduled_on)) => Ok(Self {
                scheduled_debate_date,
                debate_scheduled_on,
            }),
            (date_of_debate, scheduled_on) => Err(collect_faults(&[
                ("scheduled_debate_date", date_of_debate.err()),
                ("debate_scheduled_on", scheduled_on.err()),
            ])),
        }
    }
}

/// A debate's outcome, as sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct DebateOutcomeForm<'a> {
    pub debated: Option<bool>,
    pub debated_on: Option<&'a str>,
    pub overview: Option<&'a str>,
    pub transcript_url: Option<&'a str>,
    pub video_url: Option<&'a str>,
    pub debate_pack_url: Option<&'a str>,
    pub public_engagement_url: Option<&'a str>,
    pub debate_summary_url: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebateOutcomeText {
    pub debated: bool,
    /// Required when it was debated; never after today.
    pub debated_on: Option<NaiveDate>,
    pub overview: Option<DebateOverview>,
    pub transcript_url: Option<String>,
    pub video_url: Option<String>,
    pub debate_pack_url: Option<String>,
    pub public_engagement_url: Option<String>,
    pub debate_summary_url: Option<String>,
}

impl DebateOutcomeText {
    pub fn parse(form: &DebateOutcomeForm<'_>, today: NaiveDate) -> Result<Self, FieldErrors> {
        let debated = form.debated.ok_or(ValidationError::Blank);
        let debated_on = match (&debated, form.debated_on) {
            (Ok(true), raw) => date(raw, None)
                .and_then(|date| not_after(date, today))
                .map(Some),
            (_, Some(raw)) if !raw.trim().is_empty() => date(Some(raw), None)
                .and_then(|date| not_after(date, today))
                .map(Some),
            _ => Ok(None),
        };
        let overview = DebateOverview::parse(form.overview.unwrap_or_default());
        let url = |raw: Option<&str>| https_url(raw.unwrap_or_default());
        let urls = [
            ("transcript_url", url(form.transcript_url)),
            ("video_url", url(form.video_url)),
            ("debate_pack_url", url(form.debate_pack_url)),
            ("public_engagement_url", url(form.public_engagement_url)),
            ("debate_summary_url", url(form.debate_summary_url)),
        ];
        let mut faults = collect_faults(&[
            ("debated", debated.clone().err()),
            ("debated_on", debated_on.clone().err()),
            ("overview", overview.clone().err()),
        ]);
        faults.extend(
            urls.iter()
                .filter_map(|(field, url)| Some((*field, url.clone().err()?))),
        );
        if !faults.is_empty() {
            return Err(faults);
        }
        let [transcript, video, pack, engagement, summary] =
            urls.map(|(_, url)| url.ok().flatten());
        Ok(Self {
            debated: debated.unwrap_or_default(),
            debated_on: debated_on.ok().flatten(),
            overview: overview
                .ok()
                .filter(|overview| !overview.as_str().is_empty()),
            transcript_url: transcript,
            video_url: video,
            debate_pack_url: pack,
            public_engagement_url: engagement,
            debate_summary_url: summary,
        })
    }
}

/// Other parliamentary business: what happened, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherBusinessText {
    pub subject: BusinessSubject,
    pub body: BusinessBody,
    /// `today` unless given, and never after it.
    pub occurred_on: NaiveDate,
}

impl OtherBusinessText {
    pub fn parse(
        subject: Option<&str>,
        body: Option<&str>,
        occurred_on: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let subject = BusinessSubject::parse(subject.unwrap_or_default());
        let body = BusinessBody::parse(body.unwrap_or_default());
        let occurred_on = date(occurred_on, Some(today)).and_then(|date| not_after(date, today));
        match (subject, body, occurred_on) {
            (Ok(subject), Ok(body), Ok(occurred_on)) => Ok(Self {
                subject,
                body,
                occurred_on,
            }),
            (subject, body, occurred_on) => Err(collect_faults(&[
                ("subject", subject.err()),
                ("body", body.err()),
                ("occurred_on", occurred_on.err()),
            ])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
    }

    #[test]
    fn a_response_needs_a_summary_and_a_date_that_has_come() {
        let response = GovernmentResponseText::parse(
            &ResponseForm {
                summary: Some("  We will consider it.  "),
                details: Some(""),
                responded_on: None,
            },
            today(),
        )
        .unwrap();
        assert_eq!(response.summary.as_str(), "We will consider it.");
        assert_eq!(response.details, None);
        assert_eq!(response.responded_on, today());

        let faults = GovernmentResponseText::parse(
            &ResponseForm {
                summary: None,
                details: Some(&"x".repeat(6001)),
                responded_on: Some("2024-03-02"),
            },
            today(),
        )
        .unwrap_err();
        let fields: Vec<&str> = faults.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["summary", "details", "responded_on"]);
        assert_eq!(faults[2].1, ValidationError::InFuture);
    }

    #[test]
    fn a_debate_is_scheduled_for_a_real_date() {
        let schedule = DebateSchedule::parse(Some("2024-04-15"), None, today()).unwrap();
        assert_eq!(schedule.debate_scheduled_on, today());
        let faults =
            DebateSchedule::parse(Some("15/04/2024"), Some("2025-01-01"), today()).unwrap_err();
        assert_eq!(
            faults,
            vec![
                ("scheduled_debate_date", ValidationError::InvalidDate),
                ("debate_scheduled_on", ValidationError::InFuture),
            ]
        );
        for not_a_day in ["2026-13-01", "2026-02-30", "2026-04-31"] {
            let faults = DebateSchedule::parse(Some(not_a_day), None, today()).unwrap_err();
            assert_eq!(
                faults,
                vec![("scheduled_debate_date", ValidationError::InvalidDate)],
                "{not_a_day}"
            );
        }
    }

    #[test]
    fn an_outcome_names_every_bad_link_and_needs_a_date_when_debated() {
        let faults = DebateOutcomeText::parse(
            &DebateOutcomeForm {
                debated: Some(true),
                transcript_url: Some("http://hansard.parliament.uk/x"),
                video_url: Some("https://"),
                debate_pack_url: Some("https://researchbriefings.parliament.uk/x"),
                ..DebateOutcomeForm::default()
            },
            today(),
        )
        .unwrap_err();
        let fields: Vec<&str> = faults.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["debated_on", "transcript_url", "video_url"]);

        let not_debated = DebateOutcomeText::parse(
            &DebateOutcomeForm {
                debated: Some(false),
                overview: Some("The committee decided not to schedule a debate."),
                ..DebateOutcomeForm::default()
            },
            today(),
        )
        .unwrap();
        assert_eq!(not_debated.debated_on, None);
        assert!(not_debated.overview.is_some());
    }

    #[test]
    fn other_business_needs_a_subject_and_a_body() {
        let business = OtherBusinessText::parse(Some("Inquiry"), Some("Read it."), None, today());
        assert_eq!(business.unwrap().occurred_on, today());
        let faults = OtherBusinessText::parse(None, Some(" "), Some("2024-13-01"), today());
        assert_eq!(
            faults.unwrap_err(),
            vec![
                ("subject", ValidationError::Blank),
                ("body", ValidationError::Blank),
                ("occurred_on", ValidationError::InvalidDate),
            ]
        );
    }

    proptest! {
        #[test]
        fn links_are_https_with_a_host_and_short_enough(url in "\\PC{0,600}") {
            if let Ok(Some(kept)) = https_url(&url) {
                prop_assert!(kept.starts_with("https://"));
                prop_assert!(kept.len() > "https://".len());
                prop_assert!(kept.chars().count() <= MAX_URL_CHARS);
                prop_assert!(!kept.chars().any(char::is_whitespace));
            }
        }
    }
}
