//! The three state machines of a petition (SPEC §1.2). Each is one table of transitions;
//! everything else (the API, its documentation and the tests) reads from these tables.

use std::fmt;

use thiserror::Error;

/// Who may cause a transition. Higher authorities may do what lower ones may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Authority {
    /// The service itself: counters, the closing job, dissolution, the creator confirming.
    System,
    Moderator,
    Sysadmin,
}

/// One row of a transition table: from any of `from`, `event` leads to `to`.
#[derive(Debug)]
pub struct Transition<S: 'static, E> {
    pub from: &'static [S],
    pub event: E,
    pub to: S,
    pub by: Authority,
}

/// A refused transition.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError<S: fmt::Debug, E: fmt::Debug> {
    #[error("{event:?} is not allowed from {from:?}")]
    NotAllowed { from: S, event: E, allowed: Vec<E> },
    #[error("{event:?} needs {required:?} authority")]
    NotPermitted { event: E, required: Authority },
}

/// A state machine whose rules are the rows of [`StateMachine::TRANSITIONS`].
pub trait StateMachine: Copy + Eq + fmt::Debug + 'static {
    type Event: Copy + Eq + fmt::Debug + 'static;

    const TRANSITIONS: &'static [Transition<Self, Self::Event>];

    /// The state after `event`, if `authority` may cause it from here.
    fn apply(
        self,
        event: Self::Event,
        authority: Authority,
    ) -> Result<Self, TransitionError<Self, Self::Event>> {
        let row = Self::TRANSITIONS
            .iter()
            .find(|row| row.event == event && row.from.contains(&self))
            .ok_or_else(|| TransitionError::NotAllowed {
                from: self,
                event,
                allowed: self.allowed_events(),
            })?;
        if authority < row.by {
            return Err(TransitionError::NotPermitted {
                event,
                required: row.by,
            });
        }
        Ok(row.to)
    }

    /// Every event the table allows from this state, in table order.
    fn allowed_events(self) -> Vec<Self::Event> {
        Self::TRANSITIONS
            .iter()
            .filter(|row| row.from.contains(&self))
            .map(|row| row.event)
            .collect()
    }
}

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in JSON and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use string_enum;

string_enum!(
    /// The moderation state of a petition (`state` in the public JSON).
    PetitionState {
        /// Created; the creator has not confirmed their email yet.
        Pending => "pending",
        /// The creator confirmed; collecting sponsors.
        Validated => "validated",
        /// Enough sponsors: in the moderation queue.
        Sponsored => "sponsored",
        /// A moderator asked for a second opinion.
        Flagged => "flagged",
        /// Parked out of the queue.
        Dormant => "dormant",
        Open => "open",
        Closed => "closed",
        /// Rejected with a public reason.
        Rejected => "rejected",
        /// Rejected with a reason that is not shown (libellous, offensive, advert...).
        Hidden => "hidden",
        /// Never published; stopped when Parliament dissolved.
        Stopped => "stopped",
        /// Taken off the site by a sysadmin.
        Removed => "removed",
    }
);

string_enum!(
    /// What happens to a petition's moderation state.
    ModerationEvent {
        ConfirmCreator => "confirm_creator",
        ReachSponsorThreshold => "reach_sponsor_threshold",
        LoseSponsorThreshold => "lose_sponsor_threshold",
        Publish => "publish",
        Reject => "reject",
        Hide => "hide",
        Flag => "flag",
        MakeDormant => "dormant",
        Restore => "restore",
        /// Sysadmin: a rejected or hidden petition that was never published goes back to the queue.
        Reinstate => "reinstate",
        /// Sysadmin: a taken-down petition goes back up with its original deadline.
        Republish => "republish",
        Close => "close",
        CloseAtDissolution => "close_at_dissolution",
        StopAtDissolution => "stop_at_dissolution",
        Remove => "remove",
    }
);

use Authority::{Moderator, Sysadmin, System};
use ModerationEvent as M;
use PetitionState as P;

const PRE_PUBLICATION: &[PetitionState] = &[
    P::Pending,
    P::Validated,
    P::Sponsored,
    P::Flagged,
    P::Dormant,
];
const REJECTABLE: &[PetitionState] = &[
    P::Pending,
    P::Validated,
    P::Sponsored,
    P::Flagged,
    P::Dormant,
    P::Open,
];
const REMOVABLE: &[PetitionState] = &[
    P::Pending,
    P::Validated,
    P::Sponsored,
    P::Flagged,
    P::Dormant,
    P::Open,
    P::Closed,
    P::Rejected,
    P::Hidden,
    P::Stopped,
];

