//! Counting confirmed signatures in batches (SPEC §3): what one batch adds to a petition's
//! counts, and what crossing a threshold does to its response and debate states.

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::state::{
    Authority, DebateEvent, DebateState, ResponseEvent, ResponseState, StateMachine,
};
use crate::thresholds::{Crossing, ThresholdCrossing, Thresholds};

/// One confirmed signature, as the counter sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedSignature {
    pub location_code: String,
    /// With its region, when the postcode was found.
    pub constituency: Option<(String, String)>,
    pub validated_at: DateTime<Utc>,
}

/// What a batch adds to one petition. Every signature adds one to the total, to its country
/// and to its hour; those found in a constituency add one to it and to its region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub total: i64,
    pub by_country: BTreeMap<String, i64>,
    pub by_constituency: BTreeMap<String, i64>,
    pub by_region: BTreeMap<String, i64>,
    pub by_hour: BTreeMap<DateTime<Utc>, i64>,
}

impl Tally {
    pub fn add(&mut self, signature: &CountedSignature) {
        self.total += 1;
        *self
            .by_country
            .entry(signature.location_code.clone())
            .or_default() += 1;
        if let Some((constituency, region)) = &signature.constituency {
            *self
                .by_constituency
                .entry(constituency.clone())
                .or_default() += 1;
            *self.by_region.entry(region.clone()).or_default() += 1;
        }
        *self
            .by_hour
            .entry(hour_of(signature.validated_at))
            .or_default() += 1;
    }
}

/// The start of the hour `instant` falls in: the unit of the signatures-over-time series.
pub fn hour_of(instant: DateTime<Utc>) -> DateTime<Utc> {
    instant
        .duration_trunc(TimeDelta::hours(1))
        .unwrap_or(instant)
}

/// A petition's counting state before a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountState {
    pub signature_count: i64,
    pub response_state: ResponseState,
    pub debate_state: DebateState,
    pub response_threshold_reached_at: Option<DateTime<Utc>>,
    pub debate_threshold_reached_at: Option<DateTime<Utc>>,
}

