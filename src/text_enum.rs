//! The one way the vocabulary's enums become text and back.
//!
//! The text of a variant is written once, in its serde attributes
//! (`rename_all`, `rename`), because JSON, the database columns and the
//! OpenAPI document must all carry the same words. [`name`] reads the
//! variant's name out of `Serialize`, [`parse`] goes back through
//! `Deserialize` (with `serde_plain`), and [`text_enum!`](crate::text_enum!)
//! gives an enum the `as_str` / `parse` pair its callers use.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::ser::{self, Impossible};

/// Text that names no variant of the enum it was read as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{text}`")]
pub struct UnknownValue {
    /// The Rust type the text was read as.
    pub kind: &'static str,
    pub text: String,
}

/// Reads `text` as a variant of `T`, by the names in `T`'s serde attributes.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, UnknownValue> {
    serde_plain::from_str(text).map_err(|_| UnknownValue {
        kind: short_type_name::<T>(),
        text: text.to_owned(),
    })
}

/// The text of a fieldless variant, by the names in its serde attributes.
/// Anything but a unit variant has no name and gives `""` (the unit tests
/// of every enum made with [`text_enum!`](crate::text_enum!) check theirs).
pub fn name<T: Serialize + ?Sized>(value: &T) -> &'static str {
    value.serialize(VariantName).unwrap_or("")
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// Gives fieldless enums `as_str` and `parse` through [`name`] and [`parse`],
/// so that their text is the serde text and nothing else.
#[macro_export]
macro_rules! text_enum {
    ($($ty:ty),+ $(,)?) => {$(
        impl $ty {
            /// The variant's text, as in JSON and the database.
            pub fn as_str(self) -> &'static str {
                $crate::text_enum::name(&self)
            }

            /// The variant with this text.
            #[allow(dead_code, reason = "not every enum is read back from text")]
            pub fn parse(text: &str) -> Result<Self, $crate::text_enum::UnknownValue> {
                $crate::text_enum::parse(text)
            }
        }
    )+};
}

/// A serializer that accepts only unit variants and yields their name.
struct VariantName;

#[derive(Debug, thiserror::Error)]
#[error("not a fieldless enum variant")]
struct NotAUnitVariant;

impl ser::Error for NotAUnitVariant {
    fn custom<M: std::fmt::Display>(_msg: M) -> Self {
        NotAUnitVariant
    }
}

type Refuse = Impossible<&'static str, NotAUnitVariant>;
type Named = Result<&'static str, NotAUnitVariant>;
type Refused = Result<Refuse, NotAUnitVariant>;
type Name = &'static str;

impl ser::Serializer for VariantName {
    type Ok = &'static str;
    type Error = NotAUnitVariant;
    type SerializeSeq = Refuse;
    type SerializeTuple = Refuse;
    type SerializeTupleStruct = Refuse;
    type SerializeTupleVariant = Refuse;
    type SerializeMap = Refuse;
    type SerializeStruct = Refuse;
    type SerializeStructVariant = Refuse;

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Named {
        Ok(variant)
    }

    fn serialize_bool(self, _: bool) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_i8(self, _: i8) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_i16(self, _: i16) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_i32(self, _: i32) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_i64(self, _: i64) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_u8(self, _: u8) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_u16(self, _: u16) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_u32(self, _: u32) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_u64(self, _: u64) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_f32(self, _: f32) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_f64(self, _: f64) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_char(self, _: char) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_str(self, _: &str) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_bytes(self, _: &[u8]) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_none(self) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_unit(self) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Named {
        Err(NotAUnitVariant)
    }
    fn serialize_seq(self, _: Option<usize>) -> Refused {
        Err(NotAUnitVariant)
    }
    fn serialize_tuple(self, _: usize) -> Refused {
        Err(NotAUnitVariant)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Refused {
        Err(NotAUnitVariant)
    }
    fn serialize_tuple_variant(self, _: Name, _: u32, _: Name, _: usize) -> Refused {
        Err(NotAUnitVariant)
    }
    fn serialize_map(self, _: Option<usize>) -> Refused {
        Err(NotAUnitVariant)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Refused {
        Err(NotAUnitVariant)
    }
    fn serialize_struct_variant(self, _: Name, _: u32, _: Name, _: usize) -> Refused {
        Err(NotAUnitVariant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Sample {
        InTransit,
        #[serde(rename = "carrier.accept")]
        Dotted,
    }

    #[test]
    fn names_come_from_serde() {
        assert_eq!(name(&Sample::InTransit), "in_transit");
        assert_eq!(name(&Sample::Dotted), "carrier.accept");
        assert_eq!(parse::<Sample>("in_transit"), Ok(Sample::InTransit));
        assert_eq!(parse::<Sample>("carrier.accept"), Ok(Sample::Dotted));
    }

    #[test]
    fn unknown_text_names_the_type() {
        let err = parse::<Sample>("InTransit").unwrap_err();
        assert_eq!(err.kind, "Sample");
        assert_eq!(err.to_string(), "unknown Sample `InTransit`");
    }

    #[test]
    fn only_unit_variants_have_names() {
        assert_eq!(name(&7u8), "");
        assert_eq!(name("text"), "");
    }
}
