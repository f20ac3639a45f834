//! One test per factor, with expectations worked out by hand.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::domain::document::TransactionType;
use crate::risk::history::FlowEdge;
use crate::risk::shipment::{LineFacts, PartyFacts, Timeline};

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap() + TimeDelta::hours(h)
}

fn party(reg: &str) -> PartyFacts {
    PartyFacts {
        reg_no: reg.into(),
        name: format!("Company {reg}"),
    }
}

fn line(cn: &str, amount: f64, kg: f64) -> LineFacts {
    LineFacts {
        cn_code: Some(cn.into()),
        excise: None,
        amount,
        kg,
    }
}

/// Departs at 08:00, arrives at 12:00, Riga -> Jelgava, 1 line of furniture.
fn shipment() -> Shipment {
    Shipment {
        id: Uuid::from_u128(1),
        number: "A-1".into(),
        status: Status::InTransit,
        consignor: party("A"),
        consignee: party("B"),
        carrier: party("C"),
        transaction_type: TransactionType::Sale,
        currency: "EUR".into(),
        lines: vec![line("94036010", 1000.0, 100.0)],
        gross_kg: 120.0,
        has_trailer: false,
        from: "LV/RIGA".into(),
        to: "LV/JELGAVA".into(),
        planned_departure: t(8),
        planned_arrival: t(12),
        plates: vec!["AB1234".into()],
        timeline: Timeline {
            issued_at: Some(t(7)),
            accepted_at: Some(t(8)),
            ..Timeline::default()
        },
    }
}

fn model() -> ModelConfig {
    ModelConfig::default_model().unwrap()
}

fn cx<'a>(history: &'a History, model: &'a ModelConfig, now: DateTime<Utc>) -> Context<'a> {
    Context {
        history,
        model,
        now,
    }
}

#[test]
fn excise_goods_names_the_categories() {
    let mut s = shipment();
    assert_eq!(excise_goods(&s), None);
    s.lines[0].excise = Some(ExciseCategory::Alcohol);
    let sig = excise_goods(&s).unwrap();
    assert_eq!(sig.value, 1.0);
    assert_eq!(sig.reason, "carries excise goods (alcohol)");
}

#[test]
fn sensitive_goods_by_cn_prefix() {
    let mut s = shipment();
    assert_eq!(sensitive_goods(&s, &model()), None);
    s.lines[0].cn_code = Some("85171300".into());
    let sig = sensitive_goods(&s, &model()).unwrap();
    assert!(
        sig.reason.contains("CN 8517: mobile phones"),
        "{}",
        sig.reason
    );
}

#[test]
fn issued_40_minutes_after_departure() {
    let mut s = shipment();
    assert_eq!(issued_after_departure(&s, &model()), None);
    s.timeline.issued_at = Some(t(8) + TimeDelta::minutes(10));
    assert_eq!(issued_after_departure(&s, &model()), None, "within grace");
    s.timeline.issued_at = Some(t(8) + TimeDelta::minutes(40));
    let sig = issued_after_departure(&s, &model()).unwrap();
    assert_eq!(
        sig.reason,
        "document issued 40 minutes after the planned departure"
    );
    // 1 + (40/60)/24
    assert!((sig.value - (1.0 + 40.0 / 60.0 / 24.0)).abs() < 1e-9);
}

#[test]
fn corrected_after_departure_and_cancelled_before_arrival() {
    let mut s = shipment();
    s.timeline.corrected_at = vec![t(5)];
    assert_eq!(changed_late(&s, &model()), None, "3 h before departure");
    s.timeline.corrected_at = vec![t(8) + TimeDelta::minutes(40)];
    s.timeline.cancelled_at = Some(t(12) - TimeDelta::minutes(25));
    let sig = changed_late(&s, &model()).unwrap();
    assert_eq!(sig.value, 2.0);
    assert_eq!(
        sig.reason,
        "document corrected 40 minutes after the planned departure; cancelled 3 hours after the planned departure"
    );
    // Before departure but within 2 h of the planned arrival.
    let mut short = shipment();
    short.planned_departure = t(11) + TimeDelta::minutes(45);
    short.timeline.cancelled_at = Some(t(12) - TimeDelta::minutes(25));
    let sig = changed_late(&short, &model()).unwrap();
    assert_eq!(
        sig.reason,
        "cancelled 25 minutes before the planned arrival"
    );
}

