//! The stream's shard map, for aggregation: which open shard each partition key hashes to
//! (ListShards), so that an aggregated record holds only user records of one shard, as the
//! KPL does.
//!
//! The map is fetched before the first aggregated batch and again after Kinesis stores a
//! record in a shard other than the one predicted (the stream was resharded: a split, a
//! merge, or an on-demand stream scaling itself). Records already stored in the wrong shard
//! stay there (the KPL would resend them, which stores them twice); see
//! docs/kinesis-aggregation.md for the ordering this leaves.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::backoff::Jitter;
use super::config::{RetryPolicy, StreamTarget};
use super::transport::{Transport, TransportError};
use super::worker::Counters;

/// One open shard: its id and its hash key range (both ends included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    /// The shard id (`shardId-000000000000`).
    pub id: String,
    /// The lowest hash key of the shard.
    pub starting_hash_key: u128,
    /// The highest hash key of the shard.
    pub ending_hash_key: u128,
}

/// The open shards of a stream, by hash key.
#[derive(Debug)]
pub(crate) struct ShardMap {
    /// Sorted by `starting_hash_key`.
    shards: Vec<Shard>,
}

impl ShardMap {
    pub(crate) fn new(mut shards: Vec<Shard>) -> Result<Self, TransportError> {
        if shards.is_empty() {
            return Err(TransportError {
                code: None,
                message: "ListShards listed no open shard".into(),
                retryable: true,
            });
        }
        shards.sort_by_key(|s| s.starting_hash_key);
        Ok(ShardMap { shards })
    }

    /// The number of shards; [`shard_of`](Self::shard_of) answers below it.
    pub(crate) fn len(&self) -> usize {
        self.shards.len()
    }

    /// The index of the shard `hash_key` belongs to (`None` in a gap, which an open stream
    /// does not have).
    pub(crate) fn shard_of(&self, hash_key: u128) -> Option<usize> {
        let after = self
            .shards
            .partition_point(|s| s.starting_hash_key <= hash_key);
        let i = after.checked_sub(1)?;
        (hash_key <= self.shards[i].ending_hash_key).then_some(i)
    }

    /// The id of shard `index`.
    pub(crate) fn id(&self, index: usize) -> Option<&str> {
        self.shards.get(index).map(|s| s.id.as_str())
    }
}

/// The current shard map, shared by the batch tasks of one producer: fetched once, fetched
/// again after [`invalidate`](Self::invalidate).
#[derive(Debug, Default)]
pub(crate) struct Router {
    map: tokio::sync::Mutex<Option<Arc<ShardMap>>>,
}

impl Router {
    /// The map, listing the shards first when there is none (retried like a PutRecords
    /// call: retryable errors up to `policy.max_attempts` calls).
    pub(crate) async fn current(
        &self,
        transport: &dyn Transport,
        stream: &StreamTarget,
        policy: &RetryPolicy,
        counters: &Counters,
    ) -> Result<Arc<ShardMap>, TransportError> {
        // Held while listing, so that concurrent batches wait for one ListShards call.
        let mut map = self.map.lock().await;
        if let Some(m) = &*map {
            return Ok(Arc::clone(m));
        }
        let mut jitter: Option<Jitter> = None;
        let mut attempt = 1;
        let fresh = loop {
            counters.list_shards_calls.fetch_add(1, Ordering::Relaxed);
            match transport.list_shards(stream).await.and_then(ShardMap::new) {
                Ok(m) => break Arc::new(m),
                Err(e) if e.retryable && attempt < policy.max_attempts => {
                    let wait = jitter
                        .get_or_insert_with(Jitter::new)
                        .backoff(policy, attempt);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };
        *map = Some(Arc::clone(&fresh));
        Ok(fresh)
    }

    /// Drops `stale` so that the next batch lists the shards again (unless another batch
    /// already replaced it).
    pub(crate) async fn invalidate(&self, stale: &Arc<ShardMap>) {
        let mut map = self.map.lock().await;
        if map.as_ref().is_some_and(|m| Arc::ptr_eq(m, stale)) {
            *map = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: &str, start: u128, end: u128) -> Shard {
        Shard {
            id: id.into(),
            starting_hash_key: start,
            ending_hash_key: end,
        }
    }

    #[test]
    fn hash_keys_find_their_shard() -> Result<(), TransportError> {
        let half = u128::MAX / 2;
        // Listed out of order, as ListShards may after a split.
        let map = ShardMap::new(vec![shard("s2", half + 1, u128::MAX), shard("s1", 0, half)])?;
        assert_eq!(map.len(), 2);
        assert_eq!(map.shard_of(0).and_then(|i| map.id(i)), Some("s1"));
        assert_eq!(map.shard_of(half).and_then(|i| map.id(i)), Some("s1"));
        assert_eq!(map.shard_of(half + 1).and_then(|i| map.id(i)), Some("s2"));
        assert_eq!(map.shard_of(u128::MAX).and_then(|i| map.id(i)), Some("s2"));
        let gap = ShardMap::new(vec![shard("a", 10, 20), shard("b", 30, 40)])?;
        assert_eq!(gap.shard_of(5), None);
        assert_eq!(gap.shard_of(25), None);
        assert_eq!(gap.shard_of(41), None);
        assert_eq!(gap.shard_of(30), Some(1));
        assert!(ShardMap::new(Vec::new()).is_err());
        Ok(())
    }
}
