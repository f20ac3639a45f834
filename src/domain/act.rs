//! Acts: the signed statements that change a waybill.
//!
//! A client sends `{"act": {...}, "signature": "..."}`. The signature covers
//! the RFC 8785 canonical bytes of the `act` object exactly as sent, so the
//! raw JSON is kept next to its typed reading: interpretation never changes
//! what was signed.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::document::WaybillDocument;
use super::field_error::FieldError;
use super::ids::KeyId;
use super::lifecycle::ActType;
use super::plate::check_plate;
use super::strict_json::read_all;
use super::validation::check_document;
use super::validation::{add_unless_reported, check_free_text, check_text, codes};

/// How far `signed_at` may be from the server clock, either way.
pub const SIGNED_AT_WINDOW: chrono::Duration = chrono::Duration::minutes(5);

/// The envelope as it travels (documentation schema; parsing works on the raw JSON).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedActEnvelope {
    pub act: ActSchema,
    /// Ed25519 signature (base64url, no padding, 64 bytes) over the RFC 8785
    /// canonical bytes of `act`.
    #[schema(example = "3q2-7w...")]
    pub signature: String,
}

/// The signed part of an act.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActSchema {
    #[serde(rename = "type")]
    pub act_type: ActType,
    /// Chosen by the consignor in `consignor.issue`.
    pub waybill_id: Uuid,
    /// `null` for `consignor.issue`, otherwise the hash of the waybill's latest event.
    #[schema(example = "9f2c1e...")]
    pub prev: Option<String>,
    /// RFC 7638 thumbprint of the signing key.
    pub key_id: String,
    pub signed_at: DateTime<Utc>,
    /// The act's body: a waybill document for issue/correct, otherwise the act's own body.
    #[schema(value_type = Object)]
    pub body: Value,
}

/// The fields of an act other than its body, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ActHeader {
    pub act_type: ActType,
    pub waybill_id: Uuid,
    pub prev: Option<String>,
    pub key_id: KeyId,
    pub signed_at: DateTime<Utc>,
}

/// A body that only states why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