#[test]
fn transit_time_against_the_route_median() {
    let model = model();
    let mut h = History::default();
    // 10 trips of 2 h on the route: median 2 h.
    for _ in 0..10 {
        h.routes
            .entry("LV/RIGA>LV/JELGAVA".into())
            .or_default()
            .add(2f64.ln());
    }
    let s = shipment(); // planned 4 h = 2.0x: below 2.5x
    assert_eq!(transit_time(&s, &cx(&h, &model, t(9))), None);
    let mut slow = shipment();
    slow.planned_arrival = t(8 + 10); // 10 h = 5x
    let sig = transit_time(&slow, &cx(&h, &model, t(9))).unwrap();
    assert_eq!(
        sig.reason,
        "planned transit 10.0 h is 5.0x the median 2.0 h for RIGA -> JELGAVA (too slow for the route)"
    );
    assert!((sig.value - 5f64.ln() / 2.5f64.ln()).abs() < 1e-9);
    let mut fast = shipment();
    fast.timeline.concluded_at = Some(t(8) + TimeDelta::minutes(30)); // 0.25x
    let sig = transit_time(&fast, &cx(&h, &model, t(9))).unwrap();
    assert!(
        sig.reason.starts_with("actual transit 0.5 h is 0.25x"),
        "{}",
        sig.reason
    );
    // Too few samples: no opinion.
    let mut few = History::default();
    few.routes
        .entry("LV/RIGA>LV/JELGAVA".into())
        .or_default()
        .add(2f64.ln());
    assert_eq!(transit_time(&slow, &cx(&few, &model, t(9))), None);
}

#[test]
fn overdue_only_in_transit() {
    let model = model();
    let h = History::default();
    let s = shipment();
    assert_eq!(overdue(&s, &cx(&h, &model, t(12 + 5))), None);
    let sig = overdue(&s, &cx(&h, &model, t(12 + 9))).unwrap();
    assert_eq!(
        sig.reason,
        "still in transit 9 hours after the planned arrival"
    );
    let mut done = shipment();
    done.status = Status::Delivered;
    assert_eq!(overdue(&done, &cx(&h, &model, t(12 + 9))), None);
}

#[test]
fn new_parties_counted_per_role() {
    let s = shipment();
    let old = t(7) - TimeDelta::days(400);
    let at_issue = AtIssue {
        issued_at: Some(t(7)),
        pair_before: 3,
        since: [Some(old), Some(t(7) - TimeDelta::days(3)), None],
    };
    let sig = new_party(&s, &at_issue, &model()).unwrap();
    assert_eq!(sig.value, 2.0);
    assert_eq!(
        sig.reason,
        "consignee Company B known for only 3 days before this shipment; carrier Company C had no history before this shipment"
    );
    assert_eq!(new_pair(&at_issue), None);
    let first = AtIssue {
        pair_before: 0,
        ..at_issue
    };
    assert_eq!(
        new_pair(&first).unwrap().reason,
        "first shipment between these two companies"
    );
}

#[test]
fn shrinkage_by_hand() {
    // (6 + 20 * 0.03) / (20 + 20) = 0.165
    assert!((shrunk_rate(6, 20, 0.03, 20.0) - 0.165).abs() < 1e-12);
    // One rejection in one shipment barely moves a company: (1 + 0.6) / 21
    assert!(shrunk_rate(1, 1, 0.03, 20.0) < 0.08);
}

