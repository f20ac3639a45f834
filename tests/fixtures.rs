//! Checks the demo fixtures in `fixtures/` without a server: parties and
//! their test-only keys, the waybill documents, and the scenarios that
//! `ewaybill demo` plays.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use ewaybill::crypto::KeyPair;
use ewaybill::domain::act::{ActBody, parse_body};
use ewaybill::domain::document::{PartyRef, WaybillDocument, parse_document};
use ewaybill::domain::lifecycle::{ActType, Status, next_status};
use ewaybill::domain::party::Role;
use ewaybill::domain::validation::validate_document;
use serde_json::Value;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read_json(path: &Path) -> Value {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn str_field<'a>(value: &'a Value, field: &str, context: &str) -> &'a str {
    value[field].as_str().unwrap_or_else(|| {
        panic!(
            "{context}: `{field}` must be a string, got {}",
            value[field]
        )
    })
}

/// A party of `parties.json`.
#[derive(Debug)]
struct Party {
    handle: String,
    kind: String,
    name: String,
    reg_no: String,
    country: String,
    key: String,
}

fn parties() -> Vec<Party> {
    let value = read_json(&fixtures_dir().join("parties.json"));
    let entries = value.as_array().expect("parties.json must be an array");
    assert!(!entries.is_empty(), "parties.json is empty");
    entries
        .iter()
        .map(|p| {
            let object = p.as_object().expect("each party must be an object");
            for field in object.keys() {
                assert!(
                    matches!(
                        field.as_str(),
                        "handle"
                            | "kind"
                            | "name"
                            | "reg_no"
                            | "country"
                            | "vat_no"
                            | "address"
                            | "key"
                    ),
                    "unknown field `{field}` in party {p}"
                );
            }
            let context = format!("party {p}");
            let party = Party {
                handle: str_field(p, "handle", &context).to_owned(),
                kind: str_field(p, "kind", &context).to_owned(),
                name: str_field(p, "name", &context).to_owned(),
                reg_no: str_field(p, "reg_no", &context).to_owned(),
                country: str_field(p, "country", &context).to_owned(),
                key: str_field(p, "key", &context).to_owned(),
            };
            if let Some(vat_no) = p.get("vat_no") {
                let vat_no = vat_no.as_str().expect("vat_no must be a string");
                assert_eq!(
                    vat_no,
                    format!("{}{}", party.country, party.reg_no),
                    "{}: vat_no",
                    party.handle
                );
            }
            party
        })
        .collect()
}

fn party<'a>(parties: &'a [Party], handle: &str) -> &'a Party {
    parties
        .iter()
        .find(|p| p.handle == handle)
        .unwrap_or_else(|| panic!("no party `{handle}` in parties.json"))
}

fn load_key(relative: &str) -> KeyPair {
    let path = fixtures_dir().join(relative);
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("key file {} is missing: {e}", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{}: exactly one line", path.display());
    assert_eq!(lines[0].len(), 43, "{}: 43 characters", path.display());
    KeyPair::from_seed_base64url(lines[0])
        .unwrap_or_else(|e| panic!("{}: not a base64url seed: {e}", path.display()))
}

fn is_party(party: &Party, r: &PartyRef) -> bool {
    party.reg_no == r.reg_no && party.country == r.country
}

fn waybill_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(fixtures_dir().join("waybills"))
        .expect("fixtures/waybills must exist")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no waybills in fixtures/waybills");
    paths
}

fn load_document(path: &Path) -> WaybillDocument {
    parse_document(read_json(path))
        .unwrap_or_else(|e| panic!("{}: structural error: {e}", path.display()))
}

#[test]
fn parties_have_unique_handles_and_valid_distinct_keys() {
    let parties = parties();
    let mut handles = HashSet::new();
    let mut registrations = HashSet::new();
    let mut public_keys = HashSet::new();
    for p in &parties {
        assert!(
            handles.insert(p.handle.as_str()),
            "duplicate handle {}",
            p.handle
        );
        assert!(
            registrations.insert((p.reg_no.as_str(), p.country.as_str())),
            "duplicate registration {} {}",
            p.reg_no,
            p.country
        );
        assert!(
            matches!(p.kind.as_str(), "company" | "authority"),
            "{}: kind must be company or authority, got {}",
            p.handle,
            p.kind
        );
        assert!(!p.name.trim().is_empty(), "{}: empty name", p.handle);
        assert_eq!(
            p.key,
            format!("keys/test-only-{}.seed", p.handle),
            "{}: key path",
            p.handle
        );
        let key = load_key(&p.key);
        assert!(
            public_keys.insert(key.public_key().to_base64url()),
            "{}: key is shared with another party",
            p.handle
        );
    }
    assert!(!handles.contains("operator"), "the operator is not a party");
    let operator = load_key("keys/test-only-operator.seed");
    assert!(
        public_keys.insert(operator.public_key().to_base64url()),
        "the operator key is shared with a party"
    );
}

