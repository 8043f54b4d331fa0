//! Invalidations (SPEC §2.4): a sysadmin describes a set of signatures, counts it, and
//! strikes it out. What a description matches is decided here, for every backend alike.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::screening::{ListEntry, Signer};
use crate::signer::comparable_name;
use crate::signer_details::FieldErrors;
use crate::text::ReasonSummary;
use crate::validation::{optional_instant, ValidationError};

/// A description as sent; every field optional, but at least one besides the petition.
#[derive(Debug, Clone, Copy, Default)]
pub struct CriteriaForm<'a> {
    pub summary: Option<&'a str>,
    pub petition_id: Option<i64>,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub domain: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub constituency: Option<&'a str>,
    pub country: Option<&'a str>,
    /// RFC 3339 instants.
    pub signed_after: Option<&'a str>,
    pub signed_before: Option<&'a str>,
}

/// Which signatures an invalidation strikes out: those matching every criterion given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criteria {
    /// Why, in a line (up to 500 characters): shown to staff watching it.
    pub summary: String,
    pub petition_id: Option<i64>,
    /// Compared as names are for duplicates: case and runs of spaces don't matter.
    pub name: Option<String>,
    /// Compared with the signer's canonical email, so `a.b+x@gmail.com` finds `ab@gmail.com`.
    pub email: Option<String>,
    /// `example.com`, or `*.example.com` for its subdomains.
    pub domain: Option<String>,
    /// An address or a CIDR range.
    pub ip: Option<ipnet::IpNet>,
    /// Upper case, no spaces.
    pub postcode: Option<String>,
    /// An ONS code.
    pub constituency: Option<String>,
    /// A country code.
    pub country: Option<String>,
    /// Signed at or after this instant.
    pub signed_after: Option<DateTime<Utc>>,
    /// Signed before this instant.
    pub signed_before: Option<DateTime<Utc>>,
}

/// What a description is matched against: one signature.
#[derive(Debug, Clone, Copy)]
pub struct SignatureFacts<'a> {
    pub petition_id: i64,
    pub name: &'a str,
    pub email_lower: &'a str,
    pub canonical_email: &'a str,
    pub ip: Option<IpAddr>,
    pub postcode: Option<&'a str>,
    pub constituency: Option<&'a str>,
    pub country: &'a str,
    pub created_at: DateTime<Utc>,
}

impl Criteria {
    pub fn parse(form: &CriteriaForm<'_>) -> Result<Self, FieldErrors> {
        let mut faults = FieldErrors::new();
        let summary = ReasonSummary::parse(form.summary.unwrap_or_default())
            .map(ReasonSummary::into_inner)
            .map_err(|error| faults.push(("summary", error)))
            .ok();
        let name = filled(form.name).map(comparable_name);
        let email = filled(form.email).and_then(|raw| match ListEntry::parse("email", raw) {
            Ok(ListEntry::Email(canonical)) => Some(canonical),
            _ => {
                faults.push(("email", ValidationError::InvalidEmail));
                None
            }
        });
        let domain = filled(form.domain).and_then(|raw| match ListEntry::parse("domain", raw) {
            Ok(ListEntry::Domain(domain)) => Some(domain),
            _ => {
                faults.push(("domain", ValidationError::InvalidPattern));
                None
            }
        });
        let ip = filled(form.ip).and_then(|raw| match ListEntry::parse("ip", raw) {
            Ok(ListEntry::Ip(net)) => Some(net),
            _ => {
                faults.push(("ip", ValidationError::InvalidPattern));
                None
            }
        });
        let postcode = filled(form.postcode).map(normalised_postcode);
        let constituency = filled(form.constituency).map(str::to_ascii_uppercase);
        let country = filled(form.country).map(str::to_ascii_uppercase);
        let signed_after = optional_instant(&mut faults, "signed_after", form.signed_after);
        let signed_before = optional_instant(&mut faults, "signed_before", form.signed_before);
        if let (Some(after), Some(before)) = (signed_after, signed_before) {
            if before <= after {
                faults.push(("signed_before", ValidationError::NotAfter("signed_after")));
            }
        }
        let described = [
            form.name,
            form.email,
            form.domain,
            form.ip,
            form.postcode,
            form.constituency,
            form.country,
            form.signed_after,
            form.signed_before,
        ]
        .into_iter()
        .any(|raw| filled(raw).is_some());
        if !described {
            // Every signature of a petition at once is a removal, not an invalidation.
            faults.push(("criteria", ValidationError::NothingDescribed));
        }
        match summary {
            Some(summary) if faults.is_empty() => Ok(Self {
                summary,
                petition_id: form.petition_id,
                name,
                email,
                domain,
                ip,
                postcode,
                constituency,
                country,
                signed_after,
                signed_before,
            }),
            _ => Err(faults),
        }
    }

