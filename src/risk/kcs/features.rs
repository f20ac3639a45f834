//! Features for the learned risk score, all fitted on the training rows
//! only (no label of a scored row is ever used to score it):
//!
//! - the paper's features: label-encoded categoricals, net mass, item price,
//!   tax rate;
//! - party and goods history: smoothed fraud rates
//!   `(frauds + m * prior) / (declarations + m)` of importers, declarants,
//!   sellers, offices, HS6/HS4/HS2, countries and pairs of these, with
//!   out-of-fold encoding on the training rows (K seeded folds) so the model
//!   never sees a row's own label through its encodings; and the number of
//!   declarations of each;
//! - value per kg (item price / net mass) and its robust deviation from the
//!   HS6 median (median / MAD, falling back to HS4 and HS2 when an HS6 has
//!   fewer than 5 training rows); price and mass deviations likewise;
//! - tax amount and date features.

use std::borrow::Cow;
use std::collections::HashMap;

use super::dataset::Declaration;
use crate::risk::rng::SplitMix64;

/// One field of a declaration usable as (part of) a categorical key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Office,
    ProcessType,
    ImportType,
    ImportUse,
    PaymentType,
    Transport,
    Declarant,
    Importer,
    Seller,
    Courier,
    Hs6,
    Hs4,
    Hs2,
    Departure,
    Origin,
    TaxType,
    OriginIndicator,
    TaxRate,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Office => "office",
            Field::ProcessType => "process_type",
            Field::ImportType => "import_type",
            Field::ImportUse => "import_use",
            Field::PaymentType => "payment_type",
            Field::Transport => "transport",
            Field::Declarant => "declarant",
            Field::Importer => "importer",
            Field::Seller => "seller",
            Field::Courier => "courier",
            Field::Hs6 => "hs6",
            Field::Hs4 => "hs4",
            Field::Hs2 => "hs2",
            Field::Departure => "departure",
            Field::Origin => "origin",
            Field::TaxType => "tax_type",
            Field::OriginIndicator => "origin_indicator",
            Field::TaxRate => "tax_rate",
        }
    }

    pub fn get(self, d: &Declaration) -> Cow<'_, str> {
        match self {
            Field::Office => Cow::Borrowed(&d.office),
            Field::ProcessType => Cow::Borrowed(&d.process_type),
            Field::ImportType => Cow::Borrowed(&d.import_type),
            Field::ImportUse => Cow::Borrowed(&d.import_use),
            Field::PaymentType => Cow::Borrowed(&d.payment_type),
            Field::Transport => Cow::Borrowed(&d.transport),
            Field::Declarant => Cow::Borrowed(&d.declarant),
            Field::Importer => Cow::Borrowed(&d.importer),
            Field::Seller => Cow::Borrowed(&d.seller),
            Field::Courier => Cow::Borrowed(&d.courier),
            Field::Hs6 => Cow::Owned(d.hs_prefix(6)),
            Field::Hs4 => Cow::Owned(d.hs_prefix(4)),
            Field::Hs2 => Cow::Owned(d.hs_prefix(2)),
            Field::Departure => Cow::Borrowed(&d.departure),
            Field::Origin => Cow::Borrowed(&d.origin),
            Field::TaxType => Cow::Borrowed(&d.tax_type),
            Field::OriginIndicator => Cow::Borrowed(&d.origin_indicator),
            Field::TaxRate => Cow::Owned(format!("{}", d.tax_rate)),
        }
    }
}

fn key(d: &Declaration, fields: &[Field]) -> String {
    let mut s = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            s.push('\u{1f}');
        }
        s.push_str(&f.get(d));
    }
    s
}

fn key_name(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join("&")
}

use Field::*;

/// Categoricals label-encoded as in the paper.
pub const LABEL_ENCODED: &[Field] = &[
    Office,
    ProcessType,
    ImportType,
    ImportUse,
    PaymentType,
    Transport,
    Declarant,
    Importer,
    Seller,
    Courier,
    Hs6,
    Departure,
    Origin,
    TaxType,
    OriginIndicator,
];

