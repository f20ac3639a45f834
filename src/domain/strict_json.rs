//! Reading JSON under the wire rules, reporting every structural problem at
//! once: each unknown field, each missing one, each value of the wrong type
//! or unreadable, with its path. Generic over the type read; the document,
//! the acts and the HTTP bodies use it.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use super::field_error::{FieldError, join_path};

/// `value` as a `T` under the wire rules, or `None`.
pub(crate) fn strict<T: DeserializeOwned>(value: Option<&serde_json::Value>) -> Option<T> {
    let (hidden, required) = (HashSet::new(), Required::new());
    let ctx = deserializer::Ctx::new(&hidden, &required);
    T::deserialize(deserializer::StrictValue::new(value?, String::new(), &ctx)).ok()
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
        let ctx = deserializer::Ctx::new(&hidden, &required);
        let result = T::deserialize(deserializer::StrictValue::new(value, String::new(), &ctx));
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
mod deserializer {
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

        /// The next of `items` whose path is not hidden, with that path.
        fn next_shown<T>(
            &self,
            items: impl Iterator<Item = T>,
            path_of: impl Fn(&T) -> String,
        ) -> Option<(T, String)> {
            items
                .map(|item| {
                    let path = path_of(&item);
                    (item, path)
                })
                .find(|(_, path)| !self.hidden.contains(path))
        }
    }

    /// Reads `value` at `path` with `seed`; a failure is located at `path`
    /// unless a value inside it was located first.
    fn read_at<'de, T: DeserializeSeed<'de>>(
        seed: T,
        value: &'de Value,
        path: String,
        ctx: &'de Ctx<'de>,
    ) -> Result<T::Value, Error> {
        seed.deserialize(StrictValue::new(value, path.clone(), ctx))
            .inspect_err(|_| ctx.locate(&path))
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
            let shown = self.ctx.next_shown(self.items.by_ref(), |(index, _)| {
                format!("{}[{index}]", self.path)
            });
            let Some(((_, item), path)) = shown else {
                return Ok(None);
            };
            read_at(seed, item, path, self.ctx).map(Some)
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
            let shown = self
                .ctx
                .next_shown(self.entries.by_ref(), |(key, _)| join_path(&self.path, key));
            let Some(((key, value), path)) = shown else {
                return Ok(None);
            };
            let ctx = self.ctx;
            let key = BorrowedStrDeserializer::<Error>::new(key);
            let read = seed.deserialize(key).inspect_err(|_| ctx.locate(&path));
            self.value = Some((value, path));
            read.map(Some)
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
            match self.value.take() {
                Some((value, path)) => read_at(seed, value, path, self.ctx),
                None => Err(de::Error::custom("value is missing")),
            }
        }
    }
}
