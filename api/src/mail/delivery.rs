//! The delivery worker's one step: claim due outbox rows, send each, record the result.
//! Temporary failures are retried with exponential backoff; permanent ones are recorded and
//! never retried; a sent row is never sent again.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use domain::Thresholds;
use lettre::message::Mailbox;
use persistence::signatures::{self, EmailKind, OutgoingEmail};
use persistence::{Database, PersistenceError};

use super::render::{render, sponsor_link, verify_link};
use super::smtp::{timed_out, SmtpPool, SmtpServer};
use crate::links::PublicUrl;

/// Emails claimed per step, for each connection. Their being sent is recorded together at
/// the end of the step, so a crash mid-step can send at most a step's worth twice (see the
/// README).
const CLAIMED_PER_CONNECTION: usize = 16;
/// How long a claim holds: longer than any step takes, short enough to recover from a crash.
const LEASE_MINUTES: i64 = 5;
/// After this many attempts a temporary failure is treated as permanent.
const MAX_ATTEMPTS: i32 = 10;

/// How long a step may go on, from its start. Its claim must not lapse while it sends, or
/// another process would claim and send the same emails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepTimes {
    /// No message is started after this. What a slow server leaves untried is released, to
    /// be claimed again at once.
    pub start_messages_for: std::time::Duration,
    /// A message still going then is given up as timed out, to be retried later.
    pub finish_messages_within: std::time::Duration,
}

impl StepTimes {
    /// Two minutes to start messages and four to finish them, leaving a minute of the
    /// five-minute lease to record what became of each.
    const WITHIN_THE_LEASE: Self = Self {
        start_messages_for: std::time::Duration::from_secs(120),
        finish_messages_within: std::time::Duration::from_secs(240),
    };
}

