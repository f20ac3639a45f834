//! The irregular patterns planted in generated traffic. Each is a scheme
//! inspectors know from the anchors' reports; docs/risk.md describes them
//! and which factors should (and should not be able to) reveal them.

use chrono::TimeDelta;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::catalog::CATALOG;
use super::{ActsPlan, Outcome, Trip, World};
use crate::domain::document::TransactionType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Alcohol, tobacco or fuel declared at a fraction of its value, often
    /// by a recently registered trader.
    ExciseUndervalued,
    /// High-value electronics going round a ring of 3-4 young companies,
    /// over-invoiced (VAT carousel).
    Carousel,
    /// The document is issued only after the truck left (when stopped), and
    /// sometimes corrected on the road.
    LateDocument,
    /// A phantom carrier uses a real carrier's plate on an overlapping trip.
    ClonedPlate,
    /// A rigid truck declared with a load no truck without a trailer may carry.
    Overweight,
    /// Issued to cover a trip, never accepted by a carrier, cancelled around
    /// arrival, by consignors who do it repeatedly.
    CancelAfterDelivery,
    /// Goods sent to front companies that reject much of what they get.
    DumpingConsignee,
}

impl Pattern {
    pub const ALL: [Pattern; 7] = [
        Pattern::ExciseUndervalued,
        Pattern::Carousel,
        Pattern::LateDocument,
        Pattern::ClonedPlate,
        Pattern::Overweight,
        Pattern::CancelAfterDelivery,
        Pattern::DumpingConsignee,
    ];

    /// Share of all shipments planted with this pattern.
    fn share(self) -> f64 {
        match self {
            Pattern::ExciseUndervalued => 0.005,
            Pattern::Carousel => 0.004,
            Pattern::LateDocument => 0.004,
            Pattern::ClonedPlate => 0.003,
            Pattern::Overweight => 0.0025,
            Pattern::CancelAfterDelivery => 0.004,
            Pattern::DumpingConsignee => 0.003,
        }
    }
}

crate::text_enum!(Pattern);

/// The companies behind the schemes.
pub(crate) struct Plan {
    pub items: Vec<Pattern>,
    grey_traders: Vec<(usize, Vec<usize>)>,
    rings: Vec<Vec<usize>>,
    phantoms: Vec<usize>,
    cancellers: Vec<usize>,
    dumps: Vec<usize>,
}

fn groups_for(n: usize, per: usize) -> usize {
    (n / per).max(2)
}

impl Plan {
    pub fn new(world: &mut World, n: usize) -> Plan {
        let mut items = Vec::new();
        for p in Pattern::ALL {
            let count = (n as f64 * p.share()).round().max(1.0) as usize;
            items.extend(std::iter::repeat_n(p, count));
        }
        let start = world.config.start;
        let recent = |world: &mut World, c: usize| {
            let days = world.rng.random_range(0..60);
            world.companies[c].registered_at = start - TimeDelta::days(days);
        };
        let mut grey_traders = Vec::new();
        for _ in 0..groups_for(n, 4000) {
            let s = world.rng.random_range(0..world.shippers.len());
            let company = world.shippers[s].company;
            if world.rng.random_bool(0.5) {
                recent(world, company);
            }
            let customers = (0..world.rng.random_range(2..6))
                .map(|_| world.receivers[world.rng.random_range(0..world.receivers.len())])
                .collect();
            grey_traders.push((company, customers));
        }
        let mut rings = Vec::new();
        for _ in 0..groups_for(n, 5000) {
            let size = world.rng.random_range(3..5);
            let ring: Vec<usize> = (0..size)
                .map(|_| world.receivers[world.rng.random_range(0..world.receivers.len())])
                .collect();
            for &c in &ring {
                if world.rng.random_bool(0.7) {
                    recent(world, c);
                }
            }
            rings.push(ring);
        }
        let mut phantoms = Vec::new();
        for _ in 0..groups_for(n, 6000) {
            let c = world.receivers[world.rng.random_range(0..world.receivers.len())];
            recent(world, c);
            phantoms.push(c);
        }
        let cancellers = (0..groups_for(n, 5000))
            .map(|_| world.shippers[world.rng.random_range(0..world.shippers.len())].company)
            .collect();
        let dumps = (0..groups_for(n, 7000))
            .map(|_| world.receivers[world.rng.random_range(0..world.receivers.len())])
            .collect();
        Plan {
            items,
            grey_traders,
            rings,
            phantoms,
            cancellers,
            dumps,
        }
    }

    pub fn plant_all(self, world: &mut World) {
        let mut ring_turn = vec![0usize; self.rings.len()];
        for pattern in self.items.clone() {
            match pattern {
                Pattern::Carousel => {
                    let r = world.rng.random_range(0..self.rings.len());
                    let ring = &self.rings[r];
                    let leg = ring_turn[r] % ring.len();
                    ring_turn[r] += 1;
                    let trip = self.carousel_trip(world, ring, leg, r);
                    plant_trip(world, trip, pattern, None);
                }
                _ => self.plant(world, pattern),
            }
        }
    }

