//! Work the clock drives (SPEC §1.2–§1.3): closing petitions at their deadline and marking
//! scheduled debates as held once their day has passed. Each is one conditional update, so
//! it is idempotent, catches up after downtime by itself, and changes each petition once
//! even when several processes run it at the same moment.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use domain::state::{
    Authority, DebateEvent, DebateState, ModerationEvent, PetitionState, StateMachine,
};

use crate::schema::petitions;
use crate::{DbConnection, PersistenceError};

/// Closes every open petition whose deadline has passed; `closed_at` is the deadline itself,
/// not the time this ran. Returns how many it closed.
pub fn close_past_deadline(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<usize, PersistenceError> {
    let Ok(to) = PetitionState::Open.apply(ModerationEvent::Close, Authority::System) else {
        return Ok(0);
    };
    let stamp = now.naive_utc();
    Ok(diesel::update(
        petitions::table
            .filter(petitions::state.eq(PetitionState::Open.as_str()))
            .filter(petitions::deadline.lt(stamp)),
    )
    .set((
        petitions::state.eq(to.as_str()),
        petitions::closed_at.eq(petitions::deadline),
        petitions::updated_at.eq(stamp),
    ))
    .execute(conn)?)
}

/// Marks as debated every scheduled debate whose day (in London) ended before `today`.
/// Returns how many it marked.
pub fn mark_debates_held(
    conn: &mut DbConnection,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, PersistenceError> {
    let Ok(to) = DebateState::Scheduled.apply(DebateEvent::DatePassed, Authority::System) else {
        return Ok(0);
    };
    Ok(diesel::update(
        petitions::table
            .filter(petitions::debate_state.eq(DebateState::Scheduled.as_str()))
            .filter(petitions::scheduled_debate_date.lt(today)),
    )
    .set((
        petitions::debate_state.eq(to.as_str()),
        petitions::updated_at.eq(now.naive_utc()),
    ))
    .execute(conn)?)
}
