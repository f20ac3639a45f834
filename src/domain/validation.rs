//! Semantic validation of a [`WaybillDocument`].
//!
//! [`validate_document`] never stops at the first problem: it returns every
//! problem it finds, each as a [`FieldError`] with a path, a stable code and a
//! readable message. Structural problems (missing or unknown fields, wrong
//! JSON types) are found by
//! [`read_all`](super::strict_json::read_all), which also reports every one of
//! them; [`check_document`] does both and
//! runs the semantic rules ([`validate_parts`]) on every part of a document
//! that could be read, so one request lists every problem, none of them a
//! consequence of another.
//!
//! The text policy every request string is held to ([`forbidden_char`],
//! [`check_json_text`]) lives here too: no control characters, except tab
//! and line breaks in free text.
//!
//! # Paths
//!
//! Field names joined by `.`, array elements by 0-based `[index]`:
//! `consignor.reg_no`, `lines[2].quantity`, `references[0].number`,
//! `totals.vat_amount`. The document root is the empty string.
//!
//! # Codes
//!
//! Codes are stable snake_case machine identifiers; messages are for humans
//! and may change.
//!
//! | Code                | Raised by           | Meaning |
//! |---------------------|---------------------|---------|
//! | `missing_field`     | `read_all`          | A required field is absent. |
//! | `unknown_field`     | `read_all`          | A field the contract does not define. |
//! | `invalid_type`      | `read_all`          | Wrong JSON type, e.g. a JSON number where a decimal string is required. |
//! | `invalid_value`     | `read_all`          | Right type, unparsable value: malformed decimal string, date, timestamp, unknown enum variant. |
//! | `control_character` | `validate_document`, `check_json_text` | A control character: any in single-line text, any but tab/LF/CR in free text. |
//! | `required`          | `validate_document` | Empty (after trimming) where a value is required; no lines. |
//! | `too_long`          | `validate_document` | Text longer than its limit (counted in characters). |
//! | `invalid_country`   | `validate_document` | Not an uppercase ISO 3166-1 alpha-2 code. |
//! | `invalid_currency`  | `validate_document` | Not an ISO 4217 alphabetic code. |
//! | `before_loading`    | `validate_document` | Unloading is planned before loading. |
//! | `duplicate_line_no` | `validate_document` | A line number already used by an earlier line. |
//! | `invalid_cn_code`   | `validate_document` | CN code is not exactly 8 ASCII digits. |
//! | `invalid_unit`      | `validate_document` | Unit is not a UN/ECE Rec 20 code shape (2-3 uppercase letters or digits). |
//! | `must_be_positive`  | `validate_document` | `line_no`, `quantity` or `gross_weight_kg` is not > 0. |
//! | `net_exceeds_gross` | `validate_document` | Line net weight greater than its gross weight. |
//! | `out_of_range`      | `validate_document` | Negative net weight or unit price; VAT rate outside 0..=100; arithmetic overflow. |
//! | `invalid_un_number` | `validate_document` | Dangerous goods UN number is not exactly 4 ASCII digits. |
//! | `too_many_decimals` | `validate_document` | Money (line amount, totals) with more than 2 decimal places. |
//! | `amount_mismatch`   | `validate_document` | Line amount is not round(quantity x unit_price). |
//! | `total_mismatch`    | `validate_document` | A total disagrees with the lines. |
//! | `invalid_plate`     | `validate_document` | A plate holds a character no plate has (see [`super::plate`]). Only new acts are held to it. |
//!
//! # Limits
//!
//! | Field                                         | Max characters |
//! |-----------------------------------------------|----------------|
//! | `number`, `reg_no`, reference `number`        | 64 |
//! | party `name`, `driver_name`                   | 200 |
//! | party `address`, address `line`, `description`| 500 |
//! | `city`                                        | 100 |
//! | `postal_code`, `vehicle_plate`, `trailer_plate` | 16 |
//! | `notes`                                       | 2000 |
//!
//! # Arithmetic
//!
//! All rounding is half away from zero to 2 decimals (cents), see
//! [`round_money`]. Comparisons are numeric: `"12.5"` equals `"12.50"`.
//!
//! * line `amount` = round(quantity x unit_price)
//! * line VAT = round(amount x vat_rate / 100), see [`line_vat`]
//! * `totals.net_amount` = sum of line amounts
//! * `totals.vat_amount` = sum of line VATs
//! * `totals.gross_amount` = sum of line amounts + sum of line VATs (i.e. the
//!   expected net + expected VAT, so every wrong total is reported at once)
//! * `totals.gross_weight_kg` = sum of line gross weights (exact, unrounded)
//!
//! The money totals are computed twice: from the line amounts as sent, and
//! from the amounts as they should be. A total equal to either is accepted
//! (a wrong line amount is then one error, on its line, however the sender
//! added up); otherwise the expected value shown is the one from the
//! amounts as sent. Totals are compared only when every line could be read.

use std::collections::HashMap;

use rust_decimal::{Decimal, RoundingStrategy};

use super::document::{
    Address, GoodsLine, PartyRef, Place, Reference, Totals, Transport, WaybillDocument,
};
use super::field_error::{FieldError, join_path};
use super::strict_json::{read_all, strict};

/// The codes of the table in the module documentation.
pub mod codes {
    pub const MISSING_FIELD: &str = "missing_field";
    pub const UNKNOWN_FIELD: &str = "unknown_field";
    pub const INVALID_TYPE: &str = "invalid_type";
    pub const INVALID_VALUE: &str = "invalid_value";
    pub const REQUIRED: &str = "required";
    pub const TOO_LONG: &str = "too_long";
    pub const INVALID_COUNTRY: &str = "invalid_country";
    pub const INVALID_CURRENCY: &str = "invalid_currency";
    pub const BEFORE_LOADING: &str = "before_loading";
    pub const DUPLICATE_LINE_NO: &str = "duplicate_line_no";
    pub const INVALID_CN_CODE: &str = "invalid_cn_code";
    pub const INVALID_UNIT: &str = "invalid_unit";
    pub const MUST_BE_POSITIVE: &str = "must_be_positive";
    pub const NET_EXCEEDS_GROSS: &str = "net_exceeds_gross";
    pub const OUT_OF_RANGE: &str = "out_of_range";
    pub const INVALID_UN_NUMBER: &str = "invalid_un_number";
    pub const TOO_MANY_DECIMALS: &str = "too_many_decimals";
    pub const AMOUNT_MISMATCH: &str = "amount_mismatch";
    pub const TOTAL_MISMATCH: &str = "total_mismatch";
    pub const INVALID_PLATE: &str = super::super::plate::INVALID_PLATE;
    pub const CONTROL_CHARACTER: &str = "control_character";
}

