//! Each risk factor, computed for one shipment from the ledger's history.
//! One function per factor, so each can be tested by hand; each returns the
//! factor's strength and the reason in words an inspector can check.

use chrono::{DateTime, TimeDelta, Utc};

use super::config::ModelConfig;
use super::factor::{Factor, Signal};
use super::history::{Counts, History, price_key, route_key};
use super::shipment::{Shipment, hours};
use crate::domain::document::ExciseCategory;
use crate::domain::lifecycle::Status;

/// What was true when the shipment was issued (kept with it, because the
/// history moves on).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AtIssue {
    pub issued_at: Option<DateTime<Utc>>,
    /// Earlier waybills between the same consignor and consignee.
    pub pair_before: u32,
    /// Since when consignor, consignee and carrier were known.
    pub since: [Option<DateTime<Utc>>; 3],
}

/// Inspections of this very waybill, left out of its parties' record when
/// scoring it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OwnInspections {
    pub inspections: u32,
    pub irregular: u32,
}

pub struct Context<'a> {
    pub history: &'a History,
    pub model: &'a ModelConfig,
    pub now: DateTime<Utc>,
}

pub fn all(s: &Shipment, at_issue: &AtIssue, own: OwnInspections, cx: &Context) -> Vec<Signal> {
    [
        excise_goods(s),
        sensitive_goods(s, cx.model),
        issued_after_departure(s, cx.model),
        changed_late(s, cx.model),
        transit_time(s, cx),
        overdue(s, cx),
        new_party(s, at_issue, cx.model),
        new_pair(at_issue),
        consignee_rejections(s, cx),
        consignor_cancellations(s, cx),
        consignor_corrections(s, cx),
        shared_plate(s, cx.history),
        value_per_kg(s, cx),
        implausible_weight(s, cx.model),
        circular_flow(s, cx),
        inspection_history(s, own, cx),
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub fn excise_goods(s: &Shipment) -> Option<Signal> {
    let mut kinds: Vec<&str> = s
        .lines
        .iter()
        .filter_map(|l| l.excise)
        .map(|e| match e {
            ExciseCategory::Alcohol => "alcohol",
            ExciseCategory::Tobacco => "tobacco",
            ExciseCategory::Energy => "energy products",
        })
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    (!kinds.is_empty()).then(|| {
        Signal::new(
            Factor::ExciseGoods,
            1.0,
            format!("carries excise goods ({})", kinds.join(", ")),
        )
    })
}

pub fn sensitive_goods(s: &Shipment, model: &ModelConfig) -> Option<Signal> {
    let mut hits: Vec<String> = Vec::new();
    for line in &s.lines {
        let Some(code) = line.cn_code.as_deref() else {
            continue;
        };
        if let Some((prefix, what)) = model
            .sensitive_cn
            .iter()
            .find(|(prefix, _)| code.starts_with(prefix.as_str()))
        {
            let hit = format!("CN {prefix}: {what}");
            if !hits.contains(&hit) {
                hits.push(hit);
            }
        }
    }
    (!hits.is_empty()).then(|| {
        Signal::new(
            Factor::SensitiveGoods,
            1.0,
            format!("goods on the high-risk list ({})", hits.join("; ")),
        )
    })
}

pub fn issued_after_departure(s: &Shipment, model: &ModelConfig) -> Option<Signal> {
    let issued = s.timeline.issued_at?;
    let late = issued - s.planned_departure;
    if late <= TimeDelta::minutes(model.thresholds.late_issue_grace_minutes) {
        return None;
    }
    Some(Signal::new(
        Factor::IssuedAfterDeparture,
        1.0 + hours(late) / 24.0,
        format!(
            "document issued {} after the planned departure",
            duration_words(late)
        ),
    ))
}

pub fn changed_late(s: &Shipment, model: &ModelConfig) -> Option<Signal> {
    let window = TimeDelta::seconds((model.thresholds.late_change_hours * 3600.0) as i64);
    let judge = |what: &str, at: DateTime<Utc>| -> Option<String> {
        if at > s.planned_departure {
            Some(format!(
                "{what} {} after the planned departure",
                duration_words(at - s.planned_departure)
            ))
        } else if s.planned_arrival - at < window {
            Some(format!(
                "{what} {} before the planned arrival",
                duration_words(s.planned_arrival - at)
            ))
        } else {
            None
        }
    };
    let mut reasons: Vec<String> = s
        .timeline
        .corrected_at
        .iter()
        .filter_map(|at| judge("document corrected", *at))
        .collect();
    if let Some(at) = s.timeline.cancelled_at
        && let Some(r) = judge("cancelled", at)
    {
        reasons.push(r);
    }
    (!reasons.is_empty()).then(|| {
        Signal::new(
            Factor::ChangedLate,
            reasons.len() as f64,
            reasons.join("; "),
        )
    })
}

pub fn transit_time(s: &Shipment, cx: &Context) -> Option<Signal> {
    let t = &cx.model.thresholds;
    let route = cx.history.routes.get(&route_key(s))?;
    if route.len() < t.route_min_samples {
        return None;
    }
    let median = route.median().exp();
    let (what, h) = match s.actual_hours() {
        Some(h) => ("actual", h),
        None => ("planned", s.planned_hours()),
    };
    if h <= 0.0 || median <= 0.0 {
        return None;
    }
    let ratio = h / median;
    if ratio < t.transit_ratio_high && ratio > t.transit_ratio_low {
        return None;
    }
    let pace = if ratio >= t.transit_ratio_high {
        "slow"
    } else {
        "fast"
    };
    Some(Signal::new(
        Factor::TransitTime,
        ratio.ln().abs() / t.transit_ratio_high.ln(),
        format!(
            "{what} transit {h:.1} h is {} the median {median:.1} h for {} -> {} (too {pace} for the route)",
            times(ratio),
            city(&s.from),
            city(&s.to)
        ),
    ))
}

pub fn overdue(s: &Shipment, cx: &Context) -> Option<Signal> {
    if s.status != Status::InTransit {
        return None;
    }
    let over = cx.now - s.planned_arrival;
    if hours(over) < cx.model.thresholds.overdue_hours {
        return None;
    }
    Some(Signal::new(
        Factor::Overdue,
        1.0 + hours(over) / 24.0,
        format!(
            "still in transit {} after the planned arrival",
            duration_words(over)
        ),
    ))
}

pub fn new_party(s: &Shipment, at_issue: &AtIssue, model: &ModelConfig) -> Option<Signal> {
    let issued = at_issue.issued_at?;
    let limit = TimeDelta::days(model.thresholds.new_party_days);
    let roles = [
        ("consignor", &s.consignor),
        ("consignee", &s.consignee),
        ("carrier", &s.carrier),
    ];
    let reasons: Vec<String> = roles
        .iter()
        .zip(at_issue.since)
        .filter_map(|((role, party), since)| match since {
            None => Some(format!(
                "{role} {} had no history before this shipment",
                party.name
            )),
            Some(since) if issued - since < limit => Some(format!(
                "{role} {} known for only {} before this shipment",
                party.name,
                duration_words(issued - since)
            )),
            Some(_) => None,
        })
        .collect();
    (!reasons.is_empty())
        .then(|| Signal::new(Factor::NewParty, reasons.len() as f64, reasons.join("; ")))
}

pub fn new_pair(at_issue: &AtIssue) -> Option<Signal> {
    (at_issue.issued_at.is_some() && at_issue.pair_before == 0).then(|| {
        Signal::new(
            Factor::NewPair,
            1.0,
            "first shipment between these two companies",
        )
    })
}

/// A party's rate shrunk toward the overall rate: `(k + m p) / (n + m)`,
/// so a company with few shipments stays close to everyone else.
pub fn shrunk_rate(k: u32, n: u32, overall: f64, strength: f64) -> f64 {
    (f64::from(k) + strength * overall) / (f64::from(n) + strength)
}

/// The strength of a rate signal: ln(shrunk / overall), when the shrunk rate
/// is at least `min_ratio` times the overall rate.
fn rate_signal(
    factor: Factor,
    k: u32,
    n: u32,
    overall: (u32, u32),
    cx: &Context,
    words: impl FnOnce(f64, f64) -> String,
) -> Option<Signal> {
    let t = &cx.model.thresholds;
    if n == 0 || overall.1 == 0 {
        return None;
    }
    // Half a case in the overall rate keeps it off zero on a young ledger.
    let p = (f64::from(overall.0) + 0.5) / (f64::from(overall.1) + 1.0);
    let shrunk = shrunk_rate(k, n, p, t.rate_prior_strength);
    let ratio = shrunk / p;
    (ratio >= t.rate_min_ratio).then(|| Signal::new(factor, ratio.ln(), words(shrunk, p)))
}

pub fn consignee_rejections(s: &Shipment, cx: &Context) -> Option<Signal> {
    let party = cx.history.parties.get(&s.consignee.reg_no)?;
    // This shipment's own answer is not evidence about itself.
    let own = u32::from(s.timeline.concluded_at.is_some());
    let own_rejected = u32::from(s.status == Status::Rejected);
    let (k, n) = (
        party.counts.rejected - own_rejected,
        party.counts.concluded - own,
    );
    let totals = cx.history.totals;
    rate_signal(
        Factor::ConsigneeRejections,
        k,
        n,
        (totals.rejected - own_rejected, totals.concluded - own),
        cx,
        |shrunk, p| {
            format!(
                "consignee {} rejected {k} of {n} shipments (shrunk rate {} vs {} overall)",
                s.consignee.name,
                percent(shrunk),
                percent(p)
            )
        },
    )
}

pub fn consignor_cancellations(s: &Shipment, cx: &Context) -> Option<Signal> {
    let own = s.timeline.cancelled_at.is_some();
    consignor_rate(
        s,
        cx,
        Factor::ConsignorCancellations,
        "cancelled",
        own,
        |c| c.cancelled,
    )
}

pub fn consignor_corrections(s: &Shipment, cx: &Context) -> Option<Signal> {
    let own = !s.timeline.corrected_at.is_empty();
    consignor_rate(s, cx, Factor::ConsignorCorrections, "corrected", own, |c| {
        c.corrected
    })
}

/// A consignor's rate of waybills it `verb` among its others: this
/// shipment (`own`) is left out of both its record and the overall one.
fn consignor_rate(
    s: &Shipment,
    cx: &Context,
    factor: Factor,
    verb: &str,
    own: bool,
    count: impl Fn(&Counts) -> u32,
) -> Option<Signal> {
    let party = cx.history.parties.get(&s.consignor.reg_no)?;
    let own = u32::from(own);
    let issued_before = party.counts.issued.saturating_sub(1);
    let k = count(&party.counts) - own;
    let overall = count(&cx.history.totals);
    rate_signal(
        factor,
        k,
        issued_before,
        (overall - own, cx.history.totals.issued.saturating_sub(1)),
        cx,
        |shrunk, p| {
            format!(
                "consignor {} {verb} {k} of its other {issued_before} waybills (shrunk rate {} vs {} overall)",
                s.consignor.name,
                percent(shrunk),
                percent(p)
            )
        },
    )
}

pub fn shared_plate(s: &Shipment, history: &History) -> Option<Signal> {
    let mut reasons = Vec::new();
    for plate in &s.plates {
        let Some(trips) = history.plates.get(plate) else {
            continue;
        };
        let clash = trips.iter().find(|t| {
            t.waybill != s.id
                && t.carrier != s.carrier.reg_no
                && t.from < s.planned_arrival
                && s.planned_departure < t.to
        });
        if let Some(t) = clash {
            reasons.push(format!(
                "plate {plate} is also on a trip of another carrier ({}) at the same time",
                t.carrier_name
            ));
        }
    }
    (!reasons.is_empty()).then(|| {
        Signal::new(
            Factor::SharedPlate,
            reasons.len() as f64,
            reasons.join("; "),
        )
    })
}

pub fn value_per_kg(s: &Shipment, cx: &Context) -> Option<Signal> {
    let t = &cx.model.thresholds;
    let mut worst: Option<(f64, String)> = None;
    for line in &s.lines {
        let Some(heading) = line.heading() else {
            continue;
        };
        if line.kg <= 0.0 || line.amount <= 0.0 {
            continue;
        }
        let Some(sample) = cx.history.prices.get(&price_key(heading, &s.currency)) else {
            continue;
        };
        if sample.len() < t.value_per_kg_min_samples {
            continue;
        }
        let per_kg = line.amount / line.kg;
        let z = sample.robust_z(per_kg.ln());
        if z.abs() < t.value_per_kg_z {
            continue;
        }
        if worst.as_ref().is_none_or(|(w, _)| z.abs() > *w) {
            let median = sample.median().exp();
            worst = Some((
                z.abs(),
                format!(
                    "declared value per kg is {} the median for CN {heading} ({per_kg:.2} vs {median:.2} {}/kg)",
                    times(per_kg / median),
                    s.currency
                ),
            ));
        }
    }
    let (z, reason) = worst?;
    Some(Signal::new(
        Factor::ValuePerKg,
        z / t.value_per_kg_z,
        reason,
    ))
}

pub fn implausible_weight(s: &Shipment, model: &ModelConfig) -> Option<Signal> {
    let t = &model.thresholds;
    let (limit, vehicle) = if s.has_trailer {
        (t.max_gross_kg_with_trailer, "a road train")
    } else {
        (t.max_gross_kg_without_trailer, "a truck without a trailer")
    };
    (s.gross_kg > limit).then(|| {
        Signal::new(
            Factor::ImplausibleWeight,
            s.gross_kg / limit,
            format!(
                "gross weight {:.0} kg is more than the {limit:.0} kg {vehicle} may carry",
                s.gross_kg
            ),
        )
    })
}

/// Goods of one CN heading that come back to the consignor through at most
/// `cycle_max_companies` companies within the window: the shape of VAT
/// carousel fraud. Returns are not part of any cycle.
pub fn circular_flow(s: &Shipment, cx: &Context) -> Option<Signal> {
    if s.is_return() {
        return None;
    }
    let t = &cx.model.thresholds;
    let window = TimeDelta::days(t.cycle_window_days);
    let lo = s.planned_departure - window;
    let hi = s.planned_departure + window;
    let mut headings: Vec<&str> = s.lines.iter().filter_map(|l| l.heading()).collect();
    headings.sort_unstable();
    headings.dedup();
    for heading in headings {
        let mut path = vec![s.consignor.reg_no.as_str(), s.consignee.reg_no.as_str()];
        if find_cycle(
            cx.history,
            heading,
            &mut path,
            t.cycle_max_companies,
            lo,
            hi,
        ) {
            let names = &path;
            return Some(Signal::new(
                Factor::CircularFlow,
                1.0,
                format!(
                    "goods of CN {heading} go round in a circle between {} companies within {} days: {} -> {}",
                    path.len(),
                    t.cycle_window_days,
                    names.join(" -> "),
                    names[0]
                ),
            ));
        }
    }
    None
}

/// Depth-first search from the last company in `path` back to the first.
fn find_cycle<'h>(
    history: &'h History,
    heading: &str,
    path: &mut Vec<&'h str>,
    max: usize,
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
) -> bool {
    let Some(last) = path.last().copied() else {
        return false;
    };
    let Some(edges) = history.flows.get(&(heading.to_owned(), last.to_owned())) else {
        return false;
    };
    for edge in edges.iter().filter(|e| e.at >= lo && e.at <= hi) {
        if edge.to == path[0] {
            return true;
        }
        if path.len() < max && !path.contains(&edge.to.as_str()) {
            path.push(edge.to.as_str());
            if find_cycle(history, heading, path, max, lo, hi) {
                return true;
            }
            path.pop();
        }
    }
    false
}

pub fn inspection_history(s: &Shipment, own: OwnInspections, cx: &Context) -> Option<Signal> {
    let t = &cx.model.thresholds;
    let totals = cx.history.totals;
    let (all_k, all_n) = (
        totals.irregular - own.irregular,
        totals.inspections - own.inspections,
    );
    // The overall rate needs enough inspections to be trusted; until then
    // the configured prior stands in for it.
    let p = if all_n >= 50 {
        f64::from(all_k) / f64::from(all_n)
    } else {
        t.prior_irregular_rate
    }
    .clamp(0.001, 0.999);
    let mut best: Option<(f64, String)> = None;
    let mut seen: Vec<&str> = Vec::new();
    for (role, party) in [
        ("consignor", &s.consignor),
        ("consignee", &s.consignee),
        ("carrier", &s.carrier),
    ] {
        if seen.contains(&party.reg_no.as_str()) {
            continue;
        }
        seen.push(&party.reg_no);
        let Some(h) = cx.history.parties.get(&party.reg_no) else {
            continue;
        };
        let n = h.counts.inspections - own.inspections;
        let k = h.counts.irregular - own.irregular;
        if n == 0 {
            continue;
        }
        let shrunk = shrunk_rate(k, n, p, t.inspection_prior_strength);
        let ratio = shrunk / p;
        if ratio >= t.rate_min_ratio && best.as_ref().is_none_or(|(r, _)| ratio > *r) {
            best = Some((
                ratio,
                format!(
                    "{role} {}: irregularities found in {k} of {n} inspections (shrunk rate {} vs {} overall)",
                    party.name,
                    percent(shrunk),
                    percent(p)
                ),
            ));
        }
    }
    let (ratio, reason) = best?;
    Some(Signal::new(Factor::InspectionHistory, ratio.ln(), reason))
}

fn duration_words(d: TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    match minutes {
        0..=1 => "1 minute".to_owned(),
        2..=119 => format!("{minutes} minutes"),
        120..=2879 => format!("{} hours", minutes / 60),
        _ => format!("{} days", minutes / 1440),
    }
}

fn times(ratio: f64) -> String {
    if ratio >= 10.0 {
        format!("{ratio:.0}x")
    } else if ratio >= 1.0 {
        format!("{ratio:.1}x")
    } else {
        format!("{ratio:.2}x")
    }
}

fn percent(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

fn city(place: &str) -> &str {
    place.split_once('/').map_or(place, |(_, c)| c)
}

#[cfg(test)]
#[path = "signals_tests.rs"]
mod tests;
