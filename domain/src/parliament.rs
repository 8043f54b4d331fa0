//! Parliaments (SPEC §5). A parliament sits, may announce when it will be dissolved, is
//! dissolved (open petitions close early, unpublished ones stop), and is then archived: its
//! petitions move to the archived endpoints under it, with the thresholds then in force.
//! Six months after a petition stops collecting, its signers' personal details are wiped.

use chrono::{DateTime, Datelike, Months, Utc};

use crate::deadline::london_date;
use crate::signer_details::FieldErrors;
use crate::text::{DissolutionMessage, ReferenceName};
use crate::validation::{optional_instant, ValidationError};

/// How long signers' personal details are kept after their petition stops collecting.
pub const KEEP_SIGNERS_FOR: Months = Months::new(6);

/// What a decision about a parliament depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParliamentFacts {
    pub opening_at: Option<DateTime<Utc>>,
    pub dissolution_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// Where a parliament is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Sitting,
    /// Its dissolution is announced and still to come.
    Dissolving,
    /// Dissolved, not yet archived.
    Dissolved,
    Archived,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Sitting => "sitting",
            Phase::Dissolving => "dissolving",
            Phase::Dissolved => "dissolved",
            Phase::Archived => "archived",
        }
    }

    /// New petitions are started, published and signed only while Parliament sits.
    pub fn takes_petitions(self) -> bool {
        matches!(self, Phase::Sitting | Phase::Dissolving)
    }
}

impl ParliamentFacts {
    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        match (self.archived_at, self.dissolution_at) {
            (Some(_), _) => Phase::Archived,
            // Like a deadline, the dissolution's own instant is the last one of the old phase.
            (None, Some(at)) if at < now => Phase::Dissolved,
            (None, Some(_)) => Phase::Dissolving,
            (None, None) => Phase::Sitting,
        }
    }
}

/// Why a change to a parliament was refused (as opposed to a field that breaks a rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParliamentRefusal {
    /// It has already dissolved (or been archived): what is done can't be moved.
    AlreadyDissolved,
    /// Deadlines were brought forward to the announced time; putting it back would leave
    /// petitions closing too early, so it can only come earlier.
    Postponed { announced: DateTime<Utc> },
    /// Archiving waits for the dissolution.
    NotDissolved,
    /// Signers hear of a dissolution only once it is announced...
    NotAnnounced,
    /// ...and only once.
    AlreadyNotified,
    /// A new parliament opens only once the last one is archived.
    StillSitting,
    /// There is no parliament to act on.
    NoParliament,
}

/// An announcement as sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct DissolutionForm<'a> {
    pub dissolution_at: Option<&'a str>,
    pub message: Option<&'a str>,
}

/// An announced dissolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dissolution {
    pub at: DateTime<Utc>,
    pub message: Option<DissolutionMessage>,
}

/// A form that breaks the rules, or a change the parliament's phase refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParliamentError {
    Invalid(FieldErrors),
    Refused(ParliamentRefusal),
}

impl Dissolution {
    /// Announces (or brings forward) the dissolution of `parliament` at `now`.
    pub fn announce(
        parliament: &ParliamentFacts,
        form: &DissolutionForm<'_>,
        now: DateTime<Utc>,
    ) -> Result<Self, ParliamentError> {
        let mut faults = FieldErrors::new();
        let at = optional_instant(&mut faults, "dissolution_at", form.dissolution_at);
        if at.is_none() && faults.is_empty() {
            faults.push(("dissolution_at", ValidationError::Blank));
        }
        if at.is_some_and(|at| at <= now) {
            faults.push(("dissolution_at", ValidationError::NotInFuture));
        }
        if at.is_some_and(|at| parliament.opening_at.is_some_and(|opening| at <= opening)) {
            faults.push(("dissolution_at", ValidationError::NotAfter("the opening")));
        }
        let message = DissolutionMessage::parse(form.message.unwrap_or_default())
            .map_err(|error| faults.push(("message", error)))
            .ok()
            .filter(|message| !message.as_str().is_empty());
        let (Some(at), true) = (at, faults.is_empty()) else {
            return Err(ParliamentError::Invalid(faults));
        };
        match parliament.phase(now) {
            Phase::Dissolved | Phase::Archived => Err(ParliamentError::Refused(
                ParliamentRefusal::AlreadyDissolved,
            )),
            Phase::Dissolving => match parliament.dissolution_at {
                Some(announced) if at > announced => {
                    Err(ParliamentError::Refused(ParliamentRefusal::Postponed {
                        announced,
                    }))
                }
                _ => Ok(Self { at, message }),
            },
            Phase::Sitting => Ok(Self { at, message }),
        }
    }
}