/// Keys whose smoothed historical fraud rate (and count) become features.
pub const HISTORY_KEYS: &[&[Field]] = &[
    &[Importer],
    &[Declarant],
    &[Seller],
    &[Office],
    &[Hs6],
    &[Hs4],
    &[Hs2],
    &[Origin],
    &[Departure],
    &[Courier],
    &[TaxType],
    &[TaxRate],
    &[OriginIndicator],
    &[ImportType],
    &[ImportUse],
    &[PaymentType],
    &[ProcessType],
    &[Transport],
    &[Importer, Hs6],
    &[Office, Hs6],
    &[Declarant, Importer],
    &[Importer, Seller],
    &[Seller, Hs6],
    &[Declarant, Hs6],
    &[Importer, Office],
    &[Declarant, Office],
    &[Hs6, Origin],
    &[Importer, Origin],
    &[Seller, Origin],
    &[Importer, Hs4],
    &[Hs6, TaxType],
    &[Office, Origin],
];

/// Feature settings.
#[derive(Debug, Clone)]
pub struct FeatureConfig {
    /// Folds for out-of-fold target encoding of the fitting rows.
    pub folds: usize,
    /// Smoothing strength m (pseudo-declarations at the global rate).
    pub smoothing: f64,
    /// Add count features for the history keys.
    pub counts: bool,
    /// Add date features (day of week, day of month, month).
    pub dates: bool,
    /// Add the risk team's features (histories, value per kg, ...); when
    /// false only the paper's features are used (label-encoded
    /// categoricals, net mass, item price, tax rate).
    pub extended: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            folds: 5,
            smoothing: 30.0,
            counts: true,
            dates: true,
            extended: true,
        }
    }
}

/// A dense feature matrix in column-major order (what forust-ml expects).
#[derive(Debug, Clone)]
pub struct FeatureMatrix {
    pub names: Vec<String>,
    pub rows: usize,
    /// `data[col * rows + row]`.
    pub data: Vec<f64>,
}

impl FeatureMatrix {
    fn new(rows: usize) -> Self {
        Self {
            names: Vec::new(),
            rows,
            data: Vec::new(),
        }
    }

    fn push(&mut self, name: &str, col: Vec<f64>) {
        debug_assert_eq!(col.len(), self.rows);
        self.names.push(name.to_string());
        self.data.extend(col);
    }

    pub fn cols(&self) -> usize {
        self.names.len()
    }

    pub fn column(&self, name: &str) -> Option<&[f64]> {
        let c = self.names.iter().position(|n| n == name)?;
        Some(&self.data[c * self.rows..(c + 1) * self.rows])
    }
}

/// Robust location and scale of a sample: median and 1.4826 x MAD.
fn median_mad(xs: &mut [f64]) -> (f64, f64) {
    xs.sort_by(|a, b| a.total_cmp(b));
    let med = median_sorted(xs);
    let mut dev: Vec<f64> = xs.iter().map(|x| (x - med).abs()).collect();
    dev.sort_by(|a, b| a.total_cmp(b));
    (med, 1.4826 * median_sorted(&dev))
}

