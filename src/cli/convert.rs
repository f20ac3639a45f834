//! `ewaybill convert`: our JSON to and from OASIS UBL 2.1, offline.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use crate::domain::field_error::FieldError;
use crate::domain::projection::WaybillState;
use crate::domain::validation::check_document;
use crate::ubl::{self, ImportNote, UblError};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Standard {
    /// OASIS UBL 2.1 XML.
    Ubl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    /// The waybill document as a DespatchAdvice.
    Despatch,
    /// The consignee's acceptance as a ReceiptAdvice.
    Receipt,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("direction").required(true).args(["from", "to"]))]
pub struct ConvertArgs {
    /// Read FILE in this format and print our JSON (a waybill document, or
    /// with --kind receipt the consignee's act body).
    #[arg(long, value_enum)]
    pub from: Option<Standard>,
    /// Read our JSON from FILE and print it in this format. Despatch takes a
    /// waybill document or a waybill as returned by `GET /v1/waybills/{id}`;
    /// receipt takes the latter.
    #[arg(long, value_enum)]
    pub to: Option<Standard>,
    #[arg(long, value_enum, default_value = "despatch")]
    pub kind: Kind,
    /// With --from: print what did import even when the document is
    /// incomplete (the problems still go to standard error, and the exit
    /// status is still a failure).
    #[arg(long)]
    pub partial: bool,
    /// The input file, or - for standard input.
    pub file: PathBuf,
}

pub fn run(args: ConvertArgs) -> anyhow::Result<()> {
    let input = read_input(&args.file)?;
    let output = match (args.from, args.kind) {
        (Some(Standard::Ubl), Kind::Despatch) => from_despatch(&input, args.partial)?,
        (Some(Standard::Ubl), Kind::Receipt) => from_receipt(&input, args.partial)?,
        (None, kind) => to_ubl(&input, kind)?,
    };
    print!("{output}");
    Ok(())
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    }
}

fn pretty(value: &impl serde::Serialize) -> anyhow::Result<String> {
    Ok(format!("{}\n", serde_json::to_string_pretty(value)?))
}

fn report_notes(notes: &[ImportNote]) {
    for note in notes {
        eprintln!("note: {note}");
    }
}

fn report_problems(errors: &[FieldError]) {
    for error in errors {
        eprintln!("problem: {error}");
    }
}

/// Reports an incomplete import; with `partial`, returns the draft to print.
fn failed(err: UblError, partial: bool) -> anyhow::Result<String> {
    if let UblError::Invalid {
        errors,
        draft,
        notes,
    } = &err
    {
        report_notes(notes);
        report_problems(errors);
        if partial {
            print!("{}", pretty(draft)?);
        }
        anyhow::bail!(
            "the UBL document does not make a complete waybill: {} problem(s) above",
            errors.len()
        );
    }
    Err(err.into())
}

fn from_despatch(xml: &str, partial: bool) -> anyhow::Result<String> {
    match ubl::import_despatch_advice(xml) {
        Ok(imported) => {
            report_notes(&imported.notes);
            pretty(&imported.value)
        }
        Err(e) => failed(e, partial),
    }
}

fn from_receipt(xml: &str, partial: bool) -> anyhow::Result<String> {
    match ubl::import_receipt_advice(xml) {
        Ok(imported) => {
            report_notes(&imported.notes);
            let (number, response) = imported.value;
            let mut out = serde_json::to_value(&response)?;
            out["despatch_document"] = json!(number);
            pretty(&out)
        }
        Err(e) => failed(e, partial),
    }
}

fn to_ubl(json_text: &str, kind: Kind) -> anyhow::Result<String> {
    let value: Value = serde_json::from_str(json_text).context("the input is not valid JSON")?;
    let is_state = value.get("document").is_some() && value.get("status").is_some();
    match kind {
        Kind::Despatch if is_state => {
            let state: WaybillState =
                serde_json::from_value(value).context("the input is not a waybill state")?;
            Ok(ubl::despatch_advice(&state.document, Some(state.id))?)
        }
        Kind::Despatch => {
            let document = check_document(&value).map_err(|problems| {
                report_problems(&problems);
                anyhow::anyhow!("the document has {} problem(s) above", problems.len())
            })?;
            Ok(ubl::despatch_advice(&document, None)?)
        }
        Kind::Receipt => {
            anyhow::ensure!(
                is_state,
                "--kind receipt needs the waybill as returned by GET /v1/waybills/{{id}} (or `ewaybill status`)"
            );
            let state: WaybillState =
                serde_json::from_value(value).context("the input is not a waybill state")?;
            Ok(ubl::receipt_advice(&state)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::document::parse_document;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
    }

    #[test]
    fn json_to_ubl_and_back_is_the_same_document() {
        let json_text = fixture("fixtures/waybills/timber-sawn.json");
        let xml = to_ubl(&json_text, Kind::Despatch).unwrap();
        let back: Value = serde_json::from_str(&from_despatch(&xml, false).unwrap()).unwrap();
        let original: Value = serde_json::from_str(&json_text).unwrap();
        assert_eq!(
            parse_document(back).unwrap(),
            parse_document(original).unwrap()
        );
    }

    #[test]
    fn incomplete_ubl_fails_and_invalid_json_is_refused() {
        let xml = fixture("tests/data/ubl/UBL-DespatchAdvice-2.0-Example.xml");
        let err = from_despatch(&xml, false).unwrap_err();
        assert!(err.to_string().contains("11 problem(s)"), "{err}");
        let receipt = fixture("tests/data/ubl/UBL-ReceiptAdvice-2.0-Example.xml");
        let out: Value = serde_json::from_str(&from_receipt(&receipt, false).unwrap()).unwrap();
        assert_eq!(out["act"], "consignee.accept");
        assert_eq!(out["despatch_document"], "565899");
        assert!(to_ubl("{\"number\": 1}", Kind::Despatch).is_err());
        assert!(to_ubl("{}", Kind::Receipt).is_err());
    }
}
