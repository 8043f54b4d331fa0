//! Gathering sponsors before moderation (SPEC §1.2): who may still support a petition, and
//! when its supporters put it in the moderation queue.

use thiserror::Error;

use crate::state::PetitionState;
use crate::Thresholds;

/// Why a supporter link no longer takes supporters. Messages are for the would-be supporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SponsorRefusal {
    #[error("the petition's creator has not confirmed their email address yet: try again once they have")]
    CreatorNotConfirmed,
    #[error("the petition already has all the supporters it can take ({max})")]
    Full { max: u32 },
    #[error("the petition has been published: sign it instead")]
    Published,
    #[error("the petition was not published and takes no more supporters")]
    Ended,
    #[error("the petition was removed")]
    Removed,
}

/// Whether one more supporter may sign, given how many have confirmed so far.
pub fn may_sponsor(
    state: PetitionState,
    confirmed_sponsors: u64,
    thresholds: &Thresholds,
) -> Result<(), SponsorRefusal> {
    use PetitionState as P;
    match state {
        P::Pending => Err(SponsorRefusal::CreatorNotConfirmed),
        P::Validated | P::Sponsored | P::Flagged | P::Dormant => {
            if confirmed_sponsors >= u64::from(thresholds.max_sponsors) {
                Err(SponsorRefusal::Full {
                    max: thresholds.max_sponsors,
                })
            } else {
                Ok(())
            }
        }
        P::Open | P::Closed => Err(SponsorRefusal::Published),
        P::Rejected | P::Hidden | P::Stopped => Err(SponsorRefusal::Ended),
        P::Removed => Err(SponsorRefusal::Removed),
    }
}

/// Whether this many confirmed sponsors put a petition in the moderation queue.
pub fn reaches_moderation(confirmed_sponsors: u64, thresholds: &Thresholds) -> bool {
    confirmed_sponsors >= u64::from(thresholds.moderation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn supporters_are_taken_from_confirmation_until_the_maximum() {
        let thresholds = Thresholds::default();
        assert_eq!(
            may_sponsor(PetitionState::Pending, 0, &thresholds),
            Err(SponsorRefusal::CreatorNotConfirmed)
        );
        for state in [
            PetitionState::Validated,
            PetitionState::Sponsored,
            PetitionState::Flagged,
            PetitionState::Dormant,
        ] {
            assert_eq!(may_sponsor(state, 19, &thresholds), Ok(()));
            assert_eq!(
                may_sponsor(state, 20, &thresholds),
                Err(SponsorRefusal::Full { max: 20 })
            );
        }
        assert_eq!(
            may_sponsor(PetitionState::Open, 3, &thresholds),
            Err(SponsorRefusal::Published)
        );
        assert_eq!(
            may_sponsor(PetitionState::Hidden, 3, &thresholds),
            Err(SponsorRefusal::Ended)
        );
        assert_eq!(
            may_sponsor(PetitionState::Removed, 3, &thresholds),
            Err(SponsorRefusal::Removed)
        );
    }

    #[test]
    fn the_fifth_confirmed_sponsor_reaches_moderation_by_default() {
        let thresholds = Thresholds::default();
        assert!(!reaches_moderation(4, &thresholds));
        assert!(reaches_moderation(5, &thresholds));
    }

    proptest! {
        /// Any petition that could reach moderation can still take that many supporters.
        #[test]
        fn the_threshold_is_reachable_whenever_it_is_within_the_maximum(
            moderation in 0u32..50, max_sponsors in 0u32..50, confirmed in 0u64..60,
        ) {
            let thresholds = Thresholds { moderation, max_sponsors, ..Thresholds::default() };
            let open_to_more = may_sponsor(PetitionState::Validated, confirmed, &thresholds).is_ok();
            prop_assert_eq!(open_to_more, confirmed < u64::from(max_sponsors));
            if moderation <= max_sponsors && !reaches_moderation(confirmed, &thresholds) {
                prop_assert!(open_to_more);
            }
        }
    }
}
