//! Packing a batch of user records into Kinesis records for an aggregating producer: one
//! group per shard (by the MD5 hash key of each partition key, as Kinesis routes them), each
//! group cut into aggregated records of at most the cap. An aggregated record takes its
//! first user record's partition key, so Kinesis stores it in that shard, with the others.

use std::collections::HashMap;

use eventlake_kinesis_agg::{Aggregator, hash_key};

use super::record::Record;
use super::shards::ShardMap;

/// What the producer keeps about each Kinesis record it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Meta {
    /// User records it carries (1 when not aggregated).
    pub(crate) users: usize,
    /// The shard it should land in (an index into the map it was packed with).
    pub(crate) shard: Option<usize>,
    /// PutRecords calls that carried it so far.
    pub(crate) attempts: u32,
}

impl Meta {
    /// A record sent as it is.
    pub(crate) fn plain() -> Self {
        Meta {
            users: 1,
            shard: None,
            attempts: 0,
        }
    }
}

/// `records` as Kinesis records of at most `cap` bytes (data plus partition key; a user
/// record larger than that goes alone, unaggregated), grouped by the shard of `map` their
/// keys hash to. Records of one shard keep their order.
pub(crate) fn pack(records: Vec<Record>, map: &ShardMap, cap: usize) -> (Vec<Record>, Vec<Meta>) {
    // One open aggregate per shard, and one more for keys in no shard (a gap in the map).
    let groups = map.len() + 1;
    let mut open: Vec<(Aggregator, usize)> = (0..groups).map(|_| (Aggregator::new(), 0)).collect();
    let mut out = Vec::new();
    let mut meta = Vec::new();
    // Each key's shard, computed once per batch (an MD5 per key: a batch of small events
    // repeats its keys many times).
    let mut known: HashMap<&str, Option<usize>> = HashMap::new();
    let shards: Vec<Option<usize>> = records
        .iter()
        .map(|r| {
            *known
                .entry(r.partition_key())
                .or_insert_with(|| map.shard_of(hash_key(r.partition_key())))
        })
        .collect();
    drop(known);
    let mut emit = |agg: &mut Aggregator, shard: Option<usize>| {
        if let Some(p) = agg.finish() {
            out.push(Record::new(p.data, p.partition_key));
            meta.push(Meta {
                users: p.user_records,
                shard,
                attempts: 0,
            });
        }
    };
    for (record, shard) in records.into_iter().zip(shards) {
        let (agg, first_key) = &mut open[shard.unwrap_or(map.len())];
        let (data, key) = record.into_parts();
        if !agg.is_empty() && agg.size_with(&key, data.len()) + *first_key > cap {
            emit(agg, shard);
        }
        if agg.is_empty() {
            *first_key = key.len();
        }
        agg.push(key, data);
    }
    for (i, (agg, _)) in open.iter_mut().enumerate() {
        emit(agg, (i < map.len()).then_some(i));
    }
    (out, meta)
}

#[cfg(test)]
mod tests {
    use eventlake_kinesis_agg::deaggregate;

    use super::*;
    use crate::kinesis::Shard;

    fn two_shards() -> ShardMap {
        let half = u128::MAX / 2;
        let shards = vec![
            Shard {
                id: "s0".into(),
                starting_hash_key: 0,
                ending_hash_key: half,
            },
            Shard {
                id: "s1".into(),
                starting_hash_key: half + 1,
                ending_hash_key: u128::MAX,
            },
        ];
        ShardMap::new(shards).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn records_are_grouped_by_shard_within_the_cap() -> Result<(), Box<dyn std::error::Error>> {
        let map = two_shards();
        let records: Vec<Record> = (0..1000)
            .map(|i| Record::new(vec![b'x'; 300], format!("key-{}", i % 97)))
            .collect();
        let cap = 10_000;
        let (packed, meta) = pack(records.clone(), &map, cap);
        assert_eq!(packed.len(), meta.len());
        assert_eq!(meta.iter().map(|m| m.users).sum::<usize>(), 1000);
        let mut back = Vec::new();
        for (p, m) in packed.iter().zip(&meta) {
            assert!(p.size() <= cap, "{} bytes", p.size());
            let users = deaggregate(p.data(), p.partition_key())?;
            assert_eq!(users.len(), m.users);
            // Every user record is in the shard predicted for its Kinesis record, which is
            // the shard of the Kinesis record's own partition key.
            let shard = m.shard.ok_or("a shard")?;
            assert_eq!(map.shard_of(hash_key(p.partition_key())), Some(shard));
            for u in users {
                assert_eq!(map.shard_of(hash_key(&u.partition_key)), Some(shard));
                back.push(Record::new(u.data, u.partition_key));
            }
        }
        // 1000 × ~310 bytes in records of 10,000: about 32 user records per record.
        assert!(packed.len() <= 36, "{} records", packed.len());
        // Per shard, the order is kept.
        for s in 0..2 {
            let in_shard = |r: &&Record| map.shard_of(hash_key(r.partition_key())) == Some(s);
            let sent: Vec<&Record> = records.iter().filter(in_shard).collect();
            let got: Vec<&Record> = back.iter().filter(in_shard).collect();
            assert_eq!(sent, got);
        }
        Ok(())
    }

    #[test]
    fn a_record_over_the_cap_goes_alone_and_plain() {
        let map = two_shards();
        let big = Record::new(vec![b'y'; 5000], "k");
        let (packed, meta) = pack(vec![big.clone()], &map, 1024);
        assert_eq!(packed, [big]);
        assert_eq!(meta[0].users, 1);
    }
}
