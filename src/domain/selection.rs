//! How a shipment came before an inspector: the one vocabulary for the
//! risk list's items, the assessments kept for search hits and the stops
//! inspectors record.
//!
//! Each boundary admits only part of it, and says so in its type: the risk
//! list offers [`ListSelection`] (`ranking` or `random`), an inspection is
//! recorded with a [`StopSelection`] (`ranking`, `random` or `other`), and
//! only the assessments kept for search hits are stored as `search`. The
//! subsets are the full [`Selection`] underneath, so the text, the stored
//! columns and the OpenAPI enums all come from this one enum.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// How a shipment came before an inspector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Chosen from the top of the risk ranking.
    Ranking,
    /// Drawn at random from the rest (the share that keeps precision
    /// estimates unbiased).
    Random,
    /// Found by a search (plate, party, CN code, dates): the score shown
    /// with the hit.
    Search,
    /// Anything else (a tip-off, a routine check point).
    Other,
}

crate::text_enum!(Selection);

/// Text that names a selection the boundary reading it does not admit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown variant `{text}`, expected one of {expected}")]
pub struct NotAdmitted {
    pub text: String,
    /// The admitted words, as serde lists them (`` `a`, `b` ``).
    pub expected: String,
}

/// Declares a boundary's subset of [`Selection`]: a newtype that reads
/// and writes the same text, refuses the rest, and is published in the
/// OpenAPI document as a string enum of exactly its members.
macro_rules! selection_subset {
    (
        $(#[$doc:meta])*
        $name:ident, schema = $schema:literal, description = $description:expr,
        admits = [$($variant:ident),+ $(,)?]
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(into = "Selection", try_from = "String")]
        pub struct $name(Selection);

        impl $name {
            /// What this boundary admits, in the order the document lists.
            pub const ADMITS: &'static [Selection] = &[$(Selection::$variant),+];

            /// The selection, if this boundary admits it.
            pub fn new(selection: Selection) -> Option<Self> {
                Self::ADMITS.contains(&selection).then_some(Self(selection))
            }

            /// The selection in the whole vocabulary.
            pub fn get(self) -> Selection {
                self.0
            }

            /// The text, as in JSON and the database.
            pub fn as_str(self) -> &'static str {
                self.0.as_str()
            }
        }

        impl From<$name> for Selection {
            fn from(admitted: $name) -> Self {
                admitted.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = NotAdmitted;

            fn try_from(text: String) -> Result<Self, NotAdmitted> {
                Selection::parse(&text)
                    .ok()
                    .and_then(Self::new)
                    .ok_or_else(|| NotAdmitted {
                        text,
                        expected: Self::ADMITS
                            .iter()
                            .map(|s| format!("`{}`", s.as_str()))
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description($description)
                    .enum_values(Some(Self::ADMITS.iter().map(|s| s.as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($schema)
            }
        }
    };
}

selection_subset! {
    /// How an item came onto a risk list: from the top of the ranking or
    /// from the random share.
    ListSelection, schema = "Selection", description = None::<String>,
    admits = [Ranking, Random]
}

impl ListSelection {
    /// From the top of the ranking.
    pub const RANKING: Self = Self(Selection::Ranking);
    /// From the random share.
    pub const RANDOM: Self = Self(Selection::Random);
}

selection_subset! {
    /// How a recorded stop was selected. A stop found by search is recorded
    /// as `other`: the search hit's assessment keeps the score it showed.
    StopSelection, schema = "InspectionSelection",
    description = Some("How the truck came to be stopped."),
    admits = [Ranking, Random, Other]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_selection_keeps_its_text() {
        for (selection, text) in [
            (Selection::Ranking, "ranking"),
            (Selection::Random, "random"),
            (Selection::Search, "search"),
            (Selection::Other, "other"),
        ] {
            assert_eq!(selection.as_str(), text);
            assert_eq!(Selection::parse(text), Ok(selection));
        }
    }

    #[test]
    fn each_boundary_reads_only_its_subset() {
        let read = |text: &str| serde_json::from_value::<StopSelection>(serde_json::json!(text));
        assert_eq!(
            read("other").map(StopSelection::get).ok(),
            Some(Selection::Other)
        );
        let refused = read("search").map_err(|e| e.to_string());
        assert_eq!(
            refused,
            Err(
                "unknown variant `search`, expected one of `ranking`, `random`, `other`".to_owned()
            )
        );
        assert!(read("bogus").is_err());
        assert!(ListSelection::new(Selection::Other).is_none());
        assert_eq!(
            ListSelection::new(Selection::Random).map(ListSelection::as_str),
            Some("random")
        );
    }

    #[test]
    fn subsets_write_the_same_text() {
        let stop = StopSelection::new(Selection::Ranking);
        assert_eq!(
            stop.map(|s| serde_json::to_value(s).ok()),
            Some(Some(serde_json::json!("ranking")))
        );
    }
}