/// A carrier's reservation about the goods' condition: per line, or overall
/// when `line_no` is absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reservation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_no: Option<u32>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierAcceptBody {
    #[serde(default)]
    pub reservations: Vec<Reservation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeVehicleBody {
    pub vehicle_plate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailer_plate: Option<String>,
    pub vehicle_country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What the consignee received of one line. Lines not listed were received in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceivedLine {
    pub line_no: u32,
    #[serde(with = "super::wire_formats::decimal_string")]
    #[schema(value_type = String, example = "95")]
    pub received_quantity: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsigneeAcceptBody {
    #[serde(default)]
    pub lines: Vec<ReceivedLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An act's body, read according to its type.
#[derive(Debug, Clone, PartialEq)]
pub enum ActBody {
    Document(Box<WaybillDocument>),
    Reason(ReasonBody),
    CarrierAccept(CarrierAcceptBody),
    ChangeVehicle(ChangeVehicleBody),
    ConsigneeAccept(ConsigneeAcceptBody),
}

/// An act whose header and body have been read and checked on their own
/// (state-dependent checks come later, in the projection).
#[derive(Debug, Clone)]
pub struct ParsedAct {
    pub header: ActHeader,
    pub body: ActBody,
    /// The `act` object exactly as received.
    pub raw_act: Value,
    /// base64url signature exactly as received.
    pub signature: String,
}

const MAX_REASON: usize = 1000;

/// Splits an envelope into its raw `act` and `signature`.
pub fn split_envelope(envelope: Value) -> Result<(Value, String), Vec<FieldError>> {
    let Value::Object(mut map) = envelope else {
        return Err(vec![FieldError::new(
            "",
            "invalid_type",
            "the request body must be an object {\"act\": {...}, \"signature\": \"...\"}",
        )]);
    };
    let mut errors = Vec::new();
    for key in map.keys() {
        if key != "act" && key != "signature" {
            errors.push(FieldError::new(
                key,
                "unknown_field",
                "unknown field; expected act and signature",
            ));
        }
    }
    let act = map.remove("act");
    let signature = map.remove("signature");
    let act = match act {
        Some(act @ Value::Object(_)) => Some(act),
        Some(_) => {
            errors.push(FieldError::new(
                "act",
                "invalid_type",
                "act must be an object",
            ));
            None
        }
        None => {
            errors.push(FieldError::new("act", "missing_field", "act is required"));
            None
        }
    };
    let signature = match signature {
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            errors.push(FieldError::new(
                "signature",
                "invalid_type",
                "signature must be a base64url string",
            ));
            None
        }
        None => {
            errors.push(FieldError::new(
                "signature",
                "missing_field",
                "signature is required",
            ));
            None
        }
    };
    match (act, signature) {
        (Some(act), Some(signature)) if errors.is_empty() => Ok((act, signature)),
        _ => Err(errors),
    }
}

/// Reads the header fields of a raw act, reporting every problem at once.
pub fn parse_header(act: &Value) -> Result<ActHeader, Vec<FieldError>> {
    let empty = Map::new();
    let map = act.as_object().unwrap_or(&empty);
    let mut errors = Vec::new();
    for key in map.keys() {
        if !matches!(
            key.as_str(),
            "type" | "waybill_id" | "prev" | "key_id" | "signed_at" | "body"
        ) {
            errors.push(FieldError::new(
                format!("act.{key}"),
                "unknown_field",
                "unknown field in act",
            ));
        }
    }
    let act_type = match map.get("type") {
        Some(Value::String(s)) => ActType::parse(s).ok().or_else(|| {
            errors.push(FieldError::new(
                "act.type",
                "unknown_act_type",
                format!(
                    "unknown act type {s:?}; expected one of {}",
                    ActType::ALL.map(ActType::as_str).join(", ")
                ),
            ));
            None
        }),
        other => missing_or_type(&mut errors, "act.type", other, "a string"),
    };
    let waybill_id = match map.get("waybill_id") {
        Some(Value::String(s)) => Uuid::parse_str(s).ok().or_else(|| {
            errors.push(FieldError::new(
                "act.waybill_id",
                "invalid_uuid",
                "waybill_id must be a UUID",
            ));
            None
        }),
        other => missing_or_type(&mut errors, "act.waybill_id", other, "a UUID string"),
    };
    let prev = match map.get("prev") {
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) if is_event_hash(s) => Some(Some(s.clone())),
        Some(Value::String(_)) => {
            errors.push(FieldError::new(
                "act.prev",
                "invalid_hash",
                "prev must be null or 64 lowercase hex digits (an event hash)",
            ));
            None
        }
        other => missing_or_type(&mut errors, "act.prev", other, "null or an event hash"),
    };
    let key_id = match map.get("key_id") {
        Some(Value::String(s)) if !s.is_empty() => Some(KeyId::from(s.as_str())),
        other => missing_or_type(&mut errors, "act.key_id", other, "a key id string"),
    };
    let signed_at = match map.get("signed_at") {
        Some(Value::String(s)) => parse_utc_timestamp(s).or_else(|| {
            errors.push(FieldError::new(
                "act.signed_at",
                "invalid_timestamp",
                "signed_at must be an RFC 3339 timestamp in UTC, e.g. 2026-11-29T16:00:00Z",
            ));
            None
        }),
        other => missing_or_type(&mut errors, "act.signed_at", other, "an RFC 3339 string"),
    };
    match map.get("body") {
        Some(Value::Object(_)) => {}
        other => {
            missing_or_type::<()>(&mut errors, "act.body", other, "an object");
        }
    }
    match (act_type, waybill_id, prev, key_id, signed_at) {
        (Some(act_type), Some(waybill_id), Some(prev), Some(key_id), Some(signed_at))
            if errors.is_empty() =>
        {
            Ok(ActHeader {
                act_type,
                waybill_id,
                prev,
                key_id,
                signed_at,
            })
        }
        _ => Err(errors),
    }
}

/// How strictly an act is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// An act offered now: held to every rule.
    New,
    /// An act already in the log: it was admitted under the rules of its
    /// day, so a rule added since ([`ADMISSION_ONLY`]) does not make it
    /// unreadable.
    Recorded,
}

