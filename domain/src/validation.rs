//! The one error type for input that breaks a rule; the API attaches the field name.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::signer_details::FieldErrors;

/// Why a piece of user input was refused. Messages are written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    #[error("must not be blank")]
    Blank,
    #[error("must be {max} characters or fewer (it is {actual})")]
    TooLong { max: usize, actual: usize },
    #[error("must be at least {min} characters (it is {actual})")]
    TooShort { min: usize, actual: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("must not start with =, +, - or @")]
    FormulaPrefix,
    #[error("must not contain a web address")]
    ContainsUrl,
    #[error("is not a valid email address")]
    InvalidEmail,
    #[error("is not a valid UK postcode")]
    InvalidPostcode,
    #[error("must be true: only British citizens and UK residents may sign")]
    NotEligible,
    #[error("is not a country or territory on our list")]
    UnknownCountry,
    #[error("is not a valid pattern of its kind")]
    InvalidPattern,
    #[error("must be a calendar date written YYYY-MM-DD, as 2026-01-31")]
    InvalidDate,
    #[error("must not be in the future")]
    InFuture,
    #[error("must be an https:// address with a host and no spaces")]
    NotHttpsUrl,
    #[error("must be lowercase letters and dashes only")]
    NotACode,
    #[error("must be letters and digits only")]
    NotAnAcronym,
    #[error("must be a whole number from {min} to {max}")]
    OutOfRange { min: i64, max: i64 },
    #[error("must be an instant written as RFC 3339, e.g. 2026-01-01T12:00:00Z")]
    InvalidInstant,
    #[error("must be in the future")]
    NotInFuture,
    #[error("must be later than {0}")]
    NotAfter(&'static str),
    #[error("must describe the signers: give at least one of name, email, domain, ip, postcode, constituency, country, signed_after or signed_before")]
    NothingDescribed,
    #[error("must name at most {max} (it names {actual})")]
    TooMany { max: usize, actual: usize },
}

/// Trims `raw` and checks the length (in characters) and the characters allowed in free text.
/// A carriage return is accepted only as part of a CRLF line break, as browsers send them.
pub(crate) fn checked_text(raw: &str, max: usize) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    let mut chars = trimmed.chars().peekable();
    while let Some(c) = chars.next() {
        let is_crlf = c == '\r' && chars.peek() == Some(&'\n');
        if c.is_control() && c != '\n' && c != '\t' && !is_crlf {
            return Err(ValidationError::ControlCharacter);
        }
    }
    let actual = trimmed.chars().count();
    if actual > max {
        return Err(ValidationError::TooLong { max, actual });
    }
    Ok(trimmed.to_owned())
}

/// Like [`checked_text`], but an empty result is refused.
pub(crate) fn required_text(raw: &str, max: usize) -> Result<String, ValidationError> {
    let text = checked_text(raw, max)?;
    if text.is_empty() {
        return Err(ValidationError::Blank);
    }
    Ok(text)
}

/// An instant written as RFC 3339, when one was given: a blank is `None`, and anything
/// else unreadable is a fault against `field`.
pub(crate) fn optional_instant(
    faults: &mut FieldErrors,
    field: &'static str,
    raw: Option<&str>,
) -> Option<DateTime<Utc>> {
    let raw = raw.map(str::trim).filter(|raw| !raw.is_empty())?;
    match DateTime::parse_from_rfc3339(raw) {
        Ok(at) => Some(at.with_timezone(&Utc)),
        Err(_) => {
            faults.push((field, ValidationError::InvalidInstant));
            None
        }
    }
}
