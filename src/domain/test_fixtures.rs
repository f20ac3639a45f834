//! For unit tests: the sample waybill documents in `fixtures/waybills/`,
//! read as the JSON a client would send.

use serde_json::Value;

/// `fixtures/waybills/<name>` as JSON.
pub(crate) fn waybill_json(name: &str) -> Value {
    let path = format!("{}/fixtures/waybills/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The brewery's beer delivery, the fixture most tests start from.
pub(crate) fn brewery() -> Value {
    waybill_json("brewery-beer.json")
}
