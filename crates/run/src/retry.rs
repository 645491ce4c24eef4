//! Retry policy: how many attempts a step gets and how long to wait between
//! them.
//!
//! `retry N backoff D [exponential|linear] [max D]` gives `N + 1` attempts.
//! Before retry `k` (1-based) the wait is `D · 2^(k-1)` (exponential, the
//! default) or `D · k` (linear), capped by `max`; without `backoff` a retry
//! starts at once. Each wait is then shortened by a random amount of up to
//! [`JITTER`] of itself, so that many steps retrying against one service do
//! not hit it in lockstep; shortening (never lengthening) keeps the documented
//! waits as upper bounds and the `max` cap exact.

use std::time::Duration;
use wfc_language::ir::Retry;

/// The largest fraction of a wait that jitter removes.
pub const JITTER: f64 = 0.1;

/// Attempts in all (`retry 3` → 4).
pub fn attempts(retry: Option<&Retry>) -> u32 {
    retry.map_or(1, |r| r.count.saturating_add(1))
}

/// The wait before retry `k` (1-based) without jitter.
pub fn base_delay(retry: &Retry, k: u32) -> Duration {
    let Some(d) = retry.backoff_ms else {
        return Duration::ZERO;
    };
    let ms = retry.strategy.delay_ms(d, k);
    let ms = retry.max_ms.map_or(ms, |m| ms.min(m));
    Duration::from_millis(ms)
}

/// The wait before retry `k`, with jitter.
pub fn delay(retry: &Retry, k: u32) -> Duration {
    let base = base_delay(retry, k);
    if base.is_zero() {
        return base;
    }
    base.mul_f64(1.0 - JITTER * random_unit())
}

/// A random number in `[0, 1)` (std's randomly keyed hasher is enough here).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use wfc_language::ir::Backoff;
    use wfc_language::span::Span;

    fn retry(count: u32, backoff: Option<u64>, strategy: Backoff, max: Option<u64>) -> Retry {
        Retry {
            count,
            backoff_ms: backoff,
            strategy,
            max_ms: max,
            within_ms: None,
            when: None,
            span: Span::default(),
        }
    }

    #[test]
    fn waits_follow_the_reference() {
        let r = retry(4, Some(1000), Backoff::Exponential, Some(5000));
        let waits: Vec<u64> = (1..=4)
            .map(|k| base_delay(&r, k).as_millis() as u64)
            .collect();
        assert_eq!(waits, [1000, 2000, 4000, 5000]);
        let r = retry(3, Some(1000), Backoff::Linear, None);
        let waits: Vec<u64> = (1..=3)
            .map(|k| base_delay(&r, k).as_millis() as u64)
            .collect();
        assert_eq!(waits, [1000, 2000, 3000]);
        // `backoff 1s x1.5 max 3s`; a rate of x1 waits the same each time.
        let rate = retry(5, Some(1000), Backoff::Rate(1500), Some(3000));
        let waits: Vec<u64> = (1..=5)
            .map(|k| base_delay(&rate, k).as_millis() as u64)
            .collect();
        assert_eq!(waits, [1000, 1500, 2250, 3000, 3000]);
        let same = retry(3, Some(700), Backoff::Rate(1000), None);
        assert_eq!(base_delay(&same, 3), Duration::from_millis(700));
        // A huge count saturates instead of overflowing.
        let huge = retry(u32::MAX, Some(1000), Backoff::Rate(10_000), None);
        assert_eq!(base_delay(&huge, u32::MAX), Duration::from_millis(u64::MAX));
        assert_eq!(
            base_delay(&retry(2, None, Backoff::Exponential, None), 2),
            Duration::ZERO
        );
        assert_eq!(attempts(Some(&r)), 4);
        assert_eq!(attempts(None), 1);
    }

    #[test]
    fn jitter_only_shortens() {
        let r = retry(3, Some(1000), Backoff::Exponential, Some(1500));
        for k in 1..=3 {
            let d = delay(&r, k);
            let b = base_delay(&r, k);
            assert!(d <= b && d >= b.mul_f64(1.0 - JITTER), "{d:?} vs {b:?}");
        }
    }
}
