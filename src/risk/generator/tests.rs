use super::*;
use crate::domain::validation::validate_document;

#[test]
fn documents_are_valid_and_acts_in_order() {
    let traffic = generate(GeneratorConfig::new(3, 3000));
    assert_eq!(traffic.shipments.len(), 3000);
    for s in &traffic.shipments {
        let errors = validate_document(&s.document);
        assert!(errors.is_empty(), "{}: {errors:?}", s.document.number);
        assert_eq!(s.acts[0].act_type, ActType::ConsignorIssue);
        assert!(s.acts.windows(2).all(|w| w[0].at <= w[1].at));
    }
}

#[test]
fn the_same_seed_gives_the_same_traffic() {
    let a = generate(GeneratorConfig::new(9, 500));
    let b = generate(GeneratorConfig::new(9, 500));
    let c = generate(GeneratorConfig::new(10, 500));
    let docs = |t: &Traffic| -> Vec<WaybillDocument> {
        t.shipments.iter().map(|s| s.document.clone()).collect()
    };
    assert_eq!(docs(&a), docs(&b));
    assert_ne!(docs(&a), docs(&c));
}

#[test]
fn every_pattern_is_planted_at_about_its_share() {
    let traffic = generate(GeneratorConfig::new(1, 20_000));
    for p in Pattern::ALL {
        let n = traffic
            .shipments
            .iter()
            .filter(|s| s.pattern == Some(p))
            .count();
        assert!((40..=110).contains(&n), "{p:?}: {n}");
    }
    let irregular = traffic.shipments.iter().filter(|s| s.irregular).count();
    let rate = irregular as f64 / 20_000.0;
    assert!((0.02..0.04).contains(&rate), "{rate}");
}

#[test]
fn a_vehicle_change_comes_after_the_acceptance_even_on_a_short_late_trip() {
    let at = GeneratorConfig::new(1, 100).start;
    let plan = ActsPlan {
        issue_at: at,
        corrected_at: None,
        accept_at: at + TimeDelta::minutes(30),
        // The late document left the arrival before the acceptance.
        arrival: at + TimeDelta::minutes(20),
        concluded_at: at + TimeDelta::minutes(25),
        outcome: Outcome::Delivered,
        cancel_at: None,
        vehicle_change: true,
    };
    assert_eq!(vehicle_change_at(&plan), at + TimeDelta::minutes(32));
    let long = ActsPlan {
        arrival: at + TimeDelta::hours(4),
        ..plan
    };
    assert_eq!(
        vehicle_change_at(&long),
        at + TimeDelta::minutes(30) + (TimeDelta::hours(4) - TimeDelta::minutes(30)) / 2
    );
}
