//! Rejection reasons (SPEC §1.4): managed by sysadmins, chosen by moderators.

use crate::signer_details::FieldErrors;
use crate::validation::{required_text, ValidationError};

pub const MAX_CODE_CHARS: usize = 30;
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A reason's code: lowercase letters and dashes, at most 30.
pub fn parse_code(raw: &str) -> Result<String, ValidationError> {
    let code = raw.trim();
    if code.is_empty() {
        return Err(ValidationError::Blank);
    }
    let chars = code.chars().count();
    if chars > MAX_CODE_CHARS {
        return Err(ValidationError::TooLong {
            max: MAX_CODE_CHARS,
            actual: chars,
        });
    }
    if !code.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
        return Err(ValidationError::NotACode);
    }
    Ok(code.to_owned())
}

/// A reason's words and whether petitions rejected for it are hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonText {
    pub title: String,
    pub description: String,
    pub hidden: bool,
}

impl ReasonText {
    pub fn parse(
        title: Option<&str>,
        description: Option<&str>,
        hidden: Option<bool>,
    ) -> Result<Self, FieldErrors> {
        let title = required_text(title.unwrap_or_default(), MAX_TITLE_CHARS);
        let description = required_text(description.unwrap_or_default(), MAX_DESCRIPTION_CHARS);
        let hidden = hidden.ok_or(ValidationError::Blank);
        match (title, description, hidden) {
            (Ok(title), Ok(description), Ok(hidden)) => Ok(Self {
                title,
                description,
                hidden,
            }),
            (title, description, hidden) => Err([
                ("title", title.err()),
                ("description", description.err()),
                ("hidden", hidden.err()),
            ]
            .into_iter()
            .filter_map(|(field, error)| Some((field, error?)))
            .collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_are_lowercase_words_joined_by_dashes() {
        assert_eq!(parse_code(" no-action "), Ok("no-action".to_owned()));
        assert_eq!(parse_code("No Action"), Err(ValidationError::NotACode));
        assert_eq!(parse_code(""), Err(ValidationError::Blank));
        assert!(parse_code(&"a".repeat(31)).is_err());
    }

    #[test]
    fn a_reason_names_every_missing_part() {
        let faults = ReasonText::parse(None, Some(&"x".repeat(1001)), None).unwrap_err();
        let fields: Vec<&str> = faults.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["title", "description", "hidden"]);
    }

    proptest! {
        #[test]
        fn an_accepted_code_is_short_lowercase_and_dashes(raw in "\\PC{0,40}") {
            if let Ok(code) = parse_code(&raw) {
                prop_assert!(!code.is_empty() && code.chars().count() <= MAX_CODE_CHARS);
                prop_assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
            }
        }
    }
}
