//! When a petition stops taking signatures (SPEC §1.3). Every calendar rule is in
//! Europe/London; every instant is UTC.

use chrono::{DateTime, Duration, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;

/// How long after the deadline a signature made in time may still be confirmed.
pub const CONFIRMATION_GRACE: Duration = Duration::hours(24);

/// The calendar date in London at `instant`.
pub fn london_date(instant: DateTime<Utc>) -> NaiveDate {
    in_london(instant).date_naive()
}

/// `instant` on London's clocks, for telling people the time.
pub fn in_london(instant: DateTime<Utc>) -> DateTime<chrono_tz::Tz> {
    instant.with_timezone(&London)
}

/// The last millisecond of `date` in London, as UTC.
pub fn end_of_london_day(date: NaiveDate) -> DateTime<Utc> {
    let last_millisecond = date.and_hms_milli_opt(23, 59, 59, 999).unwrap_or_default();
    // Clocks change at 01:00 or 02:00 London time, so the end of a day is never skipped or
    // repeated; the UTC fallback is unreachable and only keeps this function total.
    London
        .from_local_datetime(&last_millisecond)
        .earliest()
        .map_or_else(
            || Utc.from_utc_datetime(&last_millisecond),
            |local| local.with_timezone(&Utc),
        )
}

/// The deadline of a petition opened at `opened_at`: the end of the London day it opened,
/// `duration_months` later (clipped to the month's end), plus `extension_days`.
pub fn deadline(
    opened_at: DateTime<Utc>,
    duration_months: u32,
    extension_days: u32,
) -> DateTime<Utc> {
    end_of_london_day(closing_date_for(opened_at, duration_months, extension_days))
}

/// The last London date on which the petition can be signed (`closing_date` in the JSON).
pub fn closing_date_for(
    opened_at: DateTime<Utc>,
    duration_months: u32,
    extension_days: u32,
) -> NaiveDate {
    let opened_on = london_date(opened_at);
    let clipped = opened_on
        .checked_add_months(Months::new(duration_months))
        .unwrap_or(NaiveDate::MAX);
    clipped
        .checked_add_days(chrono::Days::new(extension_days.into()))
        .unwrap_or(NaiveDate::MAX)
}

/// The London date of an existing deadline.
pub fn closing_date(deadline: DateTime<Utc>) -> NaiveDate {
    london_date(deadline)
}

/// New signatures are taken up to and including the deadline's last millisecond.
pub fn is_signable(deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now <= deadline
}

/// A signature made before the deadline may be confirmed until this instant.
pub fn confirmation_closes_at(deadline: DateTime<Utc>) -> DateTime<Utc> {
    deadline + CONFIRMATION_GRACE
}

/// How many London midnights fall in `(from, until]`: each one spent with signature collection
/// paused extends every open petition by a day.
pub fn london_midnights_between(from: DateTime<Utc>, until: DateTime<Utc>) -> u32 {
    let days = (london_date(until) - london_date(from)).num_days();
    u32::try_from(days.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Timelike};
    use proptest::prelude::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_petition_opened_on_new_years_day_can_be_signed_all_through_the_first_of_july() {
        let deadline = deadline(utc("2020-01-01T12:00:00Z"), 6, 0);
        assert_eq!(closing_date(deadline), date("2020-07-01"));
        assert_eq!(
            deadline,
            utc("2020-07-01T22:59:59.999Z"),
            "1 July is in British Summer Time"
        );
        assert!(is_signable(deadline, deadline));
        assert!(!is_signable(deadline, deadline + Duration::milliseconds(1)));
    }

    #[test]
    fn the_official_trump_petition_closed_when_our_rule_says() {
        // petition 114003: opened 2015-12-08T16:39:59.718Z, closed_at 2016-06-08T22:59:59.999Z.
        assert_eq!(
            deadline(utc("2015-12-08T16:39:59.718Z"), 6, 0),
            utc("2016-06-08T22:59:59.999Z")
        );
    }

    #[test]
    fn the_opening_day_is_the_london_day_not_the_utc_day() {
        // 23:30 UTC on 30 June is already 1 July in London.
        assert_eq!(
            closing_date_for(utc("2021-06-30T23:30:00Z"), 6, 0),
            date("2022-01-01")
        );
        assert_eq!(
            deadline(utc("2021-06-30T23:30:00Z"), 6, 0),
            utc("2022-01-01T23:59:59.999Z")
        );
    }

    #[test]
    fn month_ends_are_clipped() {
        assert_eq!(
            closing_date_for(utc("2023-08-31T10:00:00Z"), 6, 0),
            date("2024-02-29")
        );
        assert_eq!(
            closing_date_for(utc("2022-08-31T10:00:00Z"), 6, 0),
            date("2023-02-28")
        );
        assert_eq!(
            closing_date_for(utc("2022-12-31T10:00:00Z"), 6, 0),
            date("2023-06-30")
        );
    }

    #[test]
    fn extensions_add_whole_days() {
        assert_eq!(
            closing_date_for(utc("2023-08-31T10:00:00Z"), 6, 3),
            date("2024-03-03")
        );
    }

    #[test]
    fn confirmation_stays_possible_for_a_day_after_the_deadline() {
        let deadline = utc("2020-07-01T22:59:59.999Z");
        assert_eq!(
            confirmation_closes_at(deadline),
            utc("2020-07-02T22:59:59.999Z")
        );
    }

    #[test]
    fn midnights_are_counted_in_london() {
        assert_eq!(
            london_midnights_between(utc("2024-03-30T22:00:00Z"), utc("2024-04-01T00:30:00Z")),
            2
        );
        // 23:30 UTC in summer is already past a London midnight.
        assert_eq!(
            london_midnights_between(utc("2024-06-01T22:00:00Z"), utc("2024-06-01T23:30:00Z")),
            1
        );
        assert_eq!(
            london_midnights_between(utc("2024-06-01T23:30:00Z"), utc("2024-06-01T22:00:00Z")),
            0
        );
    }

    /// Any instant from 1990 to 2100, to the millisecond.
    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        (631_152_000_000_i64..4_102_444_800_000)
            .prop_map(|ms| DateTime::from_timestamp_millis(ms).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_deadline_is_always_the_last_millisecond_of_a_london_day(opened in any_instant(), months in 1u32..=12, extension in 0u32..60) {
            let deadline = deadline(opened, months, extension);
            let local = deadline.with_timezone(&London);
            prop_assert_eq!((local.hour(), local.minute(), local.second(), local.timestamp_subsec_millis()), (23, 59, 59, 999));
            let next_day = deadline + Duration::milliseconds(1);
            prop_assert_eq!(london_date(next_day), london_date(deadline).succ_opt().unwrap());
            prop_assert_eq!(next_day.with_timezone(&London).hour(), 0);
        }

        #[test]
        fn six_months_is_181_to_184_days_plus_the_rest_of_the_opening_day(opened in any_instant()) {
            // 181 to 184 calendar days, up to a whole opening day, and an hour of clock change
            // either way.
            let length = deadline(opened, 6, 0) - opened;
            prop_assert!(length >= Duration::days(181) - Duration::hours(1), "{length}");
            prop_assert!(length < Duration::days(185) + Duration::hours(1), "{length}");
        }

        #[test]
        fn the_closing_day_keeps_the_opening_day_of_month_or_clips_to_the_month_end(opened in any_instant(), months in 1u32..=12) {
            let opened_on = london_date(opened);
            let closes_on = closing_date_for(opened, months, 0);
            let month_gap = (closes_on.year() - opened_on.year()) * 12 + closes_on.month() as i32 - opened_on.month() as i32;
            prop_assert_eq!(month_gap, months as i32);
            let is_month_end = closes_on.succ_opt().unwrap().day() == 1;
            prop_assert!(closes_on.day() == opened_on.day() || (is_month_end && closes_on.day() < opened_on.day()));
        }

        #[test]
        fn each_extension_day_moves_the_closing_date_by_one_day(opened in any_instant(), extension in 0u32..400) {
            let base = closing_date_for(opened, 6, 0);
            prop_assert_eq!((closing_date_for(opened, 6, extension) - base).num_days(), i64::from(extension));
        }

        #[test]
        fn opening_later_never_closes_earlier(a in any_instant(), b in any_instant()) {
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(deadline(early, 6, 0) <= deadline(late, 6, 0));
        }

        #[test]
        fn midnights_add_up_across_a_split(a in any_instant(), b in any_instant(), c in any_instant()) {
            let mut points = [a, b, c];
            points.sort();
            let [a, b, c] = points;
            prop_assert_eq!(london_midnights_between(a, b) + london_midnights_between(b, c), london_midnights_between(a, c));
        }
    }

    #[test]
    fn every_day_of_several_years_including_both_clock_changes_closes_at_a_london_midnight() {
        let mut day = date("2019-01-01");
        while day < date("2027-01-01") {
            for hour in [0, 1, 2, 12, 22, 23] {
                let opened = Utc.from_utc_datetime(&day.and_hms_opt(hour, 30, 0).unwrap());
                let deadline = deadline(opened, 6, 0);
                assert_eq!(
                    deadline.with_timezone(&London).time(),
                    chrono::NaiveTime::from_hms_milli_opt(23, 59, 59, 999).unwrap()
                );
                assert_eq!(
                    confirmation_closes_at(deadline) - deadline,
                    Duration::hours(24)
                );
            }
            day = day.succ_opt().unwrap();
        }
    }
}
