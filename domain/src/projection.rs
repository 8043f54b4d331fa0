//! Where an open petition's count is heading (SPEC §4.4): the signatures of the last 24
//! hours, and an estimate of the count at the deadline.
//!
//! The method: petitions are signed fastest soon after they are shared, then ever more
//! slowly, so a constant-rate projection overshoots. We take the last day's signatures and
//! the ratio to the day before as a daily decay factor (never above 1: a petition speeding
//! up today is not assumed to keep speeding up), and add the geometric series of the days
//! left: `last_day × (d + d² + ... + d^days_left)`.

use chrono::{DateTime, Duration, Utc};

/// Signatures confirmed in the 24 hours before now and in the 24 hours before those.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentSignatures {
    pub last_24_hours: i64,
    pub previous_24_hours: i64,
}

/// The estimated count at `deadline` of a petition with `count` signatures now.
pub fn estimated_final_signatures(
    count: i64,
    recent: RecentSignatures,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> i64 {
    let days_left = (deadline - now).max(Duration::zero()).num_seconds() as f64 / 86_400.0;
    let last_day = recent.last_24_hours.max(0) as f64;
    let decay = if recent.previous_24_hours > 0 {
        (last_day / recent.previous_24_hours as f64).min(1.0)
    } else {
        1.0
    };
    let to_come = if decay >= 1.0 {
        last_day * days_left
    } else {
        last_day * decay * (1.0 - decay.powf(days_left)) / (1.0 - decay)
    };
    count.max(0).saturating_add(to_come.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// Simulates a petition signed `daily(day)` times on each day of its six months, and
    /// compares the estimate made on `day` with what it really ended at.
    fn estimate_on(day: usize, daily: impl Fn(usize) -> f64) -> (i64, i64) {
        let days: Vec<i64> = (0..183).map(|d| daily(d).round() as i64).collect();
        let so_far: i64 = days[..day].iter().sum();
        let total: i64 = days.iter().sum();
        let opened = at("2026-01-01T00:00:00Z");
        let now = opened + Duration::days(day as i64);
        let estimate = estimated_final_signatures(
            so_far,
            RecentSignatures {
                last_24_hours: days[day - 1],
                previous_24_hours: days[day - 2],
            },
            now,
            opened + Duration::days(183),
        );
        (estimate, total)
    }

    #[test]
    fn a_steady_petition_is_projected_exactly() {
        let (estimate, total) = estimate_on(30, |_| 400.0);
        assert_eq!(estimate, total);
    }

    #[test]
    fn a_petition_fading_by_a_constant_factor_is_projected_closely() {
        let (estimate, total) = estimate_on(10, |day| 50_000.0 * 0.8_f64.powi(day as i32));
        let error = (estimate - total).abs() as f64 / total as f64;
        assert!(error < 0.01, "{estimate} against {total}");
    }

    #[test]
    fn a_viral_spike_followed_by_a_long_tail_is_projected_within_a_fifth_after_a_week() {
        // A spike on day 2, then signing falling off as a power of time, the shape of the
        // petitions that reach a debate.
        let viral = |day: usize| {
            if day < 2 {
                5_000.0
            } else {
                400_000.0 / ((day - 1) as f64).powf(1.6)
            }
        };
        let (estimate, total) = estimate_on(8, viral);
        let error = (estimate - total).abs() as f64 / total as f64;
        assert!(error < 0.2, "{estimate} against {total}");
    }

    #[test]
    fn after_the_deadline_the_estimate_is_the_count() {
        let recent = RecentSignatures {
            last_24_hours: 1_000,
            previous_24_hours: 2_000,
        };
        let now = at("2026-07-01T00:00:00Z");
        assert_eq!(
            estimated_final_signatures(5_000, recent, now, now - Duration::days(1)),
            5_000
        );
    }

    proptest! {
        /// The estimate never falls below the count, and never exceeds what the last day's
        /// rate would add if it held until the deadline.
        #[test]
        fn the_estimate_is_bounded(
            count in 0..10_000_000i64,
            last in 0..1_000_000i64,
            previous in 0..1_000_000i64,
            hours_left in 0..5_000i64,
        ) {
            let now = at("2026-03-01T00:00:00Z");
            let deadline = now + Duration::hours(hours_left);
            let recent = RecentSignatures { last_24_hours: last, previous_24_hours: previous };
            let estimate = estimated_final_signatures(count, recent, now, deadline);
            prop_assert!(estimate >= count);
            let ceiling = count + ((last as f64) * hours_left as f64 / 24.0).ceil() as i64 + 1;
            prop_assert!(estimate <= ceiling, "{} > {}", estimate, ceiling);
        }
    }
}
