//! JSON uploads: an array of waybill documents, or NDJSON with one
//! document per line. Each document is our JSON document exactly as the
//! body of `consignor.issue` (see `src/domain/document.rs`).

use serde_json::Value;

use crate::domain::act::parse_body;
use crate::domain::lifecycle::ActType;

use super::source::{Loaded, Locator, Problem, SourceDoc};

/// A JSON array of documents (a single document object is accepted too).
pub fn read_array(text: &str) -> Loaded {
    let mut loaded = Loaded::default();
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => {
            for (i, item) in items.into_iter().enumerate() {
                loaded.docs.push(document(item, i as u64 + 1, false));
            }
        }
        Ok(item @ Value::Object(_)) => loaded.docs.push(document(item, 1, false)),
        Ok(_) => loaded.file_problems.push(Problem::at_row(
            1,
            "invalid_type",
            "expected a JSON array of waybill documents",
        )),
        Err(e) => loaded.file_problems.push(Problem {
            at: format!("line {}, column {}", e.line(), e.column()),
            order: (e.line() as u64, 0),
            code: "invalid_json".into(),
            message: e.to_string(),
        }),
    }
    loaded
}

/// One document per line; blank lines are skipped.
pub fn read_ndjson(text: &str) -> Loaded {
    let mut loaded = Loaded::default();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(item) => loaded.docs.push(document(item, line_no, true)),
            Err(e) => loaded.file_problems.push(Problem {
                at: format!("line {line_no}"),
                order: (line_no, 0),
                code: "invalid_json".into(),
                message: format!("not a JSON document: {e}"),
            }),
        }
    }
    loaded
}

/// Checks one document with the server's rules.
fn document(body: Value, index: u64, ndjson: bool) -> SourceDoc {
    let locator = Locator::Item { index, ndjson };
    let number = body
        .get("number")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("({})", locator.source()));
    let problems = match parse_body(ActType::ConsignorIssue, &body) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(|e| locator.locate(e)).collect(),
    };
    SourceDoc {
        number,
        body,
        locator,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_fixtures::waybill_json as fixture;

    #[test]
    fn ndjson_problems_name_the_line_and_path() {
        let good = fixture("brewery-beer.json");
        let mut bad = fixture("fuel-diesel.json");
        bad["lines"][0]["unit"] = Value::String("litres".into());
        let text = format!("{good}\n\n{bad}\n{{not json\n");
        let loaded = read_ndjson(&text);
        assert_eq!(loaded.docs.len(), 2);
        assert!(loaded.docs[0].is_valid());
        assert_eq!(loaded.docs[1].number, bad["number"].as_str().unwrap());
        let problem = loaded.docs[1].problems[0].to_string();
        assert!(
            problem.starts_with("line 3, lines[0].unit: ") && problem.ends_with("(invalid_unit)"),
            "{problem}"
        );
        assert_eq!(loaded.file_problems[0].at, "line 4");
    }

    #[test]
    fn arrays_name_the_item() {
        let mut bad = fixture("timber-sawn.json");
        bad.as_object_mut().unwrap().remove("number");
        let text = Value::Array(vec![fixture("brewery-beer.json"), bad]).to_string();
        let loaded = read_array(&text);
        assert_eq!(loaded.docs[1].number, "(item 2)");
        assert_eq!(
            loaded.docs[1].problems[0].at, "item 2, number",
            "{:?}",
            loaded.docs[1].problems
        );
        assert_eq!(read_array("{\"a\": ").file_problems[0].code, "invalid_json");
    }
}
