//! The result file: one CSV row per document with its waybill id, status
//! and errors. Rewritten whole (write, fsync, rename) after every batch, so
//! whenever the upload stops the file on disk is complete and current.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ResultRow {
    pub document_number: String,
    pub waybill_id: String,
    /// created, existed, rejected, invalid or not_sent.
    pub status: &'static str,
    /// Where the document is in the input: `rows 2-6`, `item 3`.
    pub source: String,
    /// Every problem, separated by ` | `.
    pub errors: String,
}

pub fn write(path: &Path, rows: &[ResultRow]) -> anyhow::Result<()> {
    let context = || format!("writing the result file {}", path.display());
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let mut writer = csv::Writer::from_path(&tmp).with_context(context)?;
    for row in rows {
        writer.serialize(row).with_context(context)?;
    }
    let mut file = writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("{}", e.error()))
        .with_context(context)?;
    file.flush().with_context(context)?;
    file.sync_all().with_context(context)?;
    std::fs::rename(&tmp, path).with_context(context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_with_a_header_and_replace_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let row = |status| ResultRow {
            document_number: "WB-1".into(),
            waybill_id: "0193".into(),
            status,
            source: "rows 2-3".into(),
            errors: "row 2, column cn_code: bad, really (invalid_cn_code)".into(),
        };
        write(&path, &[row("not_sent")]).unwrap();
        write(&path, &[row("created")]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "document_number,waybill_id,status,source,errors\n\
             WB-1,0193,created,rows 2-3,\"row 2, column cn_code: bad, really (invalid_cn_code)\"\n"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
