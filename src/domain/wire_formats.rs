//! The serde formats of the wire contract, shared by every document and
//! act type: decimals carried as JSON strings, `YYYY-MM-DD` dates and
//! RFC 3339 timestamps normalised to UTC. Each is a module for
//! `#[serde(with = "...")]`, with an `option` submodule for `Option` fields.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Unexpected, Visitor};

/// Reads a JSON string through a strict parser: anything but a string, or a
/// string the parser refuses, is an error that says what was expected.
struct StrictStr<T> {
    expecting: &'static str,
    parse: fn(&str) -> Option<T>,
}

fn strict_str<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    expecting: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, D::Error> {
    deserializer.deserialize_str(StrictStr { expecting, parse })
}

impl<T> Visitor<'_> for StrictStr<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// The `option` submodule of a format module, for `Option` of its type:
/// `None` is null, `Some` is written and read in the format.
macro_rules! option_of {
    ($doc:literal, $t:ty) => {
        pub(crate) mod option {
            use serde::{Deserialize, Deserializer, Serializer};

            #[doc = $doc]
            #[derive(Deserialize)]
            struct Strict(#[serde(with = "super")] $t);

            pub(crate) fn serialize<S: Serializer>(
                value: &Option<$t>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                match value {
                    Some(value) => super::serialize(value, serializer),
                    None => serializer.serialize_none(),
                }
            }

            pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Option<$t>, D::Error> {
                Ok(Option::<Strict>::deserialize(deserializer)?.map(|Strict(d)| d))
            }
        }
    };
}

/// `Decimal` as a JSON string in plain decimal notation; JSON numbers are
/// rejected. Use with `#[serde(with = "crate::domain::wire_formats::decimal_string")]` (and
/// `decimal_string::option` for `Option<Decimal>` with `#[serde(default)]`).
///
/// Accepted grammar: `-?[0-9]+(\.[0-9]+)?`, parsed exactly (no rounding):
/// no exponent, separators, blanks or leading `+`/`.`.
pub(crate) mod decimal_string {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        super::strict_str(
            deserializer,
            "a decimal number written as a JSON string, e.g. \"12.50\"",
            parse_strict,
        )
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

    option_of!(
        "A decimal under the strict string rule; `Option` of it handles null.",
        super::Decimal
    );
}

/// `NaiveDate` as a JSON string `YYYY-MM-DD` (exactly four-digit year,
/// two-digit month and day).
pub(crate) mod iso_date {
    use chrono::NaiveDate;
    use serde::{Deserializer, Serializer};

    const FORMAT: &str = "%Y-%m-%d";

    pub(crate) fn serialize<S: Serializer>(
        value: &NaiveDate,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&value.format(FORMAT))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<NaiveDate, D::Error> {
        super::strict_str(
            deserializer,
            "a date written as \"YYYY-MM-DD\"",
            parse_strict,
        )
    }

    fn parse_strict(v: &str) -> Option<NaiveDate> {
        let shape_ok = v.len() == 10
            && v.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        shape_ok
            .then(|| NaiveDate::parse_from_str(v, FORMAT).ok())
            .flatten()
    }

    option_of!(
        "A date under the strict `YYYY-MM-DD` rule; `Option` of it handles null.",
        super::NaiveDate
    );
}

/// `DateTime<Utc>` as an RFC 3339 JSON string. Any offset is accepted on
/// input and converted to UTC; output uses the `Z` suffix.
pub(crate) mod rfc3339_utc {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        super::strict_str(
            deserializer,
            "an RFC 3339 timestamp, e.g. \"2025-03-10T08:00:00+02:00\"",
            |v| {
                DateTime::parse_from_rfc3339(v)
                    .ok()
                    .map(|t| t.with_timezone(&Utc))
            },
        )
    }
}