/// Codes of the rules only new acts are held to.
pub const ADMISSION_ONLY: &[&str] = &[codes::INVALID_PLATE, codes::CONTROL_CHARACTER];

/// Reads and checks a new act's body for its type. Paths are relative to
/// the body, so a document problem reads `lines[2].quantity`.
pub fn parse_body(act_type: ActType, body: &Value) -> Result<ActBody, Vec<FieldError>> {
    parse_body_as(act_type, body, Reading::New)
}

fn parse_body_as(
    act_type: ActType,
    body: &Value,
    reading: Reading,
) -> Result<ActBody, Vec<FieldError>> {
    let finish = |errors, body| finish(reading, errors, body);
    match act_type {
        ActType::ConsignorIssue | ActType::ConsignorCorrect => {
            match check_document(body) {
                Ok(document) => Ok(ActBody::Document(Box::new(document))),
                // A recorded act may break only rules added since it was
                // admitted: read it, and let `finish` drop those.
                Err(errors) => match read_all::<WaybillDocument>(body) {
                    Ok(document) => finish(errors, ActBody::Document(Box::new(document))),
                    Err(_) => Err(errors),
                },
            }
        }
        ActType::ConsignorCancel | ActType::CarrierDecline | ActType::ConsigneeReject => {
            let body: ReasonBody = typed(body)?;
            let mut errors = Vec::new();
            check_free_text(&mut errors, "reason", &body.reason, MAX_REASON);
            finish(errors, ActBody::Reason(body))
        }
        ActType::CarrierAccept => {
            let body: CarrierAcceptBody = typed(body)?;
            let mut errors = Vec::new();
            for (i, r) in body.reservations.iter().enumerate() {
                check_free_text(
                    &mut errors,
                    &format!("reservations[{i}].note"),
                    &r.note,
                    MAX_REASON,
                );
            }
            finish(errors, ActBody::CarrierAccept(body))
        }
        ActType::CarrierChangeVehicle => {
            let body: ChangeVehicleBody = typed(body)?;
            let mut errors = Vec::new();
            check_text(&mut errors, "vehicle_plate", &body.vehicle_plate, 20);
            add_unless_reported(
                &mut errors,
                check_plate("vehicle_plate", &body.vehicle_plate),
            );
            if let Some(trailer) = &body.trailer_plate {
                add_unless_reported(&mut errors, check_plate("trailer_plate", trailer));
            }
            if isocountry::CountryCode::for_alpha2(&body.vehicle_country).is_err() {
                errors.push(FieldError::new(
                    "vehicle_country",
                    "invalid_country",
                    "vehicle_country must be an ISO 3166-1 alpha-2 code",
                ));
            }
            finish(errors, ActBody::ChangeVehicle(body))
        }
        ActType::ConsigneeAccept => {
            let body: ConsigneeAcceptBody = typed(body)?;
            let mut errors = Vec::new();
            for (i, line) in body.lines.iter().enumerate() {
                if line.received_quantity.is_sign_negative() {
                    errors.push(FieldError::new(
                        format!("lines[{i}].received_quantity"),
                        "out_of_range",
                        "received_quantity cannot be negative",
                    ));
                }
                if body.lines[..i].iter().any(|l| l.line_no == line.line_no) {
                    errors.push(FieldError::new(
                        format!("lines[{i}].line_no"),
                        "duplicate_line_no",
                        "each line may be listed once",
                    ));
                }
            }
            finish(errors, ActBody::ConsigneeAccept(body))
        }
    }
}

/// Reads a whole raw act offered now: header, then body. Every header
/// problem is reported together; the body is read only when its type is known.
pub fn parse_act(raw_act: Value, signature: String) -> Result<ParsedAct, Vec<FieldError>> {
    parse_act_as(raw_act, signature, Reading::New)
}

