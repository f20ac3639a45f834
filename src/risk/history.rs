//! What the ledger has seen so far, aggregated for the risk factors: each
//! party's track record, price and transit-time distributions, which trucks
//! were where, and which goods flowed between whom.
//!
//! Everything here only grows as events and inspection outcomes arrive in
//! time order, so scoring at a moment uses nothing from that moment's future.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::shipment::Shipment;

#[derive(Debug, Default)]
pub struct History {
    pub parties: HashMap<String, PartyHistory>,
    pub pairs: HashMap<(String, String), u32>,
    /// ln(value per kg) per "CN heading/currency".
    pub prices: HashMap<String, RobustSample>,
    /// ln(planned hours) per route "from>to".
    pub routes: HashMap<String, RobustSample>,
    pub plates: HashMap<String, Vec<PlateTrip>>,
    /// Goods flows per (CN heading, consignor): to whom, when.
    pub flows: HashMap<(String, String), Vec<FlowEdge>>,
    pub totals: Counts,
}

/// A party's record, by registration number.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PartyHistory {
    /// When the party registered with the service, if it did.
    pub registered_at: Option<DateTime<Utc>>,
    /// Its first waybill in any role.
    pub first_seen: Option<DateTime<Utc>>,
    pub counts: Counts,
}

impl PartyHistory {
    /// Since when the party has been around: registration, else first waybill.
    pub fn since(&self) -> Option<DateTime<Utc>> {
        match (self.registered_at, self.first_seen) {
            (Some(r), Some(f)) => Some(r.min(f)),
            (r, f) => r.or(f),
        }
    }
}

impl Counts {
    fn add_inspection(&mut self, irregular: bool) {
        self.inspections += 1;
        self.irregular += u32::from(irregular);
    }
}