/// Where emails go.
#[derive(Clone)]
pub enum Mailer {
    /// Over SMTP, on up to `connections` connections at once, kept open between steps.
    Smtp {
        pool: Arc<SmtpPool>,
        connections: usize,
        times: StepTimes,
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
                times: StepTimes::WITHIN_THE_LEASE,
            },
            None => Mailer::Directory(mail_dir),
        })
    }

    /// The same mailer, its steps timed by `step_times`: for tests, which can't wait minutes.
    pub fn with_step_times(mut self, step_times: StepTimes) -> Self {
        if let Mailer::Smtp { times, .. } = &mut self {
            *times = step_times;
        }
        self
    }

    fn step_times(&self) -> StepTimes {
        match self {
            Mailer::Smtp { times, .. } => *times,
            Mailer::Directory(_) => StepTimes::WITHIN_THE_LEASE,
        }
    }

    /// How many emails are sent at once.
    fn parallel_sends(&self) -> usize {
        match self {
            Mailer::Smtp { connections, .. } => *connections,
            Mailer::Directory(_) => 1,
        }
    }

    fn send(
        &self,
        id: i64,
        message: &lettre::Message,
        finish_by: Instant,
    ) -> Result<(), SendError> {
        match self {
            Mailer::Smtp { pool, .. } => pool
                .send(message.envelope(), &message.formatted(), finish_by)
                .map_err(|error| {
                    if error.is_permanent() {
                        SendError::Permanent(error.to_string())
                    } else if timed_out(&error) {
                        SendError::Temporary(format!("no answer in time: {error}"))
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
    // Timed from before the claim, so that the claim outlasts the step.
    let (started, times) = (Instant::now(), mailer.step_times());
    let start_by = started + times.start_messages_for;
    let finish_by = started + times.finish_messages_within;
    let claimed = db.run_blocking(|conn| {
        signatures::claim_due(conn, batch, Duration::minutes(LEASE_MINUTES), now)
    })?;
    let outcomes = try_in_parallel(&claimed, parallel, start_by, |email| {
        let message = render(email, links, from, thresholds)
            .map_err(|error| SendError::Permanent(error.to_string()))?;
        mailer.send(email.id, &message, finish_by)
    });
    // What was sent is recorded before anything else, so that a database failure while
    // recording the failures can't leave a sent email to be claimed and sent again.
    let (mut sent, mut untried, mut unsent) = (Vec::new(), Vec::new(), Vec::new());
    for (email, outcome) in claimed.into_iter().zip(outcomes) {
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

/// Tries each item on up to `parallel` threads, and says what became of each, in order.
/// SMTP is one exchange at a time per connection: several connections at once keep the
/// throughput up while each waits for its server's answers. A panic trying one item fails
/// that item for good, and for it alone: retried, it might be sent twice (it may have
/// panicked after the server took it), and its thread's other outcomes must still be
/// recorded, or what they sent would be sent again.
fn try_in_parallel<T: Sync>(
    items: &[T],
    parallel: usize,
    start_by: Instant,
    try_one: impl Fn(&T) -> Result<(), SendError> + Sync,
) -> Vec<Outcome> {
    let try_one = &try_one;
    let chunk = items.len().div_ceil(parallel.max(1)).max(1);
    std::thread::scope(|scope| {
        let senders: Vec<_> = items
            .chunks(chunk)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|item| {
                            if Instant::now() >= start_by {
                                return Outcome::Untried;
                            }
                            match std::panic::catch_unwind(AssertUnwindSafe(|| try_one(item))) {
                                Ok(Ok(())) => Outcome::Sent,
                                Ok(Err(error)) => Outcome::Failed(error),
                                Err(panic) => Outcome::Failed(SendError::Permanent(format!(
                                    "sending panicked: {}",
                                    panic_message(panic.as_ref())
                                ))),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        senders
            .into_iter()
            .zip(items.chunks(chunk))
            .flat_map(|(sender, chunk)| {
                // Nothing outside `try_one` panics. Were it to, what the thread did is
                // unknown, and its items are released to be tried again.
                sender
                    .join()
                    .unwrap_or_else(|_| chunk.iter().map(|_| Outcome::Untried).collect())
            })
            .collect()
    })
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

/// 30 s, 1 min, 2 min... up to an hour between attempts.
fn backoff(attempt: i32) -> Duration {
    let exponent = u32::try_from(attempt.clamp(1, 8) - 1).unwrap_or(0);
    Duration::seconds(30 * 2_i64.pow(exponent)).min(Duration::hours(1))
}

/// Without a mail server, the links a newcomer must follow by hand go to the log.
fn log_sent(email: &OutgoingEmail, mailer: &Mailer, links: &PublicUrl) {
    let Mailer::Directory(dir) = mailer else {
        return;
    };
    let Some(to_follow) = links_to_follow_by_hand(email, links) else {
        return;
    };
    let file = dir.join(format!("{:010}.eml", email.id));
    match to_follow.supporter_link {
        None => tracing::info!(
            file = %file.display(),
            link = %to_follow.confirmation_link,
            "confirmation email written"
        ),
        Some(supporter_link) => tracing::info!(
            file = %file.display(),
            link = %to_follow.confirmation_link,
            supporter_link = %supporter_link,
            "petition confirmation email written: confirm, then share the supporter link"
        ),
    }
}

#[derive(Debug, PartialEq)]
struct LinksToFollow {
    confirmation_link: String,
    /// Only in a creator's email: where would-be supporters POST their details.
    supporter_link: Option<String>,
}

/// The links in `email` that someone trying the service without a mail server needs: a
/// signer's confirmation link, or a creator's confirmation and supporter links.
fn links_to_follow_by_hand(email: &OutgoingEmail, links: &PublicUrl) -> Option<LinksToFollow> {
    let signature = &email.signature;
    let supporter_link = match email.kind? {
        EmailKind::SignatureConfirmation => None,
        EmailKind::PetitionConfirmation => Some(sponsor_link(
            links,
            signature.petition_id,
            signature.sponsor_token.as_deref()?,
        )),
        _ => return None,
    };
    Some(LinksToFollow {
        confirmation_link: verify_link(
            links,
            signature.signature_id,
            &signature.confirmation_token,
        ),
        supporter_link,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email_of(kind: Option<EmailKind>, sponsor_token: Option<&str>) -> OutgoingEmail {
        OutgoingEmail {
            id: 7,
            kind,
            attempt: 1,
            signature: signatures::SignatureMail {
                signature_id: 12,
                name: "Ada Lovelace".to_owned(),
                email: "ada@example.com".to_owned(),
                confirmation_token: "c0ffee".to_owned(),
                unsubscribe_token: "u".to_owned(),
                petition_id: 34,
                petition_action: "Plant trees".to_owned(),
                sponsor_token: sponsor_token.map(str::to_owned),
                creator: sponsor_token.is_some(),
                rejection: None,
            },
            about_name: None,
            mailing: None,
        }
    }

    #[test]
    fn the_log_gives_a_signer_their_link_and_a_creator_both_of_theirs() {
        let links = PublicUrl::new("https://petitions.test");
        let signer = email_of(Some(EmailKind::SignatureConfirmation), None);
        assert_eq!(
            links_to_follow_by_hand(&signer, &links),
            Some(LinksToFollow {
                confirmation_link: "https://petitions.test/signatures/12/verify?token=c0ffee"
                    .to_owned(),
                supporter_link: None,
            })
        );
        let creator = email_of(Some(EmailKind::PetitionConfirmation), Some("5p0n5"));
        assert_eq!(
            links_to_follow_by_hand(&creator, &links),
            Some(LinksToFollow {
                confirmation_link: "https://petitions.test/signatures/12/verify?token=c0ffee"
                    .to_owned(),
                supporter_link: Some(
                    "https://petitions.test/petitions/34/sponsors?token=5p0n5".to_owned()
                ),
            })
        );
        for nothing_to_follow in [
            email_of(Some(EmailKind::AlreadySigned), None),
            email_of(Some(EmailKind::PetitionPublished), Some("5p0n5")),
            email_of(None, None),
        ] {
            assert_eq!(links_to_follow_by_hand(&nothing_to_follow, &links), None);
        }
    }

    fn outcomes_of(parallel: usize, start_by: Instant) -> Vec<String> {
        let items = [1, 2, 3, 4, 5];
        let outcomes = try_in_parallel(&items, parallel, start_by, |&item| match item {
            2 => panic!("a bug about item {item}"),
            4 => Err(SendError::Temporary("busy".to_owned())),
            _ => Ok(()),
        });
        outcomes
            .into_iter()
            .map(|outcome| match outcome {
                Outcome::Sent => "sent".to_owned(),
                Outcome::Untried => "untried".to_owned(),
                Outcome::Failed(SendError::Temporary(error)) => format!("temporary: {error}"),
                Outcome::Failed(SendError::Permanent(error)) => format!("permanent: {error}"),
            })
            .collect()
    }

    #[test]
    fn a_panic_fails_its_own_email_for_good_and_keeps_what_the_others_did() {
        let expected = [
            "sent",
            "permanent: sending panicked: a bug about item 2",
            "sent",
            "temporary: busy",
            "sent",
        ];
        for parallel in [1, 2, 5, 8] {
            assert_eq!(
                outcomes_of(
                    parallel,
                    Instant::now() + std::time::Duration::from_secs(3600)
                ),
                expected,
                "{parallel} at once"
            );
        }
    }

    #[test]
    fn nothing_is_tried_once_the_time_to_start_messages_is_up() {
        assert_eq!(outcomes_of(2, Instant::now()), ["untried"; 5]);
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(4), Duration::seconds(240));
        assert_eq!(backoff(9), Duration::hours(1));
        assert_eq!(backoff(100), Duration::hours(1));
    }
}