use codes::*;

const MAX_NUMBER: usize = 64;
const MAX_REG_NO: usize = 64;
const MAX_NAME: usize = 200;
const MAX_ADDRESS: usize = 500;
const MAX_CITY: usize = 100;
const MAX_POSTAL_CODE: usize = 16;
const MAX_PLATE: usize = 16;
const MAX_DESCRIPTION: usize = 500;
const MAX_NOTES: usize = 2000;

/// Rounds to cents, half away from zero: `0.125` -> `0.13`, `-0.125` -> `-0.13`.
pub fn round_money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// VAT of a line: round(amount x vat_rate / 100).
///
/// Saturates at the `Decimal` bounds if the product overflows, which only
/// happens for values [`validate_document`] rejects.
pub fn line_vat(line: &GoodsLine) -> Decimal {
    checked_line_vat(line).unwrap_or_else(|| {
        round_money(line.amount.saturating_mul(line.vat_rate) / Decimal::ONE_HUNDRED)
    })
}

fn checked_line_vat(line: &GoodsLine) -> Option<Decimal> {
    vat_of(line.amount, line.vat_rate)
}

/// round(amount x rate / 100), `None` on overflow.
fn vat_of(amount: Decimal, rate: Decimal) -> Option<Decimal> {
    amount
        .checked_mul(rate)?
        .checked_div(Decimal::ONE_HUNDRED)
        .map(round_money)
}

/// Checks every semantic rule and returns all problems, in document order.
/// An empty vector means the document is valid.
pub fn validate_document(doc: &WaybillDocument) -> Vec<FieldError> {
    validate_parts(&DocumentParts::of(doc))
}

/// Reads and checks a waybill document, reporting every problem at once:
/// every missing, unknown, wrong-typed or unreadable field with its path,
/// then every semantic problem of the parts that could be read (a part that
/// could not is not judged further, so no problem is reported twice).
pub fn check_document(value: &serde_json::Value) -> Result<WaybillDocument, Vec<FieldError>> {
    match read_all::<WaybillDocument>(value) {
        Ok(document) => {
            let errors = validate_document(&document);
            if errors.is_empty() {
                Ok(document)
            } else {
                Err(errors)
            }
        }
        Err(mut errors) => {
            errors.extend(validate_parts(&read_parts(value)));
            Err(errors)
        }
    }
}

/// The parts of a document that can be read on their own, whatever is
/// wrong elsewhere.
fn read_parts(value: &serde_json::Value) -> DocumentParts {
    let get = |name: &str| value.get(name);
    let list = |name: &str| get(name).and_then(serde_json::Value::as_array);
    DocumentParts {
        number: strict(get("number")),
        consignor: strict(get("consignor")),
        consignee: strict(get("consignee")),
        carrier: strict(get("carrier")),
        loading: strict(get("loading")),
        unloading: strict(get("unloading")),
        transport: strict(get("transport")),
        currency: strict(get("currency")),
        lines: list("lines").map(|lines| lines.iter().map(|l| strict(Some(l))).collect()),
        totals: strict(get("totals")),
        references: list("references")
            .map(|refs| refs.iter().map(|r| strict(Some(r))).collect())
            .unwrap_or_default(),
        notes: strict(get("notes")),
    }
}

/// Checks every semantic rule on the parts of a document that could be
/// read, in document order. A rule that needs a part that is missing or
/// malformed is not checked: the structural problem is the one reported,
/// never a consequence of it.
pub fn validate_parts(doc: &DocumentParts) -> Vec<FieldError> {
    let mut v = Validator::default();

    if let Some(number) = &doc.number {
        v.text("number", number, MAX_NUMBER);
    }
    for (prefix, party) in [
        ("consignor", &doc.consignor),
        ("consignee", &doc.consignee),
        ("carrier", &doc.carrier),
    ] {
        if let Some(party) = party {
            v.party(prefix, party);
        }
    }
    if let Some(loading) = &doc.loading {
        v.place("loading", loading);
    }
    if let Some(unloading) = &doc.unloading {
        v.place("unloading", unloading);
    }
    if let (Some(loading), Some(unloading)) = (&doc.loading, &doc.unloading)
        && unloading.planned_at < loading.planned_at
    {
        v.push(
            "unloading.planned_at",
            BEFORE_LOADING,
            format!(
                "unloading is planned before loading ({})",
                loading.planned_at.to_rfc3339()
            ),
        );
    }

    if let Some(t) = &doc.transport {
        v.text("transport.vehicle_plate", &t.vehicle_plate, MAX_PLATE);
        v.optional_text(
            "transport.trailer_plate",
            t.trailer_plate.as_deref(),
            MAX_PLATE,
        );
        v.plate("transport.vehicle_plate", Some(&t.vehicle_plate));
        v.plate("transport.trailer_plate", t.trailer_plate.as_deref());
        v.country("transport.vehicle_country", &t.vehicle_country);
        v.optional_text("transport.driver_name", t.driver_name.as_deref(), MAX_NAME);
    }

    if let Some(currency) = &doc.currency
        && !is_currency(currency)
    {
        v.push(
            "currency",
            INVALID_CURRENCY,
            format!("`{}` is not an ISO 4217 currency code", printable(currency)),
        );
    }

    if let Some(lines) = &doc.lines {
        if lines.is_empty() {
            v.push("lines", REQUIRED, "at least one goods line is required");
        }
        let mut first_index_of: HashMap<u32, usize> = HashMap::new();
        for (i, line) in lines.iter().enumerate() {
            let Some(line) = line else { continue };
            let prefix = format!("lines[{i}]");
            if line.line_no != 0 {
                if let Some(first) = first_index_of.get(&line.line_no) {
                    v.push(
                        format!("{prefix}.line_no"),
                        DUPLICATE_LINE_NO,
                        format!("line_no {} is already used by lines[{first}]", line.line_no),
                    );
                } else {
                    first_index_of.insert(line.line_no, i);
                }
            }
            v.line(&prefix, line);
        }
    }

    if let Some(totals) = &doc.totals {
        v.totals(totals, doc.lines.as_deref());
    }

    for (i, reference) in doc.references.iter().enumerate() {
        if let Some(reference) = reference {
            v.text(
                &format!("references[{i}].number"),
                &reference.number,
                MAX_NUMBER,
            );
        }
    }

    if let Some(notes) = &doc.notes {
        v.free_text("notes", notes, MAX_NOTES);
    }

    v.errors
}

