//! What a moderator's decision does to a petition (SPEC §1.2). Staff speak in actions
//! (`publish`, `reject`, `restore`...); the transition table speaks in events. This module
//! maps one to the other and works out the dates each decision sets, so the table stays the
//! only judge of what is allowed.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::access::{Principal, StaffRole};
use crate::deadline::deadline;
use crate::parliament::closes_at;
use crate::state::{
    string_enum, Authority, ModerationEvent, PetitionState, StateMachine, TransitionError,
};
use crate::thresholds::Thresholds;

string_enum!(
    /// What a member of staff asks for at `POST /admin/petitions/{id}/moderation`.
    ModerationAction {
        /// Open the petition for signatures; sets `opened_at` and the deadline.
        Publish => "publish",
        /// Reject with a reason; on an open petition this takes it down. A hidden reason
        /// hides the petition instead.
        Reject => "reject",
        /// Ask another moderator for a second opinion.
        Flag => "flag",
        /// Park the petition out of the queue.
        Dormant => "dormant",
        /// Back to the queue from flagged or dormant; a sysadmin may also restore a rejected
        /// petition (to the queue, or to open if it had been published).
        Restore => "restore",
        /// Take the petition off the site for good (sysadmin).
        Remove => "remove",
    }
);

impl ModerationAction {
    /// The events this action may stand for, in the order they are tried.
    fn events(self) -> &'static [ModerationEvent] {
        use ModerationEvent as M;
        match self {
            ModerationAction::Publish => &[M::Publish],
            ModerationAction::Reject => &[M::Reject, M::Hide],
            ModerationAction::Flag => &[M::Flag],
            ModerationAction::Dormant => &[M::MakeDormant],
            ModerationAction::Restore => &[M::Restore, M::Republish, M::Reinstate],
            ModerationAction::Remove => &[M::Remove],
        }
    }

    fn of_event(event: ModerationEvent) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|action| action.events().contains(&event))
    }
}

/// What a principal may decide on the transition table: reviewers and systems nothing.
pub fn authority_of(principal: &Principal) -> Option<Authority> {
    match principal {
        Principal::Staff {
            role: StaffRole::Moderator,
            ..
        } => Some(Authority::Moderator),
        Principal::Staff {
            role: StaffRole::Sysadmin,
            ..
        } => Some(Authority::Sysadmin),
        Principal::Staff {
            role: StaffRole::Reviewer,
            ..
        }
        | Principal::Integration { .. } => None,
    }
}

/// The facts about a petition a decision depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PetitionFacts {
    pub state: PetitionState,
    pub opened_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    /// When the sitting parliament dissolves, once announced: no petition outlives it.
    pub dissolution_at: Option<DateTime<Utc>>,
}

/// The reason given with a rejection. Whether it is hidden decides between `rejected` and
/// `hidden`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectionKind {
    pub hidden: bool,
}

/// Who should hear of a decision: the creator and the confirmed supporters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionNotice {
    Published,
    Rejected,
}

/// A decision the table allows, with everything it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub event: ModerationEvent,
    pub to: PetitionState,
    /// Set when the petition opens for the first time.
    pub opened_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    /// A petition put back up after its deadline has passed goes straight to closed, closed
    /// at its deadline.
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether the rejection reason is stored (`Some(true)`), cleared (`Some(false)`) or kept.
    pub records_rejection: Option<bool>,
    pub notice: Option<DecisionNotice>,
}

/// Why a decision was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not from this state: the actions that are allowed from it, for this authority.
    NotAllowed {
        from: PetitionState,
        allowed: Vec<ModerationAction>,
    },
    /// Allowed from here, but only to a higher authority.
    NeedsSysadmin,
    /// Rejecting needs a reason.
    NoReason,
    /// Parliament has dissolved: nothing opens until the next one.
    ParliamentDissolved,
}

