//! The CSV upload template: one row per goods line, rows grouped into
//! waybills by `document_number`. Document columns repeat on every row of
//! a document (or are left empty after its first row); line columns
//! describe the row's goods. `fixtures/upload/README.md` documents every
//! column; [`COLUMNS`](super::csv_columns::COLUMNS) is the authority.
//!
//! Every cell is checked on its own first, then the assembled document goes
//! through the same domain rules the server applies, and each problem is
//! reported at the row and column it came from.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::domain::complete::complete_document;
use crate::domain::document::parse_document;
use crate::domain::field_error::FieldError;
use crate::domain::validation::{codes, validate_document};

use super::csv_columns::Kind::*;
use super::csv_columns::Level::*;
use super::csv_columns::{COLUMNS, Column, Kind, REFERENCE_KINDS, column_order};
use super::source::{CsvLocator, Loaded, Locator, Problem, SourceDoc};

/// Domain problems that compare several fields: meaningless while any of
/// them holds a stand-in for a cell that could not be read.
const CROSS_FIELD: &[&str] = &[
    codes::AMOUNT_MISMATCH,
    codes::TOTAL_MISMATCH,
    codes::BEFORE_LOADING,
    codes::NET_EXCEEDS_GROSS,
    codes::DUPLICATE_LINE_NO,
];

/// One cell after reading: its text and, if it could be read, its value.
#[derive(Debug, Clone, Default)]
struct Cell {
    text: String,
    value: Option<Value>,
}

#[derive(Debug)]
struct Row {
    line: u64,
    cells: Vec<Cell>,
}

/// Reads a CSV upload. `delimiter` `None` guesses `,` or `;` from the header.
pub fn read(text: &str, delimiter: Option<u8>) -> Loaded {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = delimiter.unwrap_or_else(|| guess_delimiter(text));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut loaded = Loaded::default();
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            loaded
                .file_problems
                .push(Problem::at_row(1, "unreadable_csv", e.to_string()));
            return loaded;
        }
    };
    let (columns, header_problems) = map_header(&header);
    if !header_problems.is_empty() {
        loaded.file_problems = header_problems;
        return loaded;
    }

    let mut groups: Vec<(String, Vec<Row>)> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                loaded
                    .file_problems
                    .push(Problem::at_row(line, "unreadable_csv", e.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() > header.len()
            && record
                .iter()
                .skip(header.len())
                .any(|c| !c.trim().is_empty())
        {
            loaded.file_problems.push(Problem::at_row(
                line,
                "too_many_cells",
                format!(
                    "the row has {} cells but the header only {} columns",
                    record.len(),
                    header.len()
                ),
            ));
        }
        let mut cells = vec![Cell::default(); COLUMNS.len()];
        for (i, column) in columns.iter().enumerate() {
            if let (Some(column), Some(text)) = (column, record.get(i)) {
                cells[*column].text = text.trim().to_owned();
            }
        }
        let number = cells[0].text.clone();
        if number.is_empty() {
            loaded.file_problems.push(Problem::at_cell(
                line,
                "document_number",
                codes::REQUIRED,
                "every row needs the number of the document it belongs to",
            ));
            continue;
        }
        let index = *group_of.entry(number.clone()).or_insert_with(|| {
            groups.push((number.clone(), Vec::new()));
            groups.len() - 1
        });
        groups[index].1.push(Row { line, cells });
    }
    loaded.docs = groups
        .into_iter()
        .map(|(number, rows)| assemble(number, rows))
        .collect();
    loaded
}

fn guess_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    }
}

/// Which template column each CSV column is; every required column must be
/// there and no column may be unknown (a typo would silently drop data).
fn map_header(header: &csv::StringRecord) -> (Vec<Option<usize>>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut seen = vec![false; COLUMNS.len()];
    let mut columns = Vec::new();
    for name in header {
        let name = name.trim().to_ascii_lowercase();
        match COLUMNS.iter().position(|c| c.name == name) {
            Some(i) if seen[i] => {
                problems.push(Problem::at_cell(
                    1,
                    &name,
                    "duplicate_column",
                    "the column appears twice in the header",
                ));
                columns.push(None);
            }
            Some(i) => {
                seen[i] = true;
                columns.push(Some(i));
            }
            None if name.is_empty() => columns.push(None),
            None => {
                problems.push(Problem::at_cell(
                    1,
                    &name,
                    "unknown_column",
                    "not a column of the template (fixtures/upload/README.md lists them)",
                ));
                columns.push(None);
            }
        }
    }
    for (column, seen) in COLUMNS.iter().zip(&seen) {
        if column.required && !seen {
            problems.push(Problem::at_row(
                1,
                "missing_column",
                format!(
                    "the header has no {} column, which is required",
                    column.name
                ),
            ));
        }
    }
    (columns, problems)
}

