//! A DespatchAdvice read into our document, with every gap reported.

use roxmltree::Node;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::*;
use crate::domain::document::{ExciseCategory, GoodsLine, TransactionType, WaybillDocument};
use crate::domain::validation::{check_document, line_vat};
use crate::ubl::values::{Importer, parse_decimal};
use crate::ubl::xml::{children, expect_root, find, find_all, location, location_below};
use crate::ubl::{CAC, DESPATCH_ADVICE, ImportNote, Imported, UblError};

/// Reads a UBL 2.1 DespatchAdvice into our document.
///
/// Every required field the UBL lacks is reported (path in our document,
/// message naming the UBL location looked at); then the draft goes through
/// [`parse_document`] and [`validate_document`]. On failure the error holds
/// the draft, so a caller can show what did import.
pub fn import_despatch_advice(xml: &str) -> Result<Imported<WaybillDocument>, UblError> {
    let tree = roxmltree::Document::parse(xml)?;
    let root = tree.root_element();
    expect_root(root, DESPATCH_ADVICE, "DespatchAdvice")?;
    let mut im = Importer::default();
    let draft = read_document(&mut im, root);

    for version in find_all(root, "cbc:UBLVersionID")
        .into_iter()
        .chain(find_all(root, "cbc:CustomizationID"))
    {
        im.consumed.mark(version);
    }
    for unread in im.consumed.unread(root) {
        im.note("ignored", unread, "no waybill field for this element");
    }
    finish(im, draft)
}

fn finish(im: Importer, draft: Value) -> Result<Imported<WaybillDocument>, UblError> {
    let Importer { errors, notes, .. } = im;
    let invalid = |errors, draft, notes: Vec<ImportNote>| UblError::Invalid {
        errors,
        draft,
        notes,
    };
    if !errors.is_empty() {
        return Err(invalid(errors, draft, notes));
    }
    let document = match check_document(&draft) {
        Ok(document) => document,
        Err(problems) => return Err(invalid(problems, draft, notes)),
    };
    Ok(Imported {
        value: document,
        notes,
    })
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value.into());
    }
}

/// Our document from the whole DespatchAdvice, section by section in the
/// order its problems are reported.
fn read_document(im: &mut Importer, root: Node<'_, '_>) -> Value {
    let mut doc = Map::new();
    read_identity(im, root, &mut doc);
    put(&mut doc, "references", Some(references(im, root)));
    read_parties(im, root, &mut doc);
    read_places(im, root, &mut doc);
    put(&mut doc, "transport", Some(transport(im, root)));
    read_goods(im, root, &mut doc);
    Value::Object(doc)
}

/// The number, issue date, transaction type and notes.
fn read_identity(im: &mut Importer, root: Node<'_, '_>, doc: &mut Map<String, Value>) {
    let number = im.required_text("number", root, &["cbc:ID"]).map(str::trim);
    put(doc, "number", number);
    // The shipment and consignment ids we write repeat the number.
    for id in ["cac:Shipment/cbc:ID", "cac:Shipment/cac:Consignment/cbc:ID"] {
        if let Some(node) = find(root, id)
            && node.text().map(str::trim) == number
        {
            im.consumed.mark(node);
        }
    }
    if let Some(date) = im.required_text("issue_date", root, &["cbc:IssueDate"]) {
        doc.insert("issue_date".into(), json!(date.trim()));
    }
    transaction_type(im, root, doc);
    put(doc, "notes", im.joined(root, "cbc:Note", "\n"));
}

/// The transaction type from `cbc:DespatchAdviceTypeCode`, which must be
/// one of ours.
fn transaction_type(im: &mut Importer, root: Node<'_, '_>, doc: &mut Map<String, Value>) {
    match find(root, "cbc:DespatchAdviceTypeCode") {
        Some(code) => {
            im.consumed.mark(code);
            let text = code.text().unwrap_or("").trim();
            let ours = serde_json::from_value::<TransactionType>(json!(text)).ok();
            if ours.is_some() {
                doc.insert("transaction_type".into(), json!(text));
            } else {
                im.errors.push(crate::domain::field_error::FieldError::new(
                    "transaction_type",
                    "missing_field",
                    format!(
                        "required; the UBL type code `{text}` at {} is not one of sale, return, transfer, processing, other",
                        location(code)
                    ),
                ));
            }
        }
        None => im.missing("transaction_type", root, "cbc:DespatchAdviceTypeCode"),
    }
}

