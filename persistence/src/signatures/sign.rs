//! Storing signatures: the duplicate rule, the abuse controls and the confirmation email, all
//! in the transaction that stores the signature, so what is acknowledged is never lost.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use domain::screening::{Screening, Signer, SigningLists};
use domain::signature::{judge_duplicate, DuplicateVerdict, PriorSignature, RateLimits};
use domain::signer::comparable_name;
use domain::signer_details::Residence;
use domain::state::SignatureState;
use domain::{Postcode, SignerDetails};

use super::outbox::{queue_emails, EmailKind, QueuedEmail};
use crate::database::{lock_key, lock_keys, on_each_backend, write_transaction};
use crate::postcodes::constituencies_of;
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
    /// Supporting a petition before publication, through its creator's supporter link.
    pub sponsor: bool,
}

/// The abuse controls in force.
#[derive(Debug, Clone)]
pub struct SigningPolicy {
    /// Per address, per petition.
    pub rate_limits: RateLimits,
    /// Per address, per petition, for supporters before publication.
    pub sponsor_rate_limits: RateLimits,
    /// Per address, across the site: how many petitions one address may create.
    pub creation_rate_limits: RateLimits,
    pub lists: SigningLists,
}

impl Default for SigningPolicy {
    fn default() -> Self {
        Self {
            rate_limits: RateLimits::default(),
            sponsor_rate_limits: RateLimits::default(),
            creation_rate_limits: RateLimits::CREATION,
            lists: SigningLists::default(),
        }
    }
}