/// Reads one cell by its column's kind.
fn read_cell(column: &Column, text: &str) -> Result<Value, String> {
    match column.kind {
        Text => Ok(Value::String(text.to_owned())),
        Decimal => {
            let unsigned = text.strip_prefix('-').unwrap_or(text);
            let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if digits(int) && digits(frac) && text.parse::<rust_decimal::Decimal>().is_ok() {
                Ok(Value::String(text.to_owned()))
            } else if text.contains(',') {
                Err(format!(
                    "{text:?} is not a decimal: write the decimal point as '.', with no thousands separators (e.g. 1234.50)"
                ))
            } else {
                Err(format!("{text:?} is not a decimal number like 12.50"))
            }
        }
        Date => {
            let shape = text.len() == 10
                && text.bytes().enumerate().all(|(i, b)| match i {
                    4 | 7 => b == b'-',
                    _ => b.is_ascii_digit(),
                });
            if shape && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
                Ok(Value::String(text.to_owned()))
            } else {
                Err(format!("{text:?} is not a date written as YYYY-MM-DD"))
            }
        }
        Timestamp => match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(_) => Ok(Value::String(text.to_owned())),
            Err(_) => Err(format!(
                "{text:?} is not a date and time like 2026-11-30T06:30:00Z or 2026-11-30T08:30:00+02:00"
            )),
        },
        Count => text
            .parse::<u32>()
            .map(Value::from)
            .map_err(|_| format!("{text:?} is not a whole number")),
        Choice(options) => {
            if options.contains(&text) {
                Ok(Value::String(text.to_owned()))
            } else {
                Err(format!("{text:?} is not one of {}", options.join(", ")))
            }
        }
    }
}

/// A value of the right shape standing in for a cell that could not be
/// read, so the other rules can still be checked.
fn stand_in(kind: Kind) -> Value {
    match kind {
        Text => json!("x"),
        Decimal => json!("1"),
        Date => json!("2000-01-01"),
        Timestamp => json!("2000-01-01T00:00:00Z"),
        Count => json!(1),
        Choice(options) => json!(options[0]),
    }
}

/// Builds one document from its rows and checks it.
fn assemble(number: String, mut rows: Vec<Row>) -> SourceDoc {
    let mut assembly = Assembly {
        locator: CsvLocator {
            rows: rows.iter().map(|r| r.line).collect(),
            cells: Vec::new(),
        },
        problems: Vec::new(),
        stand_ins: Vec::new(),
        first_line: rows[0].line,
    };
    assembly.read_cells(&mut rows);
    assembly.check_repeated_document_columns(&number, &rows);
    let mut doc = assembly.document_fields(&rows);
    let references = assembly.references(&rows);
    if !references.is_empty() {
        doc.insert("references".into(), Value::Array(references));
    }
    let lines = assembly.goods_lines(&rows);
    doc.insert("lines".into(), Value::Array(lines));
    assembly.locate_totals();
    assembly.check(number, Value::Object(doc))
}

/// What building one document collects besides the document itself.
struct Assembly {
    /// Where each field of the document came from.
    locator: CsvLocator,
    problems: Vec<Problem>,
    /// Field paths holding a [`stand_in`] for a cell that could not be read.
    stand_ins: Vec<String>,
    /// The file row of the document's first line, which holds its document
    /// columns.
    first_line: u64,
}

