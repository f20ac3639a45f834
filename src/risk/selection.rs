//! Which shipments a risk list offers for stopping: mostly the top of the
//! ranking, plus a configurable share drawn at random from the rest. The
//! random stops are what make an unbiased estimate of the ranking's
//! precision possible, so each item carries the probability with which it
//! was selected (for inverse-probability weighting of outcomes).

use super::rng::SplitMix64;
use super::score::Assessment;
use crate::domain::selection::ListSelection;

#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    pub assessment: Assessment,
    pub selection: ListSelection,
    /// The probability that this shipment was on the list.
    pub probability: f64,
}

/// Picks `limit` items from `ranked` (highest first): `r` random ones,
/// where `r` is `limit * share` rounded stochastically (so the expected
/// share is exact), drawn uniformly from everything below the top
/// `limit - r`; the rest is the top of the ranking.
pub fn select(
    ranked: Vec<Assessment>,
    limit: usize,
    share: f64,
    rng: &mut SplitMix64,
) -> Vec<Selected> {
    let n = ranked.len();
    if n <= limit {
        return ranked
            .into_iter()
            .map(|assessment| Selected {
                assessment,
                selection: ListSelection::RANKING,
                probability: 1.0,
            })
            .collect();
    }
    let expected_random = limit as f64 * share;
    let mut random = expected_random.floor() as usize;
    if rng.next_f64() < expected_random - expected_random.floor() {
        random += 1;
    }
    let top = limit - random.min(limit);
    let mut ranked = ranked;
    let mut rest = ranked.split_off(top);
    let pool = rest.len();
    // A partial Fisher-Yates shuffle picks `random` of the rest uniformly.
    for i in 0..random.min(pool) {
        let j = i + rng.below(pool - i);
        rest.swap(i, j);
    }
    rest.truncate(random.min(pool));
    // Over the draw of `random` as well: E[r] / pool.
    let p_random = (expected_random / pool as f64).min(1.0);
    let mut out: Vec<Selected> = ranked
        .into_iter()
        .map(|assessment| Selected {
            assessment,
            selection: ListSelection::RANKING,
            probability: 1.0,
        })
        .collect();
    out.extend(rest.into_iter().map(|assessment| Selected {
        assessment,
        selection: ListSelection::RANDOM,
        probability: p_random,
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::score::Band;
    use chrono::Utc;

    fn ranked(n: usize) -> Vec<Assessment> {
        (0..n)
            .map(|i| Assessment {
                waybill_id: uuid::Uuid::from_u128(i as u128),
                score: (100 - i.min(100)) as u8,
                band: Band::Low,
                model_version: "m".into(),
                assessed_at: Utc::now(),
                reasons: vec![],
                inputs: Default::default(),
            })
            .collect()
    }

    #[test]
    fn small_lists_are_all_ranking() {
        let out = select(ranked(5), 10, 0.1, &mut SplitMix64::new(1));
        assert_eq!(out.len(), 5);
        assert!(out.iter().all(|s| s.selection == ListSelection::RANKING));
    }

    #[test]
    fn the_random_share_is_right_on_average_and_drawn_from_below_the_top() {
        let mut rng = SplitMix64::new(7);
        let mut random = 0usize;
        for _ in 0..2000 {
            let out = select(ranked(1000), 50, 0.07, &mut rng);
            assert_eq!(out.len(), 50);
            let top = out
                .iter()
                .filter(|s| s.selection == ListSelection::RANKING)
                .count();
            for (i, s) in out.iter().enumerate().take(top) {
                assert_eq!(s.assessment.waybill_id.as_u128(), i as u128);
            }
            for s in out.iter().skip(top) {
                assert_eq!(s.selection, ListSelection::RANDOM);
                assert!(s.assessment.waybill_id.as_u128() >= top as u128);
                assert!((s.probability - 3.5 / (1000.0 - top as f64)).abs() < 1e-12);
            }
            random += 50 - top;
        }
        let share = random as f64 / (2000.0 * 50.0);
        assert!((share - 0.07).abs() < 0.005, "{share}");
    }
}