#[test]
fn waybills_are_valid_and_name_registered_companies() {
    let parties = parties();
    let mut numbers = HashSet::new();
    for path in waybill_paths() {
        let doc = load_document(&path);
        let errors = validate_document(&doc);
        assert!(
            errors.is_empty(),
            "{} has validation errors:\n{}",
            path.display(),
            errors
                .iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        for (role, r) in doc.parties() {
            let found = parties.iter().find(|p| is_party(p, r)).unwrap_or_else(|| {
                panic!(
                    "{}: {} {} {} is not in parties.json",
                    path.display(),
                    role.as_str(),
                    r.reg_no,
                    r.country
                )
            });
            assert_eq!(
                found.kind,
                "company",
                "{}: {} must be a company",
                path.display(),
                role.as_str()
            );
            assert_eq!(
                found.name,
                r.name,
                "{}: {} name",
                path.display(),
                role.as_str()
            );
        }
        assert!(
            numbers.insert((doc.consignor.reg_no.clone(), doc.number.clone())),
            "{}: number {} is reused by the same consignor",
            path.display(),
            doc.number
        );
    }
}

#[test]
fn scenarios_are_legal() {
    let parties = parties();
    let value = read_json(&fixtures_dir().join("scenarios.json"));
    let scenarios = value.as_array().expect("scenarios.json must be an array");
    assert!(!scenarios.is_empty(), "scenarios.json is empty");
    let mut finals = BTreeMap::new();
    for scenario in scenarios {
        let document = str_field(scenario, "document", "scenario");
        let path = fixtures_dir().join(document);
        assert!(
            path.is_file(),
            "scenario document {document} does not exist"
        );
        let doc = load_document(&path);

        let consignor = party(&parties, str_field(scenario, "consignor", document));
        assert!(
            is_party(consignor, &doc.consignor),
            "{document}: `{}` is not the consignor",
            consignor.handle
        );
        let mut status = next_status(None, ActType::ConsignorIssue, false)
            .unwrap_or_else(|e| panic!("{document}: {e}"));

        let steps = scenario["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("{document}: steps must be an array"));
        for (i, step) in steps.iter().enumerate() {
            let context = format!("{document} step {i}");
            let act_name = str_field(step, "act", &context);
            let act = ActType::parse(act_name)
                .unwrap_or_else(|_| panic!("{context}: unknown act type {act_name}"));

            let actor = party(&parties, str_field(step, "as", &context));
            let (prefix, _) = act_name.split_once('.').expect("act types have a prefix");
            assert_eq!(prefix, act.role().as_str(), "{context}: act prefix");
            let role_party = match act.role() {
                Role::Consignor => &doc.consignor,
                Role::Carrier => &doc.carrier,
                Role::Consignee => &doc.consignee,
            };
            assert!(
                is_party(actor, role_party),
                "{context}: `{}` is not the {prefix} of the document",
                actor.handle
            );

            let body = parse_body(act, &step["body"])
                .unwrap_or_else(|errors| panic!("{context}: bad body: {errors:?}"));
            let line = |line_no: u32| {
                doc.lines
                    .iter()
                    .find(|l| l.line_no == line_no)
                    .unwrap_or_else(|| panic!("{context}: no line {line_no} in the document"))
            };
            let mut shortfall = false;
            match &body {
                ActBody::CarrierAccept(b) => {
                    for line_no in b.reservations.iter().filter_map(|r| r.line_no) {
                        line(line_no);
                    }
                }
                ActBody::ConsigneeAccept(b) => {
                    for received in &b.lines {
                        let shipped = line(received.line_no).quantity;
                        assert!(
                            received.received_quantity <= shipped,
                            "{context}: line {} received {} > shipped {shipped}",
                            received.line_no,
                            received.received_quantity
                        );
                        shortfall |= received.received_quantity < shipped;
                    }
                }
                _ => {}
            }

            status = next_status(Some(status), act, shortfall)
                .unwrap_or_else(|e| panic!("{context}: {e}"));
        }
        finals.insert(document.to_owned(), status);
    }

    let expected = BTreeMap::from([
        ("waybills/brewery-beer.json", Status::PartiallyAccepted),
        ("waybills/brewery-return.json", Status::Declined),
        ("waybills/fuel-diesel.json", Status::InTransit),
        ("waybills/grocery-transfer.json", Status::Delivered),
        ("waybills/timber-sawn.json", Status::Issued),
    ]);
    let finals: BTreeMap<&str, Status> = finals.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(finals, expected, "final statuses of the scenarios");
}
