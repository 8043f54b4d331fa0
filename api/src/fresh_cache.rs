//! Reads kept by each process for a short while. On a viral day many thousands of people
//! refresh one petition's count; the counter changes it only every 250 ms, so reading it
//! from the database for each of them buys nothing. The signing policy is kept the same way.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Past this many keys kept, stale ones are dropped, so asking for many petition ids can't
/// make the cache grow without bound.
const MAX_ENTRIES: usize = 10_000;

/// Values by key (a petition id, say), each reused for `fresh_for` after it was read.
pub struct FreshCache<K, V> {
    fresh_for: Duration,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Hash + Eq, V: Clone> FreshCache<K, V> {
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            fresh_for,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value read for `key` less than `fresh_for` ago, or a new one from `load`. Errors
    /// are not kept.
    pub async fn get_or_load<E, Load>(&self, key: K, load: impl FnOnce() -> Load) -> Result<V, E>
    where
        Load: Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.fresh(&key) {
            return Ok(value);
        }
        let value = load().await?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                let fresh_for = self.fresh_for;
                entries.retain(|_, (read_at, _)| read_at.elapsed() < fresh_for);
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(key, (Instant::now(), value.clone()));
        }
        Ok(value)
    }

    /// Drops what is kept for `key`, so the next read loads it afresh.
    pub fn forget(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    fn fresh(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let (read_at, value) = entries.get(key)?;
        (read_at.elapsed() < self.fresh_for).then(|| value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    async fn read(cache: &FreshCache<i64, u32>, id: i64, loads: &Cell<u32>) -> Result<u32, ()> {
        cache
            .get_or_load(id, || async {
                loads.set(loads.get() + 1);
                Ok(loads.get())
            })
            .await
    }

    #[actix_web::test]
    async fn reuses_a_value_while_fresh_then_reads_again() {
        let cache = FreshCache::new(Duration::from_millis(50));
        let loads = Cell::new(0);
        assert_eq!(read(&cache, 1, &loads).await, Ok(1));
        assert_eq!(read(&cache, 1, &loads).await, Ok(1));
        assert_eq!(
            read(&cache, 2, &loads).await,
            Ok(2),
            "each id is kept apart"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(read(&cache, 1, &loads).await, Ok(3));
    }

    #[actix_web::test]
    async fn keeps_no_errors() {
        let cache: FreshCache<i64, u32> = FreshCache::new(Duration::from_secs(60));
        let failed: Result<u32, &str> = cache.get_or_load(1, || async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        let loaded: Result<u32, &str> = cache.get_or_load(1, || async { Ok(7) }).await;
        assert_eq!(loaded, Ok(7));
    }

    #[actix_web::test]
    async fn stays_bounded() {
        let cache = FreshCache::new(Duration::from_secs(60));
        let loads = Cell::new(0);
        for id in 0..(MAX_ENTRIES as i64 + 5) {
            read(&cache, id, &loads).await.unwrap();
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
