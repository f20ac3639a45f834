//! Which act types a webhook subscribes to: a list of them, or `*` for all.

use crate::domain::field_error::FieldError;
use crate::domain::lifecycle::ActType;

/// The wildcard: every act type, present and future.
pub const ALL: &str = "*";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTypes {
    All,
    /// Sorted, without duplicates, never empty.
    Only(Vec<ActType>),
}

impl EventTypes {
    /// Validates what a client sent; errors name `event_types[i]`.
    pub fn parse(values: &[String]) -> Result<Self, Vec<FieldError>> {
        if values.is_empty() {
            return Err(vec![FieldError::new(
                "event_types",
                "required",
                "list at least one act type, or \"*\" for all",
            )]);
        }
        let mut errors = Vec::new();
        let mut types = Vec::new();
        let mut all = false;
        for (i, value) in values.iter().enumerate() {
            if value == ALL {
                all = true;
            } else if let Ok(t) = ActType::parse(value) {
                types.push(t);
            } else {
                let known: Vec<&str> = ActType::ALL.iter().map(|t| t.as_str()).collect();
                errors.push(FieldError::new(
                    format!("event_types[{i}]"),
                    "unknown_event_type",
                    format!("expected \"*\" or one of {}", known.join(", ")),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if all {
            return Ok(EventTypes::All);
        }
        types.sort_by_key(|t| t.as_str());
        types.dedup();
        Ok(EventTypes::Only(types))
    }

    pub fn names(&self) -> Vec<String> {
        match self {
            EventTypes::All => vec![ALL.to_owned()],
            EventTypes::Only(types) => types.iter().map(|t| t.as_str().to_owned()).collect(),
        }
    }

    /// The stored form: a JSON array of the names.
    pub fn to_stored(&self) -> String {
        serde_json::Value::from(self.names()).to_string()
    }

    pub fn from_stored(text: &str) -> Option<Self> {
        let names: Vec<String> = serde_json::from_str(text).ok()?;
        Self::parse(&names).ok()
    }

    pub fn matches(&self, act_type: &str) -> bool {
        match self {
            EventTypes::All => true,
            EventTypes::Only(types) => types.iter().any(|t| t.as_str() == act_type),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<EventTypes, Vec<FieldError>> {
        EventTypes::parse(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn wildcard_matches_everything() {
        let all = parse(&["carrier.accept", "*"]).unwrap();
        assert_eq!(all, EventTypes::All);
        assert!(all.matches("consignee.reject"));
    }

    #[test]
    fn a_list_matches_only_its_types_and_round_trips() {
        let t = parse(&["consignee.reject", "carrier.accept", "carrier.accept"]).unwrap();
        assert_eq!(t.names(), ["carrier.accept", "consignee.reject"]);
        assert!(t.matches("carrier.accept"));
        assert!(!t.matches("consignor.issue"));
        assert_eq!(EventTypes::from_stored(&t.to_stored()), Some(t));
    }

    #[test]
    fn unknown_and_empty_lists_name_the_field() {
        let errors = parse(&["carrier.accept", "carrier.eat"]).unwrap_err();
        assert_eq!(errors[0].path, "event_types[1]");
        assert_eq!(errors[0].code, "unknown_event_type");
        assert_eq!(parse(&[]).unwrap_err()[0].path, "event_types");
        assert_eq!(EventTypes::from_stored("not json"), None);
    }
}