/// The parts of a waybill document that semantic validation looks at, each
/// `None` when it is absent or could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentParts {
    pub number: Option<String>,
    pub consignor: Option<PartyRef>,
    pub consignee: Option<PartyRef>,
    pub carrier: Option<PartyRef>,
    pub loading: Option<Place>,
    pub unloading: Option<Place>,
    pub transport: Option<Transport>,
    pub currency: Option<String>,
    /// `None` when there is no readable list; an element is `None` when
    /// that line could not be read.
    pub lines: Option<Vec<Option<GoodsLine>>>,
    pub totals: Option<Totals>,
    pub references: Vec<Option<Reference>>,
    pub notes: Option<String>,
}

impl DocumentParts {
    /// Every part of a complete document.
    pub fn of(doc: &WaybillDocument) -> Self {
        Self {
            number: Some(doc.number.clone()),
            consignor: Some(doc.consignor.clone()),
            consignee: Some(doc.consignee.clone()),
            carrier: Some(doc.carrier.clone()),
            loading: Some(doc.loading.clone()),
            unloading: Some(doc.unloading.clone()),
            transport: Some(doc.transport.clone()),
            currency: Some(doc.currency.clone()),
            lines: Some(doc.lines.iter().cloned().map(Some).collect()),
            totals: Some(doc.totals.clone()),
            references: doc.references.iter().cloned().map(Some).collect(),
            notes: doc.notes.clone(),
        }
    }
}

/// Adds `error` unless its path already has a problem: a field that broke
/// a general rule (e.g. a control character) is not reported again by a
/// rule that follows from it.
pub fn add_unless_reported(errors: &mut Vec<FieldError>, error: Option<FieldError>) {
    if let Some(error) = error
        && !errors.iter().any(|e| e.path == error.path)
    {
        errors.push(error);
    }
}

/// Required single-line text (non-blank, at most `max` characters, no
/// control characters) for the other request bodies, with the same codes
/// as the document's fields.
pub fn check_text(errors: &mut Vec<FieldError>, path: &str, value: &str, max: usize) {
    let mut v = Validator::default();
    v.text(path, value, max);
    errors.extend(v.errors);
}

/// Required free text (may hold tabs and line breaks) for the other request
/// bodies: non-blank and at most `max` characters.
pub fn check_free_text(errors: &mut Vec<FieldError>, path: &str, value: &str, max: usize) {
    let mut v = Validator::default();
    if value.trim().is_empty() {
        v.push(path, REQUIRED, "must not be empty");
    } else {
        v.free_text(path, value, max);
    }
    errors.extend(v.errors);
}

/// Where a piece of text may hold layout characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Notes, descriptions, reasons: tab, line feed and carriage return are fine.
    Free,
    /// Names, numbers, codes, plates, cities: one line, no control characters.
    SingleLine,
}

/// The first character of `text` that `kind` refuses: a C0 control
/// character (U+0000 to U+001F, which the database cannot store or which
/// breaks the line a field is shown on) or DEL, except tab, line feed and
/// carriage return in free text. Rust strings hold no lone surrogates.
pub fn forbidden_char(text: &str, kind: TextKind) -> Option<char> {
    text.chars().find(|&c| {
        let layout = matches!(c, '\t' | '\n' | '\r');
        (c.is_ascii_control()) && !(layout && kind == TextKind::Free)
    })
}

