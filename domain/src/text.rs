//! The texts of a petition (SPEC §1.1), each a newtype that can only hold valid text.

use crate::signer_details::FieldErrors;
use crate::validation::{checked_text, required_text, ValidationError};

macro_rules! petition_text {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, required = $required:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// The most characters this text may have after trimming.
            pub const MAX_CHARS: usize = $max;

            /// Trims `raw` and checks it against the rules for this text.
            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                let text = if $required {
                    required_text(raw, Self::MAX_CHARS)?
                } else {
                    checked_text(raw, Self::MAX_CHARS)?
                };
                Ok(Self(text))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

petition_text!(
    /// The petition's title: what the petitioners ask for.
    PetitionAction, max = 80, required = true
);
petition_text!(
    /// Why the petition matters, in a few sentences.
    Background, max = 300, required = true
);
petition_text!(
    /// Optional further detail; may be empty.
    AdditionalDetails, max = 800, required = false
);
petition_text!(
    /// Why a petition was rejected, beyond the reason's own description.
    RejectionDetails, max = 4000, required = false
);
petition_text!(
    /// The government's response in brief.
    ResponseSummary, max = 200, required = true
);
petition_text!(
    /// The government's response in full.
    ResponseDetails, max = 6000, required = false
);
petition_text!(
    /// What a debate (or the decision not to hold one) was about.
    DebateOverview, max = 6000, required = false
);
petition_text!(
    /// The heading of other parliamentary business on a petition's page.
    BusinessSubject, max = 200, required = true
);
petition_text!(
    /// What the other parliamentary business was, and where to read more.
    BusinessBody, max = 6000, required = true
);
petition_text!(
    /// A note from the Petitions Committee, written by staff and shown publicly.
    CommitteeNote, max = 800, required = false
);
petition_text!(
    /// Staff's private note on a petition, never shown to the public.
    PrivateNote, max = 10_000, required = false
);
petition_text!(
    /// Why staff did something, in a line.
    ReasonSummary, max = 500, required = true
);
petition_text!(
    /// What staff add to the email telling signers Parliament is dissolving.
    DissolutionMessage, max = 2000, required = false
);
petition_text!(
    /// A government department's or a topic's name.
    ReferenceName, max = 100, required = true
);

/// The texts a creator writes, as sent; each optional so a missing one is a field error.
#[derive(Debug, Clone, Copy, Default)]
pub struct PetitionTextForm<'a> {
    pub action: Option<&'a str>,
    pub background: Option<&'a str>,
    pub additional_details: Option<&'a str>,
}

/// A new petition's texts, every one valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PetitionText {
    pub action: PetitionAction,
    pub background: Background,
    /// `None` when left empty.
    pub additional_details: Option<AdditionalDetails>,
}

impl PetitionText {
    /// Checks every text, reporting each fault against its field.
    pub fn parse(form: &PetitionTextForm<'_>) -> Result<Self, FieldErrors> {
        let action = PetitionAction::parse(form.action.unwrap_or_default());
        let background = Background::parse(form.background.unwrap_or_default());
        let details = AdditionalDetails::parse(form.additional_details.unwrap_or_default());
        match (action, background, details) {
            (Ok(action), Ok(background), Ok(details)) => Ok(Self {
                action,
                background,
                additional_details: Some(details).filter(|details| !details.as_str().is_empty()),
            }),
            (action, background, details) => Err([
                ("action", action.err()),
                ("background", background.err()),
                ("additional_details", details.err()),
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
    fn an_action_is_trimmed_and_stored_as_written() {
        let action = PetitionAction::parse("  Ban <b>bold</b> & \"quotes\"  ").unwrap();
        assert_eq!(action.as_str(), "Ban <b>bold</b> & \"quotes\"");
    }

    #[test]
    fn a_blank_action_is_refused() {
        assert_eq!(PetitionAction::parse(" \n\t "), Err(ValidationError::Blank));
    }

    #[test]
    fn eighty_characters_fit_in_an_action_but_eighty_one_do_not() {
        assert!(PetitionAction::parse(&"é".repeat(80)).is_ok());
        assert_eq!(
            PetitionAction::parse(&"é".repeat(81)),
            Err(ValidationError::TooLong {
                max: 80,
                actual: 81
            })
        );
    }

    #[test]
    fn background_allows_three_hundred_characters() {
        assert!(Background::parse(&"a".repeat(300)).is_ok());
        assert!(Background::parse(&"a".repeat(301)).is_err());
    }

    #[test]
    fn additional_details_may_be_empty() {
        assert_eq!(AdditionalDetails::parse("   ").unwrap().as_str(), "");
        assert!(AdditionalDetails::parse(&"a".repeat(801)).is_err());
    }

    #[test]
    fn line_breaks_and_tabs_are_kept_but_other_control_characters_are_refused() {
        let details = AdditionalDetails::parse("one\r\ntwo\n\tthree").unwrap();
        assert_eq!(details.as_str(), "one\r\ntwo\n\tthree");
        assert_eq!(
            Background::parse("bell\u{7}"),
            Err(ValidationError::ControlCharacter)
        );
        assert_eq!(
            Background::parse("lone\rreturn"),
            Err(ValidationError::ControlCharacter)
        );
    }

    #[test]
    fn a_petition_text_reports_every_fault_and_drops_empty_details() {
        let text = PetitionText::parse(&PetitionTextForm {
            action: Some(" Plant more trees "),
            background: Some("Shade."),
            additional_details: Some("  "),
        })
        .unwrap();
        assert_eq!(text.action.as_str(), "Plant more trees");
        assert_eq!(text.additional_details, None);
        let faults = PetitionText::parse(&PetitionTextForm {
            action: None,
            background: Some("ok"),
            additional_details: Some(&"x".repeat(801)),
        })
        .unwrap_err();
        let fields: Vec<_> = faults.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["action", "additional_details"]);
    }

    proptest! {
        #[test]
        fn any_parsed_action_is_trimmed_non_empty_and_short(raw in "\\PC{0,120}") {
            if let Ok(action) = PetitionAction::parse(&raw) {
                let text = action.as_str();
                prop_assert!(!text.is_empty());
                prop_assert!(text.chars().count() <= PetitionAction::MAX_CHARS);
                prop_assert_eq!(text, text.trim());
            }
        }
    }
}
