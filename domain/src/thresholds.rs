//! The numbers that move a petition along (SPEC §1.2), and what a change in count crosses.

/// The thresholds and duration in force. Editable at run time; defaults are the official ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Confirmed sponsors needed to enter the moderation queue (the creator not included).
    pub moderation: u32,
    /// Sponsors beyond which sponsoring is refused.
    pub max_sponsors: u32,
    /// Signatures at which the government must respond.
    pub response: u64,
    /// Signatures at which Parliament considers a debate.
    pub debate: u64,
    /// How long a petition is open, in calendar months.
    pub duration_months: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            moderation: 5,
            max_sponsors: 20,
            response: 10_000,
            debate: 100_000,
            duration_months: 6,
        }
    }
}

/// What a change of count did to one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crossing {
    Unchanged,
    Reached,
    Lost,
}

impl Crossing {
    fn of(threshold: u64, before: u64, after: u64) -> Self {
        match (before >= threshold, after >= threshold) {
            (false, true) => Crossing::Reached,
            (true, false) => Crossing::Lost,
            _ => Crossing::Unchanged,
        }
    }
}

/// Which thresholds a change of signature count crossed, and in which direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThresholdCrossing {
    pub response: Crossing,
    pub debate: Crossing,
}

impl ThresholdCrossing {
    pub fn between(thresholds: &Thresholds, before: u64, after: u64) -> Self {
        Self {
            response: Crossing::of(thresholds.response, before, after),
            debate: Crossing::of(thresholds.debate, before, after),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reaching_ten_thousand_asks_for_a_response() {
        let crossing = ThresholdCrossing::between(&Thresholds::default(), 9_999, 10_000);
        assert_eq!(
            crossing,
            ThresholdCrossing {
                response: Crossing::Reached,
                debate: Crossing::Unchanged
            }
        );
    }

    #[test]
    fn one_batch_can_cross_both_thresholds() {
        let crossing = ThresholdCrossing::between(&Thresholds::default(), 9_000, 150_000);
        assert_eq!(
            crossing,
            ThresholdCrossing {
                response: Crossing::Reached,
                debate: Crossing::Reached
            }
        );
    }

    proptest! {
        #[test]
        fn going_there_and_back_crosses_each_threshold_both_ways_or_not_at_all(a in 0u64..300_000, b in 0u64..300_000) {
            let thresholds = Thresholds::default();
            let there = ThresholdCrossing::between(&thresholds, a, b);
            let back = ThresholdCrossing::between(&thresholds, b, a);
            for (go, ret) in [(there.response, back.response), (there.debate, back.debate)] {
                let expected = match go { Crossing::Reached => Crossing::Lost, Crossing::Lost => Crossing::Reached, Crossing::Unchanged => Crossing::Unchanged };
                prop_assert_eq!(ret, expected);
            }
        }

        #[test]
        fn counting_in_batches_crosses_a_threshold_exactly_once(batches in proptest::collection::vec(0u64..5_000, 1..60)) {
            let thresholds = Thresholds::default();
            let mut count = 0;
            let mut reached = 0;
            for batch in batches {
                if ThresholdCrossing::between(&thresholds, count, count + batch).response == Crossing::Reached {
                    reached += 1;
                }
                count += batch;
            }
            prop_assert_eq!(reached, u32::from(count >= thresholds.response));
        }
    }
}