impl SigningPolicy {
    fn limits_for(&self, sponsor: bool) -> &RateLimits {
        if sponsor {
            &self.sponsor_rate_limits
        } else {
            &self.rate_limits
        }
    }
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
#[diesel(table_name = signatures, treat_none_as_default_value = false)]
struct SignatureInsert<'a> {
    petition_id: i64,
    state: &'a str,
    name: &'a str,
    email: &'a str,
    email_lower: String,
    canonical_email: &'a str,
    location_code: &'a str,
    postcode: Option<&'a str>,
    constituency_code: Option<&'a str>,
    ip_address: Option<String>,
    notify_by_email: bool,
    confirmation_token: &'a str,
    unsubscribe_token: &'a str,
    creator: bool,
    sponsor: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl<'a> SignatureInsert<'a> {
    fn new(
        request: &'a NewSignature,
        state: SignatureState,
        constituencies: &'a HashMap<String, String>,
        creator: bool,
        now: NaiveDateTime,
    ) -> Self {
        let signer = &request.signer;
        let constituency = match &signer.residence {
            Residence::UnitedKingdom(postcode) => constituencies.get(postcode.as_str()),
            Residence::Overseas { .. } => None,
        };
        SignatureInsert {
            petition_id: request.petition_id,
            state: state.as_str(),
            name: signer.name.as_str(),
            email: signer.email.as_str(),
            email_lower: signer.email.lowercased(),
            canonical_email: signer.email.canonical(),
            location_code: signer.residence.location_code(),
            postcode: signer.residence.postcode(),
            constituency_code: constituency.map(String::as_str),
            ip_address: request.ip.map(|ip| ip.to_string()),
            notify_by_email: signer.notify_by_email,
            confirmation_token: &request.confirmation_token,
            unsubscribe_token: &request.unsubscribe_token,
            creator,
            sponsor: request.sponsor,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Stores a petition's creator's signature, with the creator's confirmation email. The
/// petition row exists; creation has judged the abuse controls itself.
pub(crate) fn store_creator(
    conn: &mut DbConnection,
    request: &NewSignature,
    state: SignatureState,
    now: DateTime<Utc>,
) -> Result<i64, PersistenceError> {
    let postcodes: Vec<&Postcode> = match &request.signer.residence {
        Residence::UnitedKingdom(postcode) => vec![postcode],
        Residence::Overseas { .. } => Vec::new(),
    };
    let constituencies = constituencies_of(conn, &postcodes)?;
    let row = SignatureInsert::new(request, state, &constituencies, true, now.naive_utc());
    let signature_id: i64 = on_each_backend!(conn, |c| diesel::insert_into(signatures::table)
        .values(&row)
        .returning(signatures::id)
        .get_result(c)?);
    queue_emails(
        conn,
        &[QueuedEmail::to(
            EmailKind::PetitionConfirmation,
            signature_id,
        )],
        now,
    )?;
    Ok(signature_id)
}

/// Stores every request in one transaction (group commit) and returns one outcome each, in
/// order. Requests in the same group see each other, as if they had come one at a time.
/// The statements are per group, not per request: a crowd costs a handful of round trips.
pub fn sign_all(
    conn: &mut DbConnection,
    requests: &[NewSignature],
    policy: &SigningPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<SignOutcome>, PersistenceError> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    write_transaction(conn, |conn| {
        // Two processes signing with the same email, or from the same address, take turns:
        // otherwise both could pass the duplicate rule or the rate limit at once.
        let mut keys: Vec<i64> = requests.iter().flat_map(lock_keys_for).collect();
        lock_keys(conn, &mut keys)?;
        let mut judge = GroupJudge::load(conn, requests, policy, now)?;
        let decisions: Vec<Decision> = requests
            .iter()
            .enumerate()
            .map(|(index, request)| judge.decide(index, request, policy))
            .collect();
        store(conn, requests, &decisions, &judge.constituencies, now)
    })
}

fn lock_keys_for(request: &NewSignature) -> Vec<i64> {
    let petition = request.petition_id.to_string();
    let mut keys = vec![lock_key(&[
        "signature-email",
        &petition,
        request.signer.email.canonical(),
    ])];
    if let Some(ip) = request.ip {
        keys.push(lock_key(&["signature-ip", &petition, &ip.to_string()]));
    }
    keys
}

/// A signature stored before this group, or one this group is storing (by request index).
#[derive(Debug, Clone, Copy)]
enum SignatureRef {
    Stored(i64),
    New(usize),
}

#[derive(Debug, Clone, Copy)]
enum Decision {
    Store(SignatureState),
    Duplicate { of: SignatureRef, email: EmailKind },
}

/// A signature under the same canonical email, as the duplicate rule sees it.
struct Prior {
    signature: SignatureRef,
    state: Option<SignatureState>,
    judged: PriorSignature,
}

/// Signatures from one address on one petition within each rate window.
#[derive(Debug, Clone, Copy, Default)]
struct RecentFromAddress {
    in_burst: u64,
    in_sustained: u64,
}

/// What the group is judged against: what the database held when the group began, read in
/// a few queries, plus what the group itself adds as each request is judged in turn.
struct GroupJudge {
    /// By petition and canonical email, oldest first.
    prior: HashMap<(i64, String), Vec<Prior>>,
    /// By petition and client address.
    recent: HashMap<(i64, String), RecentFromAddress>,
    /// By postcode.
    constituencies: HashMap<String, String>,
}

impl GroupJudge {
    fn load(
        conn: &mut DbConnection,
        requests: &[NewSignature],
        policy: &SigningPolicy,
        now: DateTime<Utc>,
    ) -> Result<Self, PersistenceError> {
        // Before publication every signer of a petition is a supporter, so one petition's
        // requests share one set of limits.
        let mut by_petition: BTreeMap<i64, (BTreeSet<String>, BTreeSet<String>, bool)> =
            BTreeMap::new();
        for request in requests {
            let (emails, addresses, sponsors) = by_petition.entry(request.petition_id).or_default();
            emails.insert(request.signer.email.canonical().to_owned());
            if let Some(ip) = request.ip {
                addresses.insert(ip.to_string());
            }
            *sponsors |= request.sponsor;
        }
        let mut judge = GroupJudge {
            prior: HashMap::new(),
            recent: HashMap::new(),
            constituencies: HashMap::new(),
        };
        for (petition_id, (emails, addresses, sponsors)) in by_petition {
            judge.load_prior(conn, petition_id, &emails)?;
            let limits = policy.limits_for(sponsors);
            judge.load_recent(conn, petition_id, &addresses, limits, now)?;
        }
        let postcodes: Vec<&Postcode> = requests
            .iter()
            .filter_map(|request| match &request.signer.residence {
                Residence::UnitedKingdom(postcode) => Some(postcode),
                Residence::Overseas { .. } => None,
            })
            .collect();
        judge.constituencies = constituencies_of(conn, &postcodes)?;
        Ok(judge)
    }

    fn load_prior(
        &mut self,
        conn: &mut DbConnection,
        petition_id: i64,
        emails: &BTreeSet<String>,
    ) -> Result<(), PersistenceError> {
        // By canonical email alone: emails equal when lower-cased have the same canonical form.
        // Sorted here: ORDER BY id could tempt the planner to walk the primary key.
        let mut rows: Vec<(i64, String, String, String, Option<String>)> = signatures::table
            .filter(signatures::petition_id.eq(petition_id))
            .filter(signatures::canonical_email.eq_any(emails))
            .select((
                signatures::id,
                signatures::canonical_email,
                signatures::state,
                signatures::name,
                signatures::postcode,
            ))
            .load(conn)?;
        rows.sort_unstable_by_key(|row| row.0);
        for (id, email, state, name, postcode) in rows {
            self.prior
                .entry((petition_id, email))
                .or_default()
                .push(Prior {
                    signature: SignatureRef::Stored(id),
                    state: SignatureState::parse(&state),
                    judged: PriorSignature {
                        comparable_name: comparable_name(&name),
                        postcode,
                    },
                });
        }
        Ok(())
    }

    fn load_recent(
        &mut self,
        conn: &mut DbConnection,
        petition_id: i64,
        addresses: &BTreeSet<String>,
        limits: &RateLimits,
        now: DateTime<Utc>,
    ) -> Result<(), PersistenceError> {
        if addresses.is_empty() {
            return Ok(());
        }
        // Both windows in one pass over the address index: counted from the earlier start,
        // each window summing the rows inside it.
        let (burst, sustained) = (
            limits.burst.starts_at(now).naive_utc(),
            limits.sustained.starts_at(now).naive_utc(),
        );
        let inside = |start: NaiveDateTime| {
            sql::<BigInt>("SUM(CASE WHEN created_at > ")
                .bind::<Timestamp, _>(start)
                .sql(" THEN 1 ELSE 0 END)")
        };
        let counts: Vec<(Option<String>, i64, i64)> = signatures::table
            .filter(signatures::petition_id.eq(petition_id))
            .filter(signatures::ip_address.eq_any(addresses))
            .filter(signatures::created_at.gt(burst.min(sustained)))
            .group_by(signatures::ip_address)
            .select((signatures::ip_address, inside(burst), inside(sustained)))
            .load(conn)?;
        for (address, in_burst, in_sustained) in counts {
            let recent = self
                .recent
                .entry((petition_id, address.unwrap_or_default()))
                .or_default();
            recent.in_burst = u64::try_from(in_burst).unwrap_or(0);
            recent.in_sustained = u64::try_from(in_sustained).unwrap_or(0);
        }
        Ok(())
    }

    /// Judges one request against everything before it, and remembers it for those after.
    fn decide(&mut self, index: usize, request: &NewSignature, policy: &SigningPolicy) -> Decision {
        let signer = &request.signer;
        let canonical_email = signer.email.canonical();
        let same_email = self
            .prior
            .entry((request.petition_id, canonical_email.to_owned()))
            .or_default();
        let judged: Vec<PriorSignature> = same_email
            .iter()
            .map(|prior| prior.judged.clone())
            .collect();
        let verdict = judge_duplicate(
            &judged,
            &signer.name.comparable(),
            signer.residence.postcode(),
        );
        if let DuplicateVerdict::DuplicateOf(at) = verdict {
            let prior = &same_email[at];
            let email = match prior.state {
                Some(SignatureState::Pending | SignatureState::Fraudulent) => {
                    EmailKind::SignatureConfirmation
                }
                _ => EmailKind::AlreadySigned,
            };
            return Decision::Duplicate {
                of: prior.signature,
                email,
            };
        }

        let address = request.ip.map(|ip| (request.petition_id, ip.to_string()));
        let state = match policy.lists.screen(&Signer {
            email_domain: signer.email.domain(),
            canonical_email,
            ip: request.ip,
        }) {
            Screening::Blocked => SignatureState::Fraudulent,
            Screening::Allowed => SignatureState::Pending,
            Screening::Unlisted => {
                let recent = address
                    .as_ref()
                    .and_then(|address| self.recent.get(address))
                    .copied()
                    .unwrap_or_default();
                if request.ip.is_some()
                    && policy
                        .limits_for(request.sponsor)
                        .exceeded_by_one_more(recent.in_burst, recent.in_sustained)
                {
                    SignatureState::Fraudulent
                } else {
                    SignatureState::Pending
                }
            }
        };
        same_email.push(Prior {
            signature: SignatureRef::New(index),
            state: Some(state),
            judged: PriorSignature {
                comparable_name: signer.name.comparable(),
                postcode: signer.residence.postcode().map(str::to_owned),
            },
        });
        if let Some(address) = address {
            // Stored now, so inside both windows for the requests after it.
            let recent = self.recent.entry(address).or_default();
            recent.in_burst += 1;
            recent.in_sustained += 1;
        }
        Decision::Store(state)
    }
}

/// Inserts the new signatures in one statement and their emails in another.
fn store(
    conn: &mut DbConnection,
    requests: &[NewSignature],
    decisions: &[Decision],
    constituencies: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Result<Vec<SignOutcome>, PersistenceError> {
    let now_naive = now.naive_utc();
    let rows: Vec<SignatureInsert> = requests
        .iter()
        .zip(decisions)
        .filter_map(|(request, decision)| match decision {
            Decision::Store(state) => Some(SignatureInsert::new(
                request,
                *state,
                constituencies,
                false,
                now_naive,
            )),
            Decision::Duplicate { .. } => None,
        })
        .collect();
    // Matched back by token, which is unique, rather than trusting the order rows come back in.
    let ids_by_token: HashMap<String, i64> = if rows.is_empty() {
        HashMap::new()
    } else {
        let inserted: Vec<(String, i64)> =
            on_each_backend!(conn, |c| diesel::insert_into(signatures::table)
                .values(&rows)
                .returning((signatures::confirmation_token, signatures::id))
                .get_results(c)?);
        inserted.into_iter().collect()
    };
    let id_of = |signature: SignatureRef| match signature {
        SignatureRef::Stored(id) => Ok(id),
        SignatureRef::New(index) => ids_by_token
            .get(&requests[index].confirmation_token)
            .copied()
            .ok_or(PersistenceError::Query(diesel::result::Error::NotFound)),
    };
    let mut outcomes = Vec::with_capacity(requests.len());
    let mut emails = Vec::with_capacity(requests.len());
    for (index, decision) in decisions.iter().enumerate() {
        match *decision {
            Decision::Store(state) => {
                let signature_id = id_of(SignatureRef::New(index))?;
                emails.push(QueuedEmail::to(
                    EmailKind::SignatureConfirmation,
                    signature_id,
                ));
                outcomes.push(SignOutcome::Stored {
                    signature_id,
                    state,
                });
            }
            Decision::Duplicate { of, email } => {
                let of_signature_id = id_of(of)?;
                emails.push(QueuedEmail::to(email, of_signature_id));
                outcomes.push(SignOutcome::Duplicate { of_signature_id });
            }
        }
    }
    queue_emails(conn, &emails, now)?;
    Ok(outcomes)
}
