//! Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture
//! Blog): the n-th retry waits a uniformly random time in `[0, min(cap, base × 2^(n-1))]`.
//! Full jitter spreads the retries of many producers hitting the same throttled shard.

use std::time::Duration;

use super::config::RetryPolicy;

/// The random source for jitter (`fastrand`, randomly seeded); jitter needs no
/// cryptographic quality.
#[derive(Debug)]
pub(crate) struct Jitter(fastrand::Rng);

impl Jitter {
    pub(crate) fn new() -> Self {
        Jitter(fastrand::Rng::new())
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&mut self, policy: &RetryPolicy, retry: u32) -> Duration {
        let ceiling = ceiling(policy, retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.0.u64(..=nanos))
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
