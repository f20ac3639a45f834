//! The signed summary of a roadside QR code: what the waybill said when the
//! service signed it, projected so that it always fits the code, and its
//! CBOR form (a map with small integer keys, like the CWT claims of the EU
//! Digital COVID Certificate). The byte layout is in `docs/roadside.md`.

use chrono::{DateTime, SecondsFormat, Utc};
use ciborium::value::{Integer, Value};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::document::{PartyRef, WaybillDocument};
use crate::domain::projection::WaybillState;

use super::RoadsideError;

/// Longest party name in the summary, in UTF-8 bytes (longer ones are cut
/// and end in `…`; the online page shows them whole).
pub const NAME_BYTES: usize = 48;
/// Longest waybill number in the summary, in UTF-8 bytes.
pub const NUMBER_BYTES: usize = 32;
/// Longest registration number in the summary, in UTF-8 bytes.
pub const REG_NO_BYTES: usize = 24;
/// The CBOR summary's size before any cut beyond the caps above; the QR
/// builder ([`super::signed_qr`]) lowers it until the code fits.
pub const SUMMARY_BYTES: usize = 256;
/// Longest plate in the summary, in UTF-8 bytes.
pub const PLATE_BYTES: usize = 16;
/// What ends a value the projection cut.
pub const CUT_MARK: char = '…';

/// The signed summary an inspector's device checks offline: the waybill as
/// of `issued_at`, never its current status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    /// The waybill id (UUID).
    pub id: String,
    /// The waybill number the consignor gave it (at most
    /// [`NUMBER_BYTES`], else cut).
    pub number: String,
    /// The status when the payload was signed.
    pub status: String,
    /// Number of acts in the waybill's chain when signed.
    pub version: u64,
    /// The latest event's index in the verifiable log.
    pub log_index: u64,
    /// YYYY-MM-DD.
    pub issue_date: String,
    pub consignor: PartySummary,
    pub carrier: PartySummary,
    pub consignee: PartySummary,
    /// The vehicle carrying the goods when signed.
    pub vehicle_plate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailer_plate: Option<String>,
    pub vehicle_country: String,
    pub goods: GoodsSummary,
    /// When the service signed: the summary is true as of this moment
    /// (RFC 3339, UTC, seconds).
    pub issued_at: String,
}

/// A party as the roadside sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PartySummary {
    /// At most [`NAME_BYTES`], else cut.
    pub name: String,
    pub reg_no: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// What is carried, without prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GoodsSummary {
    /// Number of goods lines.
    pub lines: u64,
    /// Total gross weight in kg, a decimal string.
    pub gross_weight_kg: String,
    /// Whether any line carries excise goods.
    pub excise: bool,
}

/// `text` cut to at most `max` UTF-8 bytes at a character boundary, ending
/// in [`CUT_MARK`] when cut.
pub fn fit(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let room = max.saturating_sub(CUT_MARK.len_utf8());
    let mut out = String::with_capacity(max);
    for c in text.chars() {
        if out.len() + c.len_utf8() > room {
            break;
        }
        out.push(c);
    }
    out.push(CUT_MARK);
    out
}

impl PartySummary {
    /// The party as the summary holds it (name and registration number cut
    /// to their bounds).
    pub fn of(p: &PartyRef) -> Self {
        Self {
            name: fit(&p.name, NAME_BYTES),
            reg_no: fit(&p.reg_no, REG_NO_BYTES),
            country: p.country.clone(),
        }
    }
}

impl GoodsSummary {
    /// Line count, total gross weight and whether any line is excise goods.
    pub fn of(document: &WaybillDocument) -> Self {
        Self {
            lines: u64::try_from(document.lines.len()).unwrap_or(u64::MAX),
            gross_weight_kg: document.totals.gross_weight_kg.normalize().to_string(),
            excise: document.lines.iter().any(|l| l.excise_category.is_some()),
        }
    }
}

impl Summary {
    /// The bounded projection of `waybill` that a QR code signed at
    /// `signed_at` carries.
    /// While the CBOR summary is longer than `budget` bytes, the longest of
    /// the number, the names and the registration numbers loses its last
    /// character (and ends in [`CUT_MARK`]).
    pub fn of(
        waybill: &WaybillState,
        log_index: u64,
        signed_at: DateTime<Utc>,
        budget: usize,
    ) -> Self {
        let d = &waybill.document;
        let t = &waybill.transport;
        let mut summary = Self {
            id: waybill.id.to_string(),
            number: fit(&d.number, NUMBER_BYTES),
            status: waybill.status.as_str().to_owned(),
            version: waybill.version,
            log_index,
            issue_date: d.issue_date.to_string(),
            consignor: PartySummary::of(&d.consignor),
            carrier: PartySummary::of(&d.carrier),
            consignee: PartySummary::of(&d.consignee),
            vehicle_plate: fit(&t.vehicle_plate, PLATE_BYTES),
            trailer_plate: t.trailer_plate.as_deref().map(|p| fit(p, PLATE_BYTES)),
            vehicle_country: t.vehicle_country.clone(),
            goods: GoodsSummary::of(d),
            issued_at: signed_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        };
        let whole = [
            d.number.as_str(),
            &d.consignor.name,
            &d.carrier.name,
            &d.consignee.name,
            &d.consignor.reg_no,
            &d.carrier.reg_no,
            &d.consignee.reg_no,
        ];
        summary.shrink_to(budget, whole);
        summary
    }