/// What happened to the waybills of one party, or (as [`History::totals`])
/// of all of them.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Counts {
    /// Waybills issued as consignor.
    pub issued: u32,
    pub cancelled: u32,
    /// Waybills corrected at least once.
    pub corrected: u32,
    /// Waybills answered as consignee (accepted or rejected).
    pub concluded: u32,
    pub rejected: u32,
    /// Inspections of waybills naming the party, and how many found
    /// irregularities.
    pub inspections: u32,
    pub irregular: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlateTrip {
    pub waybill: Uuid,
    pub carrier: String,
    pub carrier_name: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlowEdge {
    pub to: String,
    pub at: DateTime<Utc>,
}

/// A sample with a median and median absolute deviation kept current as it
/// grows (recomputed on every 5% of growth, so adding stays cheap).
#[derive(Debug, Default, Clone)]
pub struct RobustSample {
    values: Vec<f64>,
    median: f64,
    mad: f64,
    fresh_until: usize,
}

impl RobustSample {
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        self.values.push(value);
        if self.values.len() > self.fresh_until {
            self.refresh();
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn median(&self) -> f64 {
        self.median
    }

    /// The robust z-score: distance from the median in MADs scaled to a
    /// normal's standard deviation. Zero spread gives an infinite score for
    /// any different value, which the callers cap.
    pub fn robust_z(&self, value: f64) -> f64 {
        let scale = 1.4826 * self.mad;
        if scale > 0.0 {
            (value - self.median) / scale
        } else if value == self.median {
            0.0
        } else {
            f64::INFINITY.copysign(value - self.median)
        }
    }

    fn refresh(&mut self) {
        let mut v = self.values.clone();
        self.median = median_in_place(&mut v);
        for x in v.iter_mut() {
            *x = (*x - self.median).abs();
        }
        self.mad = median_in_place(&mut v);
        let n = self.values.len();
        self.fresh_until = if n < 200 { n } else { n + n / 20 };
    }
}

fn median_in_place(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *m;
    if v.len() % 2 == 1 {
        return upper;
    }
    let lower = v[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lower + upper) / 2.0
}

pub fn route_key(s: &Shipment) -> String {
    format!("{}>{}", s.from, s.to)
}

pub fn price_key(heading: &str, currency: &str) -> String {
    format!("{heading}/{currency}")
}

impl History {
    pub fn party(&mut self, reg_no: &str) -> &mut PartyHistory {
        self.parties.entry(reg_no.to_owned()).or_default()
    }

    pub fn register_party(&mut self, reg_no: &str, at: DateTime<Utc>) {
        let party = self.party(reg_no);
        party.registered_at = Some(party.registered_at.map_or(at, |r| r.min(at)));
    }

    pub fn pair_count(&self, consignor: &str, consignee: &str) -> u32 {
        self.pairs
            .get(&(consignor.to_owned(), consignee.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// A new waybill: every aggregate that depends on issuing.
    pub fn add_issued(&mut self, s: &Shipment, at: DateTime<Utc>) {
        for reg in [&s.consignor.reg_no, &s.consignee.reg_no, &s.carrier.reg_no] {
            let party = self.party(reg);
            party.first_seen = Some(party.first_seen.map_or(at, |f| f.min(at)));
        }
        self.count(&s.consignor.reg_no, |c| c.issued += 1);
        *self
            .pairs
            .entry((s.consignor.reg_no.clone(), s.consignee.reg_no.clone()))
            .or_default() += 1;
        for line in &s.lines {
            if let Some(heading) = line.heading()
                && line.kg > 0.0
                && line.amount > 0.0
            {
                self.prices
                    .entry(price_key(heading, &s.currency))
                    .or_default()
                    .add((line.amount / line.kg).ln());
            }
        }
        let planned = s.planned_hours();
        if planned > 0.0 {
            self.routes
                .entry(route_key(s))
                .or_default()
                .add(planned.ln());
        }
        self.add_plates(s);
        if !s.is_return() {
            let mut headings: Vec<&str> = s.lines.iter().filter_map(|l| l.heading()).collect();
            headings.sort_unstable();
            headings.dedup();
            for heading in headings {
                self.flows
                    .entry((heading.to_owned(), s.consignor.reg_no.clone()))
                    .or_default()
                    .push(FlowEdge {
                        to: s.consignee.reg_no.clone(),
                        at: s.planned_departure,
                    });
            }
        }
    }

    /// Records the trip for every plate of the shipment not yet recorded.
    pub fn add_plates(&mut self, s: &Shipment) {
        for plate in &s.plates {
            let trips = self.plates.entry(plate.clone()).or_default();
            if !trips.iter().any(|t| t.waybill == s.id) {
                trips.push(PlateTrip {
                    waybill: s.id,
                    carrier: s.carrier.reg_no.clone(),
                    carrier_name: s.carrier.name.clone(),
                    from: s.planned_departure,
                    to: s.planned_arrival,
                });
            }
        }
    }

    /// Counts something for one party and in the totals.
    fn count(&mut self, reg_no: &str, add: impl Fn(&mut Counts)) {
        add(&mut self.party(reg_no).counts);
        add(&mut self.totals);
    }

    pub fn add_cancelled(&mut self, consignor: &str) {
        self.count(consignor, |c| c.cancelled += 1);
    }

    pub fn add_first_correction(&mut self, consignor: &str) {
        self.count(consignor, |c| c.corrected += 1);
    }

    pub fn add_concluded(&mut self, consignee: &str, rejected: bool) {
        self.count(consignee, |c| {
            c.concluded += 1;
            c.rejected += u32::from(rejected);
        });
    }

    pub fn add_inspection(&mut self, parties: [&str; 3], irregular: bool) {
        let mut seen: Vec<&str> = Vec::with_capacity(3);
        for reg in parties {
            if seen.contains(&reg) {
                continue;
            }
            seen.push(reg);
            self.party(reg).counts.add_inspection(irregular);
        }
        self.totals.add_inspection(irregular);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad_by_hand() {
        let mut s = RobustSample::default();
        for v in [1.0, 2.0, 3.0, 4.0, 100.0] {
            s.add(v);
        }
        // median 3; |x - 3| = 2,1,0,1,97 -> MAD 1
        assert_eq!(s.median(), 3.0);
        assert!((s.robust_z(3.0 + 1.4826) - 1.0).abs() < 1e-9);
        let mut even = RobustSample::default();
        for v in [1.0, 2.0, 3.0, 10.0] {
            even.add(v);
        }
        assert_eq!(even.median(), 2.5);
    }

    #[test]
    fn zero_spread_marks_any_different_value() {
        let mut s = RobustSample::default();
        for _ in 0..5 {
            s.add(2.0);
        }
        assert_eq!(s.robust_z(2.0), 0.0);
        assert_eq!(s.robust_z(3.0), f64::INFINITY);
        assert_eq!(s.robust_z(1.0), f64::NEG_INFINITY);
    }

    #[test]
    fn a_large_sample_stays_within_five_percent_of_fresh() {
        let mut s = RobustSample::default();
        for i in 0..10_000 {
            s.add(f64::from(i));
        }
        assert!((s.median() - 5000.0).abs() < 300.0, "{}", s.median());
    }
}
