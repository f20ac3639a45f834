//! The waybill document: the body of the `consignor.issue` and
//! `consignor.correct` acts.
//!
//! This module is the pinned wire contract of the document. It is pure data:
//! it knows nothing of HTTP or SQL.
//!
//! Wire rules enforced while deserializing (see [`parse_document`]):
//!
//! * unknown fields are rejected everywhere;
//! * every money amount, quantity, weight and rate is a
//!   [`Decimal`] carried as a JSON **string** in plain decimal notation
//!   (`"12.50"`, `"-3"`); a JSON number is rejected because it would pass
//!   through `f64` and lose precision, and so are exponents, separators,
//!   surrounding blanks and values with more digits than fit exactly;
//! * dates are `YYYY-MM-DD`;
//! * timestamps are RFC 3339 with any offset on input; the domain value is
//!   UTC and is written back with the `Z` suffix.
//!
//! Semantic rules (lengths, codes, arithmetic) live in
//! [`validation`](super::validation).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::field_error::FieldError;
use super::party::Role;
use super::strict_json::read_all;
use super::wire_formats::{decimal_string, iso_date, rfc3339_utc};

/// The waybill (electronic consignment note) as issued by the consignor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaybillDocument {
    /// The consignor's own document number.
    #[schema(example = "WB-2025-000417")]
    pub number: String,
    /// Issue date of the document, `YYYY-MM-DD`.
    #[serde(with = "iso_date")]
    #[schema(example = "2025-03-10")]
    pub issue_date: NaiveDate,
    pub transaction_type: TransactionType,
    /// The party that sends the goods.
    pub consignor: PartyRef,
    /// The party that receives the goods.
    pub consignee: PartyRef,
    /// The party that carries the goods.
    pub carrier: PartyRef,
    /// Where and when the goods are loaded.
    pub loading: Place,
    /// Where and when the goods are unloaded.
    pub unloading: Place,
    pub transport: Transport,
    /// ISO 4217 alphabetic currency code of every money amount.
    #[schema(example = "EUR", pattern = "^[A-Z]{3}$")]
    pub currency: String,
    /// The goods, one entry per line.
    pub lines: Vec<GoodsLine>,
    pub totals: Totals,
    /// Commercial documents this waybill refers to.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Free-text remarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Keep upright. Do not freeze.")]
    pub notes: Option<String>,
}

/// The commercial nature of the movement of goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransactionType {
    Sale,
    Return,
    Transfer,
    Processing,
    Other,
}

/// A party identified by its registration number in its country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyRef {
    /// Business registration (or VAT) number in `country`.
    #[schema(example = "40003012345")]
    pub reg_no: String,
    /// ISO 3166-1 alpha-2 country code, uppercase.
    #[schema(example = "LV", pattern = "^[A-Z]{2}$")]
    pub country: String,
    /// Legal name.
    #[schema(example = "SIA Rīgas Alus Darītava")]
    pub name: String,
    /// Legal address as one free-text line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Brīvības iela 100, Rīga, LV-1011")]
    pub address: Option<String>,
}

/// A loading or unloading place with its planned time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Place {
    pub address: Address,
    /// Planned time, RFC 3339 with any offset; stored and returned in UTC.
    #[serde(with = "rfc3339_utc")]
    #[schema(example = "2025-03-10T08:00:00+02:00")]
    pub planned_at: DateTime<Utc>,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street, building, unit.
    #[schema(example = "Brīvības iela 100")]
    pub line: String,
    #[schema(example = "Rīga")]
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "LV-1011")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, uppercase.
    #[schema(example = "LV", pattern = "^[A-Z]{2}$")]
    pub country: String,
}

/// The vehicle that carries the goods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transport {
    /// Registration plate of the tractor or truck.
    #[schema(example = "AB-1234")]
    pub vehicle_plate: String,
    /// Registration plate of the trailer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "T-987")]
    pub trailer_plate: Option<String>,
    /// ISO 3166-1 alpha-2 country of vehicle registration, uppercase.
    #[schema(example = "LV", pattern = "^[A-Z]{2}$")]
    pub vehicle_country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Jānis Bērziņš")]
    pub driver_name: Option<String>,
}

