//! The waybill document as a UBL 2.1 `DespatchAdvice`, and back.
//!
//! The mapping table, with what is lost or defaulted on import, is in
//! `docs/ubl.md`; keep both in step.

mod read;
mod write;

pub use read::import_despatch_advice;
pub use write::despatch_advice;
pub(super) use write::party;

use serde_json::Value;

use crate::domain::document::ReferenceKind;

/// `listID` of our transaction type in `cbc:DespatchAdviceTypeCode`.
const TRANSACTION_TYPE_LIST: &str = "urn:ewaybill:transaction-type";
/// `listID` of the Combined Nomenclature in `cbc:ItemClassificationCode`.
const CN_LIST: &str = "CN";
/// `schemeID` of our excise category in `cac:ClassifiedTaxCategory/cbc:ID`.
const EXCISE_SCHEME: &str = "urn:ewaybill:excise-category";
/// `cbc:ExtensionURI` of the document totals extension.
const TOTALS_EXTENSION: &str = "urn:ewaybill:ubl:extension:totals:1";
/// `listID` of the names of our `cac:AdditionalItemProperty` entries.
const PROPERTY_LIST: &str = "urn:ewaybill:item-property";
const UNIT_PRICE: &str = "unit_price";
const LINE_AMOUNT: &str = "line_amount";
const PACKAGE_COUNT: &str = "package_count";

/// UN/CEFACT 1001 document name codes of our reference kinds.
fn reference_code(kind: ReferenceKind) -> &'static str {
    match kind {
        ReferenceKind::Invoice => "380",
        ReferenceKind::Order => "220",
        ReferenceKind::Contract => "315",
    }
}

fn reference_kind(code: &str) -> Option<ReferenceKind> {
    match code {
        "380" | "invoice" => Some(ReferenceKind::Invoice),
        "220" | "order" => Some(ReferenceKind::Order),
        "315" | "contract" => Some(ReferenceKind::Contract),
        _ => None,
    }
}

fn snake<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}