/// When a petition of a parliament dissolving at `dissolution_at` stops taking signatures.
pub fn closes_at(deadline: DateTime<Utc>, dissolution_at: Option<DateTime<Utc>>) -> DateTime<Utc> {
    dissolution_at.map_or(deadline, |dissolution| deadline.min(dissolution))
}

/// Whether `parliament` may be archived at `now`.
pub fn check_archivable(
    parliament: &ParliamentFacts,
    now: DateTime<Utc>,
) -> Result<(), ParliamentRefusal> {
    match parliament.phase(now) {
        Phase::Dissolved => Ok(()),
        Phase::Archived => Err(ParliamentRefusal::AlreadyDissolved),
        Phase::Sitting | Phase::Dissolving => Err(ParliamentRefusal::NotDissolved),
    }
}

/// A parliament's period as the official site names it: "2019-2024", in London years.
pub fn period_name(opening_at: DateTime<Utc>, dissolution_at: Option<DateTime<Utc>>) -> String {
    let year = |at| london_date(at).format("%Y").to_string();
    format!(
        "{}-{}",
        year(opening_at),
        dissolution_at.map(year).unwrap_or_default()
    )
}

/// A new parliament as sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewParliamentForm<'a> {
    pub government: Option<&'a str>,
    pub opening_at: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewParliament {
    pub government: ReferenceName,
    pub opening_at: DateTime<Utc>,
    pub period: String,
}

impl NewParliament {
    /// Opens a parliament after `previous` (the latest there is, if any).
    pub fn open(
        previous: Option<&ParliamentFacts>,
        form: &NewParliamentForm<'_>,
        now: DateTime<Utc>,
    ) -> Result<Self, ParliamentError> {
        let mut faults = FieldErrors::new();
        let government = ReferenceName::parse(form.government.unwrap_or_default())
            .map_err(|error| faults.push(("government", error)))
            .ok();
        let opening_at = optional_instant(&mut faults, "opening_at", form.opening_at);
        if opening_at.is_none() && !faults.iter().any(|(field, _)| *field == "opening_at") {
            faults.push(("opening_at", ValidationError::Blank));
        }
        let dissolved_at = previous.and_then(|previous| previous.dissolution_at);
        if opening_at.is_some_and(|at| dissolved_at.is_some_and(|dissolved| at <= dissolved)) {
            faults.push((
                "opening_at",
                ValidationError::NotAfter("the last dissolution"),
            ));
        }
        let (Some(government), Some(opening_at), true) =
            (government, opening_at, faults.is_empty())
        else {
            return Err(ParliamentError::Invalid(faults));
        };
        if previous.is_some_and(|previous| previous.phase(now) != Phase::Archived) {
            return Err(ParliamentError::Refused(ParliamentRefusal::StillSitting));
        }
        Ok(Self {
            government,
            period: period_name(opening_at, None),
            opening_at,
        })
    }
}

