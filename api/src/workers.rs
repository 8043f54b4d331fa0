//! The service's background work, in every process: counting confirmed signatures, queueing
//! mailings to signers, running invalidations, sending email, closing petitions at their
//! deadline or at dissolution, anonymising signers, and reconciling counts. Each step is
//! safe to run in several processes at once.

use std::time::Duration;

use chrono::Utc;
use domain::deadline::london_date;
use domain::Thresholds;
use lettre::message::Mailbox;
use persistence::anonymisation::anonymise_next_batch;
use persistence::invalidations::run_next_batch;
use persistence::mailings::queue_next_batch;
use persistence::parliaments::{dissolve_if_due, DissolutionDone};
use persistence::petitions::{close_past_deadline, mark_debates_held};
use persistence::settings::extend_paused_deadlines;
use persistence::signatures::{count_confirmed, reconcile_all};
use persistence::{Database, DbConnection, PersistenceError};

use crate::error::error_chain;
use crate::links::PublicUrl;
use crate::mail::{deliver_due, Mailer};
use crate::settings::SettingsCache;

/// Signatures per counting transaction.
pub const COUNT_BATCH: i64 = 5_000;
/// A confirmed signature shows in `count.json` within about this long.
const COUNT_EVERY: Duration = Duration::from_millis(250);
const DELIVER_EVERY: Duration = Duration::from_millis(500);
/// Signers queued per mailing transaction: short, so signing never waits long behind one.
pub const MAILING_BATCH: i64 = 1_000;
const QUEUE_MAILINGS_EVERY: Duration = Duration::from_secs(1);
/// Signatures looked at per invalidation transaction.
pub const INVALIDATION_BATCH: i64 = 1_000;
const INVALIDATE_EVERY: Duration = Duration::from_secs(1);
/// Signatures wiped per anonymising transaction.
pub const ANONYMISE_BATCH: i64 = 1_000;
/// Closing is computed from the clock on every read; the stored state only has to catch up.
const TIME_DRIVEN_EVERY: Duration = Duration::from_secs(60);
/// A breath between mailing and invalidation batches, for the signing transactions waiting
/// on the database.
const BETWEEN_MAILING_BATCHES: Duration = Duration::from_millis(20);

#[derive(Clone)]
pub struct Workers {
    pub db: Database,
    pub mailer: Mailer,
    pub mail_from: Mailbox,
    pub public_url: PublicUrl,
    pub settings: SettingsCache,
    pub reconcile_every: Duration,
}

impl Workers {
    /// Starts every loop on the current runtime; they stop when it does.
    pub fn spawn(self) {
        actix_web::rt::spawn(self.clone().count_forever());
        actix_web::rt::spawn(self.clone().deliver_forever());
        actix_web::rt::spawn(self.clone().queue_mailings_forever());
        actix_web::rt::spawn(self.clone().time_driven_forever());
        actix_web::rt::spawn(self.clone().invalidate_forever());
        actix_web::rt::spawn(self.reconcile_forever());
    }

