//! UK postcodes: normalised to upper case without spaces, as the official service stores them.

use crate::validation::ValidationError;

/// A valid UK postcode (including BFPO numbers and GIR 0AA), upper case, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postcode(String);

/// Shapes of the outward code: `A` is a letter, `9` a digit.
const OUTWARD_SHAPES: [&str; 6] = ["A9", "A99", "AA9", "AA99", "A9A", "AA9A"];

impl Postcode {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let normalised: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if normalised.is_empty() {
            return Err(ValidationError::Blank);
        }
        if normalised == "GIR0AA" || is_bfpo(&normalised) || is_standard(&normalised) {
            Ok(Self(normalised))
        } else {
            Err(ValidationError::InvalidPostcode)
        }
    }

    /// The stored form, e.g. `SW1A1AA`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form people write, e.g. `SW1A 1AA` or `BFPO 1234`.
    pub fn display(&self) -> String {
        if let Some(number) = self.0.strip_prefix("BFPO") {
            return format!("BFPO {number}");
        }
        let (outward, inward) = self.0.split_at(self.0.len() - 3);
        format!("{outward} {inward}")
    }

    /// The postcode sector (`SW1A 1`), the unit of the bundled lookup table.
    pub fn sector(&self) -> Option<String> {
        if self.0.starts_with("BFPO") {
            return None;
        }
        let (outward, inward) = self.0.split_at(self.0.len() - 3);
        Some(format!("{outward} {}", &inward[..1]))
    }
}

fn is_bfpo(normalised: &str) -> bool {
    normalised.strip_prefix("BFPO").is_some_and(|number| {
        (1..=4).contains(&number.len()) && number.chars().all(|c| c.is_ascii_digit())
    })
}

fn is_standard(normalised: &str) -> bool {
    if !(5..=7).contains(&normalised.len()) || !normalised.is_ascii() {
        return false;
    }
    let (outward, inward) = normalised.split_at(normalised.len() - 3);
    matches_shape(inward, "9AA")
        && OUTWARD_SHAPES
            .iter()
            .any(|shape| matches_shape(outward, shape))
}

fn matches_shape(text: &str, shape: &str) -> bool {
    text.len() == shape.len()
        && text.chars().zip(shape.chars()).all(|(c, s)| match s {
            'A' => c.is_ascii_uppercase(),
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn postcodes_are_normalised_to_upper_case_without_spaces() {
        assert_eq!(Postcode::parse(" sw1a 1aa ").unwrap().as_str(), "SW1A1AA");
        assert_eq!(Postcode::parse("SW1A1AA").unwrap().display(), "SW1A 1AA");
    }

    #[test]
    fn every_outward_shape_is_accepted() {
        for good in [
            "M1 1AE",
            "B33 8TH",
            "CR2 6XH",
            "DN55 1PT",
            "W1A 0AX",
            "EC1A 1BB",
            "GIR 0AA",
            "BFPO 1234",
            "bfpo 5",
        ] {
            assert!(Postcode::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn malformed_postcodes_are_refused() {
        for bad in [
            "SW1A",
            "1AA SW1",
            "SW1A 1A",
            "SW1AA 1AA",
            "BFPO",
            "BFPO 12345",
            "S£1A 1AA",
            "ÅB1 1AA",
        ] {
            assert_eq!(
                Postcode::parse(bad),
                Err(ValidationError::InvalidPostcode),
                "{bad}"
            );
        }
        assert_eq!(Postcode::parse("  "), Err(ValidationError::Blank));
    }

    #[test]
    fn the_sector_is_the_outward_code_and_the_first_inward_digit() {
        assert_eq!(
            Postcode::parse("SW1A 1AA").unwrap().sector().as_deref(),
            Some("SW1A 1")
        );
        assert_eq!(Postcode::parse("BFPO 5").unwrap().sector(), None);
    }

    proptest! {
        #[test]
        fn a_parsed_postcode_parses_again_to_itself(raw in "[A-Za-z]{1,2}[0-9][0-9A-Za-z]? ?[0-9][A-Za-z]{2}") {
            let postcode = Postcode::parse(&raw).unwrap();
            prop_assert_eq!(Postcode::parse(&postcode.display()).unwrap(), postcode.clone());
            prop_assert!(!postcode.as_str().contains(' '));
        }

        #[test]
        fn parsing_never_panics(raw in "\\PC{0,12}") {
            let _ = Postcode::parse(&raw);
        }
    }
}
