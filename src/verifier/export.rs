//! The export file `ewaybill-log-export/v1`: NDJSON, one JSON object per
//! line.
//!
//! ```text
//! {"format":"ewaybill-log-export/v1","vkey":"<vkey>","checkpoint":"<signed note>"}
//! {"index":0,"leaf":"<standard base64 of the exact leaf bytes>"}
//! {"index":1,"leaf":"..."}
//! ```
//!
//! Nothing in the file is trusted: the verifier checks the checkpoint with
//! the (preferably pinned) log key and every leaf against it.

use std::io::{self, BufRead, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::log::{Entry, SourceError};

/// The `format` of the first line.
pub const EXPORT_FORMAT: &str = "ewaybill-log-export/v1";

/// The first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportHeader {
    pub format: String,
    /// The log's verifier key as the exporter got it (not trusted).
    pub vkey: String,
    /// The signed checkpoint note the entries are checked against.
    pub checkpoint: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryLine {
    index: u64,
    leaf: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot read the export")]
    Io(#[from] io::Error),
    #[error("the export is empty (no header line)")]
    Empty,
    #[error("line 1 is not an {EXPORT_FORMAT} header: {0}")]
    Header(String),
}

/// Writes an export: the header, then entries in order.
pub struct ExportWriter<W: Write> {
    out: W,
}

impl<W: Write> ExportWriter<W> {
    /// Writes the header line.
    pub fn new(mut out: W, vkey: &str, checkpoint: &str) -> io::Result<Self> {
        let header = ExportHeader {
            format: EXPORT_FORMAT.to_owned(),
            vkey: vkey.to_owned(),
            checkpoint: checkpoint.to_owned(),
        };
        serde_json::to_writer(&mut out, &header)?;
        out.write_all(b"\n")?;
        Ok(Self { out })
    }

    /// Writes one entry line.
    pub fn entry(&mut self, index: u64, leaf: &[u8]) -> io::Result<()> {
        let line = EntryLine {
            index,
            leaf: STANDARD.encode(leaf),
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")
    }

    /// Flushes and hands back the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Reads the header; the returned iterator yields the entries.
pub fn read_export<R: BufRead>(
    mut input: R,
) -> Result<(ExportHeader, ExportEntries<R>), ExportError> {
    let mut first = String::new();
    if input.read_line(&mut first)? == 0 {
        return Err(ExportError::Empty);
    }
    let header: ExportHeader = serde_json::from_str(first.trim_end_matches('\n'))
        .map_err(|e| ExportError::Header(e.to_string()))?;
    if header.format != EXPORT_FORMAT {
        return Err(ExportError::Header(format!(
            "format is {:?}",
            header.format
        )));
    }
    Ok((
        header,
        ExportEntries {
            input,
            line_no: 1,
            done: false,
        },
    ))
}

/// The entry lines of an export, in file order (the verifier checks the
/// order). A bad line ends the iteration with an error.
pub struct ExportEntries<R: BufRead> {
    input: R,
    line_no: u64,
    done: bool,
}

impl<R: BufRead> ExportEntries<R> {
    fn read(&mut self) -> Result<Option<Entry>, SourceError> {
        let mut line = String::new();
        let n = self
            .input
            .read_line(&mut line)
            .map_err(|e| SourceError(format!("line {}: {e}", self.line_no + 1)))?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        let at = |what: String| SourceError(format!("line {}: {what}", self.line_no));
        let parsed: EntryLine = serde_json::from_str(line.trim_end_matches('\n'))
            .map_err(|e| at(format!("not an entry line: {e}")))?;
        let leaf = STANDARD
            .decode(&parsed.leaf)
            .map_err(|e| at(format!("leaf is not standard base64: {e}")))?;
        Ok(Some(Entry {
            index: parsed.index,
            leaf,
        }))
    }
}

impl<R: BufRead> Iterator for ExportEntries<R> {
    type Item = Result<Entry, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.read().transpose();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}