#[test]
fn consignee_rejection_rate_excludes_the_shipment_itself() {
    let model = model();
    let mut h = History::default();
    // Overall: 100 answers, 4 rejections. B: 6 of 20.
    h.totals.concluded = 100;
    h.totals.rejected = 4;
    let b = h.party("B");
    b.counts.concluded = 20;
    b.counts.rejected = 6;
    let s = shipment();
    let sig = consignee_rejections(&s, &cx(&h, &model, t(9))).unwrap();
    // p = 4.5/101 = 0.04455; shrunk = (6 + 20p)/40 = 0.17228; ratio 3.867
    let p: f64 = 4.5 / 101.0;
    let shrunk = (6.0 + 20.0 * p) / 40.0;
    assert!((sig.value - (shrunk / p).ln()).abs() < 1e-9);
    assert_eq!(
        sig.reason,
        "consignee Company B rejected 6 of 20 shipments (shrunk rate 17.2% vs 4.5% overall)"
    );
    // If this very shipment was the rejected one, it counts 5 of 19.
    let mut rejected = shipment();
    rejected.status = Status::Rejected;
    rejected.timeline.concluded_at = Some(t(12));
    let sig = consignee_rejections(&rejected, &cx(&h, &model, t(13))).unwrap();
    assert!(sig.reason.contains("rejected 5 of 19"), "{}", sig.reason);
    // An ordinary consignee: no signal.
    let c = h.party("B");
    c.counts.rejected = 1;
    assert_eq!(consignee_rejections(&s, &cx(&h, &model, t(9))), None);
}

#[test]
fn consignor_cancellation_and_correction_rates() {
    let model = model();
    let mut h = History::default();
    h.totals.issued = 1001;
    h.totals.cancelled = 10;
    h.totals.corrected = 30;
    let a = h.party("A");
    a.counts.issued = 41; // 40 others plus this one
    a.counts.cancelled = 12;
    a.counts.corrected = 1;
    let s = shipment();
    let sig = consignor_cancellations(&s, &cx(&h, &model, t(9))).unwrap();
    assert!(
        sig.reason.contains("cancelled 12 of its other 40 waybills"),
        "{}",
        sig.reason
    );
    assert_eq!(consignor_corrections(&s, &cx(&h, &model, t(9))), None);
}

#[test]
fn shared_plate_needs_another_carrier_at_the_same_time() {
    let mut h = History::default();
    let s = shipment();
    h.add_plates(&s);
    assert_eq!(shared_plate(&s, &h), None, "its own trip");
    let mut own_fleet = shipment();
    own_fleet.id = Uuid::from_u128(2);
    h.add_plates(&own_fleet);
    assert_eq!(shared_plate(&s, &h), None, "same carrier, another trip");
    let mut later = shipment();
    later.id = Uuid::from_u128(3);
    later.carrier = party("X");
    later.planned_departure = t(12);
    later.planned_arrival = t(14);
    h.add_plates(&later);
    assert_eq!(
        shared_plate(&s, &h),
        None,
        "back to back is not at the same time"
    );
    let mut clone = shipment();
    clone.id = Uuid::from_u128(4);
    clone.carrier = party("Y");
    clone.planned_departure = t(10);
    clone.planned_arrival = t(16);
    h.add_plates(&clone);
    let sig = shared_plate(&s, &h).unwrap();
    assert_eq!(
        sig.reason,
        "plate AB1234 is also on a trip of another carrier (Company Y) at the same time"
    );
}