impl StateMachine for PetitionState {
    type Event = ModerationEvent;

    #[rustfmt::skip]
    const TRANSITIONS: &'static [Transition<Self, ModerationEvent>] = &[
        Transition { from: &[P::Pending], event: M::ConfirmCreator, to: P::Validated, by: System },
        Transition { from: &[P::Validated], event: M::ReachSponsorThreshold, to: P::Sponsored, by: System },
        Transition { from: &[P::Sponsored], event: M::LoseSponsorThreshold, to: P::Validated, by: System },
        Transition { from: &[P::Validated, P::Sponsored, P::Flagged, P::Dormant], event: M::Publish, to: P::Open, by: Moderator },
        Transition { from: REJECTABLE, event: M::Reject, to: P::Rejected, by: Moderator },
        Transition { from: REJECTABLE, event: M::Hide, to: P::Hidden, by: Moderator },
        Transition { from: &[P::Sponsored], event: M::Flag, to: P::Flagged, by: Moderator },
        Transition { from: &[P::Sponsored], event: M::MakeDormant, to: P::Dormant, by: Moderator },
        Transition { from: &[P::Flagged, P::Dormant], event: M::Restore, to: P::Sponsored, by: Moderator },
        Transition { from: &[P::Rejected, P::Hidden], event: M::Reinstate, to: P::Sponsored, by: Sysadmin },
        Transition { from: &[P::Rejected, P::Hidden], event: M::Republish, to: P::Open, by: Sysadmin },
        Transition { from: &[P::Open], event: M::Close, to: P::Closed, by: System },
        Transition { from: &[P::Open], event: M::CloseAtDissolution, to: P::Closed, by: System },
        Transition { from: PRE_PUBLICATION, event: M::StopAtDissolution, to: P::Stopped, by: System },
        Transition { from: REMOVABLE, event: M::Remove, to: P::Removed, by: Sysadmin },
    ];
}

impl PetitionState {
    /// Shown in public lists and on the petition's page.
    pub fn is_public(self) -> bool {
        matches!(self, P::Open | P::Closed | P::Rejected)
    }

    /// Whether the petitioners' own words may still be edited by staff: only before anyone
    /// outside the petition's creator and sponsors has read or signed them.
    pub fn texts_editable(self) -> bool {
        PRE_PUBLICATION.contains(&self)
    }

    /// Publishing from `pending` gets its own message: the usual fix is to wait for the creator.
    pub fn publish_refusal(self) -> Option<&'static str> {
        (self == P::Pending).then_some("the creator has not confirmed their email address yet")
    }
}

string_enum!(
    /// Where a signature stands (SPEC §2.1). Only `validated` signatures count.
    SignatureState {
        /// Signed; the signer has not followed the link in the confirmation email yet.
        Pending => "pending",
        Validated => "validated",
        /// Shadow-banned by the abuse controls: the signer sees the normal answers; it never counts.
        Fraudulent => "fraudulent",
        /// Struck out by a sysadmin's invalidation.
        Invalidated => "invalidated",
    }
);

string_enum!(
    SignatureEvent {
        /// The signer followed the confirmation link.
        Confirm => "confirm",
        Invalidate => "invalidate",
    }
);

use SignatureEvent as SE;
use SignatureState as S;

impl StateMachine for SignatureState {
    type Event = SignatureEvent;

    // Confirming twice (mail scanners fetch links) changes nothing, and a shadow-banned
    // signature answers a confirmation exactly as a real one would, without ever counting.
    #[rustfmt::skip]
    const TRANSITIONS: &'static [Transition<Self, SignatureEvent>] = &[
        Transition { from: &[S::Pending, S::Validated], event: SE::Confirm, to: S::Validated, by: System },
        Transition { from: &[S::Fraudulent], event: SE::Confirm, to: S::Fraudulent, by: System },
        Transition { from: &[S::Pending, S::Validated, S::Fraudulent], event: SE::Invalidate, to: S::Invalidated, by: Sysadmin },
    ];
}

impl SignatureState {
    /// Whether the signature is in the petition's count.
    pub fn counts(self) -> bool {
        self == S::Validated
    }
}

string_enum!(
    /// Whether the government owes, or has given, a response (`response_state`).
    ResponseState {
        Pending => "pending",
        Awaiting => "awaiting",
        Responded => "responded",
    }
);

string_enum!(
    ResponseEvent {
        ReachThreshold => "reach_threshold",
        LoseThreshold => "lose_threshold",
        Respond => "respond",
    }
);

