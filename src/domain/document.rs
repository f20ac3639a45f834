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

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde::de::DeserializeOwned;

use super::party::Role;
use super::validation::{DocumentParts, FieldError, join_path, validate_document, validate_parts};

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
/// Only the structure is checked here; [`check_document`] also applies the
/// semantic rules of [`validation`](super::validation).
pub fn parse_document(value: serde_json::Value) -> Result<WaybillDocument, FieldError> {
    read_all::<WaybillDocument>(&value).map_err(|mut errors| errors.swap_remove(0))
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

/// `value` as a `T` under the wire rules, or `None`.
fn strict<T: DeserializeOwned>(value: Option<&serde_json::Value>) -> Option<T> {
    let (hidden, required) = (HashSet::new(), Required::new());
    let ctx = strict_json::Ctx::new(&hidden, &required);
    T::deserialize(strict_json::StrictValue::new(value?, String::new(), &ctx)).ok()
}

/// Most structural problems collected from one value; each costs one more
/// pass over it, so a hostile body cannot make the reading quadratic.
const MAX_STRUCTURAL_ERRORS: usize = 100;

/// Required member names of every object schema a type uses, by name.
type Required = HashMap<String, Vec<String>>;

/// Deserializes `value` as a `T` under the wire rules, or reports every
/// structural problem with its path: each unknown field, each missing one,
/// each value of the wrong type or unreadable, without consequences of
/// them (a field that cannot be read is not also reported as missing).
///
/// It is serde that judges, by deserializing again after hiding each
/// problem it found (an unreadable value, an unknown member; an object
/// missing a member is hidden from its parent). Which members are required
/// comes from the type's published schema, so every missing member of an
/// object is reported at once, not just the first.
pub fn read_all<T>(value: &serde_json::Value) -> Result<T, Vec<FieldError>>
where
    T: DeserializeOwned + ToSchema + 'static,
{
    let required = required_members::<T>();
    let mut hidden = HashSet::new();
    let mut errors: Vec<FieldError> = Vec::new();
    let record = |errors: &mut Vec<FieldError>, error: FieldError| {
        if !errors.iter().any(|e| e.path == error.path) {
            errors.push(error);
        }
    };
    while errors.len() < MAX_STRUCTURAL_ERRORS {
        let ctx = strict_json::Ctx::new(&hidden, &required);
        let result = T::deserialize(strict_json::StrictValue::new(value, String::new(), &ctx));
        for path in ctx.take_missing() {
            let field = path.rsplit('.').next().unwrap_or(&path).to_owned();
            record(
                &mut errors,
                FieldError::new(&path, "missing_field", format!("missing field `{field}`")),
            );
        }
        let err = match result {
            Ok(read) if errors.is_empty() => return Ok(read),
            Ok(_) => break,
            Err(err) => err,
        };
        let at = ctx.take_located().unwrap_or_default();
        let error = describe(&at, &err);
        // An object that lacks a member cannot be built: hide it from its
        // parent. Anything else: hide the offending value or member.
        let hide = if error.code == "missing_field" {
            at
        } else {
            error.path.clone()
        };
        // A member missing because it was hidden is a consequence, not a problem.
        if !hidden.contains(&error.path) {
            record(&mut errors, error);
        }
        if hide.is_empty() || !hidden.insert(hide) {
            break;
        }
    }
    Err(errors)
}

/// A serde error raised at `at`, as a field error naming the field itself.
fn describe(at: &str, err: &serde_json::Error) -> FieldError {
    let mut path = at.to_owned();
    let message = err.to_string();
    let code = if message.starts_with("missing field") {
        "missing_field"
    } else if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("invalid type") {
        "invalid_type"
    } else {
        "invalid_value"
    };
    // For a missing field the error is raised by the enclosing object; for
    // an unknown one at the member itself. Either way, name the field.
    if matches!(code, "missing_field" | "unknown_field")
        && let Some(field) = first_backticked(&message)
        && path != field
        && !path.ends_with(&format!(".{field}"))
    {
        path = join_path(&path, field);
    }
    FieldError::new(path, code, message)
}

/// The required members of every object schema `T` uses, from its
/// published (utoipa) schema, computed once per type.
fn required_members<T: ToSchema + 'static>() -> Arc<Required> {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, Arc<Required>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    cache
        .entry(TypeId::of::<T>())
        .or_insert_with(|| {
            let mut schemas = vec![(T::name().into_owned(), T::schema())];
            T::schemas(&mut schemas);
            let required = schemas
                .into_iter()
                .filter_map(|(name, schema)| {
                    let schema = serde_json::to_value(schema).ok()?;
                    let members = schema.get("required")?.as_array()?;
                    let members = members
                        .iter()
                        .filter_map(|m| m.as_str().map(str::to_owned))
                        .collect();
                    Some((name, members))
                })
                .collect();
            Arc::new(required)
        })
        .clone()
}

