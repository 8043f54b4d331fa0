//! What the signing routes share: the queue that stores signatures in groups, the
//! abuse-control policy (cached briefly, so a list change reaches every process within
//! seconds without a query per signature), tokens, and the client's address.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use ipnet::IpNet;
use persistence::signatures::{
    load_signing_lists, sign_all, NewSignature, SignOutcome, SigningPolicy,
};
use persistence::{Database, PersistenceError};
use tokio::sync::{mpsc, oneshot};

use crate::clock::Clock;
use crate::error::ApiError;

/// The most signatures stored in one transaction.
const MAX_GROUP: usize = 256;
/// Groups stored at once, each on its own connection.
const WRITERS: usize = 4;

struct Job {
    signature: NewSignature,
    reply: oneshot::Sender<Result<SignOutcome, ApiError>>,
}

/// Group commit for signing: requests that arrive while a group is being stored wait and go
/// together in the next one, so a crowd signing costs one transaction (and one disk flush)
/// per group rather than per signature. Each signer is answered only after their group
/// commits. The writers start with the first signature.
#[derive(Clone)]
pub struct SigningQueue {
    sender: mpsc::Sender<Job>,
    idle: Arc<Mutex<Option<mpsc::Receiver<Job>>>>,
    db: Database,
    policy: SigningPolicyCache,
    clock: Clock,
}

impl SigningQueue {
    pub fn new(db: Database, policy: SigningPolicyCache, clock: Clock) -> Self {
        let (sender, receiver) = mpsc::channel(MAX_GROUP * WRITERS * 4);
        Self {
            sender,
            idle: Arc::new(Mutex::new(Some(receiver))),
            db,
            policy,
            clock,
        }
    }

    /// Stores the signature with others and answers once it is committed.
    pub async fn sign(&self, signature: NewSignature) -> Result<SignOutcome, ApiError> {
        self.start_writers();
        let stopped = || ApiError::Internal("the signing queue has stopped".into());
        let (reply, answer) = oneshot::channel();
        let job = Job { signature, reply };
        self.sender.send(job).await.map_err(|_| stopped())?;
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }

    fn start_writers(&self) {
        let Some(receiver) = self.idle.lock().ok().and_then(|mut idle| idle.take()) else {
            return;
        };
        let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
        for _ in 0..WRITERS {
            actix_web::rt::spawn(self.clone().write_groups(receiver.clone()));
        }
    }

    async fn write_groups(self, jobs: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>) {
        loop {
            let mut group = Vec::with_capacity(MAX_GROUP);
            {
                let mut jobs = jobs.lock().await;
                if jobs.recv_many(&mut group, MAX_GROUP).await == 0 {
                    return;
                }
            }
            self.store(group).await;
        }
    }

    async fn store(&self, group: Vec<Job>) {
        let now = self.clock.now();
        let (signatures, replies): (Vec<NewSignature>, Vec<_>) = group
            .into_iter()
            .map(|job| (job.signature, job.reply))
            .unzip();
        if let Ok(policy) = self.policy.get(&self.db).await {
            let together = {
                let signatures = signatures.clone();
                self.db
                    .run(move |conn| sign_all(conn, &signatures, &policy, now))
                    .await
            };
            if let Ok(outcomes) = together {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
                return;
            }
        }
        // Something failed: each alone, so one signature's fault never fails the others and
        // each gets its own answer.
        for (reply, signature) in replies.into_iter().zip(signatures) {
            let alone = async {
                let policy = self.policy.get(&self.db).await?;
                let mut outcomes = self
                    .db
                    .run(move |conn| sign_all(conn, &[signature], &policy, now))
                    .await?;
                Ok(outcomes.remove(0))
            };
            let _ = reply.send(
                alone
                    .await
                    .map_err(|error: PersistenceError| ApiError::from(error)),
            );
        }
    }
}

/// How long a process keeps the block and allow lists before reading them again.
const POLICY_TTL: Duration = Duration::from_secs(10);

#[derive(Clone, Default)]
pub struct SigningPolicyCache {
    cached: Arc<Mutex<Option<(Instant, Arc<SigningPolicy>)>>>,
}

impl SigningPolicyCache {
    pub async fn get(&self, db: &Database) -> Result<Arc<SigningPolicy>, PersistenceError> {
        if let Some((loaded, policy)) = self.cached.lock().map_or(None, |cached| cached.clone()) {
            if loaded.elapsed() < POLICY_TTL {
                return Ok(policy);
            }
        }
        let lists = db.run(load_signing_lists).await?;
        let policy = Arc::new(SigningPolicy {
            lists,
            ..SigningPolicy::default()
        });
        if let Ok(mut cached) = self.cached.lock() {
            *cached = Some((Instant::now(), policy.clone()));
        }
        Ok(policy)
    }
}

/// A fresh secret for a link: 256 random bits from the operating system, as hex.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
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