/// Reads an act already in the log (see [`Reading::Recorded`]).
pub fn parse_recorded_act(raw_act: Value, signature: String) -> Result<ParsedAct, Vec<FieldError>> {
    parse_act_as(raw_act, signature, Reading::Recorded)
}

fn parse_act_as(
    raw_act: Value,
    signature: String,
    reading: Reading,
) -> Result<ParsedAct, Vec<FieldError>> {
    let header = parse_header(&raw_act)?;
    let body_value = raw_act.get("body").cloned().unwrap_or(Value::Null);
    let body = parse_body_as(header.act_type, &body_value, reading)?;
    Ok(ParsedAct {
        header,
        body,
        raw_act,
        signature,
    })
}

/// Whether `signed_at` is close enough to `now` to be accepted.
pub fn signed_at_is_fresh(signed_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (now - signed_at).abs() <= SIGNED_AT_WINDOW
}

/// An event hash: lowercase hex SHA-256.
pub fn is_event_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn parse_utc_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let parsed = DateTime::parse_from_rfc3339(s).ok()?;
    (parsed.offset().local_minus_utc() == 0).then(|| parsed.with_timezone(&Utc))
}

fn missing_or_type<T>(
    errors: &mut Vec<FieldError>,
    path: &str,
    value: Option<&Value>,
    expected: &str,
) -> Option<T> {
    match value {
        None => errors.push(FieldError::new(
            path,
            "missing_field",
            format!("{path} is required"),
        )),
        Some(_) => errors.push(FieldError::new(
            path,
            "invalid_type",
            format!("{path} must be {expected}"),
        )),
    }
    None
}

/// A body of a fixed shape, with every structural problem reported at once.
fn typed<T: DeserializeOwned + ToSchema + 'static>(body: &Value) -> Result<T, Vec<FieldError>> {
    read_all(body)
}

