//! The serde formats of the wire contract, shared by every document and
//! act type: decimals carried as JSON strings, `YYYY-MM-DD` dates and
//! RFC 3339 timestamps normalised to UTC. Each is a module for
//! `#[serde(with = "...")]`, with an `option` submodule for `Option` fields.

/// `Decimal` as a JSON string in plain decimal notation; JSON numbers are
/// rejected. Use with `#[serde(with = "crate::domain::wire_formats::decimal_string")]` (and
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
pub(crate) mod iso_date {
    use std::fmt;

    use chrono::NaiveDate;
    use serde::de::{self, Unexpected, Visitor};
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

    pub(crate) mod option {
        use chrono::NaiveDate;
        use serde::{Deserialize, Deserializer, Serializer};

        /// A date under the strict `YYYY-MM-DD` rule; `Option` of it handles null.
        #[derive(Deserialize)]
        struct Strict(#[serde(with = "super")] NaiveDate);

        pub(crate) fn serialize<S: Serializer>(
            value: &Option<NaiveDate>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => super::serialize(value, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<NaiveDate>, D::Error> {
            Ok(Option::<Strict>::deserialize(deserializer)?.map(|Strict(d)| d))
        }
    }
}

/// `DateTime<Utc>` as an RFC 3339 JSON string. Any offset is accepted on
/// input and converted to UTC; output uses the `Z` suffix.
pub(crate) mod rfc3339_utc {
    use std::fmt;

    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::de::{self, Unexpected, Visitor};
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
