//! The ledger's identifiers as types: a party, a waybill and a key each
//! have their own id type (and so does a risk assessment, which an
//! inspection names), and a position in the append-only log is a
//! [`LogIndex`], so a waybill id cannot be passed where a party id belongs
//! and a key id cannot be compared with a carrier's party id.
//!
//! Each is a transparent wrapper: the same text (or integer) in JSON and in
//! the database as before, so neither the wire nor the tables change. They
//! deref to `str` (or read as `i64`) so code that only reads them keeps
//! working. The diesel derive (as vaultwarden's `UserId`) lets storage rows
//! hold them directly; it adds no SQL to the domain, only the mapping.
//!
//! Comparing ids of two kinds does not compile:
//!
//! ```compile_fail
//! use ewaybill::domain::ids::{KeyId, PartyId};
//! let carrier = PartyId::from("p-1");
//! let key = KeyId::from("p-1");
//! assert!(carrier != key);
//! ```

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Declares one text identifier with the traits every id shares.
macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Serialize,
            Deserialize,
            DieselNewType,
            derive_more::Deref,
            derive_more::AsRef,
            derive_more::Display,
        )]
        #[serde(transparent)]
        #[as_ref(str, String)]
        pub struct $name(String);

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, giving up the type.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        /// Lets maps keyed by the id be looked up with its text; the
        /// derived `Hash` and `Eq` are those of the text, as `Borrow` needs.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

text_id!(
    /// A registered party (consignor, carrier, consignee, inspector...):
    /// a UUID v7 the registry assigns, kept as its text.
    PartyId
);

text_id!(
    /// A waybill: the UUID its consignor chose in the issue act, kept as
    /// its hyphenated lower-case text.
    WaybillId
);

text_id!(
    /// A party's signing key: the key's thumbprint text, as registered.
    KeyId
);

text_id!(
    /// A risk score as it was served (to a risk list or a search hit) and
    /// kept, so that the inspection it led to can name it: a UUID v7 text.
    AssessmentId
);

/// Gives a text id minted as a UUID v7 its `new` (and `Default`).
macro_rules! fresh_v7 {
    ($name:ident, $doc:literal) => {
        impl $name {
            #[doc = $doc]
            pub fn new() -> Self {
                Self(Uuid::now_v7().to_string())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

fresh_v7!(
    PartyId,
    "A fresh party id (UUID v7, so ids sort by registration time)."
);

fresh_v7!(
    AssessmentId,
    "A fresh assessment id (UUID v7, so ids sort by scoring time)."
);

impl WaybillId {
    /// A fresh waybill id (UUID v7, so ids sort by issue time).
    pub fn new() -> Self {
        Self::from(Uuid::now_v7())
    }
}

impl Default for WaybillId {
    fn default() -> Self {
        Self::new()
    }
}

impl From<Uuid> for WaybillId {
    fn from(id: Uuid) -> Self {
        Self(id.to_string())
    }
}

impl From<&Uuid> for WaybillId {
    fn from(id: &Uuid) -> Self {
        Self(id.to_string())
    }
}

/// The position of an entry in the append-only log: the event's sequence
/// number, its Merkle leaf index, and the `*_seq` columns that point at it.
/// Stored as BIGINT and sent as a JSON integer, as before; the first entry
/// is 0.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    DieselNewType,
    derive_more::Display,
    derive_more::From,
)]
#[serde(transparent)]
pub struct LogIndex(i64);

impl LogIndex {
    /// The index as the database and the wire hold it.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The index as a Merkle leaf index; `None` for a negative value, which
    /// the log never writes.
    pub fn leaf(self) -> Option<u64> {
        u64::try_from(self.0).ok()
    }

    /// The entry after this one.
    pub const fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

impl From<LogIndex> for i64 {
    fn from(index: LogIndex) -> Self {
        index.0
    }
}

impl PartialEq<i64> for LogIndex {
    fn eq(&self, other: &i64) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_their_text_on_the_wire() {
        let party = PartyId::from("0192f5a0-0000-7000-8000-000000000001");
        let json = serde_json::to_string(&party).unwrap();
        assert_eq!(json, r#""0192f5a0-0000-7000-8000-000000000001""#);
        let back: PartyId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, party);

        let key: KeyId = serde_json::from_str(r#""kPrK_qmx""#).unwrap();
        assert_eq!(key, "kPrK_qmx");
        assert_eq!(serde_json::to_value(&key).unwrap(), "kPrK_qmx");
    }

    #[test]
    fn ids_display_and_read_as_their_text() {
        let key = KeyId::from(String::from("kPrK_qmx"));
        assert_eq!(key.to_string(), "kPrK_qmx");
        assert_eq!(format!("key {key}"), "key kPrK_qmx");
        assert_eq!(key.len(), 8, "derefs to str");
        let text: &str = key.as_ref();
        assert_eq!(text, key.as_str());
        assert_eq!(key.into_string(), "kPrK_qmx");
    }

    #[test]
    fn waybill_ids_are_hyphenated_uuids() {
        let uuid = Uuid::parse_str("0192F5A0-0000-7000-8000-000000000001").unwrap();
        assert_eq!(
            WaybillId::from(uuid).as_str(),
            "0192f5a0-0000-7000-8000-000000000001"
        );
        let fresh = WaybillId::new();
        let parsed = Uuid::parse_str(&fresh).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        assert_eq!(
            Uuid::parse_str(&PartyId::new()).unwrap().get_version_num(),
            7
        );
        assert_ne!(PartyId::new(), PartyId::new());
    }

    #[test]
    fn log_indices_are_integers_on_the_wire() {
        let index = LogIndex::from(41);
        assert_eq!(serde_json::to_string(&index).unwrap(), "41");
        assert_eq!(serde_json::from_str::<LogIndex>("41").unwrap(), index);
        assert_eq!(index.to_string(), "41");
        assert_eq!(index.next(), 42);
        assert_eq!(index.leaf(), Some(41));
        assert_eq!(LogIndex::from(-1).leaf(), None);
        assert_eq!(i64::from(index), index.get());
    }

    #[test]
    fn ids_round_trip_through_sqlite() {
        use diesel::prelude::*;
        use diesel::sql_types::{BigInt, Text};

        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            party: PartyId,
            #[diesel(sql_type = BigInt)]
            seq: LogIndex,
        }

        let mut conn = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap();
        let row: Row = diesel::sql_query("SELECT ? AS party, ? AS seq")
            .bind::<Text, _>(PartyId::from("p-1"))
            .bind::<BigInt, _>(LogIndex::from(7))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(row.party, "p-1");
        assert_eq!(row.seq, 7);
    }
}