impl StateMachine for ResponseState {
    type Event = ResponseEvent;

    #[rustfmt::skip]
    const TRANSITIONS: &'static [Transition<Self, ResponseEvent>] = &[
        Transition { from: &[ResponseState::Pending], event: ResponseEvent::ReachThreshold, to: ResponseState::Awaiting, by: System },
        Transition { from: &[ResponseState::Awaiting], event: ResponseEvent::LoseThreshold, to: ResponseState::Pending, by: System },
        Transition { from: &[ResponseState::Pending, ResponseState::Awaiting, ResponseState::Responded], event: ResponseEvent::Respond, to: ResponseState::Responded, by: Moderator },
    ];
}

string_enum!(
    /// Where a petition stands with a debate in Parliament (`debate_state`).
    DebateState {
        Pending => "pending",
        Awaiting => "awaiting",
        Scheduled => "scheduled",
        Debated => "debated",
        NotDebated => "not_debated",
    }
);

string_enum!(
    DebateEvent {
        ReachThreshold => "reach_threshold",
        LoseThreshold => "lose_threshold",
        Schedule => "schedule",
        /// The scheduled date has passed.
        DatePassed => "date_passed",
        RecordDebated => "record_debated",
        RecordNotDebated => "record_not_debated",
    }
);

const DEBATE_OPEN: &[DebateState] = &[
    DebateState::Pending,
    DebateState::Awaiting,
    DebateState::Scheduled,
];
const DEBATE_OUTCOME: &[DebateState] = &[
    DebateState::Pending,
    DebateState::Awaiting,
    DebateState::Scheduled,
    DebateState::Debated,
    DebateState::NotDebated,
];

impl StateMachine for DebateState {
    type Event = DebateEvent;

    #[rustfmt::skip]
    const TRANSITIONS: &'static [Transition<Self, DebateEvent>] = &[
        Transition { from: &[DebateState::Pending], event: DebateEvent::ReachThreshold, to: DebateState::Awaiting, by: System },
        Transition { from: &[DebateState::Awaiting], event: DebateEvent::LoseThreshold, to: DebateState::Pending, by: System },
        Transition { from: DEBATE_OPEN, event: DebateEvent::Schedule, to: DebateState::Scheduled, by: Moderator },
        Transition { from: &[DebateState::Scheduled], event: DebateEvent::DatePassed, to: DebateState::Debated, by: System },
        Transition { from: DEBATE_OUTCOME, event: DebateEvent::RecordDebated, to: DebateState::Debated, by: Moderator },
        Transition { from: DEBATE_OUTCOME, event: DebateEvent::RecordNotDebated, to: DebateState::NotDebated, by: Moderator },
    ];
}

string_enum!(
    /// Where an invalidation stands (SPEC §2.4).
    InvalidationState {
        /// Described; it may be counted, started or cancelled.
        Pending => "pending",
        /// Striking out matching signatures, a batch at a time.
        Running => "running",
        Completed => "completed",
        /// Stopped by a sysadmin; what it struck out stays struck out.
        Cancelled => "cancelled",
    }
);

string_enum!(
    InvalidationEvent {
        Start => "start",
        Finish => "finish",
        Cancel => "cancel",
    }
);

impl StateMachine for InvalidationState {
    type Event = InvalidationEvent;

    #[rustfmt::skip]
    const TRANSITIONS: &'static [Transition<Self, InvalidationEvent>] = &[
        Transition { from: &[InvalidationState::Pending], event: InvalidationEvent::Start, to: InvalidationState::Running, by: Sysadmin },
        Transition { from: &[InvalidationState::Running], event: InvalidationEvent::Finish, to: InvalidationState::Completed, by: System },
        Transition { from: &[InvalidationState::Pending, InvalidationState::Running], event: InvalidationEvent::Cancel, to: InvalidationState::Cancelled, by: Sysadmin },
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalidation_runs_once_and_can_be_cancelled_until_it_is_done() {
        use InvalidationEvent as IE;
        use InvalidationState as IS;
        assert_eq!(IS::Pending.apply(IE::Start, Sysadmin), Ok(IS::Running));
        assert!(IS::Pending.apply(IE::Start, Moderator).is_err());
        assert_eq!(IS::Running.apply(IE::Finish, System), Ok(IS::Completed));
        assert_eq!(IS::Running.apply(IE::Cancel, Sysadmin), Ok(IS::Cancelled));
        for done in [IS::Completed, IS::Cancelled] {
            assert!(done.allowed_events().is_empty());
        }
        assert!(IS::Running.apply(IE::Start, Sysadmin).is_err());
    }

