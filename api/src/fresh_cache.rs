//! Reads kept by each process for a short while. On a viral day many thousands of people
//! refresh one petition's count; the counter changes it only every 250 ms, so reading it
//! from the database for each of them buys nothing. When a value expires, the crowd is
//! still answered with it while one of them reads the next (stale-while-revalidate): a read
//! never queues for the database behind the writers. The signing policy and the site
//! settings are kept the same way.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Past this many keys kept, stale ones are dropped, so asking for many petition ids can't
/// make the cache grow without bound.
const MAX_ENTRIES: usize = 10_000;

struct Entry<V> {
    read_at: Instant,
    value: V,
    /// A read of a newer value is under way.
    refreshing: bool,
}

/// What is kept for a key, as of now.
enum Kept<V> {
    Fresh(V),
    /// Past `fresh_for` but not `2 × fresh_for`: still answered with, while one read of a
    /// newer value runs in the background. `refresh` says whether this caller starts it.
    Stale {
        value: V,
        refresh: bool,
    },
    Missing,
}

/// Values by key (a petition id, say), each reused for `fresh_for` after it was read.
pub struct FreshCache<K, V> {
    fresh_for: Duration,
    entries: Mutex<HashMap<K, Entry<V>>>,
}

impl<K, V> FreshCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            fresh_for,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value read for `key` less than `fresh_for` ago, or a new one from `load`. For a
    /// while after that, the old value is still answered with while one caller's `load`
    /// runs in the background: a crowd refreshing a page never queues for the database each
    /// time its value expires. Errors are not kept.
    pub async fn get_or_load<E, Load>(
        self: &Arc<Self>,
        key: K,
        load: impl FnOnce() -> Load,
    ) -> Result<V, E>
    where
        Load: Future<Output = Result<V, E>> + Send + 'static,
    {
        match self.kept(&key) {
            Kept::Fresh(value) => return Ok(value),
            Kept::Stale { value, refresh } => {
                if !refresh {
                    return Ok(value);
                }
                // Without a runtime to run it on (a command, say), the caller reads it itself.
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let (cache, loading) = (Arc::clone(self), load());
                    runtime.spawn(async move {
                        match loading.await {
                            Ok(value) => cache.refreshed(key, value),
                            Err(_) => cache.refresh_failed(&key),
                        }
                    });
                    return Ok(value);
                }
            }
            Kept::Missing => {}
        }
        let value = match load().await {
            Ok(value) => value,
            Err(error) => {
                self.refresh_failed(&key);
                return Err(error);
            }
        };
        self.keep(key, value.clone());
        Ok(value)
    }

    /// Drops what is kept for `key`, so the next read loads it afresh.
    pub fn forget(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    fn kept(&self, key: &K) -> Kept<V> {
        let Ok(mut entries) = self.entries.lock() else {
            return Kept::Missing;
        };
        let Some(entry) = entries.get_mut(key) else {
            return Kept::Missing;
        };
        let age = entry.read_at.elapsed();
        if age < self.fresh_for {
            Kept::Fresh(entry.value.clone())
        } else if age < self.fresh_for * 2 {
            let refresh = !entry.refreshing;
            entry.refreshing = true;
            Kept::Stale {
                value: entry.value.clone(),
                refresh,
            }
        } else {
            Kept::Missing
        }
    }

    fn keep(&self, key: K, value: V) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES {
            let fresh_for = self.fresh_for;
            entries.retain(|_, entry| entry.read_at.elapsed() < fresh_for);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        let entry = Entry {
            read_at: Instant::now(),
            value,
            refreshing: false,
        };
        entries.insert(key, entry);
    }

    /// Keeps what a background refresh read, unless the entry was forgotten meanwhile: the
    /// value may have been read before the change that made someone forget it.
    fn refreshed(&self, key: K, value: V) {
        let still_wanted = self
            .entries
            .lock()
            .is_ok_and(|entries| entries.get(&key).is_some_and(|entry| entry.refreshing));
        if still_wanted {
            self.keep(key, value);
        }
    }

    /// The next caller to find the value stale tries again.
    fn refresh_failed(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            if let Some(entry) = entries.get_mut(key) {
                entry.refreshing = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Each load answers with how many loads there have been.
    async fn read(cache: &Arc<FreshCache<i64, u32>>, id: i64, loads: &Arc<AtomicU32>) -> u32 {
        let loads = Arc::clone(loads);
        let load = || async move { Ok::<_, ()>(loads.fetch_add(1, Ordering::SeqCst) + 1) };
        cache.get_or_load(id, load).await.unwrap()
    }

    /// Lets a refresh started in the background finish.
    async fn settle() {
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }

    #[actix_web::test]
    async fn reuses_a_value_while_fresh() {
        let cache = Arc::new(FreshCache::new(Duration::from_secs(60)));
        let loads = Arc::new(AtomicU32::new(0));
        assert_eq!(read(&cache, 1, &loads).await, 1);
        assert_eq!(read(&cache, 1, &loads).await, 1);
        assert_eq!(read(&cache, 2, &loads).await, 2, "each id is kept apart");
    }

    #[actix_web::test]
    async fn a_stale_value_is_answered_while_one_refresh_runs() {
        let cache = Arc::new(FreshCache::new(Duration::from_millis(300)));
        let loads = Arc::new(AtomicU32::new(0));
        assert_eq!(read(&cache, 1, &loads).await, 1);
        std::thread::sleep(Duration::from_millis(350));
        assert_eq!(read(&cache, 1, &loads).await, 1, "the stale value, at once");
        assert_eq!(
            read(&cache, 1, &loads).await,
            1,
            "still, the refresh has not run"
        );
        settle().await;
        assert_eq!(loads.load(Ordering::SeqCst), 2, "one refresh for both");
        assert_eq!(read(&cache, 1, &loads).await, 2, "the refreshed value");
    }

    #[actix_web::test]
    async fn a_value_too_old_is_read_afresh_before_answering() {
        let cache = Arc::new(FreshCache::new(Duration::from_millis(50)));
        let loads = Arc::new(AtomicU32::new(0));
        assert_eq!(read(&cache, 1, &loads).await, 1);
        std::thread::sleep(Duration::from_millis(110));
        assert_eq!(read(&cache, 1, &loads).await, 2);
    }

    #[actix_web::test]
    async fn keeps_no_errors_and_a_failed_refresh_is_tried_again() {
        let cache: Arc<FreshCache<i64, u32>> =
            Arc::new(FreshCache::new(Duration::from_millis(300)));
        let failed = cache.get_or_load(1, || async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        let loaded: Result<u32, &str> = cache.get_or_load(1, || async { Ok(7) }).await;
        assert_eq!(loaded, Ok(7));
        std::thread::sleep(Duration::from_millis(350));
        let stale: Result<u32, &str> = cache.get_or_load(1, || async { Err("down") }).await;
        assert_eq!(stale, Ok(7), "the stale value while the refresh fails");
        settle().await;
        let retried: Result<u32, &str> = cache.get_or_load(1, || async { Ok(8) }).await;
        assert_eq!(retried, Ok(7), "stale again, and this caller refreshes");
        settle().await;
        let refreshed: Result<u32, &str> = cache.get_or_load(1, || async { Ok(9) }).await;
        assert_eq!(refreshed, Ok(8));
    }

    #[actix_web::test]
    async fn forgetting_reads_afresh() {
        let cache = Arc::new(FreshCache::new(Duration::from_secs(60)));
        let loads = Arc::new(AtomicU32::new(0));
        assert_eq!(read(&cache, 1, &loads).await, 1);
        cache.forget(&1);
        assert_eq!(read(&cache, 1, &loads).await, 2);
    }

    #[actix_web::test]
    async fn a_refresh_under_way_does_not_bring_back_a_forgotten_value() {
        let cache = Arc::new(FreshCache::new(Duration::from_millis(300)));
        let loads = Arc::new(AtomicU32::new(0));
        assert_eq!(read(&cache, 1, &loads).await, 1);
        std::thread::sleep(Duration::from_millis(350));
        assert_eq!(read(&cache, 1, &loads).await, 1, "stale; a refresh starts");
        cache.forget(&1);
        settle().await;
        assert_eq!(loads.load(Ordering::SeqCst), 2, "the refresh ran");
        assert_eq!(
            read(&cache, 1, &loads).await,
            3,
            "read afresh, not the refresh's"
        );
    }

    #[actix_web::test]
    async fn stays_bounded() {
        let cache = Arc::new(FreshCache::new(Duration::from_secs(60)));
        let loads = Arc::new(AtomicU32::new(0));
        for id in 0..(MAX_ENTRIES as i64 + 5) {
            read(&cache, id, &loads).await;
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