    fn shrink_to(&mut self, budget: usize, whole: [&str; 7]) {
        while self.to_cbor().is_ok_and(|c| c.len() > budget) {
            let texts = [
                &mut self.number,
                &mut self.consignor.name,
                &mut self.carrier.name,
                &mut self.consignee.name,
                &mut self.consignor.reg_no,
                &mut self.carrier.reg_no,
                &mut self.consignee.reg_no,
            ];
            // The longest; the first of equals, so the cut is deterministic.
            let Some(i) = (0..texts.len()).rev().max_by_key(|&i| texts[i].len()) else {
                return;
            };
            let len = texts[i].len();
            if len <= CUT_MARK.len_utf8() + 4 {
                return;
            }
            *texts[i] = fit(whole[i], len - 1);
        }
    }
}

// ------------------------------------------------------------------ CBOR

/// The summary's map keys (docs/roadside.md lists them with their types).
mod key {
    pub const ID: u8 = 1;
    pub const NUMBER: u8 = 2;
    pub const STATUS: u8 = 3;
    pub const VERSION: u8 = 4;
    pub const LOG_INDEX: u8 = 5;
    pub const ISSUE_DATE: u8 = 6;
    pub const ISSUED_AT: u8 = 7;
    pub const CONSIGNOR: u8 = 8;
    pub const CARRIER: u8 = 9;
    pub const CONSIGNEE: u8 = 10;
    pub const VEHICLE_PLATE: u8 = 11;
    pub const TRAILER_PLATE: u8 = 12;
    pub const VEHICLE_COUNTRY: u8 = 13;
    pub const GOODS: u8 = 14;
}

const MALFORMED: RoadsideError = RoadsideError::Malformed("the summary is not the EWB2 CBOR map");

/// The status codes of key 3, in lifecycle order.
const STATUS_CODES: [(u64, &str); 7] = [
    (1, "issued"),
    (2, "in_transit"),
    (3, "delivered"),
    (4, "partially_accepted"),
    (5, "rejected"),
    (6, "cancelled"),
    (7, "declined"),
];

fn status_code(status: &str) -> Result<u64, RoadsideError> {
    STATUS_CODES
        .iter()
        .find(|(_, s)| *s == status)
        .map(|(c, _)| *c)
        .ok_or(RoadsideError::Malformed("unknown status"))
}

fn status_of(code: u64) -> Result<String, RoadsideError> {
    STATUS_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, s)| (*s).to_owned())
        .ok_or(RoadsideError::Malformed("unknown status code"))
}

/// `YYYY-MM-DD` as the number YYYYMMDD.
fn date_number(date: &str) -> Result<u64, RoadsideError> {
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| RoadsideError::Malformed("the issue date is not YYYY-MM-DD"))?;
    date.format("%Y%m%d")
        .to_string()
        .parse()
        .map_err(|_| RoadsideError::Malformed("the issue date is out of range"))
}

