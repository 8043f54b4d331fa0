//! The words of mailings to every subscribed signer, written when the mailing starts, so
//! every signer reads what was recorded at that moment however long the sending takes.

use chrono::{DateTime, NaiveDate, Utc};
use domain::deadline::in_london;
use domain::responses_and_debates::{
    DebateOutcomeText, DebateSchedule, GovernmentResponseText, OtherBusinessText,
};
use persistence::mailings::{MailingKind, NewMailing};

/// "Monday 15 April 2024".
fn long_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

pub fn government_response(response: &GovernmentResponseText) -> NewMailing {
    let mut body = format!(
        "The Government has responded to the petition you signed.\n\n{}",
        response.summary.as_str()
    );
    if let Some(details) = &response.details {
        body.push_str("\n\n");
        body.push_str(details.as_str());
    }
    NewMailing {
        kind: MailingKind::GovernmentResponse,
        subject: "The Government responded".to_owned(),
        body,
    }
}

pub fn debate_scheduled(schedule: &DebateSchedule) -> NewMailing {
    NewMailing {
        kind: MailingKind::DebateScheduled,
        subject: "Parliament will debate this petition".to_owned(),
        body: format!(
            "Parliament is going to debate the petition you signed on {}. We will email you \
             again with what happened.",
            long_date(schedule.scheduled_debate_date)
        ),
    }
}

pub fn debate_outcome(outcome: &DebateOutcomeText) -> NewMailing {
    let mut body = match (outcome.debated, outcome.debated_on) {
        (true, Some(date)) => format!(
            "Parliament debated the petition you signed on {}.",
            long_date(date)
        ),
        (true, None) => "Parliament debated the petition you signed.".to_owned(),
        (false, _) => {
            "The Petitions Committee decided not to debate the petition you signed.".to_owned()
        }
    };
    if let Some(overview) = &outcome.overview {
        body.push_str("\n\n");
        body.push_str(overview.as_str());
    }
    let links = [
        ("Watch the debate", &outcome.video_url),
        ("Read the transcript", &outcome.transcript_url),
        ("Read the research for the debate", &outcome.debate_pack_url),
        ("What the public said", &outcome.public_engagement_url),
        ("A summary of the debate", &outcome.debate_summary_url),
    ];
    for (label, url) in links {
        if let Some(url) = url {
            body.push_str(&format!("\n\n{label}: {url}"));
        }
    }
    NewMailing {
        kind: MailingKind::DebateOutcome,
        subject: if outcome.debated {
            "Parliament debated this petition"
        } else {
            "Parliament will not debate this petition"
        }
        .to_owned(),
        body,
    }
}

pub fn other_business(business: &OtherBusinessText) -> NewMailing {
    NewMailing {
        kind: MailingKind::OtherBusiness,
        subject: business.subject.as_str().to_owned(),
        body: business.body.as_str().to_owned(),
    }
}

/// To every subscribed signer of an open petition, once per address.
pub fn dissolution(dissolution_at: DateTime<Utc>, message: Option<&str>) -> NewMailing {
    let london = in_london(dissolution_at);
    let mut body = format!(
        "Parliament will be dissolved at {} on {} for a general election. Every open \
         petition, including the ones you signed, will close then, whatever its closing date, \
         and nobody will be able to sign them after that.",
        london.format("%-I:%M%P"),
        london.format("%A %-d %B %Y"),
    );
    if let Some(message) = message {
        body.push_str("\n\n");
        body.push_str(message);
    }
    NewMailing {
        kind: MailingKind::Dissolution,
        subject: "Parliament is being dissolved: petitions will close early".to_owned(),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_lists_only_the_links_it_has() {
        let outcome = DebateOutcomeText {
            debated: true,
            debated_on: NaiveDate::from_ymd_opt(2024, 4, 15),
            overview: None,
            transcript_url: Some("https://hansard.parliament.uk/1".to_owned()),
            video_url: None,
            debate_pack_url: None,
            public_engagement_url: None,
            debate_summary_url: None,
        };
        let mailing = debate_outcome(&outcome);
        assert!(mailing.body.contains("on Monday 15 April 2024"));
        assert!(mailing
            .body
            .contains("Read the transcript: https://hansard.parliament.uk/1"));
        assert!(!mailing.body.contains("Watch the debate"));
    }

    #[test]
    fn a_dissolution_notice_names_the_london_time_and_adds_the_message() {
        let at = "2029-05-20T23:01:00Z".parse().unwrap();
        let mailing = dissolution(at, Some("The election is on 4 July."));
        assert!(
            mailing
                .body
                .starts_with("Parliament will be dissolved at 12:01am on Monday 21 May 2029"),
            "{}",
            mailing.body
        );
        assert!(mailing.body.ends_with("\n\nThe election is on 4 July."));
    }
}