/// The consignor, consignee and carrier.
fn read_parties(im: &mut Importer, root: Node<'_, '_>, doc: &mut Map<String, Value>) {
    let consignor = find(root, "cac:DespatchSupplierParty/cac:Party");
    put(
        doc,
        "consignor",
        read_party(
            im,
            "consignor",
            root,
            consignor,
            "cac:DespatchSupplierParty/cac:Party",
        ),
    );
    let consignee = find(root, "cac:DeliveryCustomerParty/cac:Party");
    put(
        doc,
        "consignee",
        read_party(
            im,
            "consignee",
            root,
            consignee,
            "cac:DeliveryCustomerParty/cac:Party",
        ),
    );
    let carrier = [
        "cac:Shipment/cac:Consignment/cac:CarrierParty",
        "cac:Shipment/cac:ShipmentStage/cac:CarrierParty",
        "cac:Shipment/cac:Delivery/cac:CarrierParty",
    ]
    .iter()
    .find_map(|p| find(root, p));
    put(
        doc,
        "carrier",
        read_party(
            im,
            "carrier",
            root,
            carrier,
            "cac:Shipment/cac:Consignment/cac:CarrierParty",
        ),
    );
}

/// The loading place (the despatch) and the unloading place (the delivery).
fn read_places(im: &mut Importer, root: Node<'_, '_>, doc: &mut Map<String, Value>) {
    let shipment = find(root, "cac:Shipment");
    let delivery = shipment.and_then(|s| find(s, "cac:Delivery"));
    let despatch = delivery.and_then(|d| find(d, "cac:Despatch"));
    put(
        doc,
        "loading",
        place(
            im,
            "loading",
            root,
            despatch,
            "cac:Shipment/cac:Delivery/cac:Despatch",
            "cac:DespatchAddress",
            &[
                ("cbc:EstimatedDespatchDate", "cbc:EstimatedDespatchTime"),
                ("cbc:RequestedDespatchDate", "cbc:RequestedDespatchTime"),
                ("cbc:ActualDespatchDate", "cbc:ActualDespatchTime"),
            ],
        ),
    );
    put(
        doc,
        "unloading",
        place(
            im,
            "unloading",
            root,
            delivery,
            "cac:Shipment/cac:Delivery",
            "cac:DeliveryAddress",
            &[
                (
                    "cac:EstimatedDeliveryPeriod/cbc:StartDate",
                    "cac:EstimatedDeliveryPeriod/cbc:StartTime",
                ),
                (
                    "cac:RequestedDeliveryPeriod/cbc:StartDate",
                    "cac:RequestedDeliveryPeriod/cbc:StartTime",
                ),
                (
                    "cac:PromisedDeliveryPeriod/cbc:StartDate",
                    "cac:PromisedDeliveryPeriod/cbc:StartTime",
                ),
            ],
        ),
    );
}

/// The goods lines, their totals and the currency their prices are in.
fn read_goods(im: &mut Importer, root: Node<'_, '_>, doc: &mut Map<String, Value>) {
    let mut currency: Option<String> = None;
    let lines: Vec<Value> = children(root, "cac:DespatchLine")
        .enumerate()
        .map(|(i, line)| read_line(im, i, line, &mut currency))
        .collect();
    if lines.is_empty() {
        im.missing("lines", root, "cac:DespatchLine");
    }

    let totals = read_totals(im, root, &lines, &mut currency);
    match &currency {
        Some(c) => {
            doc.insert("currency".into(), json!(c));
        }
        None => im.missing(
            "currency",
            root,
            "cac:DespatchLine/cac:Item/cac:AdditionalItemProperty[cbc:Name='unit_price']/cbc:ValueQualifier",
        ),
    }
    doc.insert("lines".into(), Value::Array(lines));
    put(doc, "totals", totals);
}

