//! Group commit: requests that arrive while a group is being stored wait and go together in
//! the next one, so a crowd costs one transaction (and one disk flush) per group rather than
//! per request. Each caller is answered only after its group commits. Signing and confirming
//! both go this way.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use crate::error::ApiError;

/// Stores a group of requests in one transaction.
pub trait GroupWork: Clone + 'static {
    type Request: Clone + Send + 'static;
    type Outcome: Send + 'static;
    /// One outcome per request, in order; an error fails the whole group. The group is shared
    /// rather than copied, so it is still there to retry request by request.
    fn store(
        &self,
        group: Arc<[Self::Request]>,
    ) -> impl Future<Output = Result<Vec<Self::Outcome>, ApiError>>;
}

struct Job<W: GroupWork> {
    request: W::Request,
    reply: oneshot::Sender<Result<W::Outcome, ApiError>>,
}

/// A queue whose writers store what waits in it, up to `max_group` requests at a time and
/// `writers` groups at once, each on its own connection. The writers start with the first
/// request, on the runtime that sent it.
#[derive(Clone)]
pub struct GroupCommit<W: GroupWork> {
    sender: mpsc::Sender<Job<W>>,
    idle: Arc<Mutex<Option<mpsc::Receiver<Job<W>>>>>,
    work: W,
    max_group: usize,
    writers: usize,
}

impl<W: GroupWork> GroupCommit<W> {
    pub fn new(work: W, max_group: usize, writers: usize) -> Self {
        let (sender, receiver) = mpsc::channel(max_group * writers * 4);
        Self {
            sender,
            idle: Arc::new(Mutex::new(Some(receiver))),
            work,
            max_group,
            writers,
        }
    }

    /// Stores the request with others and answers once it is committed.
    pub async fn submit(&self, request: W::Request) -> Result<W::Outcome, ApiError> {
        self.start_writers();
        let stopped = || ApiError::Internal("the group commit queue has stopped".into());
        let (reply, answer) = oneshot::channel();
        let job = Job { request, reply };
        self.sender.send(job).await.map_err(|_| stopped())?;
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }

    fn start_writers(&self) {
        let Some(receiver) = self.idle.lock().ok().and_then(|mut idle| idle.take()) else {
            return;
        };
        let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
        for _ in 0..self.writers {
            actix_web::rt::spawn(self.clone().write_groups(receiver.clone()));
        }
    }

    async fn write_groups(self, jobs: Arc<tokio::sync::Mutex<mpsc::Receiver<Job<W>>>>) {
        loop {
            let mut group = Vec::with_capacity(self.max_group);
            {
                let mut jobs = jobs.lock().await;
                if jobs.recv_many(&mut group, self.max_group).await == 0 {
                    return;
                }
            }
            self.store(group).await;
        }
    }

    async fn store(&self, group: Vec<Job<W>>) {
        let (requests, replies): (Vec<W::Request>, Vec<_>) = group
            .into_iter()
            .map(|job| (job.request, job.reply))
            .unzip();
        let requests: Arc<[W::Request]> = requests.into();
        if let Ok(outcomes) = self.work.store(requests.clone()).await {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
            return;
        }
        // Something failed: each alone, so one request's fault never fails the others and
        // each gets its own answer.
        for (reply, request) in replies.into_iter().zip(requests.iter()) {
            let alone =
                self.work
                    .store(Arc::new([request.clone()]))
                    .await
                    .and_then(|mut outcomes| {
                        outcomes.pop().ok_or_else(|| {
                            ApiError::Internal("a group of one had no outcome".into())
                        })
                    });
            let _ = reply.send(alone);
        }
    }
}
