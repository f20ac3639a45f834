//! Ranking metrics for inspection selection: precision@k% and recall@k%
//! (inspect the top ceil(k% x n) rows by score), and average precision
//! (area under the precision-recall curve).
//!
//! Ties in score are broken by row order (a stable sort), so results are
//! deterministic.

/// Row indices sorted by descending score (stable; NaN scores last).
fn ranking(scores: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| {
        let (x, y) = (scores[a], scores[b]);
        match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            (false, false) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        }
    });
    idx
}

/// How many rows are inspected at `frac` (0..=1) of `n`: ceil(frac x n),
/// at least 1 when n > 0.
pub fn top_count(n: usize, frac: f64) -> usize {
    if n == 0 {
        return 0;
    }
    // Guard against 0.05 * 100 = 5.000000000000001 style rounding.
    let k = (frac * n as f64 - 1e-9).ceil();
    (k.max(1.0) as usize).min(n)
}

/// How many fraud rows are among the `k` highest scores.
fn hits_in_top(scores: &[f64], labels: &[bool], k: usize) -> usize {
    ranking(scores)
        .into_iter()
        .take(k)
        .filter(|&i| labels[i])
        .count()
}

/// Share of fraud among the top ceil(frac x n) rows by score.
pub fn precision_at(scores: &[f64], labels: &[bool], frac: f64) -> f64 {
    let k = top_count(scores.len(), frac);
    if k == 0 {
        return 0.0;
    }
    hits_in_top(scores, labels, k) as f64 / k as f64
}

/// Share of all fraud found in the top ceil(frac x n) rows by score.
pub fn recall_at(scores: &[f64], labels: &[bool], frac: f64) -> f64 {
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 {
        return 0.0;
    }
    let k = top_count(scores.len(), frac);
    hits_in_top(scores, labels, k) as f64 / positives as f64
}

/// Average precision: the mean, over the fraud rows, of the precision at
/// the rank where each is found. A random ranking scores the base rate in
/// expectation.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> f64 {
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 {
        return 0.0;
    }
    let mut hits = 0usize;
    let mut sum = 0.0;
    for (rank, i) in ranking(scores).into_iter().enumerate() {
        if labels[i] {
            hits += 1;
            sum += hits as f64 / (rank + 1) as f64;
        }
    }
    sum / positives as f64
}

/// Share of positive labels.
pub fn base_rate(labels: &[bool]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    labels.iter().filter(|&&l| l).count() as f64 / labels.len() as f64
}

/// Mean and sample standard deviation (n - 1; 0 for fewer than 2 values).
pub fn mean_std(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn top_count_is_ceiling() {
        assert_eq!(top_count(100, 0.05), 5);
        assert_eq!(top_count(101, 0.05), 6); // 5.05 -> 6
        assert_eq!(top_count(8481, 0.05), 425); // 424.05 -> 425
        assert_eq!(top_count(8481, 0.10), 849); // 848.1 -> 849
        assert_eq!(top_count(10, 0.01), 1);
        assert_eq!(top_count(0, 0.1), 0);
    }

    #[test]
    fn precision_and_recall_by_hand() {
        // 20 rows; top 10% = 2 rows, top 20% = 4 rows.
        let scores: Vec<f64> = (0..20).map(|i| 20.0 - i as f64).collect();
        let mut labels = vec![false; 20];
        // ranks 1, 3, 4 and 10 are fraud.
        for r in [0, 2, 3, 9] {
            labels[r] = true;
        }
        assert!(close(precision_at(&scores, &labels, 0.10), 0.5)); // 1 of 2
        assert!(close(precision_at(&scores, &labels, 0.20), 0.75)); // 3 of 4
        assert!(close(recall_at(&scores, &labels, 0.10), 0.25)); // 1 of 4
        assert!(close(recall_at(&scores, &labels, 0.20), 0.75)); // 3 of 4
        // AP = (1/1 + 2/3 + 3/4 + 4/10) / 4
        let ap = (1.0 + 2.0 / 3.0 + 0.75 + 0.4) / 4.0;
        assert!(close(average_precision(&scores, &labels), ap));
        assert!(close(base_rate(&labels), 0.2));
    }

    #[test]
    fn order_does_not_depend_on_row_position() {
        let scores = [0.1, 0.9, 0.5, 0.7];
        let labels = [false, true, false, true];
        assert!(close(precision_at(&scores, &labels, 0.5), 1.0));
        assert!(close(average_precision(&scores, &labels), 1.0));
        // Worst ranking: positives last.
        let labels = [true, false, true, false];
        assert!(close(precision_at(&scores, &labels, 0.5), 0.0));
        // positives at ranks 3 and 4: (1/3 + 2/4) / 2
        assert!(close(
            average_precision(&scores, &labels),
            (1.0 / 3.0 + 0.5) / 2.0
        ));
    }

    #[test]
    fn nan_scores_rank_last() {
        let scores = [f64::NAN, 0.2, 0.1];
        let labels = [true, false, false];
        assert!(close(precision_at(&scores, &labels, 0.34), 0.0));
        assert!(close(average_precision(&scores, &labels), 1.0 / 3.0));
    }

    #[test]
    fn mean_std_sample() {
        let (m, s) = mean_std(&[1.0, 2.0, 3.0, 4.0]);
        assert!(close(m, 2.5));
        assert!(close(s, (5.0f64 / 3.0).sqrt()));
        assert_eq!(mean_std(&[2.0]), (2.0, 0.0));
    }
}
