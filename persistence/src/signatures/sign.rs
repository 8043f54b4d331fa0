//! Storing signatures: the duplicate rule, the abuse controls and the confirmation email, all
//! in the transaction that stores the signature, so what is acknowledged is never lost.

use std::net::IpAddr;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::screening::{Screening, Signer, SigningLists};
use domain::signature::{judge_duplicate, DuplicateVerdict, PriorSignature, RateLimits};
use domain::signer::comparable_name;
use domain::signer_details::Residence;
use domain::state::SignatureState;
use domain::SignerDetails;

use super::outbox::{queue_email, EmailKind};
use crate::database::{lock_key, lock_keys, write_transaction};
use crate::postcodes::constituency_of;
use crate::schema::signatures;
use crate::{DbConnection, PersistenceError};

/// One request to sign, already validated.
#[derive(Debug, Clone)]
pub struct NewSignature {
    pub petition_id: i64,
    pub signer: SignerDetails,
    pub ip: Option<IpAddr>,
    /// Random, at least 128 bits: whoever holds it can confirm the signature.
    pub confirmation_token: String,
    pub unsubscribe_token: String,
}

/// The abuse controls in force.
#[derive(Debug, Clone, Default)]
pub struct SigningPolicy {
    pub rate_limits: RateLimits,
    pub lists: SigningLists,
}

/// What became of a request. The signer is told the same thing in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOutcome {
    /// Stored as `pending` (or `fraudulent` when shadow-banned), confirmation queued.
    Stored {
        signature_id: i64,
        state: SignatureState,
    },
    /// A duplicate: the confirmation again, or an "already signed" notice, was queued for
    /// the signature it duplicates.
    Duplicate { of_signature_id: i64 },
}

#[derive(Insertable)]
#[diesel(table_name = signatures)]
struct SignatureInsert<'a> {
    petition_id: i64,
    state: &'a str,
    name: &'a str,
    email: &'a str,
    email_lower: &'a str,
    canonical_email: &'a str,
    location_code: &'a str,
    postcode: Option<&'a str>,
    constituency_code: Option<&'a str>,
    ip_address: Option<&'a str>,
    notify_by_email: bool,
    confirmation_token: &'a str,
    unsubscribe_token: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Stores every request in one transaction (group commit) and returns one outcome each, in