fn median_sorted(xs: &[f64]) -> f64 {
    let n = xs.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Median and robust scale of each group.
type GroupStats = HashMap<String, (f64, f64)>;

/// Per-group median/MAD of a value, with fallback to coarser HS levels.
struct RobustByHs {
    levels: Vec<(usize, GroupStats)>,
    global: (f64, f64),
}

const MIN_GROUP: usize = 5;

impl RobustByHs {
    fn fit(rows: &[Declaration], value: impl Fn(&Declaration) -> f64) -> Self {
        let mut levels = Vec::new();
        for digits in [6usize, 4, 2] {
            let mut groups: HashMap<String, Vec<f64>> = HashMap::new();
            for d in rows {
                groups
                    .entry(d.hs_prefix(digits))
                    .or_default()
                    .push(value(d));
            }
            let stats = groups
                .into_iter()
                .filter(|(_, v)| v.len() >= MIN_GROUP)
                .map(|(k, mut v)| (k, median_mad(&mut v)))
                .collect();
            levels.push((digits, stats));
        }
        let mut all: Vec<f64> = rows.iter().map(&value).collect();
        Self {
            levels,
            global: median_mad(&mut all),
        }
    }

    /// Robust z-score of `x` for this declaration's goods.
    fn z(&self, d: &Declaration, x: f64) -> f64 {
        let (med, scale) = self
            .levels
            .iter()
            .find_map(|(digits, m)| m.get(&d.hs_prefix(*digits)).copied())
            .unwrap_or(self.global);
        (x - med) / (scale + 0.1)
    }
}

fn ln_price(d: &Declaration) -> f64 {
    d.item_price.max(0.0).ln_1p()
}

fn ln_mass(d: &Declaration) -> f64 {
    d.net_mass.max(0.0).ln_1p()
}

/// ln value per kg (smoothed so a zero mass stays finite).
fn ln_unit_price(d: &Declaration) -> f64 {
    ln_price(d) - ln_mass(d)
}

fn date_parts(d: &Declaration) -> (f64, f64, f64) {
    match chrono::NaiveDate::parse_from_str(&d.date, "%Y-%m-%d") {
        Ok(date) => {
            use chrono::Datelike;
            (
                date.weekday().num_days_from_monday() as f64,
                date.day() as f64,
                date.month() as f64,
            )
        }
        Err(_) => (f64::NAN, f64::NAN, f64::NAN),
    }
}

/// Everything fitted on the fitting rows that is needed to featurize any
/// other rows.
pub struct FittedFeatures {
    cfg: FeatureConfig,
    prior: f64,
    label_codes: Vec<HashMap<String, f64>>,
    /// Per history key: key -> (frauds, declarations).
    history: Vec<HashMap<String, (f64, f64)>>,
    unit_price: RobustByHs,
    price: RobustByHs,
    mass: RobustByHs,
}

impl FittedFeatures {
    /// Fit on `fit` rows and return the fitted state together with the
    /// out-of-fold feature matrix of the fitting rows themselves.
    pub fn fit(fit: &[Declaration], cfg: &FeatureConfig, seed: u64) -> (Self, FeatureMatrix) {
        let n = fit.len();
        let labels: Vec<f64> = fit
            .iter()
            .map(|d| if d.is_fraud() { 1.0 } else { 0.0 })
            .collect();
        let prior = if n == 0 {
            0.0
        } else {
            labels.iter().sum::<f64>() / n as f64
        };

        let label_codes = LABEL_ENCODED
            .iter()
            .map(|&f| {
                let mut values: Vec<String> = fit.iter().map(|d| f.get(d).into_owned()).collect();
                values.sort_unstable();
                values.dedup();
                values
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (v, i as f64))
                    .collect()
            })
            .collect();

        // Seeded fold assignment: a shuffled round-robin, so folds are balanced.
        let k = cfg.folds.max(2);
        let mut order: Vec<usize> = (0..n).collect();
        SplitMix64::new(seed ^ 0xF01D_5EED).shuffle(&mut order);
        let mut fold = vec![0usize; n];
        for (pos, &row) in order.iter().enumerate() {
            fold[row] = pos % k;
        }

        let mut history = Vec::with_capacity(HISTORY_KEYS.len());
        let mut oof_rates = Vec::with_capacity(HISTORY_KEYS.len());
        let mut oof_counts = Vec::with_capacity(HISTORY_KEYS.len());
        for fields in HISTORY_KEYS {
            let keys: Vec<String> = fit.iter().map(|d| key(d, fields)).collect();
            // key -> per-fold (frauds, count)
            let mut per_fold: HashMap<&str, Vec<(f64, f64)>> = HashMap::new();
            for (i, kk) in keys.iter().enumerate() {
                let e = per_fold
                    .entry(kk.as_str())
                    .or_insert_with(|| vec![(0.0, 0.0); k]);
                e[fold[i]].0 += labels[i];
                e[fold[i]].1 += 1.0;
            }
            let totals: HashMap<String, (f64, f64)> = per_fold
                .iter()
                .map(|(kk, v)| {
                    let s = v.iter().fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
                    (kk.to_string(), s)
                })
                .collect();
            let mut rate = Vec::with_capacity(n);
            let mut count = Vec::with_capacity(n);
            for (i, kk) in keys.iter().enumerate() {
                let (s, c) = totals.get(kk.as_str()).copied().unwrap_or((0.0, 0.0));
                let (sf, cf) = per_fold
                    .get(kk.as_str())
                    .map(|v| v[fold[i]])
                    .unwrap_or((0.0, 0.0));
                let (s, c) = (s - sf, c - cf);
                rate.push((s + cfg.smoothing * prior) / (c + cfg.smoothing));
                count.push(c * k as f64 / (k - 1) as f64);
            }
            oof_rates.push(rate);
            oof_counts.push(count);
            history.push(totals);
        }

        let fitted = Self {
            cfg: cfg.clone(),
            prior,
            label_codes,
            history,
            unit_price: RobustByHs::fit(fit, ln_unit_price),
            price: RobustByHs::fit(fit, ln_price),
            mass: RobustByHs::fit(fit, ln_mass),
        };
        let matrix = fitted.assemble(fit, oof_rates, oof_counts);
        (fitted, matrix)
    }

    /// Features of rows not used for fitting (full-history encodings).
    pub fn transform(&self, rows: &[Declaration]) -> FeatureMatrix {
        let m = self.cfg.smoothing;
        let mut rates = Vec::with_capacity(HISTORY_KEYS.len());
        let mut counts = Vec::with_capacity(HISTORY_KEYS.len());
        for (fields, stats) in HISTORY_KEYS.iter().zip(&self.history) {
            let mut rate = Vec::with_capacity(rows.len());
            let mut count = Vec::with_capacity(rows.len());
            for d in rows {
                let (s, c) = stats.get(&key(d, fields)).copied().unwrap_or((0.0, 0.0));
                rate.push((s + m * self.prior) / (c + m));
                count.push(c);
            }
            rates.push(rate);
            counts.push(count);
        }
        self.assemble(rows, rates, counts)
    }

    fn assemble(
        &self,
        rows: &[Declaration],
        rates: Vec<Vec<f64>>,
        counts: Vec<Vec<f64>>,
    ) -> FeatureMatrix {
        let mut m = FeatureMatrix::new(rows.len());
        // The paper's features.
        for (f, codes) in LABEL_ENCODED.iter().zip(&self.label_codes) {
            let col = rows
                .iter()
                .map(|d| codes.get(f.get(d).as_ref()).copied().unwrap_or(f64::NAN))
                .collect();
            m.push(&format!("le_{}", f.name()), col);
        }
        m.push("tax_rate", rows.iter().map(|d| d.tax_rate).collect());
        m.push("ln_net_mass", rows.iter().map(ln_mass).collect());
        m.push("ln_item_price", rows.iter().map(ln_price).collect());
        if !self.cfg.extended {
            return m;
        }

        // Value per kg and robust deviations within the goods' HS group.
        m.push("ln_unit_price", rows.iter().map(ln_unit_price).collect());
        m.push(
            "z_unit_price_hs",
            rows.iter()
                .map(|d| self.unit_price.z(d, ln_unit_price(d)))
                .collect(),
        );
        m.push(
            "z_price_hs",
            rows.iter().map(|d| self.price.z(d, ln_price(d))).collect(),
        );
        m.push(
            "z_mass_hs",
            rows.iter().map(|d| self.mass.z(d, ln_mass(d))).collect(),
        );
        m.push(
            "ln_tax_amount",
            rows.iter()
                .map(|d| (d.item_price.max(0.0) * d.tax_rate.max(0.0) / 100.0).ln_1p())
                .collect(),
        );
        m.push(
            "tax_x_z_unit_price",
            rows.iter()
                .map(|d| d.tax_rate * self.unit_price.z(d, ln_unit_price(d)))
                .collect(),
        );
        m.push(
            "origin_ne_departure",
            rows.iter()
                .map(|d| f64::from(u8::from(d.origin != d.departure)))
                .collect(),
        );

        // Party and goods history.
        for (fields, rate) in HISTORY_KEYS.iter().zip(rates) {
            m.push(&format!("rate_{}", key_name(fields)), rate);
        }
        if self.cfg.counts {
            for (fields, count) in HISTORY_KEYS.iter().zip(counts) {
                m.push(
                    &format!("ln_count_{}", key_name(fields)),
                    count.into_iter().map(f64::ln_1p).collect(),
                );
            }
        }
        if self.cfg.dates {
            let parts: Vec<(f64, f64, f64)> = rows.iter().map(date_parts).collect();
            m.push("day_of_week", parts.iter().map(|p| p.0).collect());
            m.push("day_of_month", parts.iter().map(|p| p.1).collect());
            m.push("month", parts.iter().map(|p| p.2).collect());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(importer: &str, hs6: &str, price: f64, mass: f64, fraud: bool) -> Declaration {
        Declaration {
            id: "1".into(),
            date: "2020-01-06".into(),
            office: "30".into(),
            process_type: "B".into(),
            import_type: "11".into(),
            import_use: "21".into(),
            payment_type: "11".into(),
            transport: "10".into(),
            declarant: "D".into(),
            importer: importer.into(),
            seller: "S".into(),
            courier: String::new(),
            hs6: hs6.into(),
            departure: "CN".into(),
            origin: "CN".into(),
            tax_rate: 8.0,
            tax_type: "A".into(),
            origin_indicator: "Y".into(),
            net_mass: mass,
            item_price: price,
            fraud: u8::from(fraud),
            critical_fraud: 0,
        }
    }

    #[test]
    fn median_mad_by_hand() {
        let (m, s) = median_mad(&mut [1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!(m, 3.0);
        // deviations 2,1,0,1,97 -> median 1
        assert!((s - 1.4826).abs() < 1e-12);
    }

    #[test]
    fn smoothed_rates_and_out_of_fold() {
        // Importer A: 4 rows, 2 frauds; importer B: 4 rows, no fraud.
        let mut fit = Vec::new();
        for i in 0..4 {
            fit.push(decl("A", "010101", 100.0, 1.0, i < 2));
            fit.push(decl("B", "010101", 100.0, 1.0, false));
        }
        let cfg = FeatureConfig {
            folds: 2,
            smoothing: 2.0,
            counts: true,
            dates: true,
            extended: true,
        };
        let (fitted, train) = FittedFeatures::fit(&fit, &cfg, 1);
        let prior = 2.0 / 8.0;
        // New rows: full-history encoding (2 + 2*0.25) / (4 + 2).
        let test = fitted.transform(&[
            decl("A", "010101", 100.0, 1.0, false),
            decl("Z", "999999", 5.0, 1.0, false),
        ]);
        let rate = test.column("rate_importer").unwrap();
        assert!((rate[0] - (2.0 + 2.0 * prior) / 6.0).abs() < 1e-12);
        // Unseen importer: the prior.
        assert!((rate[1] - prior).abs() < 1e-12);
        assert_eq!(test.column("ln_count_importer").unwrap()[1], 0.0);
        assert!(test.column("le_importer").unwrap()[1].is_nan());
        // Out-of-fold: a fitting row's own label never enters its encoding.
        // Flipping one row's label changes only the other fold's encodings.
        let mut flipped = fit.clone();
        flipped[0].fraud = 1 - flipped[0].fraud;
        let (_, train2) = FittedFeatures::fit(&flipped, &cfg, 1);
        let r1 = train.column("rate_importer").unwrap();
        let r2 = train2.column("rate_importer").unwrap();
        let c = train.column("ln_count_importer").unwrap()[0].exp_m1() / 2.0; // k/(k-1) = 2
        let (p1, p2) = (prior, 1.0 / 8.0); // row 0 was a fraud
        let m = cfg.smoothing;
        let s = r1[0] * (c + m) - m * p1;
        // Row 0's own encoding moves only through the global prior.
        assert!((r2[0] - (s + m * p2) / (c + m)).abs() < 1e-12);
        // Some row of importer A in the other fold sees the flip.
        assert!((1..fit.len()).any(|i| (r1[i] - r2[i]).abs() > 0.05));
        assert_eq!(train.rows, 8);
        assert_eq!(train.data.len(), train.rows * train.cols());
    }

    #[test]
    fn unit_price_deviation_flags_outliers() {
        let mut fit = Vec::new();
        for p in [100.0, 110.0, 90.0, 105.0, 95.0, 100.0] {
            fit.push(decl("A", "010101", p, 1.0, false));
        }
        let (fitted, _) = FittedFeatures::fit(&fit, &FeatureConfig::default(), 0);
        let m = fitted.transform(&[
            decl("A", "010101", 100.0, 1.0, false),
            decl("A", "010101", 1.0, 1.0, false),
        ]);
        let z = m.column("z_unit_price_hs").unwrap();
        assert!(z[0].abs() < 0.5);
        assert!(z[1] < -5.0);
    }
}
