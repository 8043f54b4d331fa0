//! The delivery worker's one step: claim due outbox rows, send each, record the result.
//! Temporary failures are retried with exponential backoff; permanent ones are recorded and
//! never retried; a sent row is never sent again.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use domain::Thresholds;
use lettre::message::Mailbox;
use persistence::signatures::{self, EmailKind, OutgoingEmail};
use persistence::{Database, PersistenceError};

use super::render::{render, verify_link};
use super::smtp::{SmtpPool, SmtpServer};
use crate::links::PublicUrl;

/// Emails claimed per step, for each connection. Their being sent is recorded together at
/// the end of the step, so a crash mid-step can send at most a step's worth twice (see the
/// README).
const CLAIMED_PER_CONNECTION: usize = 16;
/// How long a claim holds: longer than any step takes, short enough to recover from a crash.
const LEASE_MINUTES: i64 = 5;
/// How long a step goes on starting messages. Its claim must not lapse while it sends, or
/// another process would claim and send the same emails: this leaves three minutes of the
/// lease for the last messages started to finish (each SMTP command times out after 60 s).
/// What a slow server leaves untried is released, to be claimed again at once.
const STARTING_MESSAGES_FOR: std::time::Duration = std::time::Duration::from_secs(120);
/// After this many attempts a temporary failure is treated as permanent.
const MAX_ATTEMPTS: i32 = 10;

/// Where emails go.
#[derive(Clone)]
pub enum Mailer {
    /// Over SMTP, on up to `connections` connections at once, kept open between steps.
    Smtp {
        pool: Arc<SmtpPool>,
        connections: usize,
        starting_messages_for: std::time::Duration,
    },
    /// Each email as an `.eml` file in this directory, for development without a mail server.
    Directory(PathBuf),
}

impl Mailer {
    /// The SMTP transport for `url`, or the directory when there is none.
    pub fn new(
        smtp_url: Option<&str>,
        connections: u32,
        mail_dir: PathBuf,
    ) -> Result<Self, String> {
        Ok(match smtp_url {
            Some(url) => Mailer::Smtp {
                pool: Arc::new(SmtpPool::new(SmtpServer::from_url(url)?)),
                connections: connections.max(1) as usize,
                starting_messages_for: STARTING_MESSAGES_FOR,
            },
            None => Mailer::Directory(mail_dir),
        })
    }

    /// The same mailer, starting no message once a step has run for `time`: for tests, which
    /// can't wait minutes.
    pub fn starting_messages_for(mut self, time: std::time::Duration) -> Self {
        if let Mailer::Smtp {
            starting_messages_for,
            ..
        } = &mut self
        {
            *starting_messages_for = time;
        }
        self
    }

    fn time_to_start_messages(&self) -> std::time::Duration {
        match self {
            Mailer::Smtp {
                starting_messages_for,
                ..
            } => *starting_messages_for,
            Mailer::Directory(_) => STARTING_MESSAGES_FOR,
        }
    }

    /// How many emails are sent at once.
    fn parallel_sends(&self) -> usize {
        match self {
            Mailer::Smtp { connections, .. } => *connections,
            Mailer::Directory(_) => 1,
        }
    }

    fn send(&self, id: i64, message: &lettre::Message) -> Result<(), SendError> {
        match self {
            Mailer::Smtp { pool, .. } => pool
                .send(message.envelope(), &message.formatted())
                .map_err(|error| {
                    if error.is_permanent() {
                        SendError::Permanent(error.to_string())
                    } else {
                        SendError::Temporary(error.to_string())
                    }
                }),
            Mailer::Directory(dir) => std::fs::create_dir_all(dir)
                .and_then(|()| {
                    std::fs::write(dir.join(format!("{id:010}.eml")), message.formatted())
                })
                .map_err(|error| {
                    SendError::Temporary(format!("writing to {}: {error}", dir.display()))
                }),
        }
    }
}

enum SendError {
    Temporary(String),
    Permanent(String),
}

/// What became of one claimed email in a step.
enum Outcome {
    Sent,
    Failed(SendError),
    /// The step ran out of time before trying it.
    Untried,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Claimed but released untried: the step ran out of time.
    pub untried: usize,
}

impl DeliveryReport {
    pub fn claimed(&self) -> usize {
        self.sent + self.retrying + self.failed + self.untried
    }
}