#[test]
fn value_per_kg_robust_outlier() {
    let model = model();
    let mut h = History::default();
    // 30 beers at 1, 2 or 4 EUR/kg (log-median ln 2, MAD ln 2).
    let sample = h.prices.entry("2203/EUR".into()).or_default();
    for i in 0..30 {
        sample.add([1.0f64, 2.0, 4.0][i % 3].ln());
    }
    let mut s = shipment();
    s.lines = vec![line("22030001", 2400.0, 200.0)]; // 12 EUR/kg = 6x
    // z = ln(6) / (1.4826 ln 2) = 1.74: not an outlier with this spread.
    assert_eq!(value_per_kg(&s, &cx(&h, &model, t(9))), None);
    s.lines = vec![line("22030001", 20000.0, 100.0)]; // 200 EUR/kg = 100x
    let sig = value_per_kg(&s, &cx(&h, &model, t(9))).unwrap();
    let z = 100f64.ln() / (1.4826 * 2f64.ln());
    assert!((sig.value - z / 3.5).abs() < 1e-9);
    assert_eq!(
        sig.reason,
        "declared value per kg is 100x the median for CN 2203 (200.00 vs 2.00 EUR/kg)"
    );
    s.lines = vec![line("22030001", 1.0, 100.0)]; // 0.01 EUR/kg
    let sig = value_per_kg(&s, &cx(&h, &model, t(9))).unwrap();
    assert!(sig.reason.contains("is 0.01x the median"), "{}", sig.reason);
    s.currency = "PLN".into();
    assert_eq!(
        value_per_kg(&s, &cx(&h, &model, t(9))),
        None,
        "other currency"
    );
}

#[test]
fn weight_limits_depend_on_the_trailer() {
    let mut s = shipment();
    s.gross_kg = 30000.0;
    let sig = implausible_weight(&s, &model()).unwrap();
    assert_eq!(
        sig.reason,
        "gross weight 30000 kg is more than the 26000 kg a truck without a trailer may carry"
    );
    s.has_trailer = true;
    assert_eq!(implausible_weight(&s, &model()), None);
}

#[test]
fn a_three_company_circle_is_found_and_returns_do_not_count() {
    let model = model();
    let mut h = History::default();
    let edge = |h: &mut History, from: &str, to: &str, at| {
        h.flows
            .entry(("9403".into(), from.into()))
            .or_default()
            .push(FlowEdge { to: to.into(), at });
    };
    edge(&mut h, "A", "B", t(8));
    edge(&mut h, "B", "Q", t(30));
    let s = shipment();
    assert_eq!(circular_flow(&s, &cx(&h, &model, t(9))), None);
    edge(&mut h, "Q", "A", t(50));
    let sig = circular_flow(&s, &cx(&h, &model, t(9))).unwrap();
    assert_eq!(
        sig.reason,
        "goods of CN 9403 go round in a circle between 3 companies within 30 days: A -> B -> Q -> A"
    );
    let mut ret = shipment();
    ret.transaction_type = TransactionType::Return;
    assert_eq!(circular_flow(&ret, &cx(&h, &model, t(9))), None);
    // Outside the window it is just trade.
    let mut h2 = History::default();
    edge(&mut h2, "B", "A", t(8) + TimeDelta::days(45));
    assert_eq!(circular_flow(&s, &cx(&h2, &model, t(9))), None);
}

#[test]
fn inspection_history_shrunk_and_own_inspection_excluded() {
    let model = model();
    let mut h = History::default();
    // Fewer than 50 inspections overall: the prior 10% stands.
    h.add_inspection(["A", "B", "C"], true);
    h.add_inspection(["A", "D", "E"], true);
    h.add_inspection(["A", "F", "G"], false);
    let s = shipment();
    let sig = inspection_history(&s, OwnInspections::default(), &cx(&h, &model, t(9))).unwrap();
    // A: (2 + 5 * 0.1) / (3 + 5) = 0.3125 -> ratio 3.125
    assert!((sig.value - 3.125f64.ln()).abs() < 1e-9);
    assert_eq!(
        sig.reason,
        "consignor Company A: irregularities found in 2 of 3 inspections (shrunk rate 31.2% vs 10.0% overall)"
    );
    // If the first inspection was of this very waybill, A has 1 of 2:
    // (1 + 0.5) / 7 = 0.214 -> ratio 2.14; B and C have none left.
    let own = OwnInspections {
        inspections: 1,
        irregular: 1,
    };
    let sig = inspection_history(&s, own, &cx(&h, &model, t(9))).unwrap();
    assert!(sig.reason.contains("1 of 2 inspections"), "{}", sig.reason);
}