/// The text policy every JSON request body is held to before anything
/// reads it: no member name and no string anywhere may hold a character
/// that [`forbidden_char`] refuses in free text. One error per offending
/// string, with its path (`act.body.consignor.reg_no`; the root is `""`).
pub fn check_json_text(value: &serde_json::Value, path: &str, errors: &mut Vec<FieldError>) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Some(c) = forbidden_char(s, TextKind::Free) {
                errors.push(control_character(path, c));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_json_text(item, &format!("{path}[{i}]"), errors);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                let member_path = join_path(path, name);
                if let Some(c) = forbidden_char(name, TextKind::Free) {
                    errors.push(control_character(&member_path, c));
                }
                check_json_text(member, &member_path, errors);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn control_character(path: &str, c: char) -> FieldError {
    FieldError::new(
        path,
        CONTROL_CHARACTER,
        format!(
            "must not contain the control character U+{:04X}",
            u32::from(c)
        ),
    )
}

/// `text` with control characters shown as `\u{..}`, for messages.
fn printable(text: &str) -> String {
    text.escape_debug().to_string()
}

#[derive(Default)]
struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    fn push(&mut self, path: impl Into<String>, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(path, code, message));
    }

    /// Required single-line text: non-blank, at most `max` characters, no
    /// control characters.
    fn text(&mut self, path: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.push(path, REQUIRED, "must not be empty");
        } else {
            self.single_line(path, value, max);
        }
    }

    fn optional_text(&mut self, path: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.single_line(path, value, max);
        }
    }

    fn single_line(&mut self, path: &str, value: &str, max: usize) {
        match forbidden_char(value, TextKind::SingleLine) {
            Some(c) => self.errors.push(control_character(path, c)),
            None => self.max_len(path, value, max),
        }
    }

    /// Optional free text: tabs and line breaks allowed, other control
    /// characters not, at most `max` characters.
    fn free_text(&mut self, path: &str, value: &str, max: usize) {
        match forbidden_char(value, TextKind::Free) {
            Some(c) => self.errors.push(control_character(path, c)),
            None => self.max_len(path, value, max),
        }
    }

    fn max_len(&mut self, path: &str, value: &str, max: usize) {
        let len = value.chars().count();
        if len > max {
            self.push(
                path,
                TOO_LONG,
                format!("must be at most {max} characters, got {len}"),
            );
        }
    }

    fn plate(&mut self, path: &str, value: Option<&str>) {
        let error = value.and_then(|plate| super::plate::check_plate(path, plate));
        add_unless_reported(&mut self.errors, error);
    }

    fn country(&mut self, path: &str, value: &str) {
        if !is_country(value) {
            self.push(
                path,
                INVALID_COUNTRY,
                format!(
                    "`{}` is not an uppercase ISO 3166-1 alpha-2 country code",
                    printable(value)
                ),
            );
        }
    }

    fn party(&mut self, prefix: &str, party: &PartyRef) {
        self.text(&format!("{prefix}.reg_no"), &party.reg_no, MAX_REG_NO);
        self.country(&format!("{prefix}.country"), &party.country);
        self.text(&format!("{prefix}.name"), &party.name, MAX_NAME);
        self.optional_text(
            &format!("{prefix}.address"),
            party.address.as_deref(),
            MAX_ADDRESS,
        );
    }

    fn place(&mut self, prefix: &str, place: &Place) {
        self.address(&format!("{prefix}.address"), &place.address);
    }

    fn address(&mut self, prefix: &str, address: &Address) {
        self.text(&format!("{prefix}.line"), &address.line, MAX_ADDRESS);
        self.text(&format!("{prefix}.city"), &address.city, MAX_CITY);
        self.optional_text(
            &format!("{prefix}.postal_code"),
            address.postal_code.as_deref(),
            MAX_POSTAL_CODE,
        );
        self.country(&format!("{prefix}.country"), &address.country);
    }

    fn line(&mut self, prefix: &str, line: &GoodsLine) {
        let path = |field: &str| format!("{prefix}.{field}");

        if line.line_no == 0 {
            self.push(
                path("line_no"),
                MUST_BE_POSITIVE,
                "must be greater than zero",
            );
        }
        if line.description.trim().is_empty() {
            self.push(path("description"), REQUIRED, "must not be empty");
        } else {
            self.free_text(&path("description"), &line.description, MAX_DESCRIPTION);
        }
        if let Some(cn) = &line.cn_code
            && !is_digits(cn, 8)
        {
            self.push(
                path("cn_code"),
                INVALID_CN_CODE,
                format!(
                    "`{}` is not an 8-digit Combined Nomenclature code",
                    printable(cn)
                ),
            );
        }
        if line.quantity <= Decimal::ZERO {
            self.push(
                path("quantity"),
                MUST_BE_POSITIVE,
                "must be greater than zero",
            );
        }
        if !is_unit_code(&line.unit) {
            self.push(
                path("unit"),
                INVALID_UNIT,
                format!(
                    "`{}` is not a UN/ECE Rec 20 unit code (2-3 uppercase letters or digits, e.g. KGM, LTR, C62)",
                    printable(&line.unit)
                ),
            );
        }
        if line.gross_weight_kg <= Decimal::ZERO {
            self.push(
                path("gross_weight_kg"),
                MUST_BE_POSITIVE,
                "must be greater than zero",
            );
        }
        if let Some(net) = line.net_weight_kg {
            if net < Decimal::ZERO {
                self.push(path("net_weight_kg"), OUT_OF_RANGE, "must not be negative");
            } else if net > line.gross_weight_kg {
                self.push(
                    path("net_weight_kg"),
                    NET_EXCEEDS_GROSS,
                    format!("must not exceed gross_weight_kg {}", line.gross_weight_kg),
                );
            }
        }
        if line.unit_price < Decimal::ZERO {
            self.push(path("unit_price"), OUT_OF_RANGE, "must not be negative");
        }
        if line.vat_rate < Decimal::ZERO || line.vat_rate > Decimal::ONE_HUNDRED {
            self.push(
                path("vat_rate"),
                OUT_OF_RANGE,
                "must be a percentage between 0 and 100",
            );
        }
        self.money_scale(&path("amount"), line.amount);
        match line.quantity.checked_mul(line.unit_price) {
            Some(product) => {
                let expected = round_money(product);
                if line.amount != expected {
                    self.push(
                        path("amount"),
                        AMOUNT_MISMATCH,
                        format!(
                            "must equal quantity x unit_price rounded to cents: expected {}, got {}",
                            cents(expected),
                            line.amount
                        ),
                    );
                }
            }
            None => self.push(
                path("amount"),
                OUT_OF_RANGE,
                "quantity x unit_price is too large to compute",
            ),
        }
        if checked_line_vat(line).is_none() {
            self.push(
                path("vat_rate"),
                OUT_OF_RANGE,
                "amount x vat_rate is too large to compute",
            );
        }
        if let Some(un) = &line.dangerous_goods_un
            && !is_digits(un, 4)
        {
            self.push(
                path("dangerous_goods_un"),
                INVALID_UN_NUMBER,
                format!("`{}` is not a 4-digit UN number", printable(un)),
            );
        }
    }

    fn money_scale(&mut self, path: &str, value: Decimal) {
        if value.normalize().scale() > 2 {
            self.push(
                path,
                TOO_MANY_DECIMALS,
                format!("money has at most 2 decimal places, got {value}"),
            );
        }
    }

    /// The totals against the lines, when every line could be read (a line
    /// that could not is reported by itself; totals over the others would
    /// only report its absence again).
    ///
    /// Each total is compared with the lines twice: with the amounts as
    /// sent, and with the amounts as they should be (quantity x unit_price).
    /// A total that agrees with either is right: a wrong line amount is
    /// reported once, on its line, however the sender added up. A total
    /// that agrees with neither is reported with the sum of the amounts as
    /// sent, so a wrong gross is never hidden behind a wrong net or VAT.
    fn totals(&mut self, totals: &Totals, lines: Option<&[Option<GoodsLine>]>) {
        self.money_scale("totals.net_amount", totals.net_amount);
        self.money_scale("totals.vat_amount", totals.vat_amount);
        self.money_scale("totals.gross_amount", totals.gross_amount);

        let Some(lines) =
            lines.and_then(|lines| lines.iter().map(Option::as_ref).collect::<Option<Vec<_>>>())
        else {
            return;
        };
        let sent = Sums::of(lines.iter().map(|l| Some((l.amount, l.vat_rate))));
        let computed = Sums::of(lines.iter().map(|l| {
            let amount = round_money(l.quantity.checked_mul(l.unit_price)?);
            Some((amount, l.vat_rate))
        }));
        let weight = checked_sum(lines.iter().map(|l| Some(l.gross_weight_kg)));

        let mut total = |path, actual, expected, alternative, what| {
            self.total(path, actual, expected, alternative, what, true);
        };
        total(
            "totals.net_amount",
            totals.net_amount,
            sent.net,
            computed.net,
            "the sum of line amounts",
        );
        total(
            "totals.vat_amount",
            totals.vat_amount,
            sent.vat,
            computed.vat,
            "the sum of line VAT",
        );
        total(
            "totals.gross_amount",
            totals.gross_amount,
            sent.gross,
            computed.gross,
            "net amount + VAT amount",
        );
        self.total(
            "totals.gross_weight_kg",
            totals.gross_weight_kg,
            weight,
            None,
            "the sum of line gross weights",
            false,
        );
    }

    fn total(
        &mut self,
        path: &str,
        actual: Decimal,
        expected: Option<Decimal>,
        alternative: Option<Decimal>,
        what: &str,
        money: bool,
    ) {
        match expected {
            Some(expected) if actual != expected && alternative != Some(actual) => {
                let shown = if money {
                    cents(expected)
                } else {
                    expected.normalize()
                };
                self.push(
                    path,
                    TOTAL_MISMATCH,
                    format!("must equal {what}: expected {shown}, got {actual}"),
                );
            }
            Some(_) => {}
            // The overflowing line is already reported; say why this total
            // cannot be checked.
            None => self.push(
                path,
                OUT_OF_RANGE,
                format!("{what} is too large to compute"),
            ),
        }
    }
}

