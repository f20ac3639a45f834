//! Reading request JSON as I-JSON (RFC 7493), the profile RFC 8785 signs.
//!
//! `serde_json` keeps the last of two members with the same name; an
//! intermediary that keeps the first would then read a different act than
//! the one recorded. [`parse`] refuses a duplicate member name anywhere in
//! the text and names where it is. Lone surrogate escapes (`"\ud800"`) are
//! refused by `serde_json` itself, as malformed JSON.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::field_error::join_path;

/// Why a text is not I-JSON.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// Not JSON at all (syntax, encoding, lone surrogate, trailing data).
    #[error("the body is not valid JSON: {0}")]
    Malformed(serde_json::Error),
    /// An object has two members with this name; `path` names the second.
    #[error("{path}: the member name {name:?} occurs twice in one object")]
    DuplicateMember { path: String, name: String },
}

/// Parses `bytes` as one JSON value, refusing duplicate member names.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut duplicate = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let seed = Node {
        path: String::new(),
        duplicate: &mut duplicate,
    };
    let value = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match (value, duplicate) {
        (_, Some((path, name))) => Err(JsonError::DuplicateMember { path, name }),
        (Ok(value), None) => Ok(value),
        (Err(e), None) => Err(JsonError::Malformed(e)),
    }
}

/// Builds one value at `path`; the first duplicate found is left in `duplicate`.
struct Node<'a> {
    path: String,
    duplicate: &'a mut Option<(String, String)>,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let seed = Node {
                path: format!("{}[{}]", self.path, items.len()),
                duplicate: &mut *self.duplicate,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let path = join_path(&self.path, &name);
            if members.contains_key(&name) {
                *self.duplicate = Some((path, name));
                return Err(de::Error::custom("duplicate member name"));
            }
            let seed = Node {
                path,
                duplicate: &mut *self.duplicate,
            };
            let value = map.next_value_seed(seed)?;
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicate_at(text: &str) -> (String, String) {
        match parse(text.as_bytes()) {
            Err(JsonError::DuplicateMember { path, name }) => (path, name),
            other => panic!("expected a duplicate in {text}, got {other:?}"),
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a":[1,-2,3.5,"x",null,true,{"b":{}}],"c":"\u00e9\n"}"#;
        assert_eq!(
            parse(text.as_bytes()).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
    }

    #[test]
    fn duplicates_are_named_by_path() {
        assert_eq!(
            duplicate_at(r#"{"act":1,"act":2}"#),
            ("act".into(), "act".into())
        );
        assert_eq!(
            duplicate_at(r#"{"act":{"body":{"lines":[{"a":1},{"a":1,"a":2}]}}}"#),
            ("act.body.lines[1].a".into(), "a".into())
        );
        // Only members of the same object clash.
        assert!(parse(br#"{"a":{"a":1},"b":{"a":1}}"#).is_ok());
    }

    #[test]
    fn malformed_and_lone_surrogates_are_refused() {
        for bad in [
            r#"{"a":1"#,
            r#"{"a":1} x"#,
            r#""\ud800""#,
            r#""\udc00x""#,
            "",
        ] {
            assert!(
                matches!(parse(bad.as_bytes()), Err(JsonError::Malformed(_))),
                "{bad}"
            );
        }
        // A proper surrogate pair is one character.
        assert_eq!(parse(br#""\ud83d\ude9a""#).unwrap(), Value::from("🚚"));
    }
}