    /// Counts until the queue is drained, then returns how many it counted.
    pub async fn count_all(&self) -> usize {
        let mut counted = 0;
        loop {
            let counted_batch = self
                .with_thresholds(|conn, thresholds| {
                    count_confirmed(conn, COUNT_BATCH, thresholds, Utc::now())
                })
                .await;
            match counted_batch {
                Ok(report) => {
                    counted += report.signatures;
                    if i64::try_from(report.signatures).unwrap_or(0) < COUNT_BATCH {
                        return counted;
                    }
                }
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "counting failed; will retry");
                    return counted;
                }
            }
        }
    }

    async fn thresholds(&self) -> Result<Thresholds, PersistenceError> {
        Ok(self.settings.get(&self.db).await?.thresholds)
    }

    /// Runs `work` off the async runtime with the thresholds in force now.
    async fn with_thresholds<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut DbConnection, &Thresholds) -> Result<R, PersistenceError>
            + Send
            + 'static,
    ) -> Result<R, PersistenceError> {
        let thresholds = self.thresholds().await?;
        self.db.run(move |conn| work(conn, &thresholds)).await
    }

    /// Sends every email that is due, then returns how many it handled.
    pub async fn deliver_all(&self) -> usize {
        let mut handled = 0;
        loop {
            let this = self.clone();
            let thresholds = match self.thresholds().await {
                Ok(thresholds) => thresholds,
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "email delivery could not read the thresholds; will retry");
                    return handled;
                }
            };
            let step = actix_web::rt::task::spawn_blocking(move || {
                deliver_due(
                    &this.db,
                    &this.mailer,
                    &this.public_url,
                    &this.mail_from,
                    &thresholds,
                    Utc::now(),
                )
            })
            .await;
            match step {
                Ok(Ok(report)) if report.claimed() > 0 => handled += report.claimed(),
                Ok(Ok(_)) => return handled,
                Ok(Err(error)) => {
                    tracing::error!(error = %error_chain(&error), "email delivery failed; will retry");
                    return handled;
                }
                Err(error) => {
                    tracing::error!(%error, "email delivery task failed; will retry");
                    return handled;
                }
            }
        }
    }

    /// Queues the signers of every unfinished mailing, a batch at a time, then returns how
    /// many it queued.
    pub async fn queue_mailings(&self) -> usize {
        let mut queued = 0;
        loop {
            match self
                .db
                .run(|conn| queue_next_batch(conn, MAILING_BATCH, Utc::now()))
                .await
            {
                Ok(0) => return queued,
                Ok(batch) => queued += batch,
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "queueing a mailing failed; will retry");
                    return queued;
                }
            }
            tokio::time::sleep(BETWEEN_MAILING_BATCHES).await;
        }
    }

    /// Runs the started invalidations a batch at a time, then returns how many signatures it
    /// struck out.
    pub async fn run_invalidations(&self) -> usize {
        let mut struck = 0;
        loop {
            let step = self
                .with_thresholds(|conn, thresholds| {
                    run_next_batch(conn, INVALIDATION_BATCH, thresholds, Utc::now())
                })
                .await;
            match step {
                Ok(None) => return struck,
                Ok(Some(batch)) => struck += batch,
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "an invalidation failed; will retry");
                    return struck;
                }
            }
            tokio::time::sleep(BETWEEN_MAILING_BATCHES).await;
        }
    }

    async fn invalidate_forever(self) {
        let mut tick = tokio::time::interval(INVALIDATE_EVERY);
        loop {
            tick.tick().await;
            self.run_invalidations().await;
        }
    }

    async fn queue_mailings_forever(self) {
        let mut tick = tokio::time::interval(QUEUE_MAILINGS_EVERY);
        loop {
            tick.tick().await;
            self.queue_mailings().await;
        }
    }

    /// Extends deadlines for each midnight spent paused, closes petitions past their deadline,
    /// carries out a dissolution that has come, marks debates held once their day has passed,
    /// and anonymises signers whose time is up.
    pub async fn run_time_driven(&self) {
        let now = Utc::now();
        let done = self
            .db
            .run(move |conn| {
                // Extended first, so a petition given more days by a pause is not closed.
                let extended = extend_paused_deadlines(conn, now)?;
                if extended > 0 {
                    tracing::info!(extended, "deadlines extended for the days spent paused");
                }
                let closed = close_past_deadline(conn, now)?;
                let dissolved = dissolve_if_due(conn, now)?;
                if dissolved != DissolutionDone::default() {
                    tracing::info!(?dissolved, "Parliament has dissolved");
                }
                let debated = mark_debates_held(conn, london_date(now), now)?;
                Ok((closed, debated))
            })
            .await;
        match done {
            Ok((0, 0)) => {}
            Ok((closed, debated)) => tracing::info!(closed, debated, "time-driven work done"),
            Err(error) => {
                tracing::error!(error = %error_chain(&error), "time-driven work failed; will retry")
            }
        }
        self.anonymise_all().await;
    }

    /// Wipes the personal details of signers of petitions that stopped collecting six
    /// months ago, a batch at a time, then returns how many signatures it wiped.
    pub async fn anonymise_all(&self) -> usize {
        let mut wiped = 0;
        loop {
            let now = Utc::now();
            match self
                .db
                .run(move |conn| anonymise_next_batch(conn, ANONYMISE_BATCH, now))
                .await
            {
                Ok(None) => return wiped,
                Ok(Some(batch)) => wiped += batch,
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "anonymising failed; will retry");
                    return wiped;
                }
            }
            tokio::time::sleep(BETWEEN_MAILING_BATCHES).await;
        }
    }

    async fn time_driven_forever(self) {
        let mut tick = tokio::time::interval(TIME_DRIVEN_EVERY);
        loop {
            tick.tick().await;
            self.run_time_driven().await;
        }
    }

    async fn count_forever(self) {
        let mut tick = tokio::time::interval(COUNT_EVERY);
        loop {
            tick.tick().await;
            self.count_all().await;
        }
    }

    async fn deliver_forever(self) {
        let mut tick = tokio::time::interval(DELIVER_EVERY);
        loop {
            tick.tick().await;
            self.deliver_all().await;
        }
    }

    async fn reconcile_forever(self) {
        let mut tick = tokio::time::interval(self.reconcile_every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let reconciled = self
                .with_thresholds(|conn, thresholds| reconcile_all(conn, thresholds, Utc::now()))
                .await;
            match reconciled {
                Ok(repairs) => tracing::info!(repairs = repairs.len(), "reconciled the counts"),
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "reconciliation failed")
                }
            }
        }
    }
}