/// Net, VAT and gross of a set of (amount, VAT rate) lines; `None` where a
/// line is missing or the arithmetic overflows.
struct Sums {
    net: Option<Decimal>,
    vat: Option<Decimal>,
    gross: Option<Decimal>,
}

impl Sums {
    fn of(lines: impl Iterator<Item = Option<(Decimal, Decimal)>> + Clone) -> Self {
        let net = checked_sum(lines.clone().map(|l| l.map(|(amount, _)| amount)));
        let vat = checked_sum(lines.map(|l| l.and_then(|(amount, rate)| vat_of(amount, rate))));
        let gross = net.zip(vat).and_then(|(n, v)| n.checked_add(v));
        Self { net, vat, gross }
    }
}

fn checked_sum(mut values: impl Iterator<Item = Option<Decimal>>) -> Option<Decimal> {
    values.try_fold(Decimal::ZERO, |acc, v| acc.checked_add(v?))
}

/// A money value shown with at least two decimals (`10` -> `10.00`); extra
/// decimals are kept so that the exact expected value is shown.
fn cents(d: Decimal) -> Decimal {
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_unit_code(s: &str) -> bool {
    (2..=3).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn is_country(s: &str) -> bool {
    s.len() == 2
        && s.bytes().all(|b| b.is_ascii_uppercase())
        && isocountry::CountryCode::for_alpha2(s).is_ok()
}

fn is_currency(s: &str) -> bool {
    s.len() == 3
        && s.bytes().all(|b| b.is_ascii_uppercase())
        && iso_currency::Currency::from_code(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::super::document::parse_document;
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::{Value, json};

    /// What a brewery's ERP sends: two lines of beer, VAT 21 %.
    ///
    /// Line 1: 1200 LTR x 1.85 = 2220.00, VAT 21 % = 466.20
    /// Line 2:  600 LTR x 1.4275 = 856.50, VAT 21 % = 179.865 -> 179.87
    /// Net 3076.50, VAT 646.07, gross 3722.57, weight 2040 + 740.5 = 2780.5.
    fn brewery() -> Value {
        json!({
            "number": "WB-2025-000417",
            "issue_date": "2025-03-10",
            "transaction_type": "sale",
            "consignor": {
                "reg_no": "40003012345",
                "country": "LV",
                "name": "SIA Rīgas Alus Darītava",
                "address": "Brīvības iela 100, Rīga, LV-1011"
            },
            "consignee": {
                "reg_no": "302111111",
                "country": "LT",
                "name": "UAB Vilniaus Prekyba"
            },
            "carrier": {
                "reg_no": "40103999999",
                "country": "LV",
                "name": "SIA Baltic Haulage"
            },
            "loading": {
                "address": {
                    "line": "Brīvības iela 100",
                    "city": "Rīga",
                    "postal_code": "LV-1011",
                    "country": "LV"
                },
                "planned_at": "2025-03-10T08:00:00+02:00"
            },
            "unloading": {
                "address": {
                    "line": "Gedimino pr. 1",
                    "city": "Vilnius",
                    "postal_code": "01103",
                    "country": "LT"
                },
                "planned_at": "2025-03-10T16:30:00+02:00"
            },
            "transport": {
                "vehicle_plate": "AB-1234",
                "trailer_plate": "T-987",
                "vehicle_country": "LV",
                "driver_name": "Jānis Bērziņš"
            },
            "currency": "EUR",
            "lines": [
                {
                    "line_no": 1,
                    "description": "Lager beer 4.7 %, 0.5 l glass bottles",
                    "cn_code": "22030001",
                    "quantity": "1200",
                    "unit": "LTR",
                    "gross_weight_kg": "2040",
                    "net_weight_kg": "1236",
                    "unit_price": "1.85",
                    "vat_rate": "21",
                    "amount": "2220.00",
                    "packages": 100,
                    "excise_category": "alcohol"
                },
                {
                    "line_no": 2,
                    "description": "Dark ale 5.5 %, 30 l kegs",
                    "cn_code": "22030009",
                    "quantity": "600",
                    "unit": "LTR",
                    "gross_weight_kg": "740.5",
                    "net_weight_kg": "618",
                    "unit_price": "1.4275",
                    "vat_rate": "21",
                    "amount": "856.5",
                    "packages": 20,
                    "excise_category": "alcohol"
                }
            ],
            "totals": {
                "net_amount": "3076.50",
                "vat_amount": "646.07",
                "gross_amount": "3722.57",
                "gross_weight_kg": "2780.50"
            },
            "references": [
                {"kind": "invoice", "number": "INV-2025-0311", "date": "2025-03-10"},
                {"kind": "order", "number": "PO-88412"}
            ],
            "notes": "Keep upright. Do not freeze."
        })
    }

    fn doc(value: Value) -> WaybillDocument {
        match parse_document(value) {
            Ok(doc) => doc,
            Err(err) => panic!("structural error: {err}"),
        }
    }

    fn pairs(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.path.as_str(), e.code.as_str()))
            .collect()
    }

    fn find<'a>(errors: &'a [FieldError], path: &str, code: &str) -> &'a FieldError {
        errors
            .iter()
            .find(|e| e.path == path && e.code == code)
            .unwrap_or_else(|| panic!("no {code} at {path} in {errors:#?}"))
    }

    #[test]
    fn valid_brewery_document_has_no_errors() {
        let d = doc(brewery());
        assert_eq!(validate_document(&d), vec![]);
        assert_eq!(line_vat(&d.lines[0]), dec!(466.20));
        assert_eq!(line_vat(&d.lines[1]), dec!(179.87));
        assert_eq!(d.excise_lines().count(), 2);
    }

    #[test]
    fn many_problems_are_all_reported() {
        let mut v = brewery();
        v["number"] = json!("   ");
        v["consignor"]["name"] = json!("x".repeat(201));
        v["consignee"]["country"] = json!("lt");
        v["carrier"]["reg_no"] = json!("");
        v["loading"]["address"]["city"] = json!(" ");
        v["loading"]["address"]["country"] = json!("XX");
        // 06:00Z vs loading 06:00Z: equal is fine, so go one minute earlier.
        v["unloading"]["planned_at"] = json!("2025-03-10T05:59:00Z");
        v["transport"]["vehicle_plate"] = json!("");
        v["transport"]["vehicle_country"] = json!("LVA");
        v["currency"] = json!("EURO");
        {
            let l0 = &mut v["lines"][0];
            l0["cn_code"] = json!("2203");
            l0["unit"] = json!("litre");
            l0["quantity"] = json!("0");
            l0["net_weight_kg"] = json!("2040.01");
            l0["dangerous_goods_un"] = json!("12");
            // quantity 0 -> expected amount 0.00; amount stays 2220.00.
        }
        {
            let l1 = &mut v["lines"][1];
            l1["line_no"] = json!(1);
            l1["description"] = json!("");
            l1["gross_weight_kg"] = json!("-1");
            l1["net_weight_kg"] = json!("-0.5");
            l1["unit_price"] = json!("-1");
            l1["vat_rate"] = json!("100.01");
            l1["amount"] = json!("-600.004");
            // expected amount 600 x -1 = -600.00 (mismatch with -600.004).
        }
        // Totals as sent stay 3076.50 / 646.07 / 3722.57 / 2780.50.
        // Expected from the lines:
        //   net   = 2220.00 + (-600.004) = 1619.996
        //   vat   = round(2220.00 x 21 %) = 466.20
        //         + round(-600.004 x 100.01 %) = round(-600.0640004) = -600.06
        //         = -133.86
        //   gross = 1619.996 + (-133.86) = 1486.136
        //   weight = 2040 + (-1) = 2039
        v["totals"]["vat_amount"] = json!("646.075");
        v["references"][1]["number"] = json!("  ");
        v["notes"] = json!("n".repeat(2001));

        let errors = validate_document(&doc(v));
        assert_eq!(
            pairs(&errors),
            vec![
                ("number", "required"),
                ("consignor.name", "too_long"),
                ("consignee.country", "invalid_country"),
                ("carrier.reg_no", "required"),
                ("loading.address.city", "required"),
                ("loading.address.country", "invalid_country"),
                ("unloading.planned_at", "before_loading"),
                ("transport.vehicle_plate", "required"),
                ("transport.vehicle_country", "invalid_country"),
                ("currency", "invalid_currency"),
                ("lines[0].cn_code", "invalid_cn_code"),
                ("lines[0].quantity", "must_be_positive"),
                ("lines[0].unit", "invalid_unit"),
                ("lines[0].net_weight_kg", "net_exceeds_gross"),
                ("lines[0].amount", "amount_mismatch"),
                ("lines[0].dangerous_goods_un", "invalid_un_number"),
                ("lines[1].line_no", "duplicate_line_no"),
                ("lines[1].description", "required"),
                ("lines[1].gross_weight_kg", "must_be_positive"),
                ("lines[1].net_weight_kg", "out_of_range"),
                ("lines[1].unit_price", "out_of_range"),
                ("lines[1].vat_rate", "out_of_range"),
                ("lines[1].amount", "too_many_decimals"),
                ("lines[1].amount", "amount_mismatch"),
                ("totals.vat_amount", "too_many_decimals"),
                ("totals.net_amount", "total_mismatch"),
                ("totals.vat_amount", "total_mismatch"),
                ("totals.gross_amount", "total_mismatch"),
                ("totals.gross_weight_kg", "total_mismatch"),
                ("references[1].number", "required"),
                ("notes", "too_long"),
            ]
        );

        let msg = |path, code| find(&errors, path, code).message.clone();
        assert!(msg("lines[0].amount", "amount_mismatch").contains("expected 0.00"));
        assert!(msg("lines[1].amount", "amount_mismatch").contains("expected -600.00"));
        assert!(msg("lines[1].line_no", "duplicate_line_no").contains("lines[0]"));
        assert!(msg("totals.net_amount", "total_mismatch").contains("expected 1619.996"));
        assert!(msg("totals.vat_amount", "total_mismatch").contains("expected -133.86"));
        assert!(msg("totals.gross_amount", "total_mismatch").contains("expected 1486.136"));
        assert!(msg("totals.gross_weight_kg", "total_mismatch").contains("expected 2039"));
        assert!(msg("consignor.name", "too_long").contains("201"));
    }

    fn check_pairs(value: Value) -> Vec<(String, String)> {
        match check_document(&value) {
            Ok(_) => vec![],
            Err(errors) => errors.into_iter().map(|e| (e.path, e.code)).collect(),
        }
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect()
    }

    #[test]
    fn structural_and_semantic_problems_come_together() {
        let mut v = brewery();
        v.as_object_mut().unwrap().remove("consignee");
        v["lines"][1]["unit"] = json!("litre");
        v["currency"] = json!("EURO");
        assert_eq!(
            check_pairs(v),
            owned(&[
                ("consignee", "missing_field"),
                ("currency", "invalid_currency"),
                ("lines[1].unit", "invalid_unit"),
            ])
        );
    }

    #[test]
    fn every_structural_problem_without_cascades() {
        let mut v = brewery();
        v.as_object_mut().unwrap().remove("consignee");
        v.as_object_mut().unwrap().remove("carrier");
        v["lines"][0]["quantity"] = json!(1200); // a number, not a string
        v["lines"][1]["colour"] = json!("dark");
        v["lines"][1].as_object_mut().unwrap().remove("unit");
        v["loading"]["address"]
            .as_object_mut()
            .unwrap()
            .remove("city");
        v["transport"] = json!("AB-1234");
        v["references"][0]["kind"] = json!("receipt");
        v["extra"] = json!(true);
        let pairs = check_pairs(v);
        let mut sorted = pairs.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            owned(&[
                ("carrier", "missing_field"),
                ("consignee", "missing_field"),
                ("extra", "unknown_field"),
                ("lines[0].quantity", "invalid_type"),
                ("lines[1].colour", "unknown_field"),
                ("lines[1].unit", "missing_field"),
                ("loading.address.city", "missing_field"),
                ("references[0].kind", "invalid_value"),
                ("transport", "invalid_type"),
            ]),
            "{pairs:#?}"
        );
        // No totals are judged: two lines could not be read.
    }

    #[test]
    fn structural_reading_of_a_valid_document_is_the_typed_one() {
        let d = check_document(&brewery()).unwrap();
        assert_eq!(d, doc(brewery()));
    }

    /// Line 2 of the brewery: 600 x 1.4275 = 856.50. Sent as 856.60 instead.
    /// VAT 21 % of 856.60 = 179.886 -> 179.89 (of 856.50: 179.87).
    #[test]
    fn a_wrong_line_amount_is_one_error_on_its_line() {
        // Totals added up from the right amounts (as in brewery()).
        let mut v = brewery();
        v["lines"][1]["amount"] = json!("856.60");
        assert_eq!(
            check_pairs(v.clone()),
            owned(&[("lines[1].amount", "amount_mismatch")])
        );
        // Totals added up from the amounts as sent: net 2220.00 + 856.60 =
        // 3076.60, VAT 466.20 + 179.89 = 646.09, gross 3722.69.
        v["totals"]["net_amount"] = json!("3076.60");
        v["totals"]["vat_amount"] = json!("646.09");
        v["totals"]["gross_amount"] = json!("3722.69");
        assert_eq!(
            check_pairs(v),
            owned(&[("lines[1].amount", "amount_mismatch")])
        );
    }

    /// The brewery document with `totals.<total>` set to `value` is refused
    /// for that total alone, the message naming the `expected` amount.
    fn assert_only_this_total_wrong(total: &str, value: &str, expected: &str) {
        let mut v = brewery();
        v["totals"][total] = json!(value);
        let errors = check_document(&v).unwrap_err();
        let path = format!("totals.{total}");
        assert_eq!(pairs(&errors), vec![(path.as_str(), "total_mismatch")]);
        assert!(
            errors[0].message.contains(&format!("expected {expected}")),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn a_wrong_total_is_reported_alone_and_with_the_right_expectation() {
        // Net mistyped: gross still agrees with the lines, so only net.
        assert_only_this_total_wrong("net_amount", "3067.50", "3076.50");

        // Gross wrong while net and VAT are right: never hidden.
        assert_only_this_total_wrong("gross_amount", "3722.75", "3722.57");

        // A wrong line amount and, independently, a wrong gross: both.
        let mut v = brewery();
        v["lines"][1]["amount"] = json!("856.60");
        v["totals"]["gross_amount"] = json!("3800.00");
        let errors = check_document(&v).unwrap_err();
        assert_eq!(
            pairs(&errors),
            vec![
                ("lines[1].amount", "amount_mismatch"),
                ("totals.gross_amount", "total_mismatch")
            ]
        );
        // Expected from the amounts as sent: 3076.60 + 646.09.
        assert!(
            errors[1].message.contains("expected 3722.69"),
            "{}",
            errors[1].message
        );
    }

    #[test]
    fn control_characters_follow_the_kind_of_text() {
        assert_eq!(forbidden_char("a\tb\nc\r", TextKind::Free), None);
        assert_eq!(forbidden_char("a\tb", TextKind::SingleLine), Some('\t'));
        assert_eq!(forbidden_char("a\u{0}", TextKind::Free), Some('\0'));
        assert_eq!(forbidden_char("\u{1b}[31m", TextKind::Free), Some('\u{1b}'));
        assert_eq!(forbidden_char("a\u{7f}", TextKind::Free), Some('\u{7f}'));
        assert_eq!(forbidden_char("Rīga – Tallinn", TextKind::SingleLine), None);

        let mut v = brewery();
        v["number"] = json!("WB\n1");
        v["loading"]["address"]["city"] = json!("R\u{0}ga");
        v["lines"][0]["description"] = json!("Lager\nbeer");
        v["notes"] = json!("one\ttwo\u{0}");
        assert_eq!(
            check_pairs(v),
            owned(&[
                ("number", "control_character"),
                ("loading.address.city", "control_character"),
                ("notes", "control_character"),
            ])
        );
    }

    #[test]
    fn empty_lines_and_zero_line_no() {
        let mut v = brewery();
        v["lines"] = json!([]);
        v["totals"] = json!({
            "net_amount": "0", "vat_amount": "0.00", "gross_amount": "0", "gross_weight_kg": "0"
        });
        assert_eq!(
            pairs(&validate_document(&doc(v))),
            vec![("lines", "required")]
        );

        let mut v = brewery();
        v["lines"][0]["line_no"] = json!(0);
        v["lines"][1]["line_no"] = json!(0);
        // Zero is reported as non-positive, not as a duplicate.
        assert_eq!(
            pairs(&validate_document(&doc(v))),
            vec![
                ("lines[0].line_no", "must_be_positive"),
                ("lines[1].line_no", "must_be_positive"),
            ]
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_money(dec!(0.125)), dec!(0.13));
        assert_eq!(round_money(dec!(-0.125)), dec!(-0.13));
        assert_eq!(round_money(dec!(0.115)), dec!(0.12));
        assert_eq!(round_money(dec!(0.124999)), dec!(0.12));
        assert_eq!(round_money(dec!(2.5)), dec!(2.50));

        // 3 x 0.125 = 0.375 -> 0.38; VAT 21 % of 0.38 = 0.0798 -> 0.08.
        // Second line: 1 x 0.50, VAT 21 % = 0.105 -> 0.11 (banker's would give 0.10).
        let mut v = brewery();
        v["lines"] = json!([
            {
                "line_no": 1, "description": "Hop pellets sample", "quantity": "3", "unit": "KGM",
                "gross_weight_kg": "3.2", "unit_price": "0.125", "vat_rate": "21", "amount": "0.38"
            },
            {
                "line_no": 2, "description": "Bottle cap", "quantity": "1", "unit": "C62",
                "gross_weight_kg": "0.01", "unit_price": "0.50", "vat_rate": "21", "amount": "0.5"
            }
        ]);
        v["totals"] = json!({
            "net_amount": "0.88", "vat_amount": "0.19", "gross_amount": "1.07", "gross_weight_kg": "3.21"
        });
        let d = doc(v);
        assert_eq!(line_vat(&d.lines[0]), dec!(0.08));
        assert_eq!(line_vat(&d.lines[1]), dec!(0.11));
        assert_eq!(validate_document(&d), vec![]);

        // Banker's rounding (0.37) is rejected with the expected value.
        let mut d2 = d.clone();
        d2.lines[0].amount = dec!(0.37);
        let errors = validate_document(&d2);
        let e = find(&errors, "lines[0].amount", "amount_mismatch");
        assert!(e.message.contains("expected 0.38"), "{}", e.message);
        assert!(e.message.contains("got 0.37"), "{}", e.message);
    }

    #[test]
    fn numeric_equality_ignores_trailing_zeros() {
        assert_eq!(dec!(12.5), dec!(12.50));
        let mut v = brewery();
        // 2 x 6.25 = 12.5; VAT 21 % = 2.625 -> 2.63; gross 15.13.
        v["lines"] = json!([{
            "line_no": 1, "description": "Gift pack", "quantity": "2.000", "unit": "C62",
            "gross_weight_kg": "1.50", "unit_price": "6.250", "vat_rate": "21.0", "amount": "12.5"
        }]);
        v["totals"] = json!({
            "net_amount": "12.50", "vat_amount": "2.630", "gross_amount": "15.1300",
            "gross_weight_kg": "1.5"
        });
        // "2.630" and "15.1300" have trailing zeros only: not too many decimals.
        assert_eq!(validate_document(&doc(v)), vec![]);
    }

    #[test]
    fn boundaries() {
        let mut v = brewery();
        v["unloading"]["planned_at"] = json!("2025-03-10T06:00:00Z"); // == loading
        v["lines"][0]["net_weight_kg"] = json!("2040"); // == gross
        v["lines"][0]["vat_rate"] = json!("0");
        v["lines"][1]["vat_rate"] = json!("100");
        v["lines"][1]["net_weight_kg"] = json!("0");
        // VAT 0 + 856.50 = 856.50; gross 3076.50 + 856.50 = 3933.00.
        v["totals"]["vat_amount"] = json!("856.50");
        v["totals"]["gross_amount"] = json!("3933");
        v["number"] = json!("N".repeat(64));
        v["lines"][0]["unit"] = json!("28");
        assert_eq!(validate_document(&doc(v)), vec![]);
    }

    #[test]
    fn codes_and_countries() {
        assert!(is_country("LV") && is_country("DE") && is_country("GR"));
        assert!(!is_country("lv") && !is_country("EL") && !is_country("LVA") && !is_country(""));
        assert!(is_currency("EUR") && is_currency("PLN"));
        assert!(!is_currency("eur") && !is_currency("EURO") && !is_currency("ABC"));
        assert!(is_unit_code("KGM") && is_unit_code("C62") && is_unit_code("H87"));
        assert!(
            !is_unit_code("kgm")
                && !is_unit_code("K")
                && !is_unit_code("KGMS")
                && !is_unit_code("K-M")
        );
        assert!(is_digits("1203", 4) && !is_digits("120", 4) && !is_digits("12O3", 4));
    }

    #[test]
    fn overflow_is_reported_not_panicking() {
        let mut d = doc(brewery());
        d.lines[0].quantity = Decimal::MAX;
        d.lines[0].unit_price = dec!(2);
        d.lines[0].amount = Decimal::MAX;
        d.lines[0].vat_rate = dec!(21);
        let errors = validate_document(&d);
        find(&errors, "lines[0].amount", "out_of_range");
        find(&errors, "lines[0].vat_rate", "out_of_range");
        find(&errors, "totals.vat_amount", "out_of_range");
        find(&errors, "totals.gross_amount", "out_of_range");
        assert_eq!(
            line_vat(&d.lines[0]),
            round_money(Decimal::MAX / Decimal::ONE_HUNDRED)
        );
    }

    #[test]
    fn field_error_serializes_and_displays() {
        let e = FieldError::new(
            "lines[2].quantity",
            "must_be_positive",
            "must be greater than zero",
        );
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"path": "lines[2].quantity", "code": "must_be_positive", "message": "must be greater than zero"})
        );
        assert_eq!(
            e.to_string(),
            "lines[2].quantity: must be greater than zero (must_be_positive)"
        );
    }
}
