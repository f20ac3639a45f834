//! Synthetic but realistic road-freight traffic for evaluating and
//! demonstrating the risk ranking: a month of waybills between a few
//! thousand companies, with documented irregular patterns planted in it
//! (docs/risk.md lists them) and honest look-alikes that make them hard.
//!
//! Deterministic for a seed (ChaCha8). Every document passes the domain's
//! validation and every act sequence the lifecycle, so the traffic can be
//! loaded through the real API (`ewaybill fixtures generate --out`).

pub mod catalog;
mod patterns;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::document::{
    Address, GoodsLine, PartyRef, Place, Totals, TransactionType, Transport, WaybillDocument,
};
use crate::domain::lifecycle::ActType;
use crate::domain::validation::{line_vat, round_money};
use catalog::{CATALOG, Goods, NAME_ENDINGS, NAME_STEMS, TOWNS, distance_km};
pub use patterns::Pattern;

#[derive(Debug, Clone)]
pub struct GeneratorConfig {
    pub seed: u64,
    pub waybills: usize,
    /// Default: one company per 8 waybills, between 100 and 5,000.
    pub companies: Option<usize>,
    pub start: DateTime<Utc>,
    pub days: i64,
}

impl GeneratorConfig {
    pub fn new(seed: u64, waybills: usize) -> Self {
        GeneratorConfig {
            seed,
            waybills,
            companies: None,
            start: Utc
                .with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            days: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyKind {
    Shipper,
    Receiver,
    Carrier,
}

#[derive(Debug, Clone)]
pub struct Company {
    pub handle: String,
    pub reg_no: String,
    pub name: String,
    pub town: usize,
    pub kind: CompanyKind,
    pub registered_at: DateTime<Utc>,
    /// Carriers: their trucks (plate, has a trailer).
    pub fleet: Vec<(String, bool)>,
}

impl Company {
    pub fn party_ref(&self) -> PartyRef {
        let town = &TOWNS[self.town];
        PartyRef {
            reg_no: self.reg_no.clone(),
            country: town.country.to_owned(),
            name: self.name.clone(),
            address: Some(format!("{} iela 1, {}", self.name, town.name)),
        }
    }
}

/// One act of a generated waybill, by the party that would sign it.
#[derive(Debug, Clone)]
pub struct PlannedAct {
    pub act_type: ActType,
    pub at: DateTime<Utc>,
    pub actor: usize,
    pub body: Value,
}

#[derive(Debug, Clone)]
pub struct GeneratedShipment {
    pub id: Uuid,
    pub document: WaybillDocument,
    /// In time order; the first is `consignor.issue` with the document.
    pub acts: Vec<PlannedAct>,
    /// The planted pattern, if any.
    pub pattern: Option<Pattern>,
    /// Ground truth: what an inspection would find.
    pub irregular: bool,
}

pub struct Traffic {
    pub companies: Vec<Company>,
    pub shipments: Vec<GeneratedShipment>,
}

/// The traffic as the generator builds it: companies, who ships what to
/// whom, and the shipments so far.
pub(crate) struct World {
    pub rng: ChaCha8Rng,
    pub config: GeneratorConfig,
    pub companies: Vec<Company>,
    pub shippers: Vec<Shipper>,
    pub receivers: Vec<usize>,
    pub shipments: Vec<GeneratedShipment>,
}

pub(crate) struct Shipper {
    pub company: usize,
    pub goods: usize,
    pub customers: Vec<usize>,
    pub carriers: Vec<usize>,
    pub activity: f64,
}

/// What one ordinary trip looks like before it becomes a document.
pub(crate) struct Trip {
    pub consignor: usize,
    pub consignee: usize,
    pub carrier: usize,
    pub plate: (String, bool),
    pub goods: usize,
    pub lines: usize,
    pub departure: DateTime<Utc>,
    pub transaction_type: TransactionType,
    /// Multiplies the honest price per kg (planted under- or over-valuation).
    pub price_factor: f64,
    /// Multiplies the honest weight.
    pub weight_factor: f64,
}

pub fn generate(config: GeneratorConfig) -> Traffic {
    let mut world = World::new(config);
    let n = world.config.waybills;
    let planted = patterns::Plan::new(&mut world, n);
    let ordinary = n.saturating_sub(planted.items.len());
    for _ in 0..ordinary {
        let trip = world.ordinary_trip();
        let noise = world.rng.random_bool(0.003);
        world.ordinary_shipment(trip, noise);
    }
    planted.plant_all(&mut world);
    world
        .shipments
        .sort_by_key(|s| s.acts.first().map(|a| a.at).unwrap_or_default());
    Traffic {
        companies: world.companies,
        shipments: world.shipments,
    }
}

impl World {
    fn new(config: GeneratorConfig) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let count = config
            .companies
            .unwrap_or((config.waybills / 8).clamp(100, 5000));
        let mut companies = Vec::with_capacity(count);
        let town_weights: Vec<f64> = TOWNS.iter().map(|t| t.weight).collect();
        for i in 0..count {
            let kind = match i % 50 {
                0..=2 => CompanyKind::Carrier,
                3..=17 => CompanyKind::Shipper,
                _ => CompanyKind::Receiver,
            };
            let town = pick_weighted(&mut rng, &town_weights);
            // Most companies are years old; a few registered this month.
            let age_days = if rng.random_bool(0.03) {
                rng.random_range(0..40)
            } else {
                rng.random_range(200..5000)
            };
            let mut fleet = Vec::new();
            if kind == CompanyKind::Carrier {
                for _ in 0..rng.random_range(2..25) {
                    fleet.push((plate(&mut rng), rng.random_bool(0.6)));
                }
            }
            companies.push(Company {
                handle: format!("c{i:05}"),
                reg_no: format!("4{:010}", 3_000_000_000u64 / 3 + i as u64),
                name: company_name(&mut rng, i),
                town,
                kind,
                registered_at: config.start - TimeDelta::days(age_days),
                fleet,
            });
        }
        let of = |k: CompanyKind| -> Vec<usize> {
            companies
                .iter()
                .enumerate()
                .filter(|(_, c)| c.kind == k)
                .map(|(i, _)| i)
                .collect()
        };
        let receivers = of(CompanyKind::Receiver);
        let carriers = of(CompanyKind::Carrier);
        let goods_weights: Vec<f64> = CATALOG.iter().map(|g| g.share).collect();
        let activity = LogNormal::new(0.0, 1.0).unwrap_or_else(|_| unreachable_dist());
        let shippers = of(CompanyKind::Shipper)
            .into_iter()
            .map(|company| {
                let goods = pick_weighted(&mut rng, &goods_weights);
                let n_customers = rng.random_range(3..40);
                let customers = (0..n_customers)
                    .map(|_| receivers[rng.random_range(0..receivers.len())])
                    .collect();
                let n_carriers = rng.random_range(1..4);
                let carriers = (0..n_carriers)
                    .map(|_| carriers[rng.random_range(0..carriers.len())])
                    .collect();
                Shipper {
                    company,
                    goods,
                    customers,
                    carriers,
                    activity: activity.sample(&mut rng),
                }
            })
            .collect();
        World {
            rng,
            config,
            companies,
            shippers,
            receivers,
            shipments: Vec::new(),
        }
    }

    pub fn random_departure(&mut self) -> DateTime<Utc> {
        let day = self.rng.random_range(0..self.config.days);
        let minute = self.rng.random_range(5 * 60..20 * 60);
        self.config.start + TimeDelta::days(day) + TimeDelta::minutes(minute)
    }

    fn ordinary_trip(&mut self) -> Trip {
        let weights: Vec<f64> = self.shippers.iter().map(|s| s.activity).collect();
        let s = pick_weighted(&mut self.rng, &weights);
        let shipper = &self.shippers[s];
        // Customers follow a power law: the first few get most shipments.
        let c = ((self.rng.random::<f64>().powi(3)) * shipper.customers.len() as f64) as usize;
        let consignee = shipper.customers[c.min(shipper.customers.len() - 1)];
        let carrier = shipper.carriers[self.rng.random_range(0..shipper.carriers.len())];
        let goods = if self.rng.random_bool(0.85) {
            shipper.goods
        } else {
            self.rng.random_range(0..CATALOG.len())
        };
        let consignor = shipper.company;
        let fleet = &self.companies[carrier].fleet;
        let plate = fleet[self.rng.random_range(0..fleet.len())].clone();
        let returning = self.rng.random_bool(0.02);
        let (consignor, consignee) = if returning {
            (consignee, consignor)
        } else {
            (consignor, consignee)
        };
        Trip {
            consignor,
            consignee,
            carrier,
            plate,
            goods,
            lines: 1
                + usize::from(self.rng.random_bool(0.3))
                + usize::from(self.rng.random_bool(0.1)),
            departure: self.random_departure(),
            transaction_type: if returning {
                TransactionType::Return
            } else {
                TransactionType::Sale
            },
            price_factor: 1.0,
            weight_factor: 1.0,
        }
    }

    /// An honest shipment (or, with `noise`, an irregular one that leaves no
    /// trace in the data: some fraud is invisible to any model).
    fn ordinary_shipment(&mut self, trip: Trip, noise: bool) {
        let mut acts_plan = self.ordinary_acts(&trip);
        // Honest look-alikes of the planted patterns.
        if self.rng.random_bool(0.005) {
            let late = TimeDelta::minutes(self.rng.random_range(16..90));
            acts_plan.issue_at = trip.departure + late;
            acts_plan.corrected_at = None;
            acts_plan.accept_at = acts_plan
                .accept_at
                .max(acts_plan.issue_at + TimeDelta::minutes(2));
        }
        let shipment = self.build(trip, acts_plan, None, noise);
        self.shipments.push(shipment);
    }

    pub fn transit_hours(&mut self, from: usize, to: usize) -> f64 {
        let d = distance_km(
            &TOWNS[self.companies[from].town],
            &TOWNS[self.companies[to].town],
        );
        // Loading and unloading take an hour; trucks average ~60 km/h on
        // Baltic roads, with some spread for traffic and rest stops.
        (1.0 + d * 1.25 / 60.0) * self.rng.random_range(0.9..1.25)
    }

    pub fn ordinary_acts(&mut self, trip: &Trip) -> ActsPlan {
        let transit = self.transit_hours(trip.consignor, trip.consignee);
        let arrival = trip.departure + hours(transit);
        let issue_at = trip.departure - hours(self.rng.random_range(0.5..36.0));
        let lead = trip.departure - issue_at;
        let corrected = (lead > hours(2.0) && self.rng.random_bool(0.03))
            .then(|| issue_at + (lead - hours(1.0)) / 2);
        let outcome = match self.rng.random_range(0..1000) {
            0..=9 => Outcome::CancelledBeforeDeparture,
            10..=17 => Outcome::Declined,
            18..=32 => Outcome::Rejected,
            33..=62 => Outcome::Partial,
            _ => Outcome::Delivered,
        };
        let accept_at = trip.departure + TimeDelta::minutes(self.rng.random_range(-20..10));
        let vehicle_change = self.rng.random_bool(0.005);
        ActsPlan {
            issue_at,
            corrected_at: corrected,
            accept_at: accept_at.max(issue_at + TimeDelta::minutes(1)),
            arrival,
            concluded_at: arrival + TimeDelta::minutes(self.rng.random_range(5..90)),
            outcome,
            cancel_at: None,
            vehicle_change,
        }
    }

    /// The document and the acts of one trip.
    pub fn build(
        &mut self,
        trip: Trip,
        plan: ActsPlan,
        pattern: Option<Pattern>,
        irregular: bool,
    ) -> GeneratedShipment {
        let n = self.shipments.len();
        let id = Uuid::new_v5(
            &Uuid::NAMESPACE_OID,
            format!("ewaybill-generated:{}:{n}", self.config.seed).as_bytes(),
        );
        let document = self.document(&trip, &plan, n);
        let consignor = trip.consignor;
        let mut acts = vec![PlannedAct {
            act_type: ActType::ConsignorIssue,
            at: plan.issue_at,
            actor: consignor,
            body: serde_json::to_value(&document).unwrap_or(Value::Null),
        }];
        if let Some(at) = plan.corrected_at {
            let mut corrected = document.clone();
            corrected.notes = Some("Delivery slot moved at the consignee's request".into());
            acts.push(PlannedAct {
                act_type: ActType::ConsignorCorrect,
                at,
                actor: consignor,
                body: serde_json::to_value(&corrected).unwrap_or(Value::Null),
            });
        }
        let reason = |r: &str| json!({ "reason": r });
        match plan.outcome {
            Outcome::CancelledBeforeDeparture => acts.push(PlannedAct {
                act_type: ActType::ConsignorCancel,
                at: plan
                    .cancel_at
                    .unwrap_or(plan.accept_at - TimeDelta::minutes(30)),
                actor: consignor,
                body: reason("order cancelled by the customer"),
            }),
            Outcome::CancelledLate => acts.push(PlannedAct {
                act_type: ActType::ConsignorCancel,
                at: plan.cancel_at.unwrap_or(plan.arrival),
                actor: consignor,
                body: reason("issued by mistake"),
            }),
            Outcome::Declined => {
                acts.push(PlannedAct {
                    act_type: ActType::CarrierDecline,
                    at: plan.accept_at,
                    actor: trip.carrier,
                    body: reason("no truck available"),
                });
                acts.push(PlannedAct {
                    act_type: ActType::ConsignorCancel,
                    at: plan.accept_at + TimeDelta::minutes(20),
                    actor: consignor,
                    body: reason("carrier declined; reissued with another carrier"),
                });
            }
            Outcome::Delivered | Outcome::Partial | Outcome::Rejected => {
                acts.push(PlannedAct {
                    act_type: ActType::CarrierAccept,
                    at: plan.accept_at,
                    actor: trip.carrier,
                    body: json!({ "reservations": [] }),
                });
                if plan.vehicle_change {
                    let fleet = &self.companies[trip.carrier].fleet;
                    let (p, trailer) = if fleet.is_empty() {
                        trip.plate.clone()
                    } else {
                        fleet[self.rng.random_range(0..fleet.len())].clone()
                    };
                    acts.push(PlannedAct {
                        act_type: ActType::CarrierChangeVehicle,
                        at: vehicle_change_at(&plan),
                        actor: trip.carrier,
                        body: json!({
                            "vehicle_plate": p,
                            "trailer_plate": trailer.then(|| format!("{p}-T")),
                            "vehicle_country": TOWNS[self.companies[trip.carrier].town].country,
                            "reason": "breakdown",
                        }),
                    });
                }
                let (act_type, body) = match plan.outcome {
                    Outcome::Rejected => (ActType::ConsigneeReject, reason("goods not as ordered")),
                    Outcome::Partial => {
                        let line = &document.lines[0];
                        let received = (line.quantity * Decimal::new(9, 1)).round_dp(3);
                        (
                            ActType::ConsigneeAccept,
                            json!({ "lines": [{
                                "line_no": 1,
                                "received_quantity": received.normalize().to_string(),
                                "note": "part of the load damaged"
                            }] }),
                        )
                    }
                    _ => (ActType::ConsigneeAccept, json!({ "lines": [] })),
                };
                acts.push(PlannedAct {
                    act_type,
                    at: plan
                        .concluded_at
                        .max(plan.accept_at + TimeDelta::minutes(5)),
                    actor: trip.consignee,
                    body,
                });
            }
        }
        // Nothing can happen before the waybill exists.
        let earliest = plan.issue_at + TimeDelta::minutes(1);
        for act in acts.iter_mut().skip(1) {
            act.at = act.at.max(earliest);
        }
        acts.sort_by_key(|a| a.at);
        GeneratedShipment {
            id,
            document,
            acts,
            pattern,
            irregular,
        }
    }

    fn document(&mut self, trip: &Trip, plan: &ActsPlan, n: usize) -> WaybillDocument {
        let goods: &Goods = &CATALOG[trip.goods];
        let from = &self.companies[trip.consignor];
        let to = &self.companies[trip.consignee];
        let carrier = &self.companies[trip.carrier];
        let price = LogNormal::new(goods.eur_per_kg.ln(), goods.price_sigma)
            .unwrap_or_else(|_| unreachable_dist());
        let kg = LogNormal::new(goods.line_kg.ln(), goods.kg_sigma)
            .unwrap_or_else(|_| unreachable_dist());
        let mut lines = Vec::with_capacity(trip.lines);
        for i in 0..trip.lines {
            let net_kg = (kg.sample(&mut self.rng) / trip.lines as f64 * trip.weight_factor)
                .clamp(5.0, 30_000.0 * trip.weight_factor);
            let per_kg = price.sample(&mut self.rng) * trip.price_factor;
            let quantity = dec((net_kg / goods.kg_per_unit).max(1.0), 0);
            let unit_price = dec(per_kg * goods.kg_per_unit, 3).max(Decimal::new(1, 3));
            let net = dec(net_kg, 1).max(Decimal::ONE);
            let mut line = GoodsLine {
                line_no: (i + 1) as u32,
                description: goods.description.to_owned(),
                cn_code: Some(goods.cn_code.to_owned()),
                quantity,
                unit: goods.unit.to_owned(),
                gross_weight_kg: (net * Decimal::new(105, 2)).round_dp(1),
                net_weight_kg: Some(net),
                unit_price,
                vat_rate: Decimal::from(goods.vat_rate),
                amount: round_money(quantity * unit_price),
                packages: None,
                excise_category: goods.excise,
                dangerous_goods_un: goods.dangerous_un.map(str::to_owned),
            };
            line.amount = round_money(line.quantity * line.unit_price);
            lines.push(line);
        }
        let net_amount: Decimal = lines.iter().map(|l| l.amount).sum();
        let vat_amount: Decimal = lines.iter().map(line_vat).sum();
        let weight: Decimal = lines.iter().map(|l| l.gross_weight_kg).sum();
        let place = |c: &Company, at: DateTime<Utc>| {
            let town = &TOWNS[c.town];
            Place {
                address: Address {
                    line: format!("{} noliktava", c.name),
                    city: town.name.to_owned(),
                    postal_code: Some(town.postal.to_owned()),
                    country: town.country.to_owned(),
                },
                planned_at: at,
            }
        };
        let (vehicle, trailer) = &trip.plate;
        WaybillDocument {
            number: format!("G{}-{n:07}", self.config.seed),
            issue_date: plan.issue_at.date_naive(),
            transaction_type: trip.transaction_type,
            consignor: from.party_ref(),
            consignee: to.party_ref(),
            carrier: carrier.party_ref(),
            loading: place(from, trip.departure),
            unloading: place(to, plan.arrival),
            transport: Transport {
                vehicle_plate: vehicle.clone(),
                trailer_plate: trailer.then(|| format!("{vehicle}-T")),
                vehicle_country: TOWNS[carrier.town].country.to_owned(),
                driver_name: None,
            },
            currency: "EUR".to_owned(),
            totals: Totals {
                net_amount,
                vat_amount,
                gross_amount: net_amount + vat_amount,
                gross_weight_kg: weight,
            },
            lines,
            references: Vec::new(),
            notes: None,
        }
    }
}

/// When each act of a trip happens and how it ends.
#[derive(Debug, Clone)]
pub(crate) struct ActsPlan {
    pub issue_at: DateTime<Utc>,
    pub corrected_at: Option<DateTime<Utc>>,
    pub accept_at: DateTime<Utc>,
    pub arrival: DateTime<Utc>,
    pub concluded_at: DateTime<Utc>,
    pub outcome: Outcome,
    pub cancel_at: Option<DateTime<Utc>>,
    pub vehicle_change: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Delivered,
    Partial,
    Rejected,
    Declined,
    CancelledBeforeDeparture,
    /// Never accepted by a carrier in the system; cancelled around arrival.
    CancelledLate,
}

/// Halfway between the carrier's acceptance and the arrival, and after the
/// acceptance even when a late document left no time before the arrival.
fn vehicle_change_at(plan: &ActsPlan) -> DateTime<Utc> {
    if plan.arrival > plan.accept_at + TimeDelta::minutes(4) {
        plan.accept_at + (plan.arrival - plan.accept_at) / 2
    } else {
        plan.accept_at + TimeDelta::minutes(2)
    }
}

pub(crate) fn hours(h: f64) -> TimeDelta {
    TimeDelta::seconds((h * 3600.0) as i64)
}

fn dec(x: f64, dp: u32) -> Decimal {
    Decimal::from_f64(x)
        .map(|d| d.round_dp(dp))
        .unwrap_or(Decimal::ONE)
}

pub(crate) fn pick_weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn plate(rng: &mut ChaCha8Rng) -> String {
    let letter = |rng: &mut ChaCha8Rng| char::from(b'A' + rng.random_range(0..26u8));
    format!(
        "{}{}-{:04}",
        letter(rng),
        letter(rng),
        rng.random_range(1..10_000)
    )
}

fn company_name(rng: &mut ChaCha8Rng, i: usize) -> String {
    let stem = NAME_STEMS[rng.random_range(0..NAME_STEMS.len())];
    let ending = NAME_ENDINGS[rng.random_range(0..NAME_ENDINGS.len())];
    format!("{stem}{ending} {i} SIA")
}

/// The distributions above have constant, valid parameters.
fn unreachable_dist() -> LogNormal<f64> {
    LogNormal::new(0.0, 1.0).unwrap_or_else(|_| unreachable!("LogNormal(0, 1) is valid"))
}

#[cfg(test)]
mod tests;
