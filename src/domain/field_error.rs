//! One problem found in what a client sent: where it is (a field path),
//! its stable code and a message. Every layer reports input problems with
//! it, and the HTTP problem body lists them.

use std::fmt;

use serde::Serialize;

/// One problem found in a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Where the problem is: `lines[2].quantity`; the root is `""`.
    #[schema(example = "lines[2].quantity")]
    pub path: String,
    /// Stable snake_case machine identifier of the problem.
    #[schema(example = "must_be_positive")]
    pub code: String,
    /// Human-readable explanation.
    #[schema(example = "must be greater than zero")]
    pub message: String,
}

impl FieldError {
    pub fn new(
        path: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{} ({})", self.message, self.code)
        } else {
            write!(f, "{}: {} ({})", self.path, self.message, self.code)
        }
    }
}

impl std::error::Error for FieldError {}

/// Joins a path and a member name: `a.b` (the root is `""`).
pub(crate) fn join_path(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}