/// EU excise goods categories of Directive (EU) 2020/262.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExciseCategory {
    /// Alcohol and alcoholic beverages.
    Alcohol,
    /// Manufactured tobacco.
    Tobacco,
    /// Energy products and electricity, including fuels.
    Energy,
}

/// One line of goods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsLine {
    /// Positive line number, unique within the document.
    #[schema(example = 1, minimum = 1)]
    pub line_no: u32,
    #[schema(example = "Lager beer 4.7 %, 0.5 l glass bottles")]
    pub description: String,
    /// 8-digit Combined Nomenclature code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "22030001", pattern = "^[0-9]{8}$")]
    pub cn_code: Option<String>,
    /// Quantity in `unit`, decimal string.
    #[serde(with = "decimal_string")]
    #[schema(value_type = String, example = "12.50")]
    pub quantity: Decimal,
    /// UN/ECE Recommendation 20 unit code, e.g. `KGM`, `LTR`, `C62`.
    #[schema(example = "LTR", pattern = "^[A-Z0-9]{2,3}$")]
    pub unit: String,
    /// Gross weight of the line in kilograms, decimal string.
    #[serde(with = "decimal_string")]
    #[schema(value_type = String, example = "2040.5")]
    pub gross_weight_kg: Decimal,
    /// Net weight of the line in kilograms, decimal string.
    #[serde(
        default,
        with = "decimal_string::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, example = "1236")]
    pub net_weight_kg: Option<Decimal>,
    /// Price per `unit` in `currency`, decimal string.
    #[serde(with = "decimal_string")]
    #[schema(value_type = String, example = "1.85")]
    pub unit_price: Decimal,
    /// VAT rate as a percentage: `"21"` means 21 %.
    #[serde(with = "decimal_string")]
    #[schema(value_type = String, example = "21")]
    pub vat_rate: Decimal,
    /// Net amount: quantity x unit_price rounded half away from zero to
    /// cents, decimal string.
    #[serde(with = "decimal_string")]
    #[schema(value_type = String, example = "2220.00")]
    pub amount: Decimal,
    /// Number of packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 100)]
    pub packages: Option<u32>,
    /// Set when the goods are excise goods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excise_category: Option<ExciseCategory>,
    /// 4-digit UN number of dangerous goods (ADR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "1203", pattern = "^[0-9]{4}$")]
    pub dangerous_goods_un: Option<String>,
}

/// Document totals; each must agree with the lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Sum of line amounts, decimal string.
    #[serde(with = "decimal_string")]
    #[schema(value_type = String, example = "3076.50")]
    pub net_amount: Decimal,
    /// Sum of per-line VAT, decimal string.
    #[serde(with = "decimal_string")]
    #[schema(value_type = String, example = "646.07")]
    pub vat_amount: Decimal,
    /// net_amount + vat_amount, decimal string.
    #[serde(with = "decimal_string")]
    #[schema(value_type = String, example = "3722.57")]
    pub gross_amount: Decimal,
    /// Sum of line gross weights in kilograms, decimal string.
    #[serde(with = "decimal_string")]
    #[schema(value_type = String, example = "2780.5")]
    pub gross_weight_kg: Decimal,
}

/// The kind of a referenced commercial document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    Invoice,
    Order,
    Contract,
}

/// A commercial document the waybill refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub kind: ReferenceKind,
    #[schema(example = "INV-2025-0311")]
    pub number: String,
    /// Date of the referenced document, `YYYY-MM-DD`.
    #[serde(
        default,
        with = "iso_date::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<NaiveDate>, example = "2025-03-09")]
    pub date: Option<NaiveDate>,
}

impl WaybillDocument {
    /// The three parties with their roles, in the order consignor,
    /// carrier, consignee.
    pub fn parties(&self) -> [(Role, &PartyRef); 3] {
        [
            (Role::Consignor, &self.consignor),
            (Role::Carrier, &self.carrier),
            (Role::Consignee, &self.consignee),
        ]
    }

