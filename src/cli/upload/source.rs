//! What an upload reads: documents, each with where it came from, and
//! problems that point at a row and column (CSV) or an item and field path
//! (JSON), so a person can find and fix them.

use std::fmt;

use serde_json::Value;

use crate::domain::field_error::FieldError;

/// One waybill document of the input.
#[derive(Debug)]
pub struct SourceDoc {
    /// The document number: the key of the state and result files.
    pub number: String,
    /// The document to sign, exactly as it will be sent.
    pub body: Value,
    pub locator: Locator,
    /// Everything wrong with it; empty when it can be sent.
    pub problems: Vec<Problem>,
}

impl SourceDoc {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The whole input: its documents and the problems that belong to no
/// document (a broken header, a row without a document number).
#[derive(Debug, Default)]
pub struct Loaded {
    pub docs: Vec<SourceDoc>,
    pub file_problems: Vec<Problem>,
}

impl Loaded {
    /// Marks every repeated document number after its first use: numbers
    /// key the state and result files, and the server refuses them anyway.
    pub fn flag_repeated_numbers(&mut self) {
        let mut first: std::collections::HashMap<String, String> = Default::default();
        for doc in &mut self.docs {
            match first.get(&doc.number) {
                Some(source) => {
                    let error = FieldError::new(
                        "number",
                        "duplicate_number",
                        format!("document number already used by {source}"),
                    );
                    doc.problems.push(doc.locator.locate(&error));
                }
                None => {
                    first.insert(doc.number.clone(), doc.locator.source());
                }
            }
        }
    }

    pub fn problem_count(&self) -> usize {
        self.file_problems.len() + self.docs.iter().map(|d| d.problems.len()).sum::<usize>()
    }
}

/// Where a document came from; turns field paths into places.
#[derive(Debug, Clone)]
pub enum Locator {
    Csv(CsvLocator),
    /// The 1-based position of a JSON document in an array, or its line in
    /// an NDJSON file.
    Item {
        index: u64,
        ndjson: bool,
    },
}

impl Locator {
    /// The place of the whole document: `rows 2-6`, `item 3`, `line 4`.
    pub fn source(&self) -> String {
        match self {
            Locator::Csv(csv) => csv.source(),
            Locator::Item { index, ndjson } => item_name(*index, *ndjson),
        }
    }

    pub fn locate(&self, error: &FieldError) -> Problem {
        match self {
            Locator::Csv(csv) => {
                let (row, column) = csv.place(&error.path);
                Problem::at_cell(row, &column, &error.code, &error.message)
            }
            Locator::Item { index, ndjson } => {
                let mut at = item_name(*index, *ndjson);
                if !error.path.is_empty() {
                    at.push_str(&format!(", {}", error.path));
                }
                Problem {
                    at,
                    order: (*index, 0),
                    code: error.code.clone(),
                    message: error.message.clone(),
                }
            }
        }
    }
}

fn item_name(index: u64, ndjson: bool) -> String {
    if ndjson {
        format!("line {index}")
    } else {
        format!("item {index}")
    }
}

/// The rows of one CSV document and which cell each field came from.
#[derive(Debug, Clone, Default)]
pub struct CsvLocator {
    /// File rows of the document's lines, in line order (the first row
    /// also holds the document columns).
    pub rows: Vec<u64>,
    /// `(field path, row, column)` for every field built from a cell.
    pub cells: Vec<(String, u64, &'static str)>,
}

impl CsvLocator {
    fn source(&self) -> String {
        match (self.rows.iter().min(), self.rows.iter().max()) {
            (Some(a), Some(b)) if a == b => format!("row {a}"),
            (Some(a), Some(b)) if usize::try_from(b - a + 1) == Ok(self.rows.len()) => {
                format!("rows {a}-{b}")
            }
            _ => format!(
                "rows {}",
                self.rows
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The row and column a field path came from. A path naming an object
    /// (`carrier`, `lines[2]`) points at its first cell; the root points at
    /// the document number.
    pub fn place(&self, path: &str) -> (u64, String) {
        let first_row = self.rows.first().copied().unwrap_or(0);
        if path.is_empty() {
            return (first_row, "document_number".into());
        }
        if let Some((_, row, column)) = self.cells.iter().find(|(p, ..)| p == path) {
            return (*row, (*column).into());
        }
        let inside = |p: &str| {
            p.strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        };
        if let Some((_, row, column)) = self.cells.iter().find(|(p, ..)| inside(p)) {
            return (*row, (*column).into());
        }
        (first_row, path.to_owned())
    }
}

/// A problem, with its place in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `row 12, column quantity`, `item 3, lines[1].cn_code`, `line 7`.
    pub at: String,
    /// Row (or item) first, then column order, for listing.
    pub order: (u64, usize),
    pub code: String,
    pub message: String,
}

impl Problem {
    pub fn at_cell(row: u64, column: &str, code: &str, message: &str) -> Self {
        Self {
            at: format!("row {row}, column {column}"),
            order: (row, super::csv_columns::column_order(column)),
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }

    pub fn at_row(row: u64, code: &str, message: impl Into<String>) -> Self {
        Self {
            at: format!("row {row}"),
            order: (row, 0),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.at, self.message, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locator() -> CsvLocator {
        CsvLocator {
            rows: vec![4, 5, 6],
            cells: vec![
                ("number".into(), 4, "document_number"),
                ("carrier.reg_no".into(), 4, "carrier_reg_no"),
                ("carrier.name".into(), 4, "carrier_name"),
                ("lines[1].description".into(), 5, "description"),
                ("lines[1].cn_code".into(), 5, "cn_code"),
            ],
        }
    }

    #[test]
    fn field_paths_become_rows_and_columns() {
        let l = locator();
        assert_eq!(l.place("lines[1].cn_code"), (5, "cn_code".into()));
        assert_eq!(l.place("carrier"), (4, "carrier_reg_no".into()));
        assert_eq!(l.place("lines[1]"), (5, "description".into()));
        assert_eq!(l.place(""), (4, "document_number".into()));
        assert_eq!(l.place("act.signed_at"), (4, "act.signed_at".into()));
        assert_eq!(l.source(), "rows 4-6");
    }

    #[test]
    fn scattered_rows_are_listed() {
        let l = CsvLocator {
            rows: vec![2, 9],
            cells: vec![],
        };
        assert_eq!(l.source(), "rows 2, 9");
    }

    #[test]
    fn repeated_numbers_are_flagged_after_the_first() {
        let doc = |index| SourceDoc {
            number: "WB-1".into(),
            body: Value::Null,
            locator: Locator::Item {
                index,
                ndjson: true,
            },
            problems: vec![],
        };
        let mut loaded = Loaded {
            docs: vec![doc(1), doc(2)],
            file_problems: vec![],
        };
        loaded.flag_repeated_numbers();
        assert!(loaded.docs[0].is_valid());
        assert_eq!(
            loaded.docs[1].problems[0].to_string(),
            "line 2, number: document number already used by line 1 (duplicate_number)"
        );
    }
}