/// The text between the first pair of backticks, as serde quotes field names.
fn first_backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// A `serde_json::Value` deserializer that only lets an object become a
/// struct, knows where in the value it is, and can hide values.
///
/// `serde_json` also deserializes a struct from a JSON array of its field
/// values in declaration order; that positional form is not part of the
/// contract, so here a struct must be a JSON object (anything else is an
/// `invalid type` error). Everything else behaves as `serde_json::Value`'s
/// own deserializer, except that members and elements whose path is in
/// the hidden set are skipped, and the first failing path is remembered.
mod strict_json {
    use std::cell::RefCell;
    use std::collections::HashSet;

    use serde::de::value::BorrowedStrDeserializer;
    use serde::de::{
        self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor,
    };
    use serde::forward_to_deserialize_any;
    use serde_json::{Error, Map, Value};

    type Members<'a> = serde_json::map::Iter<'a>;

    use super::{Required, join_path};

    /// What one pass shares: what to skip, what is required, what was found.
    pub(super) struct Ctx<'a> {
        hidden: &'a HashSet<String>,
        required: &'a Required,
        located: RefCell<Option<String>>,
        missing: RefCell<Vec<String>>,
    }

    impl<'a> Ctx<'a> {
        pub(super) fn new(hidden: &'a HashSet<String>, required: &'a Required) -> Self {
            Ctx {
                hidden,
                required,
                located: RefCell::new(None),
                missing: RefCell::new(Vec::new()),
            }
        }

        /// The path of the innermost value whose reading failed.
        pub(super) fn take_located(&self) -> Option<String> {
            self.located.take()
        }

        /// Paths of required members found absent.
        pub(super) fn take_missing(&self) -> Vec<String> {
            self.missing.take()
        }

        fn locate(&self, path: &str) {
            let mut located = self.located.borrow_mut();
            if located.is_none() {
                *located = Some(path.to_owned());
            }
        }
    }

    pub(super) struct StrictValue<'a> {
        value: &'a Value,
        path: String,
        ctx: &'a Ctx<'a>,
    }

    impl<'a> StrictValue<'a> {
        pub(super) fn new(value: &'a Value, path: String, ctx: &'a Ctx<'a>) -> Self {
            StrictValue { value, path, ctx }
        }
    }

    fn unexpected(value: &Value) -> Unexpected<'_> {
        match value {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(_) => Unexpected::Other("number"),
            Value::String(s) => Unexpected::Str(s),
            Value::Array(_) => Unexpected::Seq,
            Value::Object(_) => Unexpected::Map,
        }
    }

    impl<'de> de::Deserializer<'de> for StrictValue<'de> {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let StrictValue { value, path, ctx } = self;
            match value {
                Value::Array(items) => visitor.visit_seq(Seq {
                    items: items.iter().enumerate(),
                    path,
                    ctx,
                }),
                Value::Object(map) => visitor.visit_map(Obj::new(map, path, ctx)),
                scalar => de::Deserializer::deserialize_any(scalar, visitor),
            }
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            _fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            let StrictValue { value, path, ctx } = self;
            match value {
                Value::Object(map) => {
                    if let Some(required) = ctx.required.get(name) {
                        let mut missing = ctx.missing.borrow_mut();
                        for member in required.iter().filter(|m| !map.contains_key(*m)) {
                            missing.push(join_path(&path, member));
                        }
                    }
                    visitor.visit_map(Obj::new(map, path, ctx))
                }
                other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
            }
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.value {
                Value::Null => visitor.visit_none(),
                _ => visitor.visit_some(self),
            }
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Error> {
            visitor.visit_newtype_struct(self)
        }

        // The enums read here are unit-only: nothing nested to guard.
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            de::Deserializer::deserialize_enum(self.value, name, variants, visitor)
        }

        // Scalars keep serde_json's exact semantics (e.g. `deserialize_str`
        // on a number is an `invalid type` error).
        fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            de::Deserializer::deserialize_str(self.value, visitor)
        }

        fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            de::Deserializer::deserialize_string(self.value, visitor)
        }

        fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_unit()
        }

        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
            bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
        }
    }

    impl<'de> IntoDeserializer<'de, Error> for StrictValue<'de> {
        type Deserializer = Self;

        fn into_deserializer(self) -> Self {
            self
        }
    }

    struct Seq<'a> {
        items: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
        path: String,
        ctx: &'a Ctx<'a>,
    }

    impl<'de> SeqAccess<'de> for Seq<'de> {
        type Error = Error;

        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, Error> {
            for (index, item) in self.items.by_ref() {
                let path = format!("{}[{index}]", self.path);
                if self.ctx.hidden.contains(&path) {
                    continue;
                }
                let ctx = self.ctx;
                return seed
                    .deserialize(StrictValue::new(item, path.clone(), ctx))
                    .map(Some)
                    .inspect_err(|_| ctx.locate(&path));
            }
            Ok(None)
        }
    }

    struct Obj<'a> {
        entries: Members<'a>,
        value: Option<(&'a Value, String)>,
        path: String,
        ctx: &'a Ctx<'a>,
    }

    impl<'a> Obj<'a> {
        fn new(map: &'a Map<String, Value>, path: String, ctx: &'a Ctx<'a>) -> Self {
            Obj {
                entries: map.iter(),
                value: None,
                path,
                ctx,
            }
        }
    }

    impl<'de> MapAccess<'de> for Obj<'de> {
        type Error = Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, Error> {
            for (key, value) in self.entries.by_ref() {
                let path = join_path(&self.path, key);
                if self.ctx.hidden.contains(&path) {
                    continue;
                }
                let ctx = self.ctx;
                let key = BorrowedStrDeserializer::<Error>::new(key);
                let read = seed.deserialize(key).inspect_err(|_| ctx.locate(&path));
                self.value = Some((value, path));
                return read.map(Some);
            }
            Ok(None)
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
            match self.value.take() {
                Some((value, path)) => {
                    let ctx = self.ctx;
                    seed.deserialize(StrictValue::new(value, path.clone(), ctx))
                        .inspect_err(|_| ctx.locate(&path))
                }
                None => Err(de::Error::custom("value is missing")),
            }
        }
    }
}