    fn plant(&self, world: &mut World, pattern: Pattern) {
        let mut trip = world.ordinary_trip();
        trip.transaction_type = TransactionType::Sale;
        let mut plan: Option<PlanFn> = None;
        match pattern {
            Pattern::ExciseUndervalued => {
                let (trader, customers) =
                    &self.grey_traders[world.rng.random_range(0..self.grey_traders.len())];
                trip.consignor = *trader;
                trip.consignee = customers[world.rng.random_range(0..customers.len())];
                trip.goods = excise_goods(world);
                trip.price_factor = world.rng.random_range(0.08..0.3);
            }
            Pattern::LateDocument => {
                if world.rng.random_bool(0.5) {
                    trip.goods = excise_goods(world);
                }
                let corrected = world.rng.random_bool(0.3);
                plan = Some(Box::new(move |world, trip| {
                    let mut p = world.ordinary_acts(trip);
                    p.issue_at =
                        trip.departure + TimeDelta::minutes(world.rng.random_range(20..360));
                    p.corrected_at = corrected.then(|| p.issue_at + TimeDelta::minutes(5));
                    p.accept_at = p.issue_at + TimeDelta::minutes(15);
                    p.arrival = p.arrival.max(p.accept_at + TimeDelta::minutes(30));
                    p.concluded_at = p.concluded_at.max(p.arrival);
                    p.outcome = Outcome::Delivered;
                    p
                }));
            }
            Pattern::ClonedPlate => {
                // Copy the plate and time of a real trip already generated.
                let victim = world.rng.random_range(0..world.shipments.len().max(1));
                if let Some(v) = world.shipments.get(victim) {
                    trip.plate = (
                        v.document.transport.vehicle_plate.clone(),
                        v.document.transport.trailer_plate.is_some(),
                    );
                    trip.departure = v.document.loading.planned_at
                        + TimeDelta::minutes(world.rng.random_range(-60..60));
                }
                trip.carrier = self.phantoms[world.rng.random_range(0..self.phantoms.len())];
                if world.rng.random_bool(0.6) {
                    trip.goods = excise_goods(world);
                }
            }
            Pattern::Overweight => {
                trip.plate.1 = false;
                trip.lines = 1;
                let target = world.rng.random_range(30_000.0..42_000.0);
                trip.weight_factor = target / CATALOG[trip.goods].line_kg;
            }
            Pattern::CancelAfterDelivery => {
                trip.consignor = self.cancellers[world.rng.random_range(0..self.cancellers.len())];
                plan = Some(Box::new(|world, trip| {
                    let mut p = world.ordinary_acts(trip);
                    p.corrected_at = None;
                    p.outcome = Outcome::CancelledLate;
                    p.cancel_at =
                        Some(p.arrival + TimeDelta::minutes(world.rng.random_range(-90..60)));
                    p
                }));
            }
            Pattern::DumpingConsignee => {
                trip.consignee = self.dumps[world.rng.random_range(0..self.dumps.len())];
                let rejected = world.rng.random_bool(0.5);
                plan = Some(Box::new(move |world, trip| {
                    let mut p = world.ordinary_acts(trip);
                    p.outcome = if rejected {
                        Outcome::Rejected
                    } else {
                        Outcome::Delivered
                    };
                    p
                }));
            }
            Pattern::Carousel => {}
        }
        if trip.consignor == trip.consignee {
            trip.consignee = world.receivers[world.rng.random_range(0..world.receivers.len())];
        }
        plant_trip(world, trip, pattern, plan);
    }

    /// The same goods go round: each ring trades one heading.
    fn carousel_trip(&self, world: &mut World, ring: &[usize], leg: usize, r: usize) -> Trip {
        let mut trip = world.ordinary_trip();
        trip.consignor = ring[leg];
        trip.consignee = ring[(leg + 1) % ring.len()];
        trip.transaction_type = TransactionType::Sale;
        trip.goods = CATALOG
            .iter()
            .position(|g| {
                g.cn_code
                    .starts_with(if r.is_multiple_of(2) { "8517" } else { "8471" })
            })
            .unwrap_or(0);
        trip.price_factor = world.rng.random_range(1.5..3.0);
        trip
    }
}

type PlanFn = Box<dyn FnOnce(&mut World, &Trip) -> ActsPlan>;

fn plant_trip(world: &mut World, trip: Trip, pattern: Pattern, plan: Option<PlanFn>) {
    let acts = match plan {
        Some(f) => f(world, &trip),
        None => {
            let mut p = world.ordinary_acts(&trip);
            if matches!(
                p.outcome,
                Outcome::CancelledBeforeDeparture | Outcome::Declined
            ) {
                p.outcome = Outcome::Delivered;
            }
            p
        }
    };
    let shipment = world.build(trip, acts, Some(pattern), true);
    world.shipments.push(shipment);
}

fn excise_goods(world: &mut World) -> usize {
    let excise: Vec<usize> = CATALOG
        .iter()
        .enumerate()
        .filter(|(_, g)| g.excise.is_some())
        .map(|(i, _)| i)
        .collect();
    excise[world.rng.random_range(0..excise.len())]
}