    #[test]
    fn a_confirmed_petition_gathers_sponsors_and_is_published() {
        let state = P::Pending.apply(M::ConfirmCreator, System).unwrap();
        let state = state.apply(M::ReachSponsorThreshold, System).unwrap();
        assert_eq!(state.apply(M::Publish, Moderator), Ok(P::Open));
    }

    #[test]
    fn a_pending_petition_cannot_be_published_and_the_refusal_names_what_is_allowed() {
        let refusal = P::Pending.apply(M::Publish, Sysadmin).unwrap_err();
        let TransitionError::NotAllowed { allowed, .. } = refusal else {
            panic!("expected NotAllowed")
        };
        assert_eq!(
            allowed,
            vec![
                M::ConfirmCreator,
                M::Reject,
                M::Hide,
                M::StopAtDissolution,
                M::Remove
            ]
        );
        assert!(P::Pending.publish_refusal().is_some());
    }

    #[test]
    fn only_a_sysadmin_may_reinstate_or_remove() {
        assert_eq!(
            P::Rejected.apply(M::Republish, Moderator),
            Err(TransitionError::NotPermitted {
                event: M::Republish,
                required: Sysadmin
            })
        );
        assert_eq!(P::Hidden.apply(M::Reinstate, Sysadmin), Ok(P::Sponsored));
        assert_eq!(P::Closed.apply(M::Remove, Sysadmin), Ok(P::Removed));
        assert!(P::Removed.apply(M::Remove, Sysadmin).is_err());
    }

    #[test]
    fn every_state_and_event_is_named_once_and_round_trips() {
        for state in P::ALL {
            assert_eq!(P::parse(state.as_str()), Some(*state));
        }
        for event in M::ALL {
            assert_eq!(M::parse(event.as_str()), Some(*event));
        }
        assert_eq!(P::parse("archived"), None);
    }

    #[test]
    fn removed_is_the_only_state_with_no_way_out() {
        for state in P::ALL {
            assert_eq!(
                state.allowed_events().is_empty(),
                *state == P::Removed,
                "{state}"
            );
        }
    }

    #[test]
    fn every_table_row_names_a_real_change_and_no_event_is_ambiguous() {
        for row in P::TRANSITIONS {
            for from in row.from {
                let matching = P::TRANSITIONS
                    .iter()
                    .filter(|r| r.event == row.event && r.from.contains(from))
                    .count();
                assert_eq!(matching, 1, "{from} {:?}", row.event);
            }
        }
    }

    #[test]
    fn the_response_and_debate_machines_follow_the_spec() {
        let awaiting = ResponseState::Pending
            .apply(ResponseEvent::ReachThreshold, System)
            .unwrap();
        assert_eq!(
            awaiting.apply(ResponseEvent::LoseThreshold, System),
            Ok(ResponseState::Pending)
        );
        assert_eq!(
            awaiting.apply(ResponseEvent::Respond, Moderator),
            Ok(ResponseState::Responded)
        );
        assert!(ResponseState::Responded
            .apply(ResponseEvent::LoseThreshold, System)
            .is_err());

        let scheduled = DebateState::Awaiting
            .apply(DebateEvent::Schedule, Moderator)
            .unwrap();
        assert_eq!(
            scheduled.apply(DebateEvent::DatePassed, System),
            Ok(DebateState::Debated)
        );
        assert_eq!(
            scheduled.apply(DebateEvent::RecordNotDebated, Moderator),
            Ok(DebateState::NotDebated)
        );
        assert!(DebateState::Pending
            .apply(DebateEvent::DatePassed, System)
            .is_err());
    }

    #[test]
    fn confirming_is_idempotent_and_never_makes_a_shadow_banned_signature_count() {
        let confirmed = SignatureState::Pending.apply(SignatureEvent::Confirm, System);
        assert_eq!(confirmed, Ok(SignatureState::Validated));
        assert_eq!(
            SignatureState::Validated.apply(SignatureEvent::Confirm, System),
            Ok(SignatureState::Validated)
        );
        let banned = SignatureState::Fraudulent.apply(SignatureEvent::Confirm, System);
        assert_eq!(banned, Ok(SignatureState::Fraudulent));
        assert!(!SignatureState::Fraudulent.counts());
        assert!(SignatureState::Invalidated
            .apply(SignatureEvent::Confirm, System)
            .is_err());
        assert!(matches!(
            SignatureState::Validated.apply(SignatureEvent::Invalidate, Moderator),
            Err(TransitionError::NotPermitted { .. })
        ));
    }
}