impl Assembly {
    /// Reads every cell on its own: the line columns of every row and the
    /// document columns of the first.
    fn read_cells(&mut self, rows: &mut [Row]) {
        for row in rows {
            for (c, column) in COLUMNS.iter().enumerate() {
                if column.level == Document && row.line != self.first_line {
                    continue;
                }
                let cell = &mut row.cells[c];
                if cell.text.is_empty() {
                    if column.required {
                        self.problems.push(Problem::at_cell(
                            row.line,
                            column.name,
                            codes::REQUIRED,
                            "a value is required",
                        ));
                    }
                    continue;
                }
                match read_cell(column, &cell.text) {
                    Ok(value) => cell.value = Some(value),
                    Err(message) => self.problems.push(Problem::at_cell(
                        row.line,
                        column.name,
                        codes::INVALID_VALUE,
                        &message,
                    )),
                }
            }
        }
    }

    /// Document columns are read on the first row and must be repeated or
    /// left empty below it.
    fn check_repeated_document_columns(&mut self, number: &str, rows: &[Row]) {
        let first_line = self.first_line;
        for (c, column) in COLUMNS.iter().enumerate() {
            if column.level != Document {
                continue;
            }
            let first = rows[0].cells[c].text.clone();
            // A first-row value that is missing or unreadable is reported
            // already; the rows below it are not the mistake.
            let first_unusable =
                rows[0].cells[c].value.is_none() && (column.required || !first.is_empty());
            if first_unusable {
                continue;
            }
            for row in &rows[1..] {
                let text = &row.cells[c].text;
                if !text.is_empty() && *text != first {
                    self.problems.push(Problem::at_cell(
                        row.line,
                        column.name,
                        "inconsistent_document_column",
                        &format!(
                            "{text:?} differs from {first:?} on row {first_line}, the first row of document {number}; \
                             repeat the same value or leave the cell empty"
                        ),
                    ));
                }
            }
        }
    }

    /// The value a cell gives the field at `path`: its own, a stand-in when
    /// it is required or could not be read, nothing when it is optional and
    /// empty.
    fn value(&mut self, cell: &Cell, column: &Column, path: &str) -> Option<Value> {
        match (&cell.value, cell.text.is_empty(), column.required) {
            (Some(v), ..) => Some(v.clone()),
            (None, true, false) => None,
            (None, ..) => {
                self.stand_ins.push(path.to_owned());
                Some(stand_in(column.kind))
            }
        }
    }

    /// The document's own fields from the first row, except its references.
    fn document_fields(&mut self, rows: &[Row]) -> Map<String, Value> {
        let mut doc = Map::new();
        for (c, column) in COLUMNS.iter().enumerate() {
            if column.level != Document {
                continue;
            }
            let Some(value) = self.value(&rows[0].cells[c], column, column.path) else {
                continue;
            };
            if column.path.starts_with("references.") {
                continue;
            }
            self.locator
                .cells
                .push((column.path.to_owned(), self.first_line, column.name));
            set_path(&mut doc, column.path, value);
        }
        doc
    }

    /// The references given by a number (and optionally a date) on the
    /// first row, in the order of [`REFERENCE_KINDS`].
    fn references(&mut self, rows: &[Row]) -> Vec<Value> {
        let first_line = self.first_line;
        let mut references = Vec::new();
        for kind in REFERENCE_KINDS {
            let cell = |field: &str| {
                let name = format!("{kind}_{field}");
                let c = column_order(&name);
                (COLUMNS[c].name, &rows[0].cells[c])
            };
            let (number_column, number_cell) = cell("number");
            let (date_column, date_cell) = cell("date");
            if number_cell.text.is_empty() {
                if !date_cell.text.is_empty() {
                    self.problems.push(Problem::at_cell(
                        first_line,
                        date_column,
                        codes::REQUIRED,
                        &format!("a {kind} date needs the {kind} number in {number_column}"),
                    ));
                }
                continue;
            }
            let path = format!("references[{}]", references.len());
            let mut reference = json!({"kind": kind, "number": number_cell.text});
            self.locator
                .cells
                .push((format!("{path}.number"), first_line, number_column));
            match &date_cell.value {
                Some(date) => {
                    reference["date"] = date.clone();
                    self.locator
                        .cells
                        .push((format!("{path}.date"), first_line, date_column));
                }
                None if !date_cell.text.is_empty() => self.stand_ins.push(format!("{path}.date")),
                None => {}
            }
            references.push(reference);
        }
        references
    }

