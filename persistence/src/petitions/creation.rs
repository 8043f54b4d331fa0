//! Creating a petition and gathering its supporters (SPEC §1.2): the petition row, its
//! creator's signature and the creator's email are written in one transaction.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use domain::screening::{Screening, Signer};
use domain::state::{PetitionState, SignatureState};
use domain::{PetitionText, SignerDetails};

use crate::database::{lock_key, lock_keys, on_each_backend, write_transaction};
use crate::schema::{petitions, signatures};
use crate::signatures::{store_creator, NewSignature, SigningPolicy};
use crate::{DbConnection, PersistenceError};

/// A petition as its creator submits it, already validated.
#[derive(Debug, Clone)]
pub struct NewPetition {
    pub text: PetitionText,
    pub creator: SignerDetails,
    pub ip: Option<IpAddr>,
    pub confirmation_token: String,
    pub unsubscribe_token: String,
    /// Carried by the supporter link the creator shares.
    pub sponsor_token: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreatedPetition {
    pub petition_id: i64,
    pub creator_signature_id: i64,
    /// `Fraudulent` when the abuse controls shadow-banned the creator: the petition then
    /// never leaves `pending`, though the creator is answered as usual.
    pub creator_state: SignatureState,
}

/// Stores a new `pending` petition with its creator's signature, and queues the email that
/// asks the creator to confirm and gives them the supporter link.
pub fn create_petition(
    conn: &mut DbConnection,
    petition: &NewPetition,
    policy: &SigningPolicy,
    now: DateTime<Utc>,
) -> Result<CreatedPetition, PersistenceError> {
    write_transaction(conn, |conn| {
        let creator_state = judge_creator(conn, petition, policy, now)?;
        let text = &petition.text;
        let stamp = now.naive_utc();
        let petition_id: i64 = on_each_backend!(conn, |c| diesel::insert_into(petitions::table)
            .values((
                petitions::action.eq(text.action.as_str()),
                petitions::background.eq(text.background.as_str()),
                petitions::additional_details.eq(text
                    .additional_details
                    .as_ref()
                    .map(|details| details.as_str())),
                petitions::state.eq(PetitionState::Pending.as_str()),
                petitions::creator_name.eq(petition.creator.name.as_str()),
                petitions::sponsor_token.eq(&petition.sponsor_token),
                petitions::created_at.eq(stamp),
                petitions::updated_at.eq(stamp),
            ))
            .returning(petitions::id)
            .get_result(c)?);
        let creator = NewSignature {
            petition_id,
            signer: petition.creator.clone(),
            ip: petition.ip,
            confirmation_token: petition.confirmation_token.clone(),
            unsubscribe_token: petition.unsubscribe_token.clone(),
            sponsor: false,
        };
        let creator_signature_id = store_creator(conn, &creator, creator_state, now)?;
        Ok(CreatedPetition {
            petition_id,
            creator_signature_id,
            creator_state,
        })
    })
}

/// Blocks first, then allows, then the site-wide creation rate per address (SPEC §2.4).
fn judge_creator(
    conn: &mut DbConnection,
    petition: &NewPetition,
    policy: &SigningPolicy,
    now: DateTime<Utc>,
) -> Result<SignatureState, PersistenceError> {
    let email = &petition.creator.email;
    let screening = policy.lists.screen(&Signer {
        email_domain: email.domain(),
        canonical_email: email.canonical(),
        ip: petition.ip,
    });
    match (screening, petition.ip) {
        (Screening::Blocked, _) => Ok(SignatureState::Fraudulent),
        (Screening::Allowed, _) | (Screening::Unlisted, None) => Ok(SignatureState::Pending),
        (Screening::Unlisted, Some(ip)) => {
            let address = ip.to_string();
            // Two processes creating from one address take turns, so both can't pass at once.
            lock_keys(
                conn,
                &mut vec![lock_key(&["petition-creator-ip", &address])],
            )?;
            let limits = &policy.creation_rate_limits;
            let mut created_since = |start: DateTime<Utc>| -> Result<u64, PersistenceError> {
                let count: i64 = signatures::table
                    .filter(signatures::creator)
                    .filter(signatures::ip_address.eq(&address))
                    .filter(signatures::created_at.gt(start.naive_utc()))
                    .select(count_star())
                    .first(conn)?;
                Ok(u64::try_from(count).unwrap_or(0))
            };
            let in_burst = created_since(limits.burst.starts_at(now))?;
            let in_sustained = created_since(limits.sustained.starts_at(now))?;
            Ok(if limits.exceeded_by_one_more(in_burst, in_sustained) {
                SignatureState::Fraudulent
            } else {
                SignatureState::Pending
            })
        }
    }
}

/// What a supporter link needs to know about its petition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sponsorship {
    pub state: PetitionState,
    pub sponsor_token: Option<String>,
    pub confirmed_sponsors: u64,
}

/// The petition's state, supporter token and confirmed supporters; `None` if there is no
/// such petition.
pub fn find_sponsorship(
    conn: &mut DbConnection,
    petition_id: i64,
) -> Result<Option<Sponsorship>, PersistenceError> {
    let found: Option<(String, Option<String>)> = petitions::table
        .find(petition_id)
        .select((petitions::state, petitions::sponsor_token))
        .first(conn)
        .optional()?;
    let Some((state, sponsor_token)) = found else {
        return Ok(None);
    };
    Ok(Some(Sponsorship {
        state: PetitionState::parse(&state).unwrap_or(PetitionState::Removed),
        sponsor_token,
        confirmed_sponsors: confirmed_sponsors(conn, petition_id)?,
    }))
}

/// Sponsors of a petition who have confirmed their email.
pub(crate) fn confirmed_sponsors(
    conn: &mut DbConnection,
    petition_id: i64,
) -> Result<u64, PersistenceError> {
    let count: i64 = signatures::table
        .filter(signatures::sponsor)
        .filter(signatures::petition_id.eq(petition_id))
        .filter(signatures::state.eq(SignatureState::Validated.as_str()))
        .select(count_star())
        .first(conn)?;
    Ok(u64::try_from(count).unwrap_or(0))
}
