//! The pure domain: the waybill document, its validation, the acts that
//! change a waybill, the lifecycle state machine and the projection that folds
//! acts into the current state. Nothing here knows about HTTP, SQL or keys.

pub mod act;
pub mod complete;
pub mod document;
pub mod field_error;
pub mod ids;
pub mod ijson;
pub mod inspection;
pub mod lifecycle;
pub mod party;
pub mod plate;
pub mod projection;
pub mod selection;
pub mod strict_json;
#[cfg(test)]
pub(crate) mod test_fixtures;
pub mod validation;
pub mod wire_formats;