/// Sends what is due. Blocking: run it off the async runtime.
pub fn deliver_due(
    db: &Database,
    mailer: &Mailer,
    links: &PublicUrl,
    from: &Mailbox,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, PersistenceError> {
    let parallel = mailer.parallel_sends();
    let batch = i64::try_from(parallel * CLAIMED_PER_CONNECTION).unwrap_or(i64::MAX);
    let (started, time_to_start) = (std::time::Instant::now(), mailer.time_to_start_messages());
    let claimed = db.run_blocking(|conn| {
        signatures::claim_due(conn, batch, Duration::minutes(LEASE_MINUTES), now)
    })?;
    // SMTP is one exchange at a time per connection: several connections at once keep the
    // throughput up while each waits for its server's answers.
    let chunk = claimed.len().div_ceil(parallel).max(1);
    let outcomes: Vec<(OutgoingEmail, Outcome)> = std::thread::scope(|scope| {
        let senders: Vec<_> = claimed
            .chunks(chunk)
            .map(|emails| {
                scope.spawn(move || {
                    emails
                        .iter()
                        .map(|email| {
                            if started.elapsed() >= time_to_start {
                                return (email.clone(), Outcome::Untried);
                            }
                            let outcome = render(email, links, from, thresholds)
                                .map_err(|error| SendError::Permanent(error.to_string()))
                                .and_then(|message| mailer.send(email.id, &message));
                            (
                                email.clone(),
                                outcome.map_or_else(Outcome::Failed, |()| Outcome::Sent),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        senders
            .into_iter()
            .flat_map(|sender| sender.join().unwrap_or_default())
            .collect()
    });
    // What was sent is recorded before anything else, so that a database failure while
    // recording the failures can't leave a sent email to be claimed and sent again.
    let (mut sent, mut untried, mut unsent) = (Vec::new(), Vec::new(), Vec::new());
    for (email, outcome) in outcomes {
        match outcome {
            Outcome::Sent => {
                log_sent(&email, mailer, links);
                sent.push(email.id);
            }
            Outcome::Untried => untried.push(email.id),
            Outcome::Failed(error) => unsent.push((email, error)),
        }
    }
    db.run_blocking(|conn| signatures::mark_sent(conn, &sent, now))?;
    if !untried.is_empty() {
        tracing::warn!(
            untried = untried.len(),
            "the mail server is slow: the step ran out of time, and released what it had not tried"
        );
        db.run_blocking(|conn| signatures::release_untried(conn, &untried))?;
    }
    let mut report = DeliveryReport {
        sent: sent.len(),
        untried: untried.len(),
        ..DeliveryReport::default()
    };
    for (email, error) in unsent {
        match error {
            SendError::Temporary(error) if email.attempt < MAX_ATTEMPTS => {
                let retry_at = now + backoff(email.attempt);
                tracing::warn!(outbox_id = email.id, attempt = email.attempt, %retry_at, %error, "email not sent; will retry");
                db.run_blocking(|conn| {
                    signatures::mark_for_retry(conn, email.id, retry_at, &error)
                })?;
                report.retrying += 1;
            }
            SendError::Temporary(error) | SendError::Permanent(error) => {
                tracing::error!(outbox_id = email.id, attempt = email.attempt, %error, "email failed for good");
                db.run_blocking(|conn| signatures::mark_failed(conn, email.id, &error))?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// 30 s, 1 min, 2 min... up to an hour between attempts.
fn backoff(attempt: i32) -> Duration {
    let exponent = u32::try_from(attempt.clamp(1, 8) - 1).unwrap_or(0);
    Duration::seconds(30 * 2_i64.pow(exponent)).min(Duration::hours(1))
}

/// Without a mail server, the confirmation link goes to the log so a newcomer can follow it.
fn log_sent(email: &OutgoingEmail, mailer: &Mailer, links: &PublicUrl) {
    if let (Mailer::Directory(dir), Some(EmailKind::SignatureConfirmation)) = (mailer, email.kind) {
        let signature = &email.signature;
        tracing::info!(
            file = %dir.join(format!("{:010}.eml", email.id)).display(),
            link = %verify_link(links, signature.signature_id, &signature.confirmation_token),
            "confirmation email written"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(4), Duration::seconds(240));
        assert_eq!(backoff(9), Duration::hours(1));
        assert_eq!(backoff(100), Duration::hours(1));
    }
}
