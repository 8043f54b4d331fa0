//! The name a signer gives (SPEC §2.1).

use crate::validation::{required_text, ValidationError};

/// A signer's name: not a spreadsheet formula, not a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerName(String);

impl SignerName {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = required_text(raw, Self::MAX_CHARS)?;
        if name.contains(['\n', '\t', '\r']) {
            return Err(ValidationError::ControlCharacter);
        }
        // A leading = + - @ would run as a formula when staff open an export in a spreadsheet.
        if name.starts_with(['=', '+', '-', '@']) {
            return Err(ValidationError::FormulaPrefix);
        }
        let lower = name.to_lowercase();
        if ["http://", "https://", "www."]
            .iter()
            .any(|marker| lower.contains(marker))
        {
            return Err(ValidationError::ContainsUrl);
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name folded for comparison: case and runs of spaces do not make a different person.
    pub fn comparable(&self) -> String {
        comparable_name(&self.0)
    }
}

/// A name, stored or new, folded for comparison (see [`SignerName::comparable`]).
pub fn comparable_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_name_is_accepted_and_trimmed() {
        assert_eq!(
            SignerName::parse("  Ada Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
    }

    #[test]
    fn names_that_look_like_formulas_or_links_are_refused() {
        assert_eq!(
            SignerName::parse("=SUM(A1)"),
            Err(ValidationError::FormulaPrefix)
        );
        assert_eq!(
            SignerName::parse("@handle"),
            Err(ValidationError::FormulaPrefix)
        );
        assert_eq!(
            SignerName::parse("Visit https://spam.example"),
            Err(ValidationError::ContainsUrl)
        );
        assert_eq!(
            SignerName::parse("WWW.spam.example"),
            Err(ValidationError::ContainsUrl)
        );
        assert!(SignerName::parse(&"a".repeat(256)).is_err());
    }

    #[test]
    fn names_compare_without_case_or_extra_spaces() {
        let a = SignerName::parse("Ada  LOVELACE").unwrap();
        let b = SignerName::parse("ada lovelace").unwrap();
        assert_eq!(a.comparable(), b.comparable());
    }
}