    /// The lines that carry excise goods, in document order.
    pub fn excise_lines(&self) -> impl Iterator<Item = &GoodsLine> {
        self.lines
            .iter()
            .filter(|line| line.excise_category.is_some())
    }
}

/// Deserializes a waybill document from JSON, reporting the first structural
/// problem with its path (see [`read_all`] for every problem at once).
///
/// Paths use the crate's syntax: `lines[2].quantity`, `consignor.reg_no`; the
/// document root is the empty string. For a missing or unknown field the path
/// names that field itself. Codes: `missing_field`, `unknown_field`,
/// `invalid_type` (e.g. a JSON number where a decimal string is expected) and
/// `invalid_value` (anything else: bad date, unknown enum variant, ...).
///
/// Only the structure is checked here;
/// [`check_document`](super::validation::check_document) also applies the
/// semantic rules of [`validation`](super::validation).
pub fn parse_document(value: serde_json::Value) -> Result<WaybillDocument, FieldError> {
    read_all::<WaybillDocument>(&value).map_err(|mut errors| errors.swap_remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal_macros::dec;
    use serde_json::{Value, json};

    /// A minimal structurally valid document.
    fn base() -> Value {
        json!({
            "number": "WB-1",
            "issue_date": "2025-03-10",
            "transaction_type": "sale",
            "consignor": {"reg_no": "40003012345", "country": "LV", "name": "Brewery"},
            "consignee": {"reg_no": "302111111", "country": "LT", "name": "Shop"},
            "carrier": {"reg_no": "40103999999", "country": "LV", "name": "Trucks"},
            "loading": {
                "address": {"line": "Brīvības iela 100", "city": "Rīga", "country": "LV"},
                "planned_at": "2025-03-10T08:00:00+02:00"
            },
            "unloading": {
                "address": {"line": "Gedimino pr. 1", "city": "Vilnius", "country": "LT"},
                "planned_at": "2025-03-10T16:30:00Z"
            },
            "transport": {"vehicle_plate": "AB-1234", "vehicle_country": "LV"},
            "currency": "EUR",
            "lines": [{
                "line_no": 1,
                "description": "Beer",
                "quantity": "12.5",
                "unit": "LTR",
                "gross_weight_kg": "20",
                "unit_price": "2",
                "vat_rate": "21",
                "amount": "25.00"
            }],
            "totals": {
                "net_amount": "25.00",
                "vat_amount": "5.25",
                "gross_amount": "30.25",
                "gross_weight_kg": "20"
            }
        })
    }

    fn parse_err(value: Value) -> FieldError {
        match parse_document(value) {
            Ok(doc) => panic!("expected an error, parsed {doc:?}"),
            Err(err) => err,
        }
    }

    #[test]
    fn decimal_string_accepted() {
        let doc = parse_document(base()).unwrap();
        assert_eq!(doc.lines[0].quantity, dec!(12.5));
        assert_eq!(doc.lines[0].quantity.to_string(), "12.5");
        assert_eq!(doc.lines[0].net_weight_kg, None);
        assert!(doc.references.is_empty());
    }

    #[test]
    fn decimal_as_json_number_rejected_with_path() {
        let mut v = base();
        v["lines"][0]["quantity"] = json!(12.5);
        let err = parse_err(v);
        assert_eq!(err.path, "lines[0].quantity");
        assert_eq!(err.code, "invalid_type");
        assert!(err.message.contains("string"), "{}", err.message);

        let mut v = base();
        v["totals"]["vat_amount"] = json!(5);
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("totals.vat_amount", "invalid_type")
        );

        let mut v = base();
        v["lines"][0]["net_weight_kg"] = json!(1.5);
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("lines[0].net_weight_kg", "invalid_type")
        );
    }

    #[test]
    fn optional_decimal_string_and_null() {
        let mut v = base();
        v["lines"][0]["net_weight_kg"] = json!("18.250");
        let doc = parse_document(v).unwrap();
        assert_eq!(doc.lines[0].net_weight_kg, Some(dec!(18.25)));
        // The scale is preserved on the way back out.
        let out = serde_json::to_value(&doc).unwrap();
        assert_eq!(out["lines"][0]["net_weight_kg"], json!("18.250"));

        let mut v = base();
        v["lines"][0]["net_weight_kg"] = Value::Null;
        assert_eq!(parse_document(v).unwrap().lines[0].net_weight_kg, None);
    }

    #[test]
    fn non_plain_decimal_strings_rejected() {
        for bad in [
            "", " 1", "1 ", "+1", ".5", "5.", "1e3", "1_000", "1,5", "abc", "--1", "0x10",
        ] {
            let mut v = base();
            v["lines"][0]["unit_price"] = json!(bad);
            let err = parse_err(v);
            assert_eq!(
                (err.path.as_str(), err.code.as_str()),
                ("lines[0].unit_price", "invalid_value"),
                "{bad:?}"
            );
        }
        // Too many digits to be represented exactly: rejected, not rounded.
        let mut v = base();
        v["lines"][0]["unit_price"] = json!("0.12345678901234567890123456789");
        assert_eq!(parse_err(v).code, "invalid_value");
        // Negative values are structurally fine (validation judges them).
        let mut v = base();
        v["lines"][0]["unit_price"] = json!("-0.50");
        assert_eq!(parse_document(v).unwrap().lines[0].unit_price, dec!(-0.5));
    }

    #[test]
    fn unknown_field_rejected_with_path() {
        let mut v = base();
        v["consignor"]["vat_no"] = json!("LV40003012345");
        let err = parse_err(v);
        assert_eq!(err.path, "consignor.vat_no");
        assert_eq!(err.code, "unknown_field");

        let mut v = base();
        v["lines"][0]["colour"] = json!("amber");
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("lines[0].colour", "unknown_field")
        );

        let mut v = base();
        v["extra"] = json!(1);
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("extra", "unknown_field")
        );
    }

    #[test]
    fn missing_field_reported_with_path() {
        let mut v = base();
        v["consignor"].as_object_mut().unwrap().remove("reg_no");
        let err = parse_err(v);
        assert_eq!(err.path, "consignor.reg_no");
        assert_eq!(err.code, "missing_field");
        assert!(err.message.contains("reg_no"));

        let mut v = base();
        v["lines"][0].as_object_mut().unwrap().remove("amount");
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("lines[0].amount", "missing_field")
        );

        let mut v = base();
        v.as_object_mut().unwrap().remove("totals");
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("totals", "missing_field")
        );
    }

    #[test]
    fn wrong_types_and_values() {
        let err = parse_err(json!([]));
        assert_eq!((err.path.as_str(), err.code.as_str()), ("", "invalid_type"));

        // serde_json's positional form (a struct as an array of its field
        // values) is not accepted, neither at the root nor nested.
        let positional: Vec<Value> = base().as_object().unwrap().values().cloned().collect();
        let err = parse_err(Value::Array(positional));
        assert_eq!((err.path.as_str(), err.code.as_str()), ("", "invalid_type"));
        let mut v = base();
        v["consignor"] = json!(["40003012345", "LV", "Brewery"]);
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("consignor", "invalid_type")
        );
        let mut v = base();
        v["lines"] = json!({"0": v["lines"][0].clone()});
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("lines", "invalid_type")
        );

        let mut v = base();
        v["lines"][0]["line_no"] = json!("1");
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("lines[0].line_no", "invalid_type")
        );

        for (text, kind) in [
            ("return", TransactionType::Return),
            ("processing", TransactionType::Processing),
        ] {
            let mut v = base();
            v["transaction_type"] = json!(text);
            assert_eq!(parse_document(v).unwrap().transaction_type, kind);
        }

        let mut v = base();
        v["transaction_type"] = json!("gift");
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("transaction_type", "invalid_value")
        );

        let mut v = base();
        v["lines"][0]["excise_category"] = json!("coffee");
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("lines[0].excise_category", "invalid_value")
        );
    }

    #[test]
    fn issue_date_must_be_yyyy_mm_dd() {
        for bad in [
            "2025-3-10",
            " 2025-03-10",
            "2025-02-30",
            "10.03.2025",
            "+2025-03-10",
            "2025-03-10T00:00:00Z",
        ] {
            let mut v = base();
            v["issue_date"] = json!(bad);
            let err = parse_err(v);
            assert_eq!(
                (err.path.as_str(), err.code.as_str()),
                ("issue_date", "invalid_value"),
                "{bad:?}"
            );
        }
        let mut v = base();
        v["references"] = json!([{"kind": "invoice", "number": "INV-1", "date": "2025-3-9"}]);
        let err = parse_err(v);
        assert_eq!(
            (err.path.as_str(), err.code.as_str()),
            ("references[0].date", "invalid_value")
        );
    }

    #[test]
    fn planned_at_rfc3339_any_offset_to_utc() {
        let doc = parse_document(base()).unwrap();
        assert_eq!(
            doc.loading.planned_at,
            Utc.with_ymd_and_hms(2025, 3, 10, 6, 0, 0).unwrap()
        );
        let out = serde_json::to_value(&doc).unwrap();
        assert_eq!(out["loading"]["planned_at"], json!("2025-03-10T06:00:00Z"));
        assert_eq!(out["issue_date"], json!("2025-03-10"));

        for bad in [
            "2025-03-10T08:00:00",
            "2025-03-10",
            "10 Mar 2025 08:00 +0200",
        ] {
            let mut v = base();
            v["loading"]["planned_at"] = json!(bad);
            let err = parse_err(v);
            assert_eq!(
                (err.path.as_str(), err.code.as_str()),
                ("loading.planned_at", "invalid_value"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn round_trip_preserves_document() {
        let mut v = base();
        v["references"] = json!([{"kind": "order", "number": "PO-7", "date": "2025-03-01"}]);
        v["lines"][0]["excise_category"] = json!("alcohol");
        v["lines"][0]["packages"] = json!(3);
        let doc = parse_document(v).unwrap();
        let again = parse_document(serde_json::to_value(&doc).unwrap()).unwrap();
        assert_eq!(doc, again);
        let out = serde_json::to_value(&doc).unwrap();
        assert_eq!(out["lines"][0]["quantity"], json!("12.5"));
        assert_eq!(out["lines"][0]["amount"], json!("25.00"));
        assert!(out.get("notes").is_none());
        assert!(out["lines"][0].get("cn_code").is_none());
    }

    #[test]
    fn parties_and_excise_lines() {
        let mut v = base();
        let mut second = v["lines"][0].clone();
        second["line_no"] = json!(2);
        second["excise_category"] = json!("energy");
        v["lines"].as_array_mut().unwrap().push(second);
        let doc = parse_document(v).unwrap();
        let roles: Vec<_> = doc
            .parties()
            .iter()
            .map(|(r, p)| (*r, p.name.as_str()))
            .collect();
        assert_eq!(
            roles,
            [
                (Role::Consignor, "Brewery"),
                (Role::Carrier, "Trucks"),
                (Role::Consignee, "Shop")
            ]
        );
        let excise: Vec<u32> = doc.excise_lines().map(|l| l.line_no).collect();
        assert_eq!(excise, [2]);
    }

    #[test]
    fn schema_shows_decimals_as_strings() {
        let schema = serde_json::to_value(<GoodsLine as utoipa::PartialSchema>::schema()).unwrap();
        let props = &schema["properties"];
        for field in [
            "quantity",
            "gross_weight_kg",
            "unit_price",
            "vat_rate",
            "amount",
        ] {
            assert_eq!(
                props[field]["type"],
                json!("string"),
                "{field}: {}",
                props[field]
            );
        }
        let net = &props["net_weight_kg"]["type"];
        assert!(
            net == &json!("string") || net == &json!(["string", "null"]),
            "{net}"
        );
        let required = schema["required"].as_array().unwrap();
        assert!(required.contains(&json!("quantity")));
        assert!(!required.contains(&json!("net_weight_kg")));
        assert_eq!(schema["additionalProperties"], json!(false));

        let totals = serde_json::to_value(<Totals as utoipa::PartialSchema>::schema()).unwrap();
        for field in [
            "net_amount",
            "vat_amount",
            "gross_amount",
            "gross_weight_kg",
        ] {
            assert_eq!(
                totals["properties"][field]["type"],
                json!("string"),
                "{field}"
            );
        }
    }
}
