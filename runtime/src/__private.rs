//! Support items for the code the derives generate. Not a public API: names and signatures
//! change with the derive, which is always the same version as this crate.

pub use crate::column::check::*;
pub use crate::column::{Column, JsonWriter, MapKey, PartitionValue};
pub use crate::glue;
pub use crate::{DatalakeEnum, DatalakeEvent, DatalakeStruct};

use std::hash::{BuildHasher, Hasher};

/// What the schema says about one event, for [`DatalakeEvent`]'s provided constants.
#[derive(Debug, Clone, Copy)]
pub struct EventMeta {
    /// `[lake] name`.
    pub lake: &'static str,
    /// The event name.
    pub event: &'static str,
    /// `<lake>-<event>`.
    pub stream: &'static str,
    /// `Event::fingerprint` of eventlake-schema.
    pub fingerprint: &'static str,
    /// A first guess at the record's size in bytes.
    pub capacity: usize,
    /// Whether the event is partitioned by its own time (`partitioning = "event_time"`:
    /// Firehose dynamic partitioning).
    pub event_time: bool,
}
use std::sync::atomic::{AtomicU64, Ordering};

/// A random, process-unique partition key (32 hex digits), for events without a
/// `partition_key` field: it spreads records evenly over the shards.
pub fn random_partition_key() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let state = std::collections::hash_map::RandomState::new();
    let mut a = state.build_hasher();
    a.write_u64(n);
    a.write_u128(now);
    let hi = a.finish();
    let mut b = state.build_hasher();
    b.write_u64(hi);
    b.write_u64(!n);
    format!("{hi:016x}{:016x}", b.finish())
}

/// The partition key of a field value, or a random one when it is absent.
pub fn partition_key_of<T: PartitionValue + ?Sized>(value: &T) -> String {
    value
        .partition_value()
        .filter(|k| !k.is_empty())
        .unwrap_or_else(random_partition_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_keys_are_unique_and_hex() {
        let keys: std::collections::HashSet<String> =
            (0..1000).map(|_| random_partition_key()).collect();
        assert_eq!(keys.len(), 1000);
        assert!(
            keys.iter()
                .all(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()))
        );
    }

    #[test]
    fn absent_and_empty_values_get_a_random_key() {
        assert_eq!(partition_key_of(&Some(42_i64)), "42");
        assert_eq!(partition_key_of(&None::<String>).len(), 32);
        assert_eq!(partition_key_of("").len(), 32);
    }
}
