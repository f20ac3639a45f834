//! Round trips on our fixtures and imports of the official OASIS examples.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::domain::act::{ConsigneeAcceptBody, ReceivedLine};
use crate::domain::document::{WaybillDocument, parse_document};
use crate::domain::lifecycle::Status;
use crate::domain::projection::{Receipt, ReceivedLineOutcome, WaybillState};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> Vec<(String, WaybillDocument)> {
    let mut paths: Vec<_> = std::fs::read_dir(root().join("fixtures/waybills"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "fixtures not found: {paths:?}");
    paths
        .into_iter()
        .map(|p| {
            let value: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (display(&p), parse_document(value).unwrap())
        })
        .collect()
}

/// The fixture of that file name.
fn fixture(name: &str) -> WaybillDocument {
    let (_, document) = fixtures().into_iter().find(|(n, _)| n == name).unwrap();
    document
}

fn display(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn official(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/data/ubl").join(name)).unwrap()
}

fn invalid(err: UblError) -> (Vec<FieldError>, Value, Vec<ImportNote>) {
    match err {
        UblError::Invalid {
            errors,
            draft,
            notes,
        } => (errors, draft, notes),
        other => panic!("expected Invalid, got {other}"),
    }
}

fn paths(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.path.as_str()).collect()
}

#[test]
fn every_fixture_round_trips_exactly() {
    for (name, document) in fixtures() {
        let xml = despatch_advice(&document, Some(Uuid::nil())).unwrap();
        let back =
            import_despatch_advice(&xml).unwrap_or_else(|e| panic!("{name}: {:?}", invalid(e).0));
        assert_eq!(back.value, document, "{name}");
        // Equal as JSON too: the scale of every decimal survives.
        assert_eq!(
            serde_json::to_value(&back.value).unwrap(),
            serde_json::to_value(&document).unwrap(),
            "{name}"
        );
        // Nothing we write is left unread but the waybill's id, which is not
        // part of the document.
        let unread: Vec<_> = back.notes.iter().map(|n| n.location.as_str()).collect();
        assert_eq!(unread, ["/DespatchAdvice/cbc:UUID"], "{name}");
        // And writing it again gives the same bytes.
        assert_eq!(
            despatch_advice(&back.value, Some(Uuid::nil())).unwrap(),
            xml,
            "{name}"
        );
    }
}

#[test]
fn export_uses_ubl_namespaces_and_elements() {
    let fuel = fixture("fuel-diesel.json");
    let xml = despatch_advice(&fuel, None).unwrap();
    let tree = roxmltree::Document::parse(&xml).unwrap();
    let root = tree.root_element();
    assert_eq!(root.tag_name().namespace(), Some(DESPATCH_ADVICE));
    assert_eq!(root.tag_name().name(), "DespatchAdvice");
    let text = |path: &str| xml::find(root, path).and_then(|n| n.text()).unwrap();
    assert_eq!(text("cbc:UBLVersionID"), "2.1");
    assert_eq!(text("cbc:ID"), "FD-2026-004207");
    assert_eq!(
        text("cac:DespatchSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
        "40000001022"
    );
    assert_eq!(
        text("cac:DeliveryCustomerParty/cac:Party/cac:PartyName/cbc:Name"),
        "Demo Filling Station SIA"
    );
    assert_eq!(
        text("cac:Shipment/cac:Consignment/cac:CarrierParty/cac:PartyLegalEntity/cbc:CompanyID"),
        "40000001088"
    );
    assert_eq!(
        text(
            "cac:Shipment/cac:ShipmentStage/cac:TransportMeans/cac:RoadTransport/cbc:LicensePlateID"
        ),
        "DX-4417"
    );
    assert_eq!(
        text("cac:Shipment/cac:TransportHandlingUnit/cac:TransportEquipment/cbc:ID"),
        "TX-208"
    );
    assert_eq!(
        text("cac:Shipment/cac:Delivery/cac:Despatch/cac:DespatchAddress/cbc:CityName"),
        "Ventspils"
    );
    assert_eq!(
        text("cac:Shipment/cac:Delivery/cac:EstimatedDeliveryPeriod/cbc:StartTime"),
        "09:30:00Z"
    );
    let line = xml::find(root, "cac:DespatchLine").unwrap();
    let quantity = xml::find(line, "cbc:DeliveredQuantity").unwrap();
    assert_eq!(quantity.text(), Some("18452"));
    assert_eq!(quantity.attribute("unitCode"), Some("LTR"));
    let cn = xml::find(
        line,
        "cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode",
    )
    .unwrap();
    assert_eq!(
        (cn.text(), cn.attribute("listID")),
        (Some("27101943"), Some("CN"))
    );
    assert_eq!(
        xml::find(line, "cac:Item/cac:HazardousItem/cbc:UNDGCode").and_then(|n| n.text()),
        Some("1202")
    );
    assert_eq!(
        xml::find(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent").and_then(|n| n.text()),
        Some("21")
    );
}

#[test]
fn hostile_text_is_escaped_and_comes_back() {
    let (_, mut doc) = fixtures().remove(0);
    doc.notes = Some("a < b & \"c\" ]]> 'd'\nsecond line".into());
    doc.consignor.name = "<Evil & Co>".into();
    let xml = despatch_advice(&doc, None).unwrap();
    assert_eq!(import_despatch_advice(&xml).unwrap().value, doc);
}

#[test]
fn official_despatch_advice_imports_what_it_has_and_names_what_is_missing() {
    let xml = official("UBL-DespatchAdvice-2.0-Example.xml");
    let (errors, draft, notes) = invalid(import_despatch_advice(&xml).unwrap_err());

    // What a plain UBL DespatchAdvice carries comes across.
    assert_eq!(draft["number"], "565899");
    assert_eq!(draft["issue_date"], "2005-06-20");
    assert_eq!(draft["notes"], "sample");
    assert_eq!(
        draft["consignor"],
        json!({"reg_no": "175 269 2355", "name": "Consortial", "country": "GB",
               "address": "56A Busy Street, Thereabouts, The Roundabout, Farthing, AA99 1BB, Heremouthshire"})
    );
    assert_eq!(draft["consignee"]["reg_no"], "12356478");
    assert_eq!(draft["consignee"]["name"], "IYT Corporation");
    assert_eq!(
        draft["unloading"],
        json!({"address": {"line": "Avon Way 56A", "city": "Bridgtow", "postal_code": "ZZ99 1ZZ", "country": "GB"},
               "planned_at": "2005-06-20T10:30:47Z"})
    );
    assert_eq!(
        draft["references"],
        json!([{"kind": "order", "number": "AEG012345", "date": "2005-06-20"}])
    );
    assert_eq!(draft["lines"][0]["line_no"], 1);
    assert_eq!(draft["lines"][0]["description"], "Acme beeswax");
    assert_eq!(draft["lines"][0]["quantity"], "90");
    assert_eq!(draft["lines"][0]["unit"], "KGM");

    // What a waybill needs by law and the example lacks is named, with paths.
    assert_eq!(
        paths(&errors),
        [
            "transaction_type",
            "carrier",
            "loading.address",
            "loading.planned_at",
            "transport.vehicle_plate",
            "transport.vehicle_country",
            "lines[0].vat_rate",
            "lines[0].unit_price",
            "lines[0].amount",
            "lines[0].gross_weight_kg",
            "currency",
        ]
    );
    assert!(
        errors.iter().all(|e| e.code == "missing_field"),
        "{errors:?}"
    );
    let carrier = errors.iter().find(|e| e.path == "carrier").unwrap();
    assert!(
        carrier
            .message
            .contains("/DespatchAdvice/cac:Shipment/cac:Consignment/cac:CarrierParty"),
        "{}",
        carrier.message
    );
    let kind = errors
        .iter()
        .find(|e| e.path == "transaction_type")
        .unwrap();
    assert!(kind.message.contains("`delivery`"), "{}", kind.message);

    // And what has no place in a waybill is listed, not dropped silently.
    let ignored: Vec<&str> = notes
        .iter()
        .filter(|n| n.kind == "ignored")
        .map(|n| n.location.as_str())
        .collect();
    for expected in [
        "/DespatchAdvice/cbc:UUID",
        "/DespatchAdvice/cac:OrderReference/cbc:SalesOrderID",
        "/DespatchAdvice/cac:DespatchSupplierParty/cac:Party/cac:Contact/cbc:Telephone",
        "/DespatchAdvice/cac:DespatchLine/cbc:BackorderQuantity",
        "/DespatchAdvice/cac:DespatchLine/cac:Item/cac:ItemInstance/cac:LotIdentification/cbc:LotNumberID",
        "/DespatchAdvice/cac:DespatchLine/cac:Item/cbc:Name",
    ] {
        assert!(
            ignored.contains(&expected),
            "{expected} not in {ignored:#?}"
        );
    }
    assert!(
        !ignored.iter().any(|l| l.ends_with("/cbc:CompanyID")),
        "{ignored:#?}"
    );
}

/// The example completed with the fields a waybill needs becomes a valid
/// document; exported again, it keeps every element the import mapped.
#[test]
fn official_despatch_advice_completed_round_trips_every_mapped_element() {
    let xml = official("UBL-DespatchAdvice-2.0-Example.xml");
    let (_, mut draft, _) = invalid(import_despatch_advice(&xml).unwrap_err());
    let imported = draft.clone();
    draft["transaction_type"] = json!("sale");
    draft["carrier"] = json!({"reg_no": "GB123", "country": "GB", "name": "Haulier Ltd"});
    draft["loading"] = json!({"address": {"line": "Busy Street 56A", "city": "Farthing", "country": "GB"},
                             "planned_at": "2005-06-20T06:00:00Z"});
    draft["transport"] = json!({"vehicle_plate": "AB12 CDE", "vehicle_country": "GB"});
    draft["currency"] = json!("GBP");
    let line = &mut draft["lines"][0];
    line["vat_rate"] = json!("17.5");
    line["unit_price"] = json!("1.00");
    line["amount"] = json!("90.00");
    line["gross_weight_kg"] = json!("92");
    draft["totals"] = json!({"net_amount": "90.00", "vat_amount": "15.75",
                            "gross_amount": "105.75", "gross_weight_kg": "92"});
    let document = parse_document(draft).unwrap();
    assert_eq!(crate::domain::validation::validate_document(&document), []);

    let again = despatch_advice(&document, None).unwrap();
    let back = import_despatch_advice(&again).unwrap();
    assert_eq!(back.value, document);
    let back_json = serde_json::to_value(&back.value).unwrap();
    assert_subset(&imported, &back_json, "");
}

/// Every leaf of `part` is in `whole` with the same value.
fn assert_subset(part: &Value, whole: &Value, at: &str) {
    match part {
        Value::Object(map) => {
            for (k, v) in map {
                assert_subset(v, &whole[k.as_str()], &format!("{at}.{k}"));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                assert_subset(v, &whole[i], &format!("{at}[{i}]"));
            }
        }
        leaf => assert_eq!(leaf, whole, "{at}"),
    }
}

#[test]
fn foreign_prefixes_and_default_namespaces_read_the_same() {
    let (_, doc) = fixtures().remove(1);
    let xml = despatch_advice(&doc, None).unwrap();
    let renamed = xml
        .replace("cbc:", "b:")
        .replace("xmlns:cbc=", "xmlns:b=")
        .replace("cac:", "a:")
        .replace("xmlns:cac=", "xmlns:a=");
    assert_eq!(import_despatch_advice(&renamed).unwrap().value, doc);
}

#[test]
fn wrong_root_and_broken_xml_are_errors_not_panics() {
    let receipt = official("UBL-ReceiptAdvice-2.0-Example.xml");
    assert!(matches!(
        import_despatch_advice(&receipt),
        Err(UblError::WrongRoot {
            expected: "DespatchAdvice",
            ..
        })
    ));
    assert!(matches!(
        import_despatch_advice("<a><b></a>"),
        Err(UblError::Xml(_))
    ));
    let dtd = r#"<!DOCTYPE d [<!ENTITY x "y">]><DespatchAdvice/>"#;
    assert!(import_despatch_advice(dtd).is_err());
}

#[test]
fn bad_values_are_reported_with_both_paths() {
    let (_, doc) = fixtures().remove(0);
    let xml = despatch_advice(&doc, None).unwrap().replacen(
        ">1188</cbc:DeliveredQuantity>",
        ">1,188</cbc:DeliveredQuantity>",
        1,
    );
    let (errors, _, _) = invalid(import_despatch_advice(&xml).unwrap_err());
    assert_eq!(paths(&errors), ["lines[0].quantity"]);
    assert_eq!(errors[0].code, "invalid_value");
    assert!(
        errors[0]
            .message
            .contains("/DespatchAdvice/cac:DespatchLine[1]/cbc:DeliveredQuantity"),
        "{}",
        errors[0].message
    );

    // Domain validation runs on what imported: a wrong line amount.
    let xml = despatch_advice(&doc, None).unwrap().replacen(
        "<cbc:Value>1003.86</cbc:Value>",
        "<cbc:Value>1003.87</cbc:Value>",
        1,
    );
    let (errors, _, _) = invalid(import_despatch_advice(&xml).unwrap_err());
    assert!(paths(&errors).contains(&"lines[0].amount"), "{errors:?}");
}

fn state(document: WaybillDocument, status: Status) -> WaybillState {
    let at = Utc.with_ymd_and_hms(2026, 11, 30, 10, 15, 0).unwrap();
    WaybillState {
        version: 4,
        ..WaybillState::issued(Uuid::nil(), status, "00".into(), document, at)
    }
}

#[test]
fn receipt_advice_round_trips_to_the_consignee_act() {
    let doc = fixture("brewery-beer.json");
    let mut s = state(doc, Status::PartiallyAccepted);
    s.receipt = Some(Receipt {
        lines: s
            .document
            .lines
            .iter()
            .map(|l| {
                let short = if l.line_no == 2 { dec!(50) } else { dec!(0) };
                ReceivedLineOutcome {
                    line_no: l.line_no,
                    shipped_quantity: l.quantity,
                    received_quantity: l.quantity - short,
                    shortfall: short,
                    note: (l.line_no == 2).then(|| "one keg missing".to_owned()),
                }
            })
            .collect(),
        note: Some("accepted with shortfall".into()),
    });
    let xml = receipt_advice(&s).unwrap();
    let tree = roxmltree::Document::parse(&xml).unwrap();
    let root = tree.root_element();
    assert_eq!(root.tag_name().namespace(), Some(RECEIPT_ADVICE));
    let second = xml::find_all(root, "cac:ReceiptLine")[1];
    let get = |n: &str| xml::find(second, n).and_then(|x| x.text()).unwrap();
    assert_eq!(
        (get("cbc:ReceivedQuantity"), get("cbc:ShortQuantity")),
        ("850", "50")
    );

    let back = import_receipt_advice(&xml).unwrap();
    assert!(
        back.notes.iter().all(|n| !n.location.contains("Quantity")),
        "{:?}",
        back.notes
    );
    let (waybill, response) = back.value;
    assert_eq!(waybill.as_deref(), Some("BR-2026-000141"));
    let ConsigneeResponse::Accept(body) = response else {
        panic!("expected an accept")
    };
    let expected: Vec<ReceivedLine> = s
        .receipt
        .as_ref()
        .unwrap()
        .lines
        .iter()
        .map(|l| ReceivedLine {
            line_no: l.line_no,
            received_quantity: l.received_quantity,
            note: l.note.clone(),
        })
        .collect();
    assert_eq!(
        body,
        ConsigneeAcceptBody {
            lines: expected,
            note: Some("accepted with shortfall".into())
        }
    );
}

#[test]
fn rejected_waybill_advises_rejected_quantities_and_reads_back_as_reject() {
    let (_, doc) = fixtures().remove(0);
    let mut s = state(doc, Status::Rejected);
    s.reason = Some("temperature log broken".into());
    let xml = receipt_advice(&s).unwrap();
    assert!(
        xml.contains("<cbc:RejectedQuantity unitCode=\"LTR\">1188</cbc:RejectedQuantity>"),
        "{xml}"
    );
    let (_, response) = import_receipt_advice(&xml).unwrap().value;
    let ConsigneeResponse::Reject(body) = response else {
        panic!("expected a reject")
    };
    assert!(
        body.reason.contains("temperature log broken"),
        "{}",
        body.reason
    );

    let issued = state(fixtures().remove(0).1, Status::InTransit);
    assert!(matches!(
        receipt_advice(&issued),
        Err(UblError::NoReceipt {
            status: "in_transit"
        })
    ));
}

#[test]
fn official_receipt_advice_imports_as_an_acceptance_with_shortfall() {
    let xml = official("UBL-ReceiptAdvice-2.0-Example.xml");
    let imported = import_receipt_advice(&xml).unwrap();
    let (waybill, response) = imported.value;
    assert_eq!(waybill.as_deref(), Some("565899"));
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"act": "consignee.accept", "body": {
            "lines": [{"line_no": 1, "received_quantity": "90", "note": "SAMPLE"}],
            "note": "sample"
        }})
    );
    let ignored: Vec<&str> = imported.notes.iter().map(|n| n.location.as_str()).collect();
    assert!(
        ignored.contains(&"/ReceiptAdvice/cac:Shipment/cac:Delivery/cbc:ActualDeliveryDate"),
        "{ignored:#?}"
    );
    assert!(
        !ignored.iter().any(|l| l.ends_with("ShortQuantity")),
        "{ignored:#?}"
    );

    // UBL -> ours -> UBL: the received and short quantities per line survive
    // (shipped = received + short, as in the example: 90 + 10).
    let mut doc = fixtures().remove(0).1;
    doc.lines.truncate(1);
    doc.lines[0].quantity = dec!(100);
    doc.lines[0].unit = "KGM".into();
    let ConsigneeResponse::Accept(body) = response else {
        unreachable!()
    };
    let mut s = state(doc, Status::PartiallyAccepted);
    s.receipt = Some(Receipt {
        lines: body
            .lines
            .iter()
            .map(|l| ReceivedLineOutcome {
                line_no: l.line_no,
                shipped_quantity: dec!(100),
                received_quantity: l.received_quantity,
                shortfall: dec!(100) - l.received_quantity,
                note: l.note.clone(),
            })
            .collect(),
        note: body.note.clone(),
    });
    let again = receipt_advice(&s).unwrap();
    let tree = roxmltree::Document::parse(&again).unwrap();
    let line = xml::find(tree.root_element(), "cac:ReceiptLine").unwrap();
    for (name, value) in [
        ("cbc:ID", "1"),
        ("cbc:Note", "SAMPLE"),
        ("cbc:ReceivedQuantity", "90"),
        ("cbc:ShortQuantity", "10"),
    ] {
        assert_eq!(
            xml::find(line, name).and_then(|n| n.text()),
            Some(value),
            "{name}"
        );
    }
    assert_eq!(
        xml::find(line, "cbc:ReceivedQuantity").and_then(|n| n.attribute("unitCode")),
        Some("KGM")
    );
    assert_eq!(
        xml::find(tree.root_element(), "cbc:Note").and_then(|n| n.text()),
        Some("sample")
    );
}