    /// Whether `signature` matches every criterion given.
    pub fn matches(&self, signature: &SignatureFacts<'_>) -> bool {
        let email_domain = signature
            .email_lower
            .rsplit_once('@')
            .map_or("", |(_, domain)| domain);
        let signer = Signer {
            email_domain,
            canonical_email: signature.canonical_email,
            ip: signature.ip,
        };
        let holds = |criterion: Option<bool>| criterion.unwrap_or(true);
        holds(self.petition_id.map(|id| id == signature.petition_id))
            && holds(
                self.name
                    .as_ref()
                    .map(|name| *name == comparable_name(signature.name)),
            )
            && holds(
                self.email
                    .as_ref()
                    .map(|email| email == signature.canonical_email),
            )
            && holds(
                self.domain
                    .as_ref()
                    .map(|domain| ListEntry::Domain(domain.clone()).matches(&signer)),
            )
            && holds(self.ip.map(|net| ListEntry::Ip(net).matches(&signer)))
            && holds(self.postcode.as_ref().map(|postcode| {
                signature.postcode.map(normalised_postcode).as_ref() == Some(postcode)
            }))
            && holds(
                self.constituency
                    .as_ref()
                    .map(|code| signature.constituency == Some(code.as_str())),
            )
            && holds(self.country.as_ref().map(|code| signature.country == code))
            && holds(self.signed_after.map(|after| signature.created_at >= after))
            && holds(
                self.signed_before
                    .map(|before| signature.created_at < before),
            )
    }
}

/// A text that was given and is not blank.
fn filled(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|raw| !raw.is_empty())
}

fn normalised_postcode(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts(created_at: &str) -> SignatureFacts<'static> {
        SignatureFacts {
            petition_id: 7,
            name: "Jo  Bloggs",
            email_lower: "jo.bloggs+x@mail.spam.example",
            canonical_email: "jo.bloggs@mail.spam.example",
            ip: Some("203.0.113.9".parse().unwrap()),
            postcode: Some("SW1A1AA"),
            constituency: Some("E14001172"),
            country: "GB",
            created_at: created_at.parse().unwrap(),
        }
    }

    fn criteria(form: CriteriaForm<'_>) -> Criteria {
        Criteria::parse(&CriteriaForm {
            summary: Some("Bot flood"),
            ..form
        })
        .unwrap()
    }

    #[test]
    fn each_criterion_narrows_the_match() {
        let signature = facts("2026-01-01T12:00:00Z");
        let matching = [
            CriteriaForm {
                petition_id: Some(7),
                name: Some("jo bloggs"),
                ..Default::default()
            },
            CriteriaForm {
                email: Some("Jo.Bloggs+other@mail.spam.example"),
                ..Default::default()
            },
            CriteriaForm {
                domain: Some("*.spam.example"),
                ..Default::default()
            },
            CriteriaForm {
                ip: Some("203.0.113.0/24"),
                ..Default::default()
            },
            CriteriaForm {
                postcode: Some("sw1a 1aa"),
                constituency: Some("e14001172"),
                ..Default::default()
            },
            CriteriaForm {
                country: Some("gb"),
                signed_after: Some("2026-01-01T12:00:00Z"),
                ..Default::default()
            },
        ];
        for form in matching {
            assert!(criteria(form).matches(&signature), "{form:?}");
        }
        let missing = [
            CriteriaForm {
                petition_id: Some(8),
                name: Some("jo bloggs"),
                ..Default::default()
            },
            CriteriaForm {
                domain: Some("spam.example"),
                ..Default::default()
            },
            CriteriaForm {
                ip: Some("203.0.114.0/24"),
                ..Default::default()
            },
            CriteriaForm {
                country: Some("FR"),
                ..Default::default()
            },
            CriteriaForm {
                signed_before: Some("2026-01-01T12:00:00Z"),
                ..Default::default()
            },
        ];
        for form in missing {
            assert!(!criteria(form).matches(&signature), "{form:?}");
        }
    }

    #[test]
    fn a_description_must_say_why_and_describe_someone() {
        let faults = Criteria::parse(&CriteriaForm {
            petition_id: Some(7),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = faults.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["summary", "criteria"]);
        let faults = Criteria::parse(&CriteriaForm {
            summary: Some("x"),
            email: Some("not an email"),
            ip: Some("10.0.0.0/33"),
            signed_after: Some("yesterday"),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = faults.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["email", "ip", "signed_after"]);
        let faults = Criteria::parse(&CriteriaForm {
            summary: Some("x"),
            signed_after: Some("2026-01-02T00:00:00Z"),
            signed_before: Some("2026-01-01T00:00:00Z"),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(faults[0].0, "signed_before");
    }

    proptest! {
        #[test]
        fn a_time_window_matches_exactly_the_instants_inside_it(
            after in 0i64..1_000_000, length in 1i64..1_000_000, at in 0i64..3_000_000,
        ) {
            let base: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
            let instant = |s: i64| (base + chrono::TimeDelta::seconds(s)).to_rfc3339();
            let (from, to) = (instant(after), instant(after + length));
            let window = criteria(CriteriaForm {
                signed_after: Some(&from),
                signed_before: Some(&to),
                ..Default::default()
            });
            let signed = base + chrono::TimeDelta::seconds(at);
            let mut signature = facts("2026-01-01T00:00:00Z");
            signature.created_at = signed;
            prop_assert_eq!(window.matches(&signature), at >= after && at < after + length);
        }

        #[test]
        fn an_ip_range_matches_exactly_its_addresses(last in 0u8..=255, prefix in 24u8..=32) {
            let net = format!("198.51.100.0/{prefix}");
            let range = criteria(CriteriaForm { ip: Some(&net), ..Default::default() });
            let mut signature = facts("2026-01-01T00:00:00Z");
            signature.ip = Some(IpAddr::from([198, 51, 100, last]));
            let inside = u32::from(last) < (1u32 << (32 - prefix));
            prop_assert_eq!(range.matches(&signature), inside);
        }
    }
}
