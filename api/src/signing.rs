//! What the signing routes share: the queues that store signatures and confirmations in
//! groups, the abuse-control policy (cached briefly, so a list change reaches every process within
//! seconds without a query per signature), tokens, and the client's address.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use ipnet::IpNet;
use persistence::signatures::{
    confirm_all, load_signing_lists, sign_all, ConfirmOutcome, ConfirmRequest, NewSignature,
    SignOutcome, SigningPolicy,
};
use persistence::{Database, PersistenceError};

use crate::clock::Clock;
use crate::error::ApiError;
use crate::fresh_cache::FreshCache;
use crate::group_commit::{GroupCommit, GroupWork};
use crate::settings::SettingsCache;

/// The most signatures, or confirmations, stored in one transaction.
const MAX_GROUP: usize = 256;
/// Groups stored at once by each queue of each process. One: the crowd gathers while a group
/// commits and goes in the next, so groups are as large as the backlog. More writers split it
/// into smaller groups, each paying a transaction's fixed cost and all taking the viral
/// petition's row in `KEY SHARE` for their foreign keys at once; with four, the benchmark
/// confirmed about a quarter fewer signatures a second for more CPU each (BENCHMARKS.md).
const WRITERS: usize = 1;

/// Signing through group commit.
pub type SigningQueue = GroupCommit<Signing>;
/// Confirming through group commit.
pub type ConfirmingQueue = GroupCommit<Confirming>;

pub fn signing_queue(db: Database, clock: Clock, policy: SigningPolicyCache) -> SigningQueue {
    let work = Signing { db, policy, clock };
    GroupCommit::new(work, MAX_GROUP, WRITERS)
}

pub fn confirming_queue(db: Database, clock: Clock, settings: SettingsCache) -> ConfirmingQueue {
    let work = Confirming {
        db,
        clock,
        settings,
    };
    GroupCommit::new(work, MAX_GROUP, WRITERS)
}

#[derive(Clone)]
pub struct Signing {
    db: Database,
    policy: SigningPolicyCache,
    clock: Clock,
}

impl GroupWork for Signing {
    type Request = NewSignature;
    type Outcome = SignOutcome;

    async fn store(&self, group: Arc<[NewSignature]>) -> Result<Vec<SignOutcome>, ApiError> {
        let now = self.clock.now();
        let policy = self.policy.get(&self.db).await?;
        Ok(self
            .db
            .run(move |conn| sign_all(conn, &group, &policy, now))
            .await?)
    }
}

#[derive(Clone)]
pub struct Confirming {
    db: Database,
    clock: Clock,
    settings: SettingsCache,
}

impl GroupWork for Confirming {
    type Request = ConfirmRequest;
    type Outcome = ConfirmOutcome;

    async fn store(&self, group: Arc<[ConfirmRequest]>) -> Result<Vec<ConfirmOutcome>, ApiError> {
        let now = self.clock.now();
        let thresholds = self.settings.get(&self.db).await?.thresholds;
        Ok(self
            .db
            .run(move |conn| confirm_all(conn, &group, &thresholds, now))
            .await?)
    }
}

/// How long a process keeps the block and allow lists before reading them again.
const POLICY_TTL: Duration = Duration::from_secs(10);

/// The abuse-control policy, read at most every `POLICY_TTL`.
#[derive(Clone)]
pub struct SigningPolicyCache(Arc<FreshCache<(), Arc<SigningPolicy>>>);

impl Default for SigningPolicyCache {
    fn default() -> Self {
        Self(Arc::new(FreshCache::new(POLICY_TTL)))
    }
}

impl SigningPolicyCache {
    pub async fn get(&self, db: &Database) -> Result<Arc<SigningPolicy>, PersistenceError> {
        let db = db.clone();
        let load = || async move {
            let lists = db.run(load_signing_lists).await?;
            Ok(Arc::new(SigningPolicy {
                lists,
                ..SigningPolicy::default()
            }))
        };
        self.0.get_or_load((), load).await
    }
}

/// A fresh secret for a link: 256 random bits from the operating system, as hex.
pub fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| ApiError::Internal(Box::new(error)))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// The address the request came from, reading `X-Forwarded-For` only from trusted proxies.
pub fn client_address(request: &HttpRequest, trusted_proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip();
    let forwarded_for = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok());
    Some(domain::client_ip::client_ip(
        peer,
        forwarded_for,
        trusted_proxies,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_different() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
