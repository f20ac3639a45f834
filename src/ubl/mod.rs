//! OASIS UBL 2.1: the waybill as a `DespatchAdvice` and the consignee's
//! acceptance as a `ReceiptAdvice`, both ways.
//!
//! Export writes only what the document holds, in schema order, with the
//! standard namespaces. Import reads any UBL 2.1 instance whatever prefixes
//! it uses, fills our document from the elements listed in `docs/ubl.md`,
//! reports every required field it could not find (with our path and the UBL
//! location it looked at), then runs the domain's own structural and
//! semantic validation. Elements it did not use are listed in
//! [`Imported::notes`] so nothing is dropped silently.

mod despatch;
mod receipt;
#[cfg(test)]
mod tests;
mod values;
mod xml;

pub use despatch::{despatch_advice, import_despatch_advice};
pub use receipt::{ConsigneeResponse, import_receipt_advice, receipt_advice};

use serde::Serialize;
use serde_json::Value;

use crate::domain::field_error::FieldError;

/// `cac:` Common Aggregate Components.
pub const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
/// `cbc:` Common Basic Components.
pub const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
/// `ext:` Common Extension Components.
pub const EXT: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2";
/// The root namespace of a DespatchAdvice.
pub const DESPATCH_ADVICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2";
/// The root namespace of a ReceiptAdvice.
pub const RECEIPT_ADVICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:ReceiptAdvice-2";
/// Our extension namespace (document totals that UBL's DespatchAdvice has
/// no element for).
pub const EWB: &str = "urn:ewaybill:ubl:1";
/// `cbc:CustomizationID` of what we write.
pub const CUSTOMIZATION_ID: &str = "urn:ewaybill:ubl:2.1:1";

/// Why a conversion failed.
#[derive(Debug, thiserror::Error)]
pub enum UblError {
    #[error("not well-formed XML: {0}")]
    Xml(#[from] roxmltree::Error),
    #[error("the root element is {found}; expected a UBL 2.1 {expected}")]
    WrongRoot {
        expected: &'static str,
        found: String,
    },
    /// The UBL lacks required fields or their values break the document's
    /// rules; `draft` holds what was imported, for the caller to complete.
    #[error("the UBL document does not make a valid waybill document: {} problem(s)", errors.len())]
    Invalid {
        errors: Vec<FieldError>,
        draft: Value,
        notes: Vec<ImportNote>,
    },
    /// The waybill has no consignee outcome to advise on yet.
    #[error("the waybill has no receipt yet (status {status})")]
    NoReceipt { status: &'static str },
    #[error("writing XML failed: {0}")]
    Write(String),
}

impl From<std::io::Error> for UblError {
    fn from(e: std::io::Error) -> Self {
        Self::Write(e.to_string())
    }
}

/// A converted value with what the conversion could not carry over.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported<T> {
    pub value: T,
    pub notes: Vec<ImportNote>,
}

/// Something the import did not carry over as it was: an element it has no
/// field for, or a value it defaulted or derived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportNote {
    /// `ignored` (no field for it), `defaulted` (absent, filled in) or
    /// `derived` (computed from other values).
    pub kind: &'static str,
    /// Where in the UBL instance.
    pub location: String,
    pub message: String,
}

impl std::fmt::Display for ImportNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.kind, self.location, self.message)
    }
}
