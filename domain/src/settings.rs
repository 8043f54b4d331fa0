//! Site settings a sysadmin changes at run time (SPEC §1.2, §1.3, and issue 4): the
//! thresholds and duration, pausing signature collection, and switching off the costlier
//! reads under load.

use chrono::{DateTime, Days, Utc};

use crate::deadline::{end_of_london_day, london_date};
use crate::signer_details::FieldErrors;
use crate::thresholds::Thresholds;
use crate::validation::ValidationError;

/// The settings in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteSettings {
    pub thresholds: Thresholds,
    /// Since when signing has been paused site-wide; `None` while it is open.
    pub collection_paused_since: Option<DateTime<Utc>>,
    pub trending_enabled: bool,
    /// Whether petition pages show the signatures by country, constituency and region.
    pub breakdowns_enabled: bool,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            collection_paused_since: None,
            trending_enabled: true,
            breakdowns_enabled: true,
        }
    }
}

/// A change as sent: each field left out stays as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SettingsForm {
    pub moderation_threshold: Option<i64>,
    pub max_sponsors: Option<i64>,
    pub response_threshold: Option<i64>,
    pub debate_threshold: Option<i64>,
    pub duration_months: Option<i64>,
    pub collection_paused: Option<bool>,
    pub trending_enabled: Option<bool>,
    pub breakdowns_enabled: Option<bool>,
}

impl SettingsForm {
    /// Whether the change names no setting at all, which is a mistake rather than a change.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The ranges a sysadmin may set.
pub const MODERATION_RANGE: (i64, i64) = (1, 100);
pub const MAX_SPONSORS_LIMIT: i64 = 1_000;
pub const SIGNATURE_THRESHOLD_LIMIT: i64 = 100_000_000;
pub const DURATION_RANGE: (i64, i64) = (1, 12);

impl SiteSettings {
    /// These settings with `form` applied at `now`, or every fault in it.
    pub fn changed(&self, form: &SettingsForm, now: DateTime<Utc>) -> Result<Self, FieldErrors> {
        let mut faults = FieldErrors::new();
        let current = self.thresholds;
        let mut within = |field, sent: Option<i64>, current: u64, (min, max): (i64, i64)| {
            let value = sent.unwrap_or(i64::try_from(current).unwrap_or(i64::MAX));
            if (min..=max).contains(&value) {
                u64::try_from(value).unwrap_or(current)
            } else {
                faults.push((field, ValidationError::OutOfRange { min, max }));
                current
            }
        };
        let moderation = within(
            "moderation_threshold",
            form.moderation_threshold,
            current.moderation.into(),
            MODERATION_RANGE,
        );
        let max_sponsors = within(
            "max_sponsors",
            form.max_sponsors,
            current.max_sponsors.into(),
            (i64::try_from(moderation).unwrap_or(1), MAX_SPONSORS_LIMIT),
        );
        let response = within(
            "response_threshold",
            form.response_threshold,
            current.response,
            (1, SIGNATURE_THRESHOLD_LIMIT),
        );
        let debate = within(
            "debate_threshold",
            form.debate_threshold,
            current.debate,
            (
                i64::try_from(response).unwrap_or(1).saturating_add(1),
                SIGNATURE_THRESHOLD_LIMIT,
            ),
        );
        let duration = within(
            "duration_months",
            form.duration_months,
            current.duration_months.into(),
            DURATION_RANGE,
        );
        if !faults.is_empty() {
            return Err(faults);
        }
        let small = |value: u64| u32::try_from(value).unwrap_or(u32::MAX);
        Ok(Self {
            thresholds: Thresholds {
                moderation: small(moderation),
                max_sponsors: small(max_sponsors),
                response,
                debate,
                duration_months: small(duration),
            },
            collection_paused_since: match form.collection_paused {
                Some(true) => self.collection_paused_since.or(Some(now)),
                Some(false) => None,
                None => self.collection_paused_since,
            },
            trending_enabled: form.trending_enabled.unwrap_or(self.trending_enabled),
            breakdowns_enabled: form.breakdowns_enabled.unwrap_or(self.breakdowns_enabled),
        })
    }

    pub fn collecting(&self) -> bool {
        self.collection_paused_since.is_none()
    }
}

/// The days of a pause to add at `now`: one for each London midnight since collection was
/// paused, or since the last extension, whichever is later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PauseExtension {
    pub days: u32,
    /// The instant counted up to: where the next run starts.
    pub through: DateTime<Utc>,
    /// The first midnight counted. Only petitions still open at it are extended: one whose
    /// deadline came before it closed before the pause reached a new day.
    pub first_midnight: DateTime<Utc>,
}