fn date_of(number: u64) -> Result<String, RoadsideError> {
    chrono::NaiveDate::parse_from_str(&number.to_string(), "%Y%m%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| MALFORMED)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn uint(n: u64) -> Value {
    Value::Integer(Integer::from(n))
}

fn party_value(p: &PartySummary) -> Value {
    Value::Array(vec![text(&p.name), text(&p.reg_no), text(&p.country)])
}

impl Summary {
    /// The CBOR map, keys ascending, shortest forms (RFC 8949 §4.2.1
    /// deterministic encoding).
    pub fn to_cbor(&self) -> Result<Vec<u8>, RoadsideError> {
        let id = uuid::Uuid::parse_str(&self.id)
            .map_err(|_| RoadsideError::Malformed("the waybill id is not a UUID"))?;
        let issued_at = DateTime::parse_from_rfc3339(&self.issued_at)
            .map_err(|_| RoadsideError::Malformed("issued_at is not RFC 3339"))?;
        let issued_at = u64::try_from(issued_at.timestamp())
            .map_err(|_| RoadsideError::Malformed("issued_at is before 1970"))?;
        let mut map: Vec<(u8, Value)> = vec![
            (key::ID, Value::Bytes(id.as_bytes().to_vec())),
            (key::NUMBER, text(&self.number)),
            (key::STATUS, uint(status_code(&self.status)?)),
            (key::VERSION, uint(self.version)),
            (key::LOG_INDEX, uint(self.log_index)),
            (key::ISSUE_DATE, uint(date_number(&self.issue_date)?)),
            (key::ISSUED_AT, uint(issued_at)),
            (key::CONSIGNOR, party_value(&self.consignor)),
            (key::CARRIER, party_value(&self.carrier)),
            (key::CONSIGNEE, party_value(&self.consignee)),
            (key::VEHICLE_PLATE, text(&self.vehicle_plate)),
            (key::VEHICLE_COUNTRY, text(&self.vehicle_country)),
            (
                key::GOODS,
                Value::Array(vec![
                    uint(self.goods.lines),
                    text(&self.goods.gross_weight_kg),
                    Value::Bool(self.goods.excise),
                ]),
            ),
        ];
        if let Some(trailer) = &self.trailer_plate {
            map.push((key::TRAILER_PLATE, text(trailer)));
        }
        map.sort_by_key(|(k, _)| *k);
        let value = Value::Map(
            map.into_iter()
                .map(|(k, v)| (uint(u64::from(k)), v))
                .collect(),
        );
        let mut out = Vec::new();
        ciborium::into_writer(&value, &mut out).map_err(|e| RoadsideError::Qr(e.to_string()))?;
        Ok(out)
    }

    /// Parses the CBOR map strictly: every key known and once, each value
    /// of its type, and the bytes exactly as [`Summary::to_cbor`] writes
    /// them (so one summary has one encoding).
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, RoadsideError> {
        let value: Value = ciborium::from_reader(bytes).map_err(|_| MALFORMED)?;
        let Value::Map(entries) = value else {
            return Err(MALFORMED);
        };
        let mut fields: [Option<Value>; 15] = Default::default();
        for (k, v) in entries {
            let k = k
                .as_integer()
                .and_then(|i| usize::try_from(i).ok())
                .filter(|k| (1..fields.len()).contains(k))
                .ok_or(RoadsideError::Malformed("the summary has an unknown key"))?;
            if fields[k].replace(v).is_some() {
                return Err(RoadsideError::Malformed("the summary repeats a key"));
            }
        }
        let mut take = |k: u8| fields[usize::from(k)].take();
        let need = |v: Option<Value>| v.ok_or(RoadsideError::Malformed("the summary lacks a key"));
        let id = match need(take(key::ID))? {
            Value::Bytes(b) => uuid::Uuid::from_slice(&b).map_err(|_| MALFORMED)?,
            _ => return Err(MALFORMED),
        };
        let issued_at = as_u64(need(take(key::ISSUED_AT))?)?;
        let issued_at = i64::try_from(issued_at)
            .ok()
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
            .ok_or(MALFORMED)?;
        let summary = Summary {
            id: id.to_string(),
            number: as_text(need(take(key::NUMBER))?)?,
            status: status_of(as_u64(need(take(key::STATUS))?)?)?,
            version: as_u64(need(take(key::VERSION))?)?,
            log_index: as_u64(need(take(key::LOG_INDEX))?)?,
            issue_date: date_of(as_u64(need(take(key::ISSUE_DATE))?)?)?,
            issued_at: issued_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            consignor: as_party(need(take(key::CONSIGNOR))?)?,
            carrier: as_party(need(take(key::CARRIER))?)?,
            consignee: as_party(need(take(key::CONSIGNEE))?)?,
            vehicle_plate: as_text(need(take(key::VEHICLE_PLATE))?)?,
            trailer_plate: take(key::TRAILER_PLATE).map(as_text).transpose()?,
            vehicle_country: as_text(need(take(key::VEHICLE_COUNTRY))?)?,
            goods: as_goods(need(take(key::GOODS))?)?,
        };
        if summary.to_cbor()? != bytes {
            return Err(RoadsideError::Malformed(
                "the summary is not deterministically encoded CBOR",
            ));
        }
        Ok(summary)
    }
}

fn as_text(v: Value) -> Result<String, RoadsideError> {
    match v {
        Value::Text(s) => Ok(s),
        _ => Err(MALFORMED),
    }
}

fn as_u64(v: Value) -> Result<u64, RoadsideError> {
    v.as_integer()
        .and_then(|i| u64::try_from(i).ok())
        .ok_or(MALFORMED)
}

fn as_array<const N: usize>(v: Value) -> Result<[Value; N], RoadsideError> {
    match v {
        Value::Array(items) => items.try_into().map_err(|_| MALFORMED),
        _ => Err(MALFORMED),
    }
}

fn as_party(v: Value) -> Result<PartySummary, RoadsideError> {
    let [name, reg_no, country] = as_array(v)?;
    Ok(PartySummary {
        name: as_text(name)?,
        reg_no: as_text(reg_no)?,
        country: as_text(country)?,
    })
}

fn as_goods(v: Value) -> Result<GoodsSummary, RoadsideError> {
    let [lines, weight, excise] = as_array(v)?;
    Ok(GoodsSummary {
        lines: as_u64(lines)?,
        gross_weight_kg: as_text(weight)?,
        excise: excise.as_bool().ok_or(MALFORMED)?,
    })
}