fn finish(
    reading: Reading,
    mut errors: Vec<FieldError>,
    body: ActBody,
) -> Result<ActBody, Vec<FieldError>> {
    if reading == Reading::Recorded {
        errors.retain(|e| !ADMISSION_ONLY.contains(&e.code.as_str()));
    }
    if errors.is_empty() {
        Ok(body)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn header_json() -> Value {
        json!({
            "type": "consignor.cancel",
            "waybill_id": "0192f5a0-0000-7000-8000-000000000001",
            "prev": "a".repeat(64),
            "key_id": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
            "signed_at": "2026-11-29T16:00:00Z",
            "body": {"reason": "order withdrawn"}
        })
    }

    #[test]
    fn reads_a_well_formed_act() {
        let act = parse_act(header_json(), "sig".into()).unwrap();
        assert_eq!(act.header.act_type, ActType::ConsignorCancel);
        assert_eq!(
            act.body,
            ActBody::Reason(ReasonBody {
                reason: "order withdrawn".into()
            })
        );
    }

    #[test]
    fn reports_every_header_problem_at_once() {
        let raw = json!({
            "type": "consignor.explode",
            "waybill_id": "nope",
            "prev": "ABC",
            "signed_at": "2026-11-29T18:00:00+02:00",
            "body": [],
            "extra": 1
        });
        let errors = parse_header(&raw).unwrap_err();
        let paths: Vec<_> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.code.as_str()))
            .collect();
        assert!(paths.contains(&("act.extra", "unknown_field")), "{paths:?}");
        assert!(paths.contains(&("act.type", "unknown_act_type")));
        assert!(paths.contains(&("act.waybill_id", "invalid_uuid")));
        assert!(paths.contains(&("act.prev", "invalid_hash")));
        assert!(paths.contains(&("act.key_id", "missing_field")));
        assert!(paths.contains(&("act.signed_at", "invalid_timestamp")));
        assert!(paths.contains(&("act.body", "invalid_type")));
        assert_eq!(errors.len(), 7);
    }

    #[test]
    fn envelope_needs_act_and_signature_only() {
        let errors = split_envelope(json!({"act": 1, "sig": "x"})).unwrap_err();
        let codes: Vec<_> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("sig", "unknown_field"),
                ("act", "invalid_type"),
                ("signature", "missing_field")
            ]
        );
    }

    #[test]
    fn empty_reason_and_unknown_body_field_are_rejected() {
        let errors = parse_body(ActType::CarrierDecline, &json!({"reason": "  "})).unwrap_err();
        assert_eq!(errors[0].path, "reason");
        assert_eq!(errors[0].code, "required");
        let errors =
            parse_body(ActType::CarrierDecline, &json!({"reason": "x", "why": 1})).unwrap_err();
        assert_eq!(errors[0].code, "unknown_field");
    }

    #[test]
    fn every_structural_problem_of_a_body_at_once() {
        let errors = parse_body(
            ActType::CarrierAccept,
            &json!({"reservations": [{"note": 5, "colour": "red"}, {"line_no": "1"}], "why": 1}),
        )
        .unwrap_err();
        let mut found: Vec<_> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.code.as_str()))
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                ("reservations[0].colour", "unknown_field"),
                ("reservations[0].note", "invalid_type"),
                ("reservations[1].line_no", "invalid_type"),
                ("reservations[1].note", "missing_field"),
                ("why", "unknown_field"),
            ]
        );
        let errors = parse_body(
            ActType::CarrierChangeVehicle,
            &json!({"vehicle_plate": "AB\t1", "vehicle_country": "LV", "reason": "tyre\nburst"}),
        )
        .unwrap_err();
        assert_eq!(
            (errors[0].path.as_str(), errors[0].code.as_str()),
            ("vehicle_plate", "control_character")
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    #[test]
    fn received_quantity_must_be_a_string_and_non_negative() {
        let errors = parse_body(
            ActType::ConsigneeAccept,
            &json!({"lines": [{"line_no": 1, "received_quantity": 5}]}),
        )
        .unwrap_err();
        assert_eq!(errors[0].path, "lines[0].received_quantity");
        let errors = parse_body(
            ActType::ConsigneeAccept,
            &json!({"lines": [
                {"line_no": 1, "received_quantity": "-1"},
                {"line_no": 1, "received_quantity": "1"}
            ]}),
        )
        .unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, vec!["out_of_range", "duplicate_line_no"]);
    }

    #[test]
    fn a_new_act_with_an_impossible_plate_is_refused_but_a_recorded_one_still_reads() {
        let body = json!({"vehicle_plate": "KX@5338", "trailer_plate": "Т-9🚚",
                          "vehicle_country": "LV"});
        let errors = parse_body(ActType::CarrierChangeVehicle, &body).unwrap_err();
        let paths: Vec<_> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("vehicle_plate", "invalid_plate"),
                ("trailer_plate", "invalid_plate")
            ]
        );
        let mut raw = header_json();
        raw["type"] = json!("carrier.change_vehicle");
        raw["body"] = body;
        assert!(parse_act(raw.clone(), "sig".into()).is_err());
        let recorded = parse_recorded_act(raw.clone(), "sig".into()).unwrap();
        let ActBody::ChangeVehicle(read) = recorded.body else {
            panic!("{:?}", recorded.body)
        };
        assert_eq!(read.vehicle_plate, "KX@5338", "kept as signed");
        // Rules that are not admission-only still hold for recorded acts.
        raw["body"]["vehicle_country"] = json!("XX");
        assert!(parse_recorded_act(raw, "sig".into()).is_err());
        // A look-alike plate is a plate.
        let ok = json!({"vehicle_plate": "КХ-5338", "vehicle_country": "LV"});
        assert!(parse_body(ActType::CarrierChangeVehicle, &ok).is_ok());
    }

    #[test]
    fn signed_at_window_is_five_minutes_either_way() {
        let now = Utc::now();
        assert!(signed_at_is_fresh(now - chrono::Duration::minutes(4), now));
        assert!(signed_at_is_fresh(now + chrono::Duration::minutes(4), now));
        assert!(!signed_at_is_fresh(now - chrono::Duration::minutes(6), now));
        assert!(!signed_at_is_fresh(now + chrono::Duration::minutes(6), now));
    }
}