pub fn pause_extension(
    paused_since: DateTime<Utc>,
    extended_through: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> PauseExtension {
    let from = extended_through.map_or(paused_since, |through| through.max(paused_since));
    PauseExtension {
        days: crate::deadline::london_midnights_between(from, now),
        through: now,
        first_midnight: end_of_london_day(london_date(from)) + chrono::TimeDelta::milliseconds(1),
    }
}

/// A deadline moved on by `days` whole London days: still the end of a London day.
pub fn extended_deadline(deadline: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    london_date(deadline)
        .checked_add_days(Days::new(days.into()))
        .map_or(deadline, end_of_london_day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_change_is_empty_only_when_it_names_no_setting() {
        assert!(SettingsForm::default().is_empty());
        let one = SettingsForm {
            breakdowns_enabled: Some(true),
            ..SettingsForm::default()
        };
        assert!(!one.is_empty());
    }

    #[test]
    fn a_change_keeps_what_it_leaves_out_and_checks_what_it_sends() {
        let now = utc("2026-03-01T12:00:00Z");
        let changed = SiteSettings::default()
            .changed(
                &SettingsForm {
                    response_threshold: Some(5_000),
                    trending_enabled: Some(false),
                    collection_paused: Some(true),
                    ..SettingsForm::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(changed.thresholds.response, 5_000);
        assert_eq!(changed.thresholds.debate, 100_000);
        assert!(!changed.trending_enabled);
        assert!(changed.breakdowns_enabled);
        assert_eq!(changed.collection_paused_since, Some(now));
        // Pausing again keeps the first instant; resuming clears it.
        let later = utc("2026-03-02T12:00:00Z");
        let again = SettingsForm {
            collection_paused: Some(true),
            ..SettingsForm::default()
        };
        assert_eq!(
            changed
                .changed(&again, later)
                .unwrap()
                .collection_paused_since,
            Some(now)
        );
        let resume = SettingsForm {
            collection_paused: Some(false),
            ..SettingsForm::default()
        };
        assert!(changed.changed(&resume, later).unwrap().collecting());
    }

    #[test]
    fn thresholds_must_stay_in_order() {
        let faults = SiteSettings::default()
            .changed(
                &SettingsForm {
                    moderation_threshold: Some(0),
                    debate_threshold: Some(10_000),
                    duration_months: Some(13),
                    ..SettingsForm::default()
                },
                utc("2026-03-01T12:00:00Z"),
            )
            .unwrap_err();
        let fields: Vec<_> = faults.iter().map(|(field, _)| *field).collect();
        assert_eq!(
            fields,
            [
                "moderation_threshold",
                "debate_threshold",
                "duration_months"
            ]
        );
    }

    #[test]
    fn each_london_midnight_spent_paused_adds_a_day() {
        let paused = utc("2026-03-27T20:00:00Z");
        assert_eq!(
            pause_extension(paused, None, utc("2026-03-27T23:59:00Z")).days,
            0
        );
        let first = pause_extension(paused, None, utc("2026-03-28T00:00:00Z"));
        assert_eq!(first.days, 1);
        assert_eq!(first.first_midnight, utc("2026-03-28T00:00:00Z"));
        // Across the change to summer time, London's midnight is 23:00 UTC.
        let three = pause_extension(paused, None, utc("2026-03-29T23:00:00Z"));
        assert_eq!(three.days, 3);
        let after = pause_extension(paused, Some(three.through), utc("2026-03-29T23:30:00Z"));
        assert_eq!(after.days, 0);
        assert_eq!(after.first_midnight, utc("2026-03-30T23:00:00Z"));
        let deadline = utc("2026-03-28T23:59:59.999Z");
        assert_eq!(
            extended_deadline(deadline, 1),
            utc("2026-03-29T22:59:59.999Z"),
            "still the end of a London day, now in summer time"
        );
    }

    proptest! {
        #[test]
        fn extensions_add_up_however_often_they_run(
            start in 0i64..10_000_000, steps in proptest::collection::vec(1i64..200_000, 1..20),
        ) {
            let base = utc("2026-01-01T00:00:00Z");
            let paused = base + chrono::TimeDelta::seconds(start);
            let mut through = None;
            let mut total = 0;
            let mut now = paused;
            for step in steps {
                now += chrono::TimeDelta::seconds(step);
                let extension = pause_extension(paused, through, now);
                total += extension.days;
                through = Some(extension.through);
            }
            prop_assert_eq!(total, crate::deadline::london_midnights_between(paused, now));
        }
    }
}