    /// One goods line per row, numbered in row order when the row gives no
    /// line number.
    fn goods_lines(&mut self, rows: &[Row]) -> Vec<Value> {
        let mut lines = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let mut line = Map::new();
            for (c, column) in COLUMNS.iter().enumerate() {
                if column.level != Line {
                    continue;
                }
                let path = format!("lines[{i}].{}", column.path);
                self.locator
                    .cells
                    .push((path.clone(), row.line, column.name));
                if let Some(value) = self.value(&row.cells[c], column, &path) {
                    line.insert(column.path.into(), value);
                }
            }
            line.entry("line_no").or_insert_with(|| json!(i + 1));
            lines.push(Value::Object(line));
        }
        lines
    }

    /// Every total gets a cell to report at, its column on the first row,
    /// also when it was left empty and is computed (see [`Assembly::check`]).
    fn locate_totals(&mut self) {
        for total in [
            "net_amount",
            "vat_amount",
            "gross_amount",
            "gross_weight_kg",
        ] {
            let path = format!("totals.{total}");
            if !self.locator.cells.iter().any(|(p, ..)| *p == path) {
                self.locator.cells.push((
                    path,
                    self.first_line,
                    COLUMNS[column_order(&format!("total_{total}"))].name,
                ));
            }
        }
    }

    /// Completes the document and checks it with the domain's rules, each
    /// problem at its cell; problems about stand-ins (and, while there are
    /// any, rules across fields) are left out.
    fn check(mut self, number: String, mut body: Value) -> SourceDoc {
        // Amounts and totals left empty are computed with the domain's
        // rules; given ones are kept, so a wrong one is reported.
        complete_document(&mut body);
        let locator = Locator::Csv(self.locator);
        let stand_ins = self.stand_ins;
        match parse_document(body.clone()) {
            Err(error) => {
                if !stand_ins.contains(&error.path) {
                    self.problems.push(locator.locate(&error));
                }
            }
            Ok(document) => {
                let errors = validate_document(&document);
                let relevant = |e: &&FieldError| {
                    !stand_ins.contains(&e.path)
                        && (stand_ins.is_empty() || !CROSS_FIELD.contains(&e.code.as_str()))
                };
                self.problems
                    .extend(errors.iter().filter(relevant).map(|e| locator.locate(e)));
            }
        }
        let mut problems = self.problems;
        problems.sort_by_key(|p| p.order);
        problems.dedup();
        SourceDoc {
            number,
            body,
            locator,
            problems,
        }
    }
}