impl CountState {
    /// The state after `added` signatures (negative when signatures are struck out), at `now`.
    /// A threshold reached for the first time is stamped; one lost again moves the state back
    /// but keeps its stamp, as the official site does.
    pub fn after(self, added: i64, thresholds: &Thresholds, now: DateTime<Utc>) -> Self {
        let count = (self.signature_count + added).max(0);
        let crossing = ThresholdCrossing::between(
            thresholds,
            u64::try_from(self.signature_count).unwrap_or(0),
            u64::try_from(count).unwrap_or(0),
        );
        let mut next = Self {
            signature_count: count,
            ..self
        };
        match crossing.response {
            Crossing::Reached => {
                next.response_threshold_reached_at.get_or_insert(now);
                next.response_state = self
                    .response_state
                    .apply(ResponseEvent::ReachThreshold, Authority::System)
                    .unwrap_or(self.response_state);
            }
            Crossing::Lost => {
                next.response_state = self
                    .response_state
                    .apply(ResponseEvent::LoseThreshold, Authority::System)
                    .unwrap_or(self.response_state);
            }
            Crossing::Unchanged => {}
        }
        match crossing.debate {
            Crossing::Reached => {
                next.debate_threshold_reached_at.get_or_insert(now);
                next.debate_state = self
                    .debate_state
                    .apply(DebateEvent::ReachThreshold, Authority::System)
                    .unwrap_or(self.debate_state);
            }
            Crossing::Lost => {
                next.debate_state = self
                    .debate_state
                    .apply(DebateEvent::LoseThreshold, Authority::System)
                    .unwrap_or(self.debate_state);
            }
            Crossing::Unchanged => {}
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn fresh(count: i64) -> CountState {
        CountState {
            signature_count: count,
            response_state: ResponseState::Pending,
            debate_state: DebateState::Pending,
            response_threshold_reached_at: None,
            debate_threshold_reached_at: None,
        }
    }

    #[test]
    fn a_batch_that_crosses_both_thresholds_stamps_both() {
        let now = at("2026-11-22T10:00:00Z");
        let after = fresh(9_990).after(95_000, &Thresholds::default(), now);
        assert_eq!(after.signature_count, 104_990);
        assert_eq!(after.response_state, ResponseState::Awaiting);
        assert_eq!(after.debate_state, DebateState::Awaiting);
        assert_eq!(after.response_threshold_reached_at, Some(now));
        assert_eq!(after.debate_threshold_reached_at, Some(now));
    }

    #[test]
    fn a_threshold_reached_again_keeps_its_first_stamp() {
        let first = at("2026-01-01T00:00:00Z");
        let state = CountState {
            response_threshold_reached_at: Some(first),
            ..fresh(10_000)
        }
        .after(-1, &Thresholds::default(), at("2026-02-01T00:00:00Z"));
        assert_eq!(state.response_state, ResponseState::Pending);
        let again = state.after(1, &Thresholds::default(), at("2026-03-01T00:00:00Z"));
        assert_eq!(again.response_state, ResponseState::Awaiting);
        assert_eq!(again.response_threshold_reached_at, Some(first));
    }

    #[test]
    fn a_response_already_given_stays_given() {
        let responded = CountState {
            response_state: ResponseState::Responded,
            ..fresh(10_005)
        };
        let after = responded.after(-10, &Thresholds::default(), at("2026-01-01T00:00:00Z"));
        assert_eq!(after.response_state, ResponseState::Responded);
    }

    #[test]
    fn hours_start_on_the_hour() {
        assert_eq!(
            hour_of(at("2026-11-22T10:59:59.999Z")),
            at("2026-11-22T10:00:00Z")
        );
    }

    fn signature() -> impl Strategy<Value = CountedSignature> {
        (
            prop::sample::select(vec!["GB", "FR", "US"]),
            prop::option::of((0..5u8, 0..2u8)),
            0..200_000i64,
        )
            .prop_map(|(country, constituency, seconds)| CountedSignature {
                location_code: country.to_owned(),
                constituency: constituency.map(|(c, r)| (format!("E1400000{c}"), format!("R{r}"))),
                validated_at: at("2026-11-01T00:00:00Z") + TimeDelta::seconds(seconds),
            })
    }

    proptest! {
        /// The breakdowns of a batch always agree with its total.
        #[test]
        fn a_tally_adds_up(signatures in prop::collection::vec(signature(), 0..300)) {
            let mut tally = Tally::default();
            for signature in &signatures {
                tally.add(signature);
            }
            prop_assert_eq!(tally.total, signatures.len() as i64);
            prop_assert_eq!(tally.by_country.values().sum::<i64>(), tally.total);
            prop_assert_eq!(tally.by_hour.values().sum::<i64>(), tally.total);
            let located = signatures.iter().filter(|s| s.constituency.is_some()).count() as i64;
            prop_assert_eq!(tally.by_constituency.values().sum::<i64>(), located);
            prop_assert_eq!(tally.by_region.values().sum::<i64>(), located);
        }

        /// Counting in batches of any size ends where counting one by one does.
        #[test]
        fn batching_never_changes_the_outcome(
            start in 0..200_000i64,
            batches in prop::collection::vec(-50..5_000i64, 1..40),
        ) {
            let thresholds = Thresholds::default();
            let now = at("2026-11-22T00:00:00Z");
            let mut batched = fresh(start);
            let mut one_by_one = fresh(start);
            for added in batches {
                batched = batched.after(added, &thresholds, now);
                let step = added.signum();
                for _ in 0..added.abs() {
                    one_by_one = one_by_one.after(step, &thresholds, now);
                }
            }
            prop_assert_eq!(batched.signature_count, one_by_one.signature_count);
            prop_assert_eq!(batched.response_state, one_by_one.response_state);
            prop_assert_eq!(batched.debate_state, one_by_one.debate_state);
            prop_assert_eq!(
                batched.response_threshold_reached_at.is_some(),
                one_by_one.response_threshold_reached_at.is_some()
            );
            prop_assert!(batched.signature_count >= 0);
        }
    }
}
