//! Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture
//! Blog): the n-th retry waits a uniformly random time in `[0, min(cap, base × 2^(n-1))]`.
//! Full jitter spreads the retries of many producers hitting the same throttled shard.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use super::config::RetryPolicy;

/// A small random source for jitter (splitmix64 seeded from the std hasher's random keys);
/// jitter needs no cryptographic quality.
#[derive(Debug)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new() -> Self {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        Jitter(h.finish())
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&mut self, policy: &RetryPolicy, retry: u32) -> Duration {
        let ceiling = ceiling(policy, retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.next_u64() % (nanos + 1))
    }
}

/// `min(max_backoff, base_backoff × 2^(retry-1))`.
pub(crate) fn ceiling(policy: &RetryPolicy, retry: u32) -> Duration {
    let shift = retry.saturating_sub(1).min(31);
    policy
        .base_backoff
        .checked_mul(1 << shift)
        .map_or(policy.max_backoff, |d| d.min(policy.max_backoff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        let c: Vec<u128> = (1..=6).map(|n| ceiling(&p, n).as_millis()).collect();
        assert_eq!(c, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(ceiling(&p, 1000), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_within_the_ceiling_and_varies() {
        let p = RetryPolicy::default();
        let mut j = Jitter::new();
        let waits: Vec<Duration> = (0..200).map(|_| j.backoff(&p, 3)).collect();
        assert!(waits.iter().all(|w| *w <= ceiling(&p, 3)));
        let distinct: std::collections::HashSet<_> = waits.iter().collect();
        assert!(distinct.len() > 150);
        let zero = RetryPolicy {
            base_backoff: Duration::ZERO,
            ..p
        };
        assert_eq!(j.backoff(&zero, 5), Duration::ZERO);
    }
}