/// `Decimal` as a JSON string in plain decimal notation; JSON numbers are
/// rejected. Use with `#[serde(with = "...::decimal_string")]` (and
/// `decimal_string::option` for `Option<Decimal>` with `#[serde(default)]`).
///
/// Accepted grammar: `-?[0-9]+(\.[0-9]+)?`, parsed exactly (no rounding):
/// no exponent, separators, blanks or leading `+`/`.`.
pub(crate) mod decimal_string {
    use std::fmt;

    use rust_decimal::Decimal;
    use serde::de::{self, Unexpected, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_str(DecimalStrVisitor)
    }

    struct DecimalStrVisitor;

    impl Visitor<'_> for DecimalStrVisitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a decimal number written as a JSON string, e.g. \"12.50\"")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            parse_strict(v).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
        }
    }

    fn parse_strict(s: &str) -> Option<Decimal> {
        let unsigned = s.strip_prefix('-').unwrap_or(s);
        let (int, frac) = match unsigned.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (unsigned, None),
        };
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || frac.is_some_and(|frac| !digits(frac)) {
            return None;
        }
        Decimal::from_str_exact(s).ok()
    }

    pub mod option {
        use rust_decimal::Decimal;
        use serde::{Deserialize, Deserializer, Serializer};

        /// A decimal under the strict string rule; `Option` of it handles null.
        #[derive(Deserialize)]
        struct Strict(#[serde(with = "super")] Decimal);

        pub fn serialize<S: Serializer>(
            value: &Option<Decimal>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => super::serialize(value, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Decimal>, D::Error> {
            Ok(Option::<Strict>::deserialize(deserializer)?.map(|Strict(d)| d))
        }
    }
}

/// `NaiveDate` as a JSON string `YYYY-MM-DD` (exactly four-digit year,
/// two-digit month and day).
mod iso_date {
    use std::fmt;

    use chrono::NaiveDate;
    use serde::de::{self, Unexpected, Visitor};
    use serde::{Deserializer, Serializer};

    const FORMAT: &str = "%Y-%m-%d";

    pub(super) fn serialize<S: Serializer>(
        value: &NaiveDate,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&value.format(FORMAT))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<NaiveDate, D::Error> {
        deserializer.deserialize_str(DateVisitor)
    }

    struct DateVisitor;

    impl Visitor<'_> for DateVisitor {
        type Value = NaiveDate;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a date written as \"YYYY-MM-DD\"")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<NaiveDate, E> {
            let shape_ok = v.len() == 10
                && v.bytes().enumerate().all(|(i, b)| match i {
                    4 | 7 => b == b'-',
                    _ => b.is_ascii_digit(),
                });
            shape_ok
                .then(|| NaiveDate::parse_from_str(v, FORMAT).ok())
                .flatten()
                .ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
        }
    }

    pub(super) mod option {
        use chrono::NaiveDate;
        use serde::{Deserialize, Deserializer, Serializer};

        /// A date under the strict `YYYY-MM-DD` rule; `Option` of it handles null.
        #[derive(Deserialize)]
        struct Strict(#[serde(with = "super")] NaiveDate);

        pub(in super::super) fn serialize<S: Serializer>(
            value: &Option<NaiveDate>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => super::serialize(value, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<NaiveDate>, D::Error> {
            Ok(Option::<Strict>::deserialize(deserializer)?.map(|Strict(d)| d))
        }
    }
}

/// `DateTime<Utc>` as an RFC 3339 JSON string. Any offset is accepted on
/// input and converted to UTC; output uses the `Z` suffix.
mod rfc3339_utc {
    use std::fmt;

    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::de::{self, Unexpected, Visitor};
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        deserializer.deserialize_str(Rfc3339Visitor)
    }

    struct Rfc3339Visitor;

    impl Visitor<'_> for Rfc3339Visitor {
        type Value = DateTime<Utc>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an RFC 3339 timestamp, e.g. \"2025-03-10T08:00:00+02:00\"")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime<Utc>, E> {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
        }
    }
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
