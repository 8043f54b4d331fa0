//! Staff edits to a petition: its texts (the petitioners' words only before publication),
//! the committee's public note, the departments and topics it is filed under, and the
//! reference lists those come from.

use crate::rejection_reason::parse_code;
use crate::responses_and_debates::https_url;
use crate::signer_details::FieldErrors;
use crate::state::PetitionState;
use crate::text::{AdditionalDetails, Background, CommitteeNote, PetitionAction, ReferenceName};
use crate::validation::ValidationError;

/// A petition is filed under at most this many departments, and as many topics.
pub const MAX_TAGS: usize = 10;
pub const MAX_ACRONYM_CHARS: usize = 20;

/// A text edit as sent. The outer `None` leaves a text as it is; for the optional texts,
/// `Some(None)` (JSON `null`) clears it.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextEditForm<'a> {
    pub action: Option<Option<&'a str>>,
    pub background: Option<Option<&'a str>>,
    pub additional_details: Option<Option<&'a str>>,
    pub committee_note: Option<Option<&'a str>>,
}

/// A valid text edit: `None` leaves a text unchanged; an empty optional text is cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextEdit {
    pub action: Option<PetitionAction>,
    pub background: Option<Background>,
    pub additional_details: Option<Option<AdditionalDetails>>,
    pub committee_note: Option<Option<CommitteeNote>>,
}

/// Parses a text that was sent (`Some`), noting a fault against `field`; `None` when the
/// text was not sent or is at fault.
fn checked<T>(
    faults: &mut FieldErrors,
    field: &'static str,
    sent: Option<Option<&str>>,
    parse: fn(&str) -> Result<T, ValidationError>,
) -> Option<T> {
    parse(sent?.unwrap_or_default())
        .map_err(|error| faults.push((field, error)))
        .ok()
}

/// Why an edit can't be made to a petition in its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EditRefusal {
    #[error(
        "the petition is {0}: its action, background and additional details can only change \
         before it is published; the committee note can change at any time"
    )]
    PublishedWords(PetitionState),
    #[error("the petition has been removed")]
    Removed,
}

impl TextEdit {
    pub fn parse(form: &TextEditForm<'_>) -> Result<Self, FieldErrors> {
        let mut faults = FieldErrors::new();
        // A required text sent as null is as blank as an empty one.
        let action = checked(&mut faults, "action", form.action, PetitionAction::parse);
        let background = checked(
            &mut faults,
            "background",
            form.background,
            Background::parse,
        );
        let additional_details = checked(
            &mut faults,
            "additional_details",
            form.additional_details,
            AdditionalDetails::parse,
        );
        let committee_note = checked(
            &mut faults,
            "committee_note",
            form.committee_note,
            CommitteeNote::parse,
        );
        if !faults.is_empty() {
            return Err(faults);
        }
        Ok(Self {
            action,
            background,
            additional_details: additional_details
                .map(|details| Some(details).filter(|d| !d.as_str().is_empty())),
            committee_note: committee_note
                .map(|note| Some(note).filter(|n| !n.as_str().is_empty())),
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether the edit touches what the petitioners wrote.
    pub fn changes_petitioners_words(&self) -> bool {
        self.action.is_some() || self.background.is_some() || self.additional_details.is_some()
    }

    /// Whether a petition in `state` may take this edit.
    pub fn allowed_in(&self, state: PetitionState) -> Result<(), EditRefusal> {
        if state == PetitionState::Removed {
            return Err(EditRefusal::Removed);
        }
        if self.changes_petitioners_words() && !state.texts_editable() {
            return Err(EditRefusal::PublishedWords(state));
        }
        Ok(())
    }
}

/// The departments (by acronym) and topics (by code) a petition is filed under, in order,
/// each named once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    pub departments: Vec<String>,
    pub topics: Vec<String>,
}

impl Tags {
    pub fn parse(departments: &[&str], topics: &[&str]) -> Result<Self, FieldErrors> {
        let mut faults = FieldErrors::new();
        let departments = tag_list("departments", departments, parse_acronym, &mut faults);
        let topics = tag_list("topics", topics, parse_code, &mut faults);
        if faults.is_empty() {
            Ok(Self {
                departments,
                topics,
            })
        } else {
            Err(faults)
        }
    }
}

fn tag_list(
    field: &'static str,
    raw: &[&str],
    parse: fn(&str) -> Result<String, ValidationError>,
    faults: &mut FieldErrors,
) -> Vec<String> {
    if raw.len() > MAX_TAGS {
        faults.push((
            field,
            ValidationError::TooMany {
                max: MAX_TAGS,
                actual: raw.len(),
            },
        ));
        return Vec::new();
    }
    let mut tags: Vec<String> = Vec::with_capacity(raw.len());
    for item in raw {
        match parse(item) {
            Ok(tag) if !tags.contains(&tag) => tags.push(tag),
            Ok(_) => {}
            Err(error) => {
                faults.push((field, error));
                return Vec::new();
            }
        }
    }
    tags
}

/// A department's acronym, as the official site writes them (`DfE`, `DHSC`): ASCII letters
/// and digits, up to 20.
pub fn parse_acronym(raw: &str) -> Result<String, ValidationError> {
    let acronym = raw.trim();
    if acronym.is_empty() {
        return Err(ValidationError::Blank);
    }
    let chars = acronym.chars().count();
    if chars > MAX_ACRONYM_CHARS {
        return Err(ValidationError::TooLong {
            max: MAX_ACRONYM_CHARS,
            actual: chars,
        });
    }
    if !acronym.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ValidationError::NotAnAcronym);
    }
    Ok(acronym.to_owned())
}