/// Sets `a.b.c` in a JSON object, creating the objects on the way.
fn set_path(map: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = map.entry(head).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                set_path(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::csv_columns::header;
    use super::*;

    fn example() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/upload/example.csv"
        ))
        .unwrap()
    }

    fn problems(loaded: &Loaded) -> Vec<String> {
        loaded
            .file_problems
            .iter()
            .chain(loaded.docs.iter().flat_map(|d| &d.problems))
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_example_is_valid_and_grouped_by_document() {
        let loaded = read(&example(), None);
        assert_eq!(problems(&loaded), Vec::<String>::new());
        assert!(loaded.docs.len() >= 3);
        for doc in &loaded.docs {
            let lines = doc.body["lines"].as_array().unwrap();
            assert!(lines.len() >= 2, "{}", doc.number);
            assert_eq!(doc.body["number"], doc.number.as_str());
        }
    }

    #[test]
    fn the_template_header_is_every_column() {
        let template = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/upload/waybills-template.csv"
        ))
        .unwrap();
        assert_eq!(template.trim_end(), header());
        assert!(example().starts_with(&header()));
        let readme = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/upload/README.md"
        ))
        .unwrap();
        for column in COLUMNS {
            assert!(
                readme.contains(&format!("`{}`", column.name)),
                "README misses {}",
                column.name
            );
        }
    }

    /// Replaces the cell of `column` on file row `row` (1 = header).
    fn edit(csv: &str, row: usize, column: &str, value: &str) -> String {
        let c = header().split(',').position(|h| h == column).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv.as_bytes());
        let mut writer = csv::Writer::from_writer(Vec::new());
        for (i, record) in reader.records().enumerate() {
            let mut cells: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
            if i + 1 == row {
                cells[c] = value.to_owned();
            }
            writer.write_record(&cells).unwrap();
        }
        String::from_utf8(writer.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn every_problem_is_reported_at_its_row_and_column() {
        let mut csv = example();
        csv = edit(&csv, 2, "cn_code", "2203");
        csv = edit(&csv, 3, "quantity", "1,5");
        csv = edit(&csv, 3, "unit_price", "");
        csv = edit(&csv, 4, "consignee_country", "XX");
        csv = edit(&csv, 5, "loading_planned_at", "tomorrow");
        let loaded = read(&csv, None);
        let all = problems(&loaded);
        let expected = [
            "row 2, column cn_code: ",
            "row 3, column quantity: \"1,5\" is not a decimal: write the decimal point as '.'",
            "row 3, column unit_price: a value is required (required)",
            "row 4, column consignee_country: \"XX\" differs from",
        ];
        for text in expected {
            assert!(
                all.iter().any(|p| p.starts_with(text)),
                "{text} not in {all:#?}"
            );
        }
        let planned = all
            .iter()
            .find(|p| p.contains("loading_planned_at"))
            .unwrap_or_else(|| panic!("{all:#?}"));
        assert!(planned.contains("not a date and time"), "{planned}");
        // A stand-in for an unreadable cell raises no second, bogus problem.
        assert!(
            !all.iter()
                .any(|p| p.contains("amount_mismatch") || p.contains("total_mismatch")),
            "{all:#?}"
        );
    }

    #[test]
    fn domain_rules_point_at_the_cell() {
        // Rows 2-4 are a document with its totals filled in, rows 5-6 one
        // with its amounts and totals left to be computed.
        let csv = edit(&example(), 3, "amount", "999.99");
        let csv = edit(&csv, 6, "amount", "1.00");
        let all = problems(&read(&csv, None));
        let has =
            |start: &str, end: &str| all.iter().any(|p| p.starts_with(start) && p.ends_with(end));
        assert!(
            has("row 3, column amount:", "(amount_mismatch)"),
            "{all:#?}"
        );
        // The totals were added up from the right amounts: the wrong
        // amount is one mistake, reported once, on its line.
        assert!(
            !has("row 2, column total_net_amount:", "(total_mismatch)"),
            "{all:#?}"
        );
        assert!(
            has("row 6, column amount:", "(amount_mismatch)"),
            "{all:#?}"
        );
        assert!(
            !all.iter().any(|p| p.starts_with("row 5")),
            "computed totals follow the lines: {all:#?}"
        );
    }

    #[test]
    fn header_mistakes_stop_before_the_rows() {
        let csv = example().replacen("quantity", "qty", 1);
        let loaded = read(&csv, None);
        let all = problems(&loaded);
        assert!(loaded.docs.is_empty());
        assert!(
            all.iter().any(|p| p.contains("column qty: not a column")),
            "{all:#?}"
        );
        assert!(
            all.iter().any(|p| p.contains("no quantity column")),
            "{all:#?}"
        );
    }

    #[test]
    fn semicolons_and_a_byte_order_mark_are_understood() {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(Vec::new());
        let original = example();
        let mut reader = csv::Reader::from_reader(original.as_bytes());
        writer.write_record(reader.headers().unwrap()).unwrap();
        for record in reader.records() {
            writer.write_record(&record.unwrap()).unwrap();
        }
        let text = format!(
            "\u{feff}{}",
            String::from_utf8(writer.into_inner().unwrap()).unwrap()
        );
        let loaded = read(&text, None);
        assert_eq!(problems(&loaded), Vec::<String>::new());
        assert_eq!(loaded.docs.len(), read(&example(), None).docs.len());
    }

    #[test]
    fn rows_without_a_number_are_reported() {
        let csv = edit(&example(), 3, "document_number", "");
        let loaded = read(&csv, None);
        assert_eq!(
            loaded.file_problems[0].to_string(),
            "row 3, column document_number: every row needs the number of the document it belongs to (required)"
        );
    }

    #[test]
    fn computed_totals_match_the_domain_rules() {
        let loaded = read(&example(), None);
        for doc in &loaded.docs {
            let parsed = parse_document(doc.body.clone()).unwrap();
            assert!(validate_document(&parsed).is_empty(), "{}", doc.number);
        }
    }
}
