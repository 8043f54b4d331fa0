//! Everything a signer gives (SPEC §2.1), checked at once so every fault can be reported.

use crate::validation::{checked_text, ValidationError};
use crate::{Email, Postcode, SignerName};

/// The country code of the United Kingdom, where postcodes are required and checked.
pub const UNITED_KINGDOM: &str = "GB";

/// The form as sent; every field optional so that a missing one is a field error, not a
/// malformed request.
#[derive(Debug, Clone, Default)]
pub struct SignerForm<'a> {
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub location_code: Option<&'a str>,
    pub uk_citizenship: Option<bool>,
    pub notify_by_email: Option<bool>,
}

/// Where the signer lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Residence {
    UnitedKingdom(Postcode),
    /// A country code from the list, and whatever postal code they gave (it is not checked).
    Overseas {
        location_code: String,
        postcode: Option<String>,
    },
}

impl Residence {
    pub fn location_code(&self) -> &str {
        match self {
            Residence::UnitedKingdom(_) => UNITED_KINGDOM,
            Residence::Overseas { location_code, .. } => location_code,
        }
    }

    /// As stored and compared by the household rule.
    pub fn postcode(&self) -> Option<&str> {
        match self {
            Residence::UnitedKingdom(postcode) => Some(postcode.as_str()),
            Residence::Overseas { postcode, .. } => postcode.as_deref(),
        }
    }
}

/// A signer whose every field passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerDetails {
    pub name: SignerName,
    pub email: Email,
    pub residence: Residence,
    pub notify_by_email: bool,
}

/// A refused form: each field at fault, in form order.
pub type FieldErrors = Vec<(&'static str, ValidationError)>;

impl SignerDetails {
    pub const MAX_OVERSEAS_POSTCODE_CHARS: usize = 255;

    /// Checks every field; `is_known_country` says whether a code is on the countries list.
    pub fn parse(
        form: &SignerForm<'_>,
        is_known_country: impl Fn(&str) -> bool,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = check(
            &mut errors,
            "name",
            SignerName::parse(form.name.unwrap_or_default()),
        );
        let email = check(
            &mut errors,
            "email",
            Email::parse(form.email.unwrap_or_default()),
        );
        let location_code = form
            .location_code
            .map(|code| code.trim().to_ascii_uppercase())
            .filter(|code| !code.is_empty())
            .unwrap_or_else(|| UNITED_KINGDOM.to_owned());
        let residence = if location_code == UNITED_KINGDOM {
            check(
                &mut errors,
                "postcode",
                Postcode::parse(form.postcode.unwrap_or_default()),
            )
            .map(Residence::UnitedKingdom)
        } else if is_known_country(&location_code) {
            let postcode = check(
                &mut errors,
                "postcode",
                checked_text(
                    form.postcode.unwrap_or_default(),
                    Self::MAX_OVERSEAS_POSTCODE_CHARS,
                ),
            );
            postcode.map(|postcode| Residence::Overseas {
                location_code,
                postcode: Some(postcode).filter(|text| !text.is_empty()),
            })
        } else {
            check(
                &mut errors,
                "location_code",
                Err(ValidationError::UnknownCountry),
            )
        };
        if form.uk_citizenship != Some(true) {
            errors.push(("uk_citizenship", ValidationError::NotEligible));
        }
        match (name, email, residence) {
            (Some(name), Some(email), Some(residence)) if errors.is_empty() => Ok(Self {
                name,
                email,
                residence,
                notify_by_email: form.notify_by_email.unwrap_or(false),
            }),
            _ => Err(errors),
        }
    }
}

/// The value, or `None` with the fault recorded against `field`.
fn check<T>(
    errors: &mut FieldErrors,
    field: &'static str,
    result: Result<T, ValidationError>,
) -> Option<T> {
    result.map_err(|error| errors.push((field, error))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(code: &str) -> bool {
        ["GB", "FR", "US"].contains(&code)
    }

    fn form() -> SignerForm<'static> {
        SignerForm {
            name: Some("Ada Lovelace"),
            email: Some("Ada@Example.COM"),
            postcode: Some("sw1a 1aa"),
            location_code: None,
            uk_citizenship: Some(true),
            notify_by_email: None,
        }
    }

    #[test]
    fn a_uk_signer_defaults_to_gb_with_a_normalised_postcode() {
        let details = SignerDetails::parse(&form(), known).unwrap();
        assert_eq!(details.residence.location_code(), "GB");
        assert_eq!(details.residence.postcode(), Some("SW1A1AA"));
        assert_eq!(details.email.as_str(), "Ada@example.com");
        assert!(!details.notify_by_email);
    }

    #[test]
    fn overseas_postcodes_are_free_text_and_optional() {
        let overseas = SignerForm {
            location_code: Some("fr"),
            postcode: Some("  75001 Paris "),
            ..form()
        };
        let details = SignerDetails::parse(&overseas, known).unwrap();
        assert_eq!(
            details.residence,
            Residence::Overseas {
                location_code: "FR".to_owned(),
                postcode: Some("75001 Paris".to_owned())
            }
        );
        let no_postcode = SignerForm {
            postcode: None,
            ..overseas
        };
        assert_eq!(
            SignerDetails::parse(&no_postcode, known)
                .unwrap()
                .residence
                .postcode(),
            None
        );
    }

    #[test]
    fn every_fault_is_reported_with_its_field() {
        let bad = SignerForm {
            name: Some("=cmd"),
            email: None,
            postcode: Some("NOT A POSTCODE"),
            location_code: None,
            uk_citizenship: Some(false),
            notify_by_email: Some(true),
        };
        let errors = SignerDetails::parse(&bad, known).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["name", "email", "postcode", "uk_citizenship"]);
        let unknown_country = SignerForm {
            location_code: Some("XX"),
            ..form()
        };
        assert_eq!(
            SignerDetails::parse(&unknown_country, known).unwrap_err(),
            vec![("location_code", ValidationError::UnknownCountry)]
        );
    }
}