/// A government department, as petitions show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentText {
    pub name: ReferenceName,
    /// Its page on gov.uk, or wherever it lives.
    pub url: Option<String>,
}

impl DepartmentText {
    pub fn parse(name: Option<&str>, url: Option<&str>) -> Result<Self, FieldErrors> {
        let name = ReferenceName::parse(name.unwrap_or_default());
        let url = https_url(url.unwrap_or_default());
        match (name, url) {
            (Ok(name), Ok(url)) => Ok(Self { name, url }),
            (name, url) => Err([("name", name.err()), ("url", url.err())]
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

    fn fields(faults: &FieldErrors) -> Vec<&'static str> {
        faults.iter().map(|(field, _)| *field).collect()
    }

    #[test]
    fn an_empty_edit_changes_nothing() {
        let edit = TextEdit::parse(&TextEditForm::default()).unwrap();
        assert!(edit.is_empty());
        assert!(!edit.changes_petitioners_words());
    }

    #[test]
    fn optional_texts_are_cleared_by_null_or_blank() {
        let edit = TextEdit::parse(&TextEditForm {
            additional_details: Some(None),
            committee_note: Some(Some("   ")),
            ..TextEditForm::default()
        })
        .unwrap();
        assert_eq!(edit.additional_details, Some(None));
        assert_eq!(edit.committee_note, Some(None));
    }

    #[test]
    fn required_texts_can_not_be_cleared_and_every_fault_is_named() {
        let faults = TextEdit::parse(&TextEditForm {
            action: Some(None),
            background: Some(Some("")),
            committee_note: Some(Some(&"n".repeat(801))),
            ..TextEditForm::default()
        })
        .unwrap_err();
        assert_eq!(fields(&faults), ["action", "background", "committee_note"]);
    }

    #[test]
    fn the_petitioners_words_change_only_before_publication_but_the_note_at_any_time() {
        let words = TextEdit::parse(&TextEditForm {
            action: Some(Some("Plant more trees")),
            ..TextEditForm::default()
        })
        .unwrap();
        let note = TextEdit::parse(&TextEditForm {
            committee_note: Some(Some("The committee wrote to the department.")),
            ..TextEditForm::default()
        })
        .unwrap();
        for state in PetitionState::ALL {
            let expected = if *state == PetitionState::Removed {
                Err(EditRefusal::Removed)
            } else if state.texts_editable() {
                Ok(())
            } else {
                Err(EditRefusal::PublishedWords(*state))
            };
            assert_eq!(words.allowed_in(*state), expected, "{state:?}");
            let note_allowed = *state != PetitionState::Removed;
            assert_eq!(note.allowed_in(*state).is_ok(), note_allowed, "{state:?}");
        }
        assert!(PetitionState::Sponsored.texts_editable());
        assert!(!PetitionState::Open.texts_editable());
    }

    #[test]
    fn tags_are_checked_deduplicated_and_kept_in_order() {
        let tags = Tags::parse(&["DfE", " HMT ", "DfE"], &["education", "tax"]).unwrap();
        assert_eq!(tags.departments, ["DfE", "HMT"]);
        assert_eq!(tags.topics, ["education", "tax"]);
        let faults = Tags::parse(&["D f E"], &["Not A Code"]).unwrap_err();
        assert_eq!(fields(&faults), ["departments", "topics"]);
        let many: Vec<&str> = ["a"; 11].to_vec();
        assert_eq!(
            Tags::parse(&[], &many).unwrap_err(),
            vec![(
                "topics",
                ValidationError::TooMany {
                    max: MAX_TAGS,
                    actual: 11
                }
            )]
        );
    }

    #[test]
    fn a_department_needs_a_name_and_an_https_page_if_any() {
        let department = DepartmentText::parse(
            Some("Department for Education"),
            Some("https://www.gov.uk/government/organisations/department-for-education"),
        )
        .unwrap();
        assert_eq!(department.name.as_str(), "Department for Education");
        assert_eq!(
            DepartmentText::parse(Some("Education"), None).unwrap().url,
            None
        );
        let faults = DepartmentText::parse(None, Some("http://example.com")).unwrap_err();
        assert_eq!(fields(&faults), ["name", "url"]);
    }

    proptest! {
        #[test]
        fn a_parsed_acronym_is_short_plain_and_trimmed(raw in "\\PC{0,30}") {
            if let Ok(acronym) = parse_acronym(&raw) {
                prop_assert!(!acronym.is_empty());
                prop_assert!(acronym.len() <= MAX_ACRONYM_CHARS);
                prop_assert!(acronym.chars().all(|c| c.is_ascii_alphanumeric()));
                prop_assert_eq!(acronym.as_str(), raw.trim());
            }
        }

        #[test]
        fn parsed_tags_never_repeat(raw in proptest::collection::vec("[a-c-]{1,3}", 0..10)) {
            let topics: Vec<&str> = raw.iter().map(String::as_str).collect();
            if let Ok(tags) = Tags::parse(&[], &topics) {
                let mut unique = tags.topics.clone();
                unique.sort();
                unique.dedup();
                prop_assert_eq!(unique.len(), tags.topics.len());
            }
        }
    }
}