fn references(im: &mut Importer, root: Node<'_, '_>) -> Value {
    let mut out = Vec::new();
    for node in root.children().filter(|n| n.is_element()) {
        let name = node.tag_name();
        if name.namespace() != Some(CAC) {
            continue;
        }
        let kind = match name.name() {
            "OrderReference" => Some(ReferenceKind::Order),
            "AdditionalDocumentReference" => {
                let code = find(node, "cbc:DocumentTypeCode");
                let kind = code.and_then(|c| reference_kind(c.text().unwrap_or("").trim()));
                if let (Some(code), Some(_)) = (code, kind) {
                    im.consumed.mark(code);
                }
                kind
            }
            _ => continue,
        };
        let Some(kind) = kind else {
            continue;
        };
        let Some(number) = im.first_text(node, &["cbc:ID"]) else {
            continue;
        };
        let mut reference = Map::new();
        reference.insert("kind".into(), json!(snake(kind)));
        reference.insert("number".into(), json!(number.trim()));
        if let Some(date) = im.first_text(node, &["cbc:IssueDate"]) {
            reference.insert("date".into(), json!(date.trim()));
        }
        out.push(Value::Object(reference));
    }
    Value::Array(out)
}

fn read_party(
    im: &mut Importer,
    path: &str,
    root: Node<'_, '_>,
    party: Option<Node<'_, '_>>,
    ubl: &str,
) -> Option<Value> {
    let Some(p) = party else {
        im.missing(path, root, ubl);
        return None;
    };
    let mut out = Map::new();
    let reg_no = im.required_text(
        &format!("{path}.reg_no"),
        p,
        &[
            "cac:PartyLegalEntity/cbc:CompanyID",
            "cac:PartyIdentification/cbc:ID",
            "cac:PartyTaxScheme/cbc:CompanyID",
        ],
    );
    put(&mut out, "reg_no", reg_no.map(str::trim));
    let name = im.required_text(
        &format!("{path}.name"),
        p,
        &[
            "cac:PartyLegalEntity/cbc:RegistrationName",
            "cac:PartyName/cbc:Name",
        ],
    );
    put(&mut out, "name", name);
    let country = im.required_text(
        &format!("{path}.country"),
        p,
        &[
            "cac:PartyLegalEntity/cac:RegistrationAddress/cac:Country/cbc:IdentificationCode",
            "cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        ],
    );
    put(&mut out, "country", country.map(str::trim));
    if let Some(postal) = find(p, "cac:PostalAddress") {
        put(&mut out, "address", free_text_address(im, postal));
    }
    Some(Value::Object(out))
}

/// A UBL address as one line of text: structured parts first, then the
/// unstructured lines. Our own export writes only the lines, so our
/// addresses come back unchanged.
fn free_text_address(im: &mut Importer, a: Node<'_, '_>) -> Option<String> {
    let mut parts = Vec::new();
    let street = im.consumed.text(a, "cbc:StreetName");
    let number = im.consumed.text(a, "cbc:BuildingNumber");
    match (street, number) {
        (Some(s), Some(n)) => parts.push(format!("{n} {s}")),
        (Some(s), None) => parts.push(s.to_owned()),
        (None, Some(n)) => parts.push(n.to_owned()),
        (None, None) => {}
    }
    for path in ["cbc:AdditionalStreetName", "cbc:BuildingName"] {
        parts.extend(im.consumed.text(a, path).map(str::to_owned));
    }
    for line in im.all_texts(a, "cac:AddressLine/cbc:Line") {
        parts.push(line.to_owned());
    }
    for path in ["cbc:CityName", "cbc:PostalZone", "cbc:CountrySubentity"] {
        parts.extend(im.consumed.text(a, path).map(str::to_owned));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A loading or unloading place: the address element below `node` and the
/// first present of the (date, time) pairs.
fn place(
    im: &mut Importer,
    path: &str,
    root: Node<'_, '_>,
    node: Option<Node<'_, '_>>,
    ubl: &str,
    address_path: &str,
    times: &[(&str, &str)],
) -> Option<Value> {
    let Some(node) = node else {
        im.missing(
            &format!("{path}.address"),
            root,
            &format!("{ubl}/{address_path}"),
        );
        im.missing(
            &format!("{path}.planned_at"),
            root,
            &format!("{ubl}/{}", times[0].0),
        );
        return None;
    };
    let mut out = Map::new();
    match find(node, address_path) {
        Some(a) => {
            out.insert(
                "address".into(),
                read_address(im, &format!("{path}.address"), a),
            );
        }
        None => im.missing(&format!("{path}.address"), node, address_path),
    }
    let chosen = times.iter().find(|(date, _)| find(node, date).is_some());
    match chosen {
        Some((date, time)) => {
            if *date != times[0].0 {
                im.note(
                    "defaulted",
                    location_below(node, date),
                    format!("{path}.planned_at taken from this element"),
                );
            }
            let planned = im.instant(&format!("{path}.planned_at"), node, date, time);
            put(
                &mut out,
                "planned_at",
                planned.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            );
        }
        None => im.missing(&format!("{path}.planned_at"), node, times[0].0),
    }
    Some(Value::Object(out))
}

fn read_address(im: &mut Importer, path: &str, a: Node<'_, '_>) -> Value {
    let mut out = Map::new();
    let street = im.consumed.text(a, "cbc:StreetName");
    let number = im.consumed.text(a, "cbc:BuildingNumber");
    let line = match (street, number) {
        (Some(s), Some(n)) => Some(format!("{s} {n}")),
        (Some(s), None) => Some(s.to_owned()),
        _ => im.joined(a, "cac:AddressLine/cbc:Line", ", "),
    };
    match line {
        Some(line) => {
            out.insert("line".into(), json!(line));
        }
        None => im.missing(&format!("{path}.line"), a, "cbc:StreetName"),
    }
    put(
        &mut out,
        "city",
        im.required_text(&format!("{path}.city"), a, &["cbc:CityName"]),
    );
    put(
        &mut out,
        "postal_code",
        im.first_text(a, &["cbc:PostalZone"]),
    );
    put(
        &mut out,
        "country",
        im.required_text(
            &format!("{path}.country"),
            a,
            &["cac:Country/cbc:IdentificationCode"],
        )
        .map(str::trim),
    );
    Value::Object(out)
}

fn transport(im: &mut Importer, root: Node<'_, '_>) -> Value {
    let mut out = Map::new();
    let stage = find(root, "cac:Shipment/cac:ShipmentStage");
    let means = stage.and_then(|s| find(s, "cac:TransportMeans"));
    if let Some(stage) = stage
        && let Some(mode) = find(stage, "cbc:TransportModeCode")
        && mode.text().map(str::trim) == Some("3")
    {
        im.consumed.mark(mode);
        im.consumed.text(stage, "cbc:ID");
    }
    match means {
        Some(m) => {
            put(
                &mut out,
                "vehicle_plate",
                im.required_text(
                    "transport.vehicle_plate",
                    m,
                    &["cac:RoadTransport/cbc:LicensePlateID"],
                ),
            );
            put(
                &mut out,
                "vehicle_country",
                im.required_text(
                    "transport.vehicle_country",
                    m,
                    &["cbc:RegistrationNationalityID"],
                )
                .map(str::trim),
            );
        }
        None => {
            let ubl = "cac:Shipment/cac:ShipmentStage/cac:TransportMeans";
            im.missing(
                "transport.vehicle_plate",
                root,
                &format!("{ubl}/cac:RoadTransport/cbc:LicensePlateID"),
            );
            im.missing(
                "transport.vehicle_country",
                root,
                &format!("{ubl}/cbc:RegistrationNationalityID"),
            );
        }
    }
    if let Some(equipment) = find(
        root,
        "cac:Shipment/cac:TransportHandlingUnit/cac:TransportEquipment",
    ) {
        put(
            &mut out,
            "trailer_plate",
            im.first_text(equipment, &["cbc:ID"]),
        );
        if let Some(code) = find(equipment, "cbc:TransportEquipmentTypeCode") {
            im.consumed.mark(code);
        }
    }
    if let Some(driver) = stage.and_then(|s| find(s, "cac:DriverPerson")) {
        let first = im.consumed.text(driver, "cbc:FirstName");
        let family = im.consumed.text(driver, "cbc:FamilyName");
        let name = [first, family]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            out.insert("driver_name".into(), json!(name));
        }
    }
    Value::Object(out)
}

/// Our item properties by name (`cbc:Name` or `cbc:NameCode`).
fn item_property<'a, 'i>(item: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    children(item, "cac:AdditionalItemProperty").find(|p| {
        ["cbc:NameCode", "cbc:Name"]
            .iter()
            .any(|n| find(*p, n).and_then(|x| x.text()).map(str::trim) == Some(name))
    })
}

/// Where a goods line's fields go in our document: `lines[i].field`.
#[derive(Clone, Copy)]
struct LinePath(usize);

impl LinePath {
    fn of(self, field: &str) -> String {
        format!("lines[{}].{field}", self.0)
    }
}

/// One goods line, field by field in the order its problems are reported.
fn read_line(
    im: &mut Importer,
    i: usize,
    line: Node<'_, '_>,
    currency: &mut Option<String>,
) -> Value {
    let path = LinePath(i);
    let mut out = Map::new();
    read_line_no(im, path, line, &mut out);
    read_quantity(im, path, line, &mut out);
    mark_ordered_line(im, line, &out);
    let Some(item) = find(line, "cac:Item") else {
        im.missing(&path.of("description"), line, "cac:Item/cbc:Description");
        return Value::Object(out);
    };
    read_description(im, path, item, &mut out);
    read_tax_categories(im, path, item, &mut out);
    read_prices(im, path, item, &mut out, currency);
    read_packages(im, path, item, &mut out);
    read_line_weights(im, path, line, &mut out);
    Value::Object(out)
}

/// The line number, a positive whole number.
fn read_line_no(
    im: &mut Importer,
    path: LinePath,
    line: Node<'_, '_>,
    out: &mut Map<String, Value>,
) {
    if let Some(id) = im.required_text(&path.of("line_no"), line, &["cbc:ID"]) {
        match id.trim().parse::<u32>() {
            Ok(n) => {
                out.insert("line_no".into(), json!(n));
            }
            Err(_) => im.invalid(
                &path.of("line_no"),
                line,
                format!("line ID `{}` is not a positive whole number", id.trim()),
            ),
        }
    }
}

/// The delivered quantity and its unit.
fn read_quantity(
    im: &mut Importer,
    path: LinePath,
    line: Node<'_, '_>,
    out: &mut Map<String, Value>,
) {
    match find(line, "cbc:DeliveredQuantity") {
        Some(q) => {
            put(
                out,
                "quantity",
                im.decimal(&path.of("quantity"), line, "cbc:DeliveredQuantity")
                    .map(|d| d.to_string()),
            );
            match q.attribute("unitCode") {
                Some(unit) => {
                    out.insert("unit".into(), json!(unit.trim()));
                }
                None => im.missing(&path.of("unit"), q, "@unitCode"),
            }
        }
        None => {
            im.missing(&path.of("quantity"), line, "cbc:DeliveredQuantity");
            im.missing(&path.of("unit"), line, "cbc:DeliveredQuantity/@unitCode");
        }
    }
}

/// An order line reference repeating the line number (as our export
/// writes it) is read with the line.
fn mark_ordered_line(im: &mut Importer, line: Node<'_, '_>, out: &Map<String, Value>) {
    if let Some(ordered) = find(line, "cac:OrderLineReference/cbc:LineID")
        && ordered.text().map(str::trim) == out.get("line_no").map(|n| n.to_string()).as_deref()
    {
        im.consumed.mark(ordered);
    }
}

/// The item's description, CN code and dangerous-goods UN number.
fn read_description(
    im: &mut Importer,
    path: LinePath,
    item: Node<'_, '_>,
    out: &mut Map<String, Value>,
) {
    put(
        out,
        "description",
        im.required_text(
            &path.of("description"),
            item,
            &["cbc:Description", "cbc:Name"],
        ),
    );
    for class in find_all(
        item,
        "cac:CommodityClassification/cbc:ItemClassificationCode",
    ) {
        if class.attribute("listID").map(str::trim) == Some(CN_LIST) && !out.contains_key("cn_code")
        {
            im.consumed.mark(class);
            put(out, "cn_code", class.text().map(str::trim));
        }
    }
    if let Some(un) = im.first_text(item, &["cac:HazardousItem/cbc:UNDGCode"]) {
        out.insert("dangerous_goods_un".into(), json!(un.trim()));
        if let Some(flag) = find(item, "cbc:HazardousRiskIndicator") {
            im.consumed.mark(flag);
        }
    }
}

/// The VAT rate (required) and the excise category from the item's tax
/// categories.
fn read_tax_categories(
    im: &mut Importer,
    path: LinePath,
    item: Node<'_, '_>,
    out: &mut Map<String, Value>,
) {
    for category in children(item, "cac:ClassifiedTaxCategory") {
        let scheme = find(category, "cac:TaxScheme/cbc:ID");
        match scheme.and_then(|s| s.text()).map(str::trim) {
            Some("VAT") if !out.contains_key("vat_rate") => {
                if let Some(s) = scheme {
                    im.consumed.mark(s);
                }
                put(
                    out,
                    "vat_rate",
                    im.decimal(&path.of("vat_rate"), category, "cbc:Percent")
                        .map(|d| d.to_string()),
                );
            }
            Some("EXC") => {
                if let Some(s) = scheme {
                    im.consumed.mark(s);
                }
                if let Some(id) = find(category, "cbc:ID") {
                    im.consumed.mark(id);
                    let text = id.text().unwrap_or("").trim();
                    if serde_json::from_value::<ExciseCategory>(json!(text)).is_ok() {
                        out.insert("excise_category".into(), json!(text));
                    } else {
                        im.invalid(
                            &path.of("excise_category"),
                            id,
                            format!("`{text}` is not alcohol, tobacco or energy"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    if !out.contains_key("vat_rate") {
        im.missing(
            &path.of("vat_rate"),
            item,
            "cac:ClassifiedTaxCategory[cac:TaxScheme/cbc:ID='VAT']/cbc:Percent",
        );
    }
}

/// The unit price and line amount from our item properties; the first
/// price's qualifier is the document's currency.
fn read_prices(
    im: &mut Importer,
    path: LinePath,
    item: Node<'_, '_>,
    out: &mut Map<String, Value>,
    currency: &mut Option<String>,
) {
    for (field, name) in [("unit_price", UNIT_PRICE), ("amount", LINE_AMOUNT)] {
        match item_property(item, name) {
            Some(p) => {
                mark_property_name(im, p);
                put(
                    out,
                    field,
                    im.decimal(&path.of(field), p, "cbc:Value")
                        .map(|d| d.to_string()),
                );
                if let Some(q) = im.first_text(p, &["cbc:ValueQualifier"]) {
                    currency.get_or_insert_with(|| q.trim().to_owned());
                }
            }
            None => im.missing(
                &path.of(field),
                item,
                &format!("cac:AdditionalItemProperty[cbc:Name='{name}']/cbc:Value"),
            ),
        }
    }
}

/// The package count from our item property, a whole number.
fn read_packages(
    im: &mut Importer,
    path: LinePath,
    item: Node<'_, '_>,
    out: &mut Map<String, Value>,
) {
    if let Some(p) = item_property(item, PACKAGE_COUNT) {
        mark_property_name(im, p);
        if let Some(v) = find(p, "cbc:Value") {
            im.consumed.mark(v);
            match v.text().unwrap_or("").trim().parse::<u32>() {
                Ok(n) => {
                    out.insert("packages".into(), json!(n));
                }
                Err(_) => im.invalid(&path.of("packages"), v, "not a whole number of packages"),
            }
        }
    }
}

/// The line's gross (required) and net weights, in kilograms.
fn read_line_weights(
    im: &mut Importer,
    path: LinePath,
    line: Node<'_, '_>,
    out: &mut Map<String, Value>,
) {
    if let Some(shipment) = find(line, "cac:Shipment") {
        im.consumed.text(shipment, "cbc:ID");
        put(
            out,
            "gross_weight_kg",
            kilograms(
                im,
                &path.of("gross_weight_kg"),
                shipment,
                "cbc:GrossWeightMeasure",
            ),
        );
        put(
            out,
            "net_weight_kg",
            kilograms(
                im,
                &path.of("net_weight_kg"),
                shipment,
                "cbc:NetWeightMeasure",
            ),
        );
    }
    if !out.contains_key("gross_weight_kg") {
        im.missing(
            &path.of("gross_weight_kg"),
            line,
            "cac:Shipment/cbc:GrossWeightMeasure",
        );
    }
}

/// The name of one of our item properties is read with it.
fn mark_property_name(im: &mut Importer, property: Node<'_, '_>) {
    for n in ["cbc:Name", "cbc:NameCode"] {
        if let Some(x) = find(property, n) {
            im.consumed.mark(x);
        }
    }
}

/// A weight measure, which must be in kilograms (`unitCode="KGM"`).
fn kilograms(im: &mut Importer, path: &str, node: Node<'_, '_>, ubl: &str) -> Option<String> {
    let measure = find(node, ubl)?;
    let unit = measure.attribute("unitCode").map(str::trim);
    if unit != Some("KGM") {
        im.consumed.mark(measure);
        im.invalid(
            path,
            measure,
            format!("weight unit {} is not KGM", unit.unwrap_or("(none)")),
        );
        return None;
    }
    im.decimal(path, node, ubl).map(|d| d.to_string())
}

fn read_totals(
    im: &mut Importer,
    root: Node<'_, '_>,
    lines: &[Value],
    currency: &mut Option<String>,
) -> Option<Value> {
    let mut out = Map::new();
    let extension = find_all(root, "ext:UBLExtensions/ext:UBLExtension")
        .into_iter()
        .find(|e| {
            find(*e, "ext:ExtensionURI")
                .and_then(|u| u.text())
                .map(str::trim)
                == Some(TOTALS_EXTENSION)
        });
    if let Some(extension) = extension {
        im.consumed.mark_subtree(extension);
        let content = find(extension, "ext:ExtensionContent/ewb:WaybillTotals");
        for (field, ubl) in [
            ("net_amount", "ewb:NetAmount"),
            ("vat_amount", "ewb:VatAmount"),
            ("gross_amount", "ewb:GrossAmount"),
        ] {
            let Some(content) = content else { break };
            let value = find(content, ubl).and_then(|n| n.text()).map(str::trim);
            match value.and_then(parse_decimal) {
                Some(v) => {
                    out.insert(field.into(), json!(v.to_string()));
                }
                None => im.invalid(
                    &format!("totals.{field}"),
                    content,
                    format!("{ubl} is missing or not a decimal"),
                ),
            }
            if let Some(c) = find(content, ubl).and_then(|n| n.attribute("currencyID")) {
                currency.get_or_insert_with(|| c.trim().to_owned());
            }
        }
    }
    let line_decimal = |line: &Value, field: &str| -> Option<Decimal> {
        line.get(field)
            .and_then(Value::as_str)
            .and_then(parse_decimal)
    };
    if !out.contains_key("net_amount") {
        // UBL's DespatchAdvice has no monetary totals: derive them the way
        // validation defines them, when every line has its amounts.
        let sums: Option<(Decimal, Decimal)> =
            lines
                .iter()
                .try_fold((Decimal::ZERO, Decimal::ZERO), |(net, vat), line| {
                    let amount = line_decimal(line, "amount")?;
                    let rate = line_decimal(line, "vat_rate")?;
                    let goods = GoodsLine {
                        line_no: 0,
                        description: String::new(),
                        cn_code: None,
                        quantity: Decimal::ONE,
                        unit: String::new(),
                        gross_weight_kg: Decimal::ONE,
                        net_weight_kg: None,
                        unit_price: Decimal::ZERO,
                        vat_rate: rate,
                        amount,
                        packages: None,
                        excise_category: None,
                        dangerous_goods_un: None,
                    };
                    Some((net.checked_add(amount)?, vat.checked_add(line_vat(&goods))?))
                });
        if let Some((net, vat)) = sums {
            out.insert("net_amount".into(), json!(net.to_string()));
            out.insert("vat_amount".into(), json!(vat.to_string()));
            out.insert("gross_amount".into(), json!((net + vat).to_string()));
            im.note(
                "derived",
                location(root),
                "totals.net_amount, vat_amount and gross_amount computed from the lines",
            );
        }
    }
    let weight = find(root, "cac:Shipment")
        .and_then(|s| kilograms(im, "totals.gross_weight_kg", s, "cbc:GrossWeightMeasure"));
    match weight {
        Some(w) => {
            out.insert("gross_weight_kg".into(), json!(w));
        }
        None => {
            let sum: Option<Decimal> = lines.iter().try_fold(Decimal::ZERO, |acc, l| {
                acc.checked_add(line_decimal(l, "gross_weight_kg")?)
            });
            if let Some(sum) = sum.filter(|_| !lines.is_empty()) {
                out.insert("gross_weight_kg".into(), json!(sum.to_string()));
                im.note(
                    "derived",
                    location_below(root, "cac:Shipment/cbc:GrossWeightMeasure"),
                    "totals.gross_weight_kg computed from the lines",
                );
            }
        }
    }
    let complete = [
        "net_amount",
        "vat_amount",
        "gross_amount",
        "gross_weight_kg",
    ]
    .iter()
    .all(|k| out.contains_key(*k));
    complete.then_some(Value::Object(out))
}
