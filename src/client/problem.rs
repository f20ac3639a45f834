//! Problem details (RFC 9457) as a person reads them at a terminal.

use serde_json::Value;

/// `title (code): detail` and then each field error as `  - path: message (code)`.
pub fn describe(problem: &Value) -> String {
    let text = |name: &str| problem.get(name).and_then(Value::as_str);
    let mut out = String::new();
    out.push_str(text("title").unwrap_or("the server refused the request"));
    if let Some(code) = text("code") {
        out.push_str(&format!(" [{code}]"));
    }
    if let Some(detail) = text("detail") {
        out.push_str(": ");
        out.push_str(detail);
    }
    for error in field_errors(problem) {
        out.push_str("\n  - ");
        out.push_str(&error.to_string());
    }
    out
}

/// The problem's `errors` member, skipping entries that are not field errors.
pub fn field_errors(problem: &Value) -> Vec<crate::domain::field_error::FieldError> {
    problem
        .get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let text = |name: &str| {
                        e.get(name)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    crate::domain::field_error::FieldError::new(
                        text("path"),
                        text("code"),
                        text("message"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_field_error_gets_its_own_line() {
        let problem = json!({
            "title": "Unprocessable Entity", "status": 422, "code": "validation_failed",
            "detail": "the request has 2 problems; see errors",
            "errors": [
                {"path": "lines[0].cn_code", "code": "invalid_cn_code", "message": "must be 8 digits"},
                {"path": "", "code": "required", "message": "no lines"}
            ]
        });
        assert_eq!(
            describe(&problem),
            "Unprocessable Entity [validation_failed]: the request has 2 problems; see errors\n  \
             - lines[0].cn_code: must be 8 digits (invalid_cn_code)\n  - no lines (required)"
        );
    }

    #[test]
    fn a_bare_problem_still_reads() {
        assert_eq!(
            describe(&json!({"code": "waybill_not_found"})),
            "the server refused the request [waybill_not_found]"
        );
    }
}