/// Decides `action` on a petition, by the transition table.
pub fn decide(
    action: ModerationAction,
    petition: PetitionFacts,
    rejection: Option<RejectionKind>,
    authority: Authority,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<Decision, Refusal> {
    use ModerationEvent as M;
    let event = match action {
        ModerationAction::Reject => match rejection {
            None => return Err(Refusal::NoReason),
            Some(RejectionKind { hidden: true }) => M::Hide,
            Some(RejectionKind { hidden: false }) => M::Reject,
        },
        // A rejected petition that was published goes back up; one that never was goes back
        // to the queue.
        ModerationAction::Restore => match petition.state {
            PetitionState::Rejected | PetitionState::Hidden if petition.opened_at.is_some() => {
                M::Republish
            }
            PetitionState::Rejected | PetitionState::Hidden => M::Reinstate,
            _ => M::Restore,
        },
        other => other.events()[0],
    };
    let to = match petition.state.apply(event, authority) {
        Ok(to) => to,
        Err(TransitionError::NotPermitted { .. }) => return Err(Refusal::NeedsSysadmin),
        Err(TransitionError::NotAllowed { from, .. }) => {
            return Err(Refusal::NotAllowed {
                from,
                allowed: allowed_actions(from, authority),
            })
        }
    };
    let mut decision = Decision {
        event,
        to,
        opened_at: None,
        deadline: None,
        closed_at: None,
        records_rejection: None,
        notice: None,
    };
    let dissolved = petition.dissolution_at.is_some_and(|at| at < now);
    if dissolved && matches!(event, M::Publish | M::Republish) {
        return Err(Refusal::ParliamentDissolved);
    }
    match event {
        M::Publish => {
            decision.opened_at = Some(now);
            let own = deadline(now, thresholds.duration_months, 0);
            decision.deadline = Some(closes_at(own, petition.dissolution_at));
            decision.notice = Some(DecisionNotice::Published);
        }
        M::Reject | M::Hide => {
            decision.records_rejection = Some(true);
            decision.notice = Some(DecisionNotice::Rejected);
        }
        M::Republish => {
            decision.records_rejection = Some(false);
            decision.notice = Some(DecisionNotice::Published);
            let kept = petition
                .deadline
                .map(|own| closes_at(own, petition.dissolution_at));
            decision.deadline = kept;
            if let Some(deadline) = kept.filter(|deadline| *deadline < now) {
                decision.to = to
                    .apply(M::Close, Authority::System)
                    .unwrap_or(PetitionState::Closed);
                decision.closed_at = Some(deadline);
            }
        }
        M::Reinstate => decision.records_rejection = Some(false),
        _ => {}
    }
    Ok(decision)
}

/// The actions `authority` may take on a petition in `state`, in table order, each once.
pub fn allowed_actions(state: PetitionState, authority: Authority) -> Vec<ModerationAction> {
    let mut actions = Vec::new();
    for row in PetitionState::TRANSITIONS {
        let usable = row.from.contains(&state) && row.by != Authority::System;
        if !usable || authority < row.by {
            continue;
        }
        if let Some(action) = ModerationAction::of_event(row.event) {
            if !actions.contains(&action) {
                actions.push(action);
            }
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use PetitionState as P;

    fn facts(state: PetitionState) -> PetitionFacts {
        PetitionFacts {
            state,
            opened_at: None,
            deadline: None,
            dissolution_at: None,
        }
    }

    fn noon(year: i32, month: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, 12, 0, 0).unwrap()
    }

    fn decide_now(
        action: ModerationAction,
        petition: PetitionFacts,
        rejection: Option<RejectionKind>,
        authority: Authority,
    ) -> Result<Decision, Refusal> {
        let thresholds = Thresholds::default();
        decide(
            action,
            petition,
            rejection,
            authority,
            &thresholds,
            noon(2020, 1, 1),
        )
    }

    #[test]
    fn publishing_opens_the_petition_with_its_deadline_and_tells_the_creator() {
        let decision = decide_now(
            ModerationAction::Publish,
            facts(P::Sponsored),
            None,
            Authority::Moderator,
        )
        .unwrap();
        assert_eq!(decision.to, P::Open);
        assert_eq!(decision.opened_at, Some(noon(2020, 1, 1)));
        let deadline = decision.deadline.unwrap();
        assert_eq!(
            crate::deadline::closing_date(deadline).to_string(),
            "2020-07-01"
        );
        assert_eq!(decision.notice, Some(DecisionNotice::Published));
    }

    #[test]
    fn a_petition_published_while_parliament_dissolves_closes_at_the_dissolution() {
        let dissolving = PetitionFacts {
            dissolution_at: Some(noon(2020, 3, 1)),
            ..facts(P::Sponsored)
        };
        let decision = decide_now(
            ModerationAction::Publish,
            dissolving,
            None,
            Authority::Moderator,
        )
        .unwrap();
        assert_eq!(decision.deadline, Some(noon(2020, 3, 1)));
        let dissolved = PetitionFacts {
            dissolution_at: Some(noon(2019, 12, 1)),
            ..dissolving
        };
        let refusal = decide_now(
            ModerationAction::Publish,
            dissolved,
            None,
            Authority::Moderator,
        );
        assert_eq!(refusal, Err(Refusal::ParliamentDissolved));
    }

    #[test]
    fn a_pending_petition_cannot_be_published_and_the_refusal_names_the_actions_left() {
        let refusal = decide_now(
            ModerationAction::Publish,
            facts(P::Pending),
            None,
            Authority::Moderator,
        )
        .unwrap_err();
        assert_eq!(
            refusal,
            Refusal::NotAllowed {
                from: P::Pending,
                allowed: vec![ModerationAction::Reject],
            }
        );
    }

    #[test]
    fn the_reason_decides_between_rejected_and_hidden() {
        let shown = RejectionKind { hidden: false };
        let hidden = RejectionKind { hidden: true };
        let reject = |kind| {
            decide_now(
                ModerationAction::Reject,
                facts(P::Sponsored),
                kind,
                Authority::Moderator,
            )
        };
        assert_eq!(reject(Some(shown)).unwrap().to, P::Rejected);
        assert_eq!(reject(Some(hidden)).unwrap().to, P::Hidden);
        assert_eq!(reject(None), Err(Refusal::NoReason));
    }

    #[test]
    fn restoring_a_taken_down_petition_keeps_its_deadline_and_closes_it_if_passed() {
        let taken_down = PetitionFacts {
            state: P::Hidden,
            opened_at: Some(noon(2019, 1, 1)),
            deadline: Some(noon(2019, 7, 1)),
            dissolution_at: None,
        };
        assert_eq!(
            decide_now(
                ModerationAction::Restore,
                taken_down,
                None,
                Authority::Moderator
            ),
            Err(Refusal::NeedsSysadmin)
        );
        let decision = decide_now(
            ModerationAction::Restore,
            taken_down,
            None,
            Authority::Sysadmin,
        )
        .unwrap();
        assert_eq!(decision.to, P::Closed);
        assert_eq!(decision.closed_at, taken_down.deadline);
        assert_eq!(decision.opened_at, None, "the original dates stay");
        assert_eq!(decision.records_rejection, Some(false));

        let still_running = PetitionFacts {
            deadline: Some(noon(2020, 3, 1)),
            ..taken_down
        };
        let decision = decide_now(
            ModerationAction::Restore,
            still_running,
            None,
            Authority::Sysadmin,
        )
        .unwrap();
        assert_eq!((decision.to, decision.closed_at), (P::Open, None));
    }

    #[test]
    fn restoring_a_petition_rejected_in_moderation_puts_it_back_in_the_queue() {
        let decision = decide_now(
            ModerationAction::Restore,
            facts(P::Rejected),
            None,
            Authority::Sysadmin,
        )
        .unwrap();
        assert_eq!(decision.to, P::Sponsored);
        assert_eq!(decision.notice, None);
        let decision = decide_now(
            ModerationAction::Restore,
            facts(P::Flagged),
            None,
            Authority::Moderator,
        )
        .unwrap();
        assert_eq!(decision.to, P::Sponsored);
    }

    #[test]
    fn moderators_are_offered_only_what_they_may_do() {
        assert_eq!(
            allowed_actions(P::Sponsored, Authority::Moderator),
            vec![
                ModerationAction::Publish,
                ModerationAction::Reject,
                ModerationAction::Flag,
                ModerationAction::Dormant,
            ]
        );
        assert_eq!(
            allowed_actions(P::Rejected, Authority::Sysadmin),
            vec![ModerationAction::Restore, ModerationAction::Remove]
        );
        assert!(allowed_actions(P::Removed, Authority::Sysadmin).is_empty());
    }

    proptest! {
        /// Whatever is asked, a decision is either one the table allows or a refusal whose
        /// allowed actions would themselves be accepted.
        #[test]
        fn decisions_agree_with_the_table(
            state in 0..P::ALL.len(),
            action in 0..ModerationAction::ALL.len(),
            hidden in proptest::option::of(any::<bool>()),
            published in any::<bool>(),
            sysadmin in any::<bool>(),
        ) {
            let state = P::ALL[state];
            let authority = if sysadmin { Authority::Sysadmin } else { Authority::Moderator };
            let petition = PetitionFacts {
                state,
                opened_at: published.then(|| noon(2019, 6, 1)),
                deadline: published.then(|| noon(2019, 12, 1)),
                dissolution_at: None,
            };
            let rejection = hidden.map(|hidden| RejectionKind { hidden });
            match decide_now(ModerationAction::ALL[action], petition, rejection, authority) {
                Ok(decision) => {
                    prop_assert!(state.apply(decision.event, authority).is_ok());
                    prop_assert_ne!(decision.to, state);
                }
                Err(Refusal::NotAllowed { allowed, .. }) => {
                    for allowed in allowed {
                        let outcome = decide_now(allowed, petition, Some(RejectionKind { hidden: false }), authority);
                        prop_assert!(outcome.is_ok(), "{allowed} offered from {state} but refused");
                    }
                }
                Err(Refusal::NeedsSysadmin) => prop_assert!(!sysadmin),
                Err(Refusal::NoReason) => prop_assert!(rejection.is_none()),
                Err(Refusal::ParliamentDissolved) => prop_assert!(false, "nothing dissolved here"),
            }
        }
    }
}
