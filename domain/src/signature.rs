//! Who may sign again (SPEC §2.3) and how fast one address may sign (SPEC §2.4).

use chrono::{DateTime, Duration, Utc};

/// A signature already on the petition under the same (lower-cased or canonical) email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorSignature {
    /// The name as [`crate::SignerName::comparable`] folds it.
    pub comparable_name: String,
    /// The normalised postcode, or the free text an overseas signer gave.
    pub postcode: Option<String>,
}

/// What to do with a new signature, given the prior ones under the same email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateVerdict {
    /// Store it: nobody has signed with this email, or a household shares one address.
    New,
    /// Don't store it; the signer is told about the prior signature at this index instead.
    DuplicateOf(usize),
}

/// SPEC §2.3: two matches are the most one email may have; one match is a duplicate unless a
/// different person at the same postcode (a household sharing an address) is signing.
pub fn judge_duplicate(
    prior: &[PriorSignature],
    comparable_name: &str,
    postcode: Option<&str>,
) -> DuplicateVerdict {
    match prior {
        [] => DuplicateVerdict::New,
        [only] => {
            let same_person = only.comparable_name == comparable_name;
            let same_address = only.postcode.as_deref() == postcode;
            if same_person || !same_address {
                DuplicateVerdict::DuplicateOf(0)
            } else {
                DuplicateVerdict::New
            }
        }
        several => DuplicateVerdict::DuplicateOf(
            several
                .iter()
                .position(|signature| signature.comparable_name == comparable_name)
                .unwrap_or(0),
        ),
    }
}

/// At most `limit` signatures from one address within `seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    pub limit: u32,
    pub seconds: u32,
}

impl RateWindow {
    /// When the window that ends at `now` began.
    pub fn starts_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::seconds(self.seconds.into())
    }
}

/// Per-address limits on signing one petition (SPEC §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub burst: RateWindow,
    pub sustained: RateWindow,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            burst: RateWindow {
                limit: 1,
                seconds: 60,
            },
            sustained: RateWindow {
                limit: 5,
                seconds: 300,
            },
        }
    }
}

impl RateLimits {
    /// Petitions one address may create, across the site: one a minute, five a day.
    pub const CREATION: RateLimits = RateLimits {
        burst: RateWindow {
            limit: 1,
            seconds: 60,
        },
        sustained: RateWindow {
            limit: 5,
            seconds: 86_400,
        },
    };

    /// Whether one more signature is over the limit, given how many the same address made
    /// on the same petition within the burst and sustained windows before it.
    pub fn exceeded_by_one_more(&self, in_burst_window: u64, in_sustained_window: u64) -> bool {
        in_burst_window >= u64::from(self.burst.limit)
            || in_sustained_window >= u64::from(self.sustained.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn prior(name: &str, postcode: &str) -> PriorSignature {
        PriorSignature {
            comparable_name: name.to_owned(),
            postcode: Some(postcode.to_owned()),
        }
    }

    #[test]
    fn the_household_rule() {
        let alice = [prior("alice smith", "SW1A1AA")];
        assert_eq!(
            judge_duplicate(&[], "alice smith", Some("SW1A1AA")),
            DuplicateVerdict::New
        );
        // The same person again, wherever they say they live.
        assert_eq!(
            judge_duplicate(&alice, "alice smith", Some("SW1A1AA")),
            DuplicateVerdict::DuplicateOf(0)
        );
        assert_eq!(
            judge_duplicate(&alice, "alice smith", Some("M11AE")),
            DuplicateVerdict::DuplicateOf(0)
        );
        // Someone else at another address is not a household.
        assert_eq!(
            judge_duplicate(&alice, "bob smith", Some("M11AE")),
            DuplicateVerdict::DuplicateOf(0)
        );
        // Someone else at the same address shares the email: allowed once.
        assert_eq!(
            judge_duplicate(&alice, "bob smith", Some("SW1A1AA")),
            DuplicateVerdict::New
        );
        let household = [
            prior("alice smith", "SW1A1AA"),
            prior("bob smith", "SW1A1AA"),
        ];
        assert_eq!(
            judge_duplicate(&household, "carol smith", Some("SW1A1AA")),
            DuplicateVerdict::DuplicateOf(0)
        );
        assert_eq!(
            judge_duplicate(&household, "bob smith", Some("SW1A1AA")),
            DuplicateVerdict::DuplicateOf(1)
        );
    }

    #[test]
    fn the_default_limits_are_one_a_minute_and_five_in_five_minutes() {
        let limits = RateLimits::default();
        assert!(!limits.exceeded_by_one_more(0, 0));
        assert!(limits.exceeded_by_one_more(1, 1));
        assert!(!limits.exceeded_by_one_more(0, 4));
        assert!(limits.exceeded_by_one_more(0, 5));
    }

    proptest! {
        /// Whatever the prior signatures, one email never ends up with more than two.
        #[test]
        fn at_most_two_signatures_per_email(
            attempts in prop::collection::vec((0..4usize, 0..3usize), 1..30)
        ) {
            let names = ["alice", "bob", "carol", "dan"];
            let postcodes = ["SW1A1AA", "M11AE", "EH991SP"];
            let mut stored: Vec<PriorSignature> = Vec::new();
            for (name, postcode) in attempts {
                let verdict = judge_duplicate(&stored, names[name], Some(postcodes[postcode]));
                if verdict == DuplicateVerdict::New {
                    stored.push(prior(names[name], postcodes[postcode]));
                }
                prop_assert!(stored.len() <= 2);
                if let DuplicateVerdict::DuplicateOf(index) = verdict {
                    prop_assert!(index < stored.len());
                }
            }
        }
    }
}