/// order. Requests in the same batch see each other, as if they had come one at a time.
pub fn sign_all(
    conn: &mut DbConnection,
    requests: &[NewSignature],
    policy: &SigningPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<SignOutcome>, PersistenceError> {
    write_transaction(conn, |conn| {
        // Two processes signing with the same email, or from the same address, take turns:
        // otherwise both could pass the duplicate rule or the rate limit at once.
        let mut keys: Vec<i64> = requests.iter().flat_map(lock_keys_for).collect();
        lock_keys(conn, &mut keys)?;
        requests
            .iter()
            .map(|request| sign_one(conn, request, policy, now))
            .collect()
    })
}

fn lock_keys_for(request: &NewSignature) -> Vec<i64> {
    let petition = request.petition_id.to_string();
    let mut keys = vec![lock_key(&[
        "signature-email",
        &petition,
        &request.signer.email.canonical(),
    ])];
    if let Some(ip) = request.ip {
        keys.push(lock_key(&["signature-ip", &petition, &ip.to_string()]));
    }
    keys
}

fn sign_one(
    conn: &mut DbConnection,
    request: &NewSignature,
    policy: &SigningPolicy,
    now: DateTime<Utc>,
) -> Result<SignOutcome, PersistenceError> {
    let signer = &request.signer;
    let email_lower = signer.email.lowercased();
    let canonical_email = signer.email.canonical();
    let now_naive = now.naive_utc();

    let prior: Vec<(i64, String, String, Option<String>)> = signatures::table
        .filter(signatures::petition_id.eq(request.petition_id))
        .filter(
            signatures::email_lower
                .eq(&email_lower)
                .or(signatures::canonical_email.eq(&canonical_email)),
        )
        .order(signatures::id)
        .select((
            signatures::id,
            signatures::state,
            signatures::name,
            signatures::postcode,
        ))
        .load(conn)?;
    let judged: Vec<PriorSignature> = prior
        .iter()
        .map(|(_, _, name, postcode)| PriorSignature {
            comparable_name: comparable_name(name),
            postcode: postcode.clone(),
        })
        .collect();
    let verdict = judge_duplicate(
        &judged,
        &signer.name.comparable(),
        signer.residence.postcode(),
    );
    if let DuplicateVerdict::DuplicateOf(index) = verdict {
        let (of_signature_id, state, _, _) = &prior[index];
        let kind = match SignatureState::parse(state) {
            Some(SignatureState::Pending | SignatureState::Fraudulent) => {
                EmailKind::SignatureConfirmation
            }
            _ => EmailKind::AlreadySigned,
        };
        queue_email(conn, kind, *of_signature_id, now)?;
        return Ok(SignOutcome::Duplicate {
            of_signature_id: *of_signature_id,
        });
    }

    let ip_text = request.ip.map(|ip| ip.to_string());
    let state = match policy.lists.screen(&Signer {
        email_domain: signer.email.domain(),
        canonical_email: &canonical_email,
        ip: request.ip,
    }) {
        Screening::Blocked => SignatureState::Fraudulent,
        Screening::Allowed => SignatureState::Pending,
        Screening::Unlisted => match &ip_text {
            Some(ip) if over_rate_limit(conn, request.petition_id, ip, policy, now)? => {
                SignatureState::Fraudulent
            }
            _ => SignatureState::Pending,
        },
    };
    let constituency = match &signer.residence {
        Residence::UnitedKingdom(postcode) => constituency_of(conn, postcode)?,
        Residence::Overseas { .. } => None,
    };
    let signature_id = diesel::insert_into(signatures::table)
        .values(SignatureInsert {
            petition_id: request.petition_id,
            state: state.as_str(),
            name: signer.name.as_str(),
            email: signer.email.as_str(),
            email_lower: &email_lower,
            canonical_email: &canonical_email,
            location_code: signer.residence.location_code(),
            postcode: signer.residence.postcode(),
            constituency_code: constituency.as_deref(),
            ip_address: ip_text.as_deref(),
            notify_by_email: signer.notify_by_email,
            confirmation_token: &request.confirmation_token,
            unsubscribe_token: &request.unsubscribe_token,
            created_at: now_naive,
            updated_at: now_naive,
        })
        .returning(signatures::id)
        .get_result::<i64>(conn)?;
    queue_email(conn, EmailKind::SignatureConfirmation, signature_id, now)?;
    Ok(SignOutcome::Stored {
        signature_id,
        state,
    })
}

/// Whether one more signature from `ip` on this petition breaks the burst or sustained limit.
fn over_rate_limit(
    conn: &mut DbConnection,
    petition_id: i64,
    ip: &str,
    policy: &SigningPolicy,
    now: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Nullable, Timestamp};
    let limits = &policy.rate_limits;
    let (burst_start, sustained_start) = (
        limits.burst.starts_at(now).naive_utc(),
        limits.sustained.starts_at(now).naive_utc(),
    );
    // Both windows in one query: one round trip per signature.
    let window_start = burst_start.min(sustained_start);
    let (in_burst, in_sustained): (Option<i64>, Option<i64>) = signatures::table
        .filter(signatures::petition_id.eq(petition_id))
        .filter(signatures::ip_address.eq(ip))
        .filter(signatures::created_at.gt(window_start))
        .select((
            sql::<Nullable<BigInt>>("CAST(SUM(CASE WHEN signatures.created_at > ")
                .bind::<Timestamp, _>(burst_start)
                .sql(" THEN 1 ELSE 0 END) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(CASE WHEN signatures.created_at > ")
                .bind::<Timestamp, _>(sustained_start)
                .sql(" THEN 1 ELSE 0 END) AS BIGINT)"),
        ))
        .first(conn)?;
    let (in_burst, in_sustained) = (in_burst.unwrap_or(0), in_sustained.unwrap_or(0));
    Ok(limits.exceeded_by_one_more(
        u64::try_from(in_burst).unwrap_or(0),
        u64::try_from(in_sustained).unwrap_or(0),
    ))
}
