//! When to try a failed delivery again: exponential backoff with jitter,
//! so receivers coming back after an outage are not hit by every sender at
//! the same instant.

use std::time::Duration;

/// The delay before attempt `attempts + 1`, after `attempts` failures:
/// `base * 2^(attempts-1)`, capped at `max`, then scaled by a factor in
/// [0.5, 1.0) drawn from `jitter` (a uniform value in [0, 1)).
pub fn delay(attempts: u32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exponent = attempts.saturating_sub(1).min(32);
    let raw = base.saturating_mul(2u32.saturating_pow(exponent)).min(max);
    raw.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
}

/// A uniform value in [0, 1) from the OS generator (0.5 if it fails: the
/// jitter only spreads load, it guards nothing).
pub fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_secs(5);
    const MAX: Duration = Duration::from_secs(3600);

    #[test]
    fn doubles_per_failure_until_the_cap() {
        assert_eq!(delay(1, BASE, MAX, 1.0), Duration::from_secs(5));
        assert_eq!(delay(2, BASE, MAX, 1.0), Duration::from_secs(10));
        assert_eq!(delay(4, BASE, MAX, 1.0), Duration::from_secs(40));
        assert_eq!(delay(20, BASE, MAX, 1.0), MAX);
        assert_eq!(delay(u32::MAX, BASE, MAX, 1.0), MAX);
    }

    #[test]
    fn jitter_takes_off_up_to_half() {
        assert_eq!(delay(3, BASE, MAX, 0.0), Duration::from_secs(10));
        let d = delay(3, BASE, MAX, random_unit());
        assert!(d >= Duration::from_secs(10) && d <= Duration::from_secs(20));
    }

    #[test]
    fn random_unit_stays_in_range() {
        for _ in 0..100 {
            let x = random_unit();
            assert!((0.0..1.0).contains(&x));
        }
    }
}