/// Petitions that stopped collecting before this instant are due to have their signers
/// anonymised at `now`: always at least [`KEEP_SIGNERS_FOR`] after they stopped.
pub fn anonymise_before(now: DateTime<Utc>) -> DateTime<Utc> {
    let Some(cut_off) = now.checked_sub_months(KEEP_SIGNERS_FOR) else {
        return DateTime::<Utc>::MIN_UTC;
    };
    if cut_off.day() == now.day() {
        return cut_off;
    }
    // Today's day has none six months back (31 August, February): chrono takes that month's
    // last day at today's time, which would move the cut-off back from the 30th's evening to
    // the 31st's morning. The start of the next month is still six months back, and never
    // moves back.
    cut_off.date_naive().succ_opt().map_or(cut_off, |next_day| {
        next_day.and_time(chrono::NaiveTime::MIN).and_utc()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn at(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, hour, 0, 0).unwrap()
    }

    fn sitting() -> ParliamentFacts {
        ParliamentFacts {
            opening_at: Some(at(2024, 7, 9, 0)),
            dissolution_at: None,
            archived_at: None,
        }
    }

    fn announce(
        parliament: &ParliamentFacts,
        when: &str,
        now: DateTime<Utc>,
    ) -> Result<Dissolution, ParliamentError> {
        let form = DissolutionForm {
            dissolution_at: Some(when),
            message: Some("  The general election is on 1 July.  "),
        };
        Dissolution::announce(parliament, &form, now)
    }

    #[test]
    fn a_parliament_moves_through_its_phases_by_the_clock() {
        let mut parliament = sitting();
        let now = at(2029, 5, 1, 12);
        assert_eq!(parliament.phase(now), Phase::Sitting);
        parliament.dissolution_at = Some(at(2029, 5, 20, 23));
        assert_eq!(parliament.phase(now), Phase::Dissolving);
        assert!(parliament.phase(now).takes_petitions());
        assert_eq!(parliament.phase(at(2029, 5, 20, 23)), Phase::Dissolving);
        let dissolved = parliament.phase(at(2029, 5, 20, 23) + Duration::milliseconds(1));
        assert_eq!(dissolved, Phase::Dissolved, "just after its instant");
        assert!(!dissolved.takes_petitions());
        parliament.archived_at = Some(at(2029, 6, 1, 9));
        assert_eq!(parliament.phase(at(2029, 6, 1, 9)), Phase::Archived);
    }

    #[test]
    fn a_dissolution_is_announced_for_the_future_with_a_trimmed_message() {
        let now = at(2029, 5, 1, 12);
        let announced = announce(&sitting(), "2029-05-20T23:01:00Z", now).unwrap();
        assert_eq!(
            announced.at,
            Utc.with_ymd_and_hms(2029, 5, 20, 23, 1, 0).unwrap()
        );
        assert_eq!(
            announced.message.unwrap().as_str(),
            "The general election is on 1 July."
        );
        let past = announce(&sitting(), "2029-05-01T11:00:00Z", now);
        assert_eq!(
            past,
            Err(ParliamentError::Invalid(vec![(
                "dissolution_at",
                ValidationError::NotInFuture
            )]))
        );
        let unreadable = announce(&sitting(), "next Tuesday", now);
        assert_eq!(
            unreadable,
            Err(ParliamentError::Invalid(vec![(
                "dissolution_at",
                ValidationError::InvalidInstant
            )]))
        );
        let missing = Dissolution::announce(&sitting(), &DissolutionForm::default(), now);
        assert_eq!(
            missing,
            Err(ParliamentError::Invalid(vec![(
                "dissolution_at",
                ValidationError::Blank
            )]))
        );
    }

    #[test]
    fn an_announced_dissolution_can_come_earlier_but_not_later() {
        let now = at(2029, 5, 1, 12);
        let mut parliament = sitting();
        parliament.dissolution_at = Some(at(2029, 5, 20, 23));
        assert!(announce(&parliament, "2029-05-10T23:00:00Z", now).is_ok());
        assert_eq!(
            announce(&parliament, "2029-05-30T23:00:00Z", now),
            Err(ParliamentError::Refused(ParliamentRefusal::Postponed {
                announced: at(2029, 5, 20, 23)
            }))
        );
        let after = at(2029, 5, 21, 0);
        assert_eq!(
            announce(&parliament, "2029-06-30T23:00:00Z", after),
            Err(ParliamentError::Refused(
                ParliamentRefusal::AlreadyDissolved
            ))
        );
    }

    #[test]
    fn only_a_dissolved_parliament_is_archived() {
        let mut parliament = sitting();
        let now = at(2029, 6, 1, 9);
        assert_eq!(
            check_archivable(&parliament, now),
            Err(ParliamentRefusal::NotDissolved)
        );
        parliament.dissolution_at = Some(at(2029, 5, 20, 23));
        assert_eq!(check_archivable(&parliament, now), Ok(()));
        parliament.archived_at = Some(now);
        assert_eq!(
            check_archivable(&parliament, now),
            Err(ParliamentRefusal::AlreadyDissolved)
        );
    }

    #[test]
    fn periods_are_named_by_their_london_years() {
        let opening = at(2024, 7, 9, 0);
        let dissolution = Utc.with_ymd_and_hms(2029, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(period_name(opening, Some(dissolution)), "2024-2029");
        assert_eq!(period_name(opening, None), "2024-");
    }

    #[test]
    fn a_new_parliament_opens_only_after_the_last_is_archived() {
        let now = at(2029, 7, 10, 9);
        let form = NewParliamentForm {
            government: Some("Labour"),
            opening_at: Some("2029-07-09T00:00:00Z"),
        };
        let mut previous = sitting();
        previous.dissolution_at = Some(at(2029, 5, 20, 23));
        assert_eq!(
            NewParliament::open(Some(&previous), &form, now),
            Err(ParliamentError::Refused(ParliamentRefusal::StillSitting))
        );
        previous.archived_at = Some(at(2029, 6, 1, 9));
        let opened = NewParliament::open(Some(&previous), &form, now).unwrap();
        assert_eq!(opened.period, "2029-");
        assert_eq!(opened.government.as_str(), "Labour");

        let before_dissolution = NewParliamentForm {
            government: Some(""),
            opening_at: Some("2029-05-01T00:00:00Z"),
        };
        assert_eq!(
            NewParliament::open(Some(&previous), &before_dissolution, now),
            Err(ParliamentError::Invalid(vec![
                ("government", ValidationError::Blank),
                (
                    "opening_at",
                    ValidationError::NotAfter("the last dissolution")
                ),
            ]))
        );
    }

    #[test]
    fn a_deadline_comes_no_later_than_the_dissolution() {
        let deadline = at(2029, 9, 1, 22);
        assert_eq!(closes_at(deadline, None), deadline);
        let dissolution = at(2029, 5, 20, 23);
        assert_eq!(closes_at(deadline, Some(dissolution)), dissolution);
        assert_eq!(closes_at(dissolution, Some(deadline)), dissolution);
    }

    #[test]
    fn the_cut_off_never_moves_back_at_the_end_of_a_long_month() {
        assert_eq!(anonymise_before(at(2026, 8, 30, 10)), at(2026, 3, 1, 0));
        assert_eq!(anonymise_before(at(2026, 8, 31, 9)), at(2026, 3, 1, 0));
        assert_eq!(anonymise_before(at(2026, 9, 1, 5)), at(2026, 3, 1, 5));
        assert_eq!(anonymise_before(at(2026, 8, 28, 10)), at(2026, 2, 28, 10));
    }

    proptest! {
        /// Whatever the month lengths, a petition is anonymised no sooner than six calendar
        /// months after it stopped collecting, and the cut-off only moves forward.
        #[test]
        fn signers_are_kept_at_least_six_months(
            stopped in 0i64..4_000_000_000,
            waited in 0i64..40_000_000,
            later in 0i64..10_000_000,
        ) {
            let stopped = Utc.timestamp_opt(stopped, 0).unwrap();
            let now = stopped + Duration::seconds(waited);
            if stopped < anonymise_before(now) {
                prop_assert!(stopped + KEEP_SIGNERS_FOR <= now);
            }
            prop_assert!(anonymise_before(now) <= anonymise_before(now + Duration::seconds(later)));
        }
    }
}
