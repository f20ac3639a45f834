//! What a sender may leave out of a waybill document because it follows
//! from the rest: each goods line's `amount` (quantity x unit price,
//! rounded to cents) and the `totals` (sums over the lines, VAT rounded per
//! line). The CSV upload and `ewaybill issue` fill them in here, with the
//! rounding [`super::validation`] checks, so there is one home for the rule.
//! Values that are given are never changed: a wrong one is reported by
//! validation, not silently corrected.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::document::{GoodsLine, parse_document};
use super::validation::{line_vat, round_money};

/// A value filled in: where, what, and by which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    pub path: String,
    pub value: String,
    pub rule: &'static str,
}

impl std::fmt::Display for Computed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {} ({})", self.path, self.value, self.rule)
    }
}

/// The totals, by field, with the rule each follows.
const TOTALS: [(&str, &str); 4] = [
    ("net_amount", "the sum of the line amounts"),
    ("vat_amount", "the sum of each line's VAT, rounded to cents"),
    ("gross_amount", "net amount + VAT amount"),
    ("gross_weight_kg", "the sum of the line gross weights"),
];

/// Fills in the line amounts and totals `body` leaves out, and says what
/// it filled in. A document too broken to compute from is left as it is
/// (apart from placeholder totals), for validation to report.
pub fn complete_document(body: &mut Value) -> Vec<Computed> {
    let mut computed = Vec::new();
    let Some(doc) = body.as_object_mut() else {
        return computed;
    };
    if let Some(lines) = doc.get_mut("lines").and_then(Value::as_array_mut) {
        for (i, line) in lines.iter_mut().enumerate() {
            let Some(line) = line.as_object_mut() else {
                continue;
            };
            if line.contains_key("amount") {
                continue;
            }
            if let Some(amount) = line_amount(line) {
                let value = amount.to_string();
                line.insert("amount".into(), Value::String(value.clone()));
                computed.push(Computed {
                    path: format!("lines[{i}].amount"),
                    value,
                    rule: "quantity x unit_price, rounded to cents",
                });
            }
        }
    }
    let totals = doc
        .entry("totals")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(totals) = totals.as_object_mut() else {
        return computed;
    };
    let missing: Vec<(&str, &str)> = TOTALS
        .into_iter()
        .filter(|(name, _)| !totals.contains_key(*name))
        .collect();
    if missing.is_empty() {
        return computed;
    }
    // Placeholders, so the document parses and the sums can be taken with
    // the domain's own types and rounding.
    for (name, _) in &missing {
        totals.insert((*name).into(), Value::String("0".into()));
    }
    let Ok(document) = parse_document(body.clone()) else {
        return computed;
    };
    let sum = |f: &dyn Fn(&GoodsLine) -> Decimal| {
        document
            .lines
            .iter()
            .try_fold(Decimal::ZERO, |acc, line| acc.checked_add(f(line)))
    };
    let is_missing = |name: &str| missing.iter().any(|(m, _)| *m == name);
    // Gross follows the net and VAT totals, as given or as computed.
    let given = &document.totals;
    let net = if is_missing("net_amount") {
        sum(&|l| l.amount)
    } else {
        Some(given.net_amount)
    };
    let vat = if is_missing("vat_amount") {
        sum(&line_vat)
    } else {
        Some(given.vat_amount)
    };
    let gross = net.zip(vat).and_then(|(n, v)| n.checked_add(v));
    let weight = sum(&|l| l.gross_weight_kg);
    for (name, rule) in missing {
        let value = match name {
            "net_amount" => net,
            "vat_amount" => vat,
            "gross_amount" => gross,
            _ => weight,
        };
        let Some(value) = value else { continue };
        let value = value.to_string();
        body["totals"][name] = Value::String(value.clone());
        computed.push(Computed {
            path: format!("totals.{name}"),
            value,
            rule,
        });
    }
    computed
}

/// quantity x unit_price rounded to cents, when both are readable.
fn line_amount(line: &Map<String, Value>) -> Option<Decimal> {
    let decimal = |name: &str| {
        line.get(name)
            .and_then(Value::as_str)
            .and_then(|s| s.trim().parse::<Decimal>().ok())
    };
    decimal("quantity")?
        .checked_mul(decimal("unit_price")?)
        .map(round_money)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_fixtures::brewery;
    use crate::domain::validation::validate_document;
    use serde_json::json;

    fn strip(document: &mut Value) {
        for line in document["lines"].as_array_mut().unwrap() {
            line.as_object_mut().unwrap().remove("amount");
        }
        document.as_object_mut().unwrap().remove("totals");
    }

    #[test]
    fn amounts_and_totals_left_out_are_computed_as_validation_wants() {
        let original = brewery();
        let mut document = original.clone();
        strip(&mut document);
        let computed = complete_document(&mut document);
        let lines = original["lines"].as_array().unwrap().len();
        assert_eq!(computed.len(), lines + 4, "{computed:#?}");
        assert_eq!(computed[0].path, "lines[0].amount");
        assert_eq!(document["lines"], original["lines"]);
        assert_eq!(document["totals"], original["totals"]);
        let parsed = parse_document(document).unwrap();
        assert_eq!(validate_document(&parsed), vec![]);
    }

    #[test]
    fn given_values_are_kept_even_when_wrong() {
        let mut document = brewery();
        assert_eq!(complete_document(&mut document), vec![]);
        assert_eq!(document, brewery());

        document["lines"][0]["amount"] = json!("1.00");
        document["totals"]
            .as_object_mut()
            .unwrap()
            .remove("gross_amount");
        let computed = complete_document(&mut document);
        assert_eq!(computed.len(), 1, "{computed:#?}");
        assert_eq!(computed[0].path, "totals.gross_amount");
        assert_eq!(document["lines"][0]["amount"], "1.00");
        // net and VAT as given, so gross is their sum, not the lines'.
        let net: Decimal = document["totals"]["net_amount"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let vat: Decimal = document["totals"]["vat_amount"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(computed[0].value, (net + vat).to_string());
    }

    #[test]
    fn a_broken_document_is_left_to_validation() {
        let mut document = brewery();
        strip(&mut document);
        document["lines"][0]["quantity"] = json!("many");
        document.as_object_mut().unwrap().remove("consignee");
        let computed = complete_document(&mut document);
        assert!(
            computed.iter().all(|c| c.path.starts_with("lines[")),
            "{computed:#?}"
        );
        assert!(document["lines"][0].get("amount").is_none());
        assert!(parse_document(document).is_err());
    }
}
