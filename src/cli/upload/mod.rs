//! `ewaybill upload FILE`: issue many waybills from a CSV, NDJSON or JSON
//! file.
//!
//! 1. Read and check every document locally; list every problem by row and
//!    column (CSV) or item and field (JSON) before anything is sent.
//! 2. Give each document its waybill id once, durably, in the state file.
//! 3. Sign and send in batches; record each batch's outcome in the state
//!    file and rewrite the result file.
//!
//! Interrupt it at any point and run the same command again: documents
//! known to be issued are skipped and the rest are sent again under the
//! same ids, which the server answers with `existed` if it already has them.

pub mod csv_columns;
pub mod csv_template;
mod journal;
mod json_input;
mod result_file;
mod sender;
mod source;

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use crate::client::problem::{describe, field_errors};
use crate::crypto::{canonical_bytes, sha256_hex};
use crate::domain::field_error::FieldError;

use journal::{Journal, Outcome, Status};
use result_file::ResultRow;
use sender::{BatchError, Item, MAX_BATCH, Sender};
use source::{Loaded, Locator, SourceDoc};

use super::session::ServerArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One row per goods line, grouped by document_number (fixtures/upload/README.md).
    Csv,
    /// One JSON waybill document per line.
    Ndjson,
    /// A JSON array of waybill documents.
    Json,
}

impl Format {
    fn from_path(path: &Path) -> anyhow::Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(Format::Csv),
            Some("ndjson" | "jsonl") => Ok(Format::Ndjson),
            Some("json") => Ok(Format::Json),
            _ => bail!(
                "cannot tell the format of {} from its name; pass --format csv, ndjson or json",
                path.display()
            ),
        }
    }
}

#[derive(Args, Debug)]
pub struct UploadArgs {
    /// The file: CSV (see fixtures/upload/README.md), NDJSON (.ndjson, .jsonl) or a JSON array (.json).
    pub file: PathBuf,
    #[command(flatten)]
    pub server: ServerArgs,
    /// The input format; by default taken from the file name's extension.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The CSV delimiter; by default ',' or ';', whichever the header uses.
    #[arg(long)]
    pub delimiter: Option<char>,
    /// Check the file and report its problems; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Upload the valid documents even when others have problems.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Waybills per request, 1 to 1000.
    #[arg(long, default_value_t = 500)]
    pub batch_size: usize,
    /// Wait this many milliseconds between batches, to spare a busy server.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub pause_ms: u64,
    /// The result CSV (document number, waybill id, status, errors). Default: FILE.result.csv.
    #[arg(long)]
    pub result: Option<PathBuf>,
    /// The state file that makes a resumed upload safe; keep it until every
    /// document is issued. Default: FILE.ewaybill-state.jsonl.
    #[arg(long)]
    pub state: Option<PathBuf>,
}

pub fn run(args: UploadArgs) -> anyhow::Result<()> {
    if !(1..=MAX_BATCH).contains(&args.batch_size) {
        bail!("--batch-size must be between 1 and {MAX_BATCH}");
    }
    let delimiter = match args.delimiter {
        None => None,
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => bail!("the delimiter {c:?} is not a single ASCII character"),
    };
    let format = match args.format {
        Some(format) => format,
        None => Format::from_path(&args.file)?,
    };
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let mut loaded = match format {
        Format::Csv => csv_template::read(&text, delimiter),
        Format::Ndjson => json_input::read_ndjson(&text),
        Format::Json => json_input::read_array(&text),
    };
    loaded.flag_repeated_numbers();
    print_problems(&loaded);
    let problems = loaded.problem_count();
    let valid = loaded.docs.iter().filter(|d| d.is_valid()).count();
    eprintln!(
        "{}: {} document{}, {valid} valid, {problems} problem{}",
        args.file.display(),
        loaded.docs.len(),
        plural(loaded.docs.len()),
        plural(problems)
    );
    if args.dry_run {
        if problems > 0 {
            bail!("the file has {problems} problem{}", plural(problems));
        }
        return Ok(());
    }

    let result_path = args
        .result
        .clone()
        .unwrap_or_else(|| args.file.with_extension("result.csv"));
    let state_path = args
        .state
        .clone()
        .unwrap_or_else(|| args.file.with_extension("ewaybill-state.jsonl"));
    let mut upload = Upload {
        loaded,
        journal: Journal::open(&state_path)?,
        result_path,
    };
    if problems > 0 && !args.skip_invalid {
        upload.write_result()?;
        bail!(
            "{problems} problem{} (listed above and in {}); nothing was uploaded. \
             Fix them and run the same command again, or pass --skip-invalid to upload the valid documents",
            plural(problems),
            upload.result_path.display()
        );
    }
    let to_send = upload.pending();
    if to_send.is_empty() {
        return upload.finish(Duration::ZERO, 0);
    }
    eprintln!(
        "{} to send; state file {} (keep it until the upload is complete)",
        to_send.len(),
        state_path.display()
    );
    let key = args.server.read_key()?;
    super::tokio_runtime()?.block_on(async {
        let client = args.server.login(&key).await?;
        let me = client.get("/v1/me").await.map_err(super::session::human)?;
        let checked = to_send.len();
        let to_send = upload.check_consignor(to_send, &me);
        if to_send.len() < checked && !args.skip_invalid {
            upload.write_result()?;
            bail!(
                "nothing was uploaded: some documents name another consignor (listed above); \
                 fix them or pass --skip-invalid"
            );
        }
        let mut sender = Sender { client, key: &key };
        let pause = Duration::from_millis(args.pause_ms);
        let finished = tokio::select! {
            result = upload.send(&mut sender, to_send, args.batch_size, pause) => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        };
        match finished {
            Some(result) => result,
            // Whatever was in flight is settled by the next run, under the
            // same ids; the journal already holds everything known.
            None => {
                upload.write_result()?;
                bail!(
                    "interrupted; {} written. Run the same command again to resume: \
                     waybills already issued are never issued twice",
                    upload.result_path.display()
                )
            }
        }
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn print_problems(loaded: &Loaded) {
    for problem in &loaded.file_problems {
        eprintln!("{problem}");
    }
    for doc in &loaded.docs {
        for problem in &doc.problems {
            eprintln!("{problem} [document {}]", doc.number);
        }
    }
}

/// SHA-256 of a document's RFC 8785 bytes: notices a document changed in
/// the file after it was issued.
fn digest(document: &Value) -> String {
    canonical_bytes(document)
        .map(|bytes| sha256_hex(&bytes))
        .unwrap_or_default()
}

struct Upload {
    loaded: Loaded,
    journal: Journal,
    result_path: PathBuf,
}

impl Upload {
    /// Valid documents the server is not known to have yet.
    fn pending(&self) -> Vec<usize> {
        (0..self.loaded.docs.len())
            .filter(|&i| {
                let doc = &self.loaded.docs[i];
                doc.is_valid()
                    && !self
                        .journal
                        .outcome(&doc.number)
                        .is_some_and(|o| o.status.is_done())
            })
            .collect()
    }

    /// A waybill's consignor must be the party whose key signs it: catch a
    /// wrong key or a wrong column before anything is sent.
    fn check_consignor(&mut self, to_send: Vec<usize>, me: &Value) -> Vec<usize> {
        let mine = (me["reg_no"].as_str(), me["country"].as_str());
        to_send
            .into_iter()
            .filter(|&i| {
                let doc = &mut self.loaded.docs[i];
                let consignor = &doc.body["consignor"];
                if (consignor["reg_no"].as_str(), consignor["country"].as_str()) == mine {
                    return true;
                }
                let error = FieldError::new(
                    "consignor.reg_no",
                    "not_your_waybill",
                    format!(
                        "the consignor must be the party of your key: {} ({} {})",
                        me["name"].as_str().unwrap_or("?"),
                        mine.1.unwrap_or("?"),
                        mine.0.unwrap_or("?")
                    ),
                );
                let problem = doc.locator.locate(&error);
                eprintln!("{problem} [document {}]", doc.number);
                doc.problems.push(problem);
                false
            })
            .collect()
    }

    async fn send(
        &mut self,
        sender: &mut Sender<'_>,
        to_send: Vec<usize>,
        batch_size: usize,
        pause: Duration,
    ) -> anyhow::Result<()> {
        let docs = &self.loaded.docs;
        self.journal.assign(
            to_send
                .iter()
                .map(|&i| (docs[i].number.as_str(), digest(&docs[i].body))),
        )?;
        self.write_result()?;
        let started = Instant::now();
        let progress = progress_bar(to_send.len());
        let mut queue: VecDeque<Vec<usize>> =
            to_send.chunks(batch_size).map(<[usize]>::to_vec).collect();
        let mut batches = 0;
        while let Some(batch) = queue.pop_front() {
            if batches > 0 && !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            let items: Vec<Item> = batch
                .iter()
                .map(|&i| {
                    let doc = &self.loaded.docs[i];
                    Item {
                        number: &doc.number,
                        waybill_id: self
                            .journal
                            .assigned(&doc.number)
                            .map(|a| a.waybill_id)
                            .unwrap_or_default(),
                        document: &doc.body,
                    }
                })
                .collect();
            let answers = match sender.send(&items).await {
                Ok(answers) => answers,
                Err(BatchError::TooLarge) if batch.len() > 1 => {
                    let (a, b) = batch.split_at(batch.len() / 2);
                    queue.push_front(b.to_vec());
                    queue.push_front(a.to_vec());
                    continue;
                }
                Err(BatchError::TooLarge) => {
                    let doc = &self.loaded.docs[batch[0]];
                    self.write_result()?;
                    bail!(
                        "document {} alone is larger than the server accepts in one request",
                        doc.number
                    );
                }
                Err(BatchError::Failed(e)) => {
                    progress.abandon();
                    self.write_result()?;
                    return Err(e.context(format!(
                        "the upload stopped; {} written. Run the same command again to resume: \
                         waybills already issued are never issued twice",
                        self.result_path.display()
                    )));
                }
            };
            batches += 1;
            let outcomes: Vec<Outcome> = items
                .iter()
                .zip(&batch)
                .zip(answers)
                .map(|((item, &i), answer)| Outcome {
                    number: item.number.to_owned(),
                    waybill_id: answer.waybill_id.unwrap_or(item.waybill_id),
                    status: answer.status,
                    errors: answer
                        .problem
                        .as_ref()
                        .map(|p| rejection(p, &self.loaded.docs[i].locator))
                        .unwrap_or_default(),
                })
                .collect();
            let counts = count(outcomes.iter().map(|o| o.status));
            self.journal.record(outcomes)?;
            self.write_result()?;
            progress.inc(batch.len() as u64);
            if progress.is_hidden() {
                eprintln!(
                    "batch {batches}: {} created, {} existed, {} rejected ({}/{} sent)",
                    counts[0],
                    counts[1],
                    counts[2],
                    progress.position(),
                    to_send.len()
                );
            }
        }
        progress.finish_and_clear();
        self.finish(started.elapsed(), to_send.len())
    }

    fn rows(&self) -> Vec<ResultRow> {
        let mut rows = Vec::new();
        for problem in &self.loaded.file_problems {
            rows.push(ResultRow {
                document_number: String::new(),
                waybill_id: String::new(),
                status: Status::Invalid.as_str(),
                source: problem.at.clone(),
                errors: problem.to_string(),
            });
        }
        for doc in &self.loaded.docs {
            rows.push(self.row(doc));
        }
        rows
    }

    fn row(&self, doc: &SourceDoc) -> ResultRow {
        let outcome = self.journal.outcome(&doc.number);
        let assigned = self.journal.assigned(&doc.number);
        let (status, id, mut errors) = match outcome {
            Some(o) if o.status.is_done() => (o.status, Some(o.waybill_id), o.errors.clone()),
            _ if !doc.is_valid() => (
                Status::Invalid,
                None,
                doc.problems.iter().map(ToString::to_string).collect(),
            ),
            Some(o) => (o.status, Some(o.waybill_id), o.errors.clone()),
            None => (Status::NotSent, assigned.map(|a| a.waybill_id), Vec::new()),
        };
        if status.is_done() && assigned.is_some_and(|a| a.digest != digest(&doc.body)) {
            errors.push(format!(
                "changed in the file after it was issued; not sent again \
                 (to change the waybill, sign consignor.correct: ewaybill act {} consignor.correct --body FILE)",
                id.map(|id| id.to_string()).unwrap_or_default()
            ));
        }
        ResultRow {
            document_number: doc.number.clone(),
            waybill_id: id.map(|id| id.to_string()).unwrap_or_default(),
            status: status.as_str(),
            source: doc.locator.source(),
            errors: errors.join(" | "),
        }
    }

    fn write_result(&self) -> anyhow::Result<()> {
        result_file::write(&self.result_path, &self.rows())
    }

    fn finish(&self, elapsed: Duration, sent: usize) -> anyhow::Result<()> {
        let rows = self.rows();
        result_file::write(&self.result_path, &rows)?;
        for row in rows
            .iter()
            .filter(|r| r.status == Status::Rejected.as_str())
        {
            eprintln!("rejected {}: {}", row.document_number, row.errors);
        }
        let tally = |status: Status| rows.iter().filter(|r| r.status == status.as_str()).count();
        let secs = elapsed.as_secs_f64();
        if sent > 0 && secs > 0.0 {
            eprintln!(
                "sent {sent} waybill{} in {secs:.1} s ({:.0}/s)",
                plural(sent),
                sent as f64 / secs
            );
        }
        let created = tally(Status::Created);
        let existed = tally(Status::Existed);
        let failed = tally(Status::Rejected) + tally(Status::Invalid) + tally(Status::NotSent);
        println!(
            "{created} created, {existed} existed, {} rejected, {} invalid, {} not sent; results in {}",
            tally(Status::Rejected),
            tally(Status::Invalid),
            tally(Status::NotSent),
            self.result_path.display()
        );
        if failed > 0 {
            bail!(
                "{failed} document{} not issued; see {}",
                plural(failed),
                self.result_path.display()
            );
        }
        Ok(())
    }
}

/// A rejected item's problem, with field errors placed in the input.
fn rejection(problem: &Value, locator: &Locator) -> Vec<String> {
    let errors = field_errors(problem);
    if errors.is_empty() {
        vec![describe(problem)]
    } else {
        errors
            .iter()
            .map(|e| locator.locate(e).to_string())
            .collect()
    }
}

/// created, existed, rejected.
fn count(statuses: impl Iterator<Item = Status>) -> [usize; 3] {
    let mut counts = [0; 3];
    for status in statuses {
        match status {
            Status::Created => counts[0] += 1,
            Status::Existed => counts[1] += 1,
            _ => counts[2] += 1,
        }
    }
    counts
}

fn progress_bar(len: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} waybills ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(Format::from_path(Path::new("a.CSV")).unwrap(), Format::Csv);
        assert_eq!(
            Format::from_path(Path::new("a.jsonl")).unwrap(),
            Format::Ndjson
        );
        assert_eq!(
            Format::from_path(Path::new("a.json")).unwrap(),
            Format::Json
        );
        assert!(Format::from_path(Path::new("a.txt")).is_err());
    }

    #[test]
    fn rejections_point_at_the_cell() {
        let locator = Locator::Csv(source::CsvLocator {
            rows: vec![7, 8],
            cells: vec![("carrier.reg_no".into(), 7, "carrier_reg_no")],
        });
        let problem = json!({"code": "validation_failed", "errors": [
            {"path": "carrier", "code": "unknown_party", "message": "no registered company 1 in LV"}
        ]});
        assert_eq!(
            rejection(&problem, &locator),
            vec!["row 7, column carrier_reg_no: no registered company 1 in LV (unknown_party)"]
        );
        let problem = json!({"code": "waybill_exists", "detail": "taken"});
        assert_eq!(
            rejection(&problem, &locator),
            vec!["the server refused the request [waybill_exists]: taken"]
        );
    }

    fn upload_of(dir: &Path, docs: Vec<SourceDoc>) -> Upload {
        Upload {
            loaded: Loaded {
                docs,
                file_problems: vec![],
            },
            journal: Journal::open(&dir.join("s.jsonl")).unwrap(),
            result_path: dir.join("r.csv"),
        }
    }

    fn doc(number: &str, problems: Vec<source::Problem>) -> SourceDoc {
        SourceDoc {
            number: number.into(),
            body: json!({"number": number, "consignor": {"reg_no": "1", "country": "LV"}}),
            locator: Locator::Item {
                index: 1,
                ndjson: false,
            },
            problems,
        }
    }

    #[test]
    fn done_documents_are_not_sent_again_and_changes_are_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let mut upload = upload_of(
            dir.path(),
            vec![
                doc("A", vec![]),
                doc("B", vec![]),
                doc("C", vec![source::Problem::at_row(3, "x", "bad")]),
            ],
        );
        assert_eq!(upload.pending(), vec![0, 1]);
        upload
            .journal
            .assign([
                ("A", "other digest".to_owned()),
                ("B", digest(&upload.loaded.docs[1].body)),
            ])
            .unwrap();
        let id = |n: &str| upload.journal.assigned(n).unwrap().waybill_id;
        let (a, b) = (id("A"), id("B"));
        upload
            .journal
            .record(vec![
                Outcome {
                    number: "A".into(),
                    waybill_id: a,
                    status: Status::Created,
                    errors: vec![],
                },
                Outcome {
                    number: "B".into(),
                    waybill_id: b,
                    status: Status::Rejected,
                    errors: vec!["nope".into()],
                },
            ])
            .unwrap();
        assert_eq!(upload.pending(), vec![1], "rejected ones are tried again");
        let rows = upload.rows();
        assert_eq!(rows[0].status, "created");
        assert!(
            rows[0].errors.contains("changed in the file"),
            "{:?}",
            rows[0]
        );
        assert_eq!(
            (rows[1].status, rows[1].errors.as_str()),
            ("rejected", "nope")
        );
        assert_eq!(rows[2].status, "invalid");
        assert_eq!(rows[2].waybill_id, "");
    }

    #[test]
    fn only_the_keys_own_waybills_are_sent() {
        let dir = tempfile::tempdir().unwrap();
        let mut mine = doc("A", vec![]);
        mine.body["consignor"]["reg_no"] = json!("2");
        let mut upload = upload_of(dir.path(), vec![doc("B", vec![]), mine]);
        let me = json!({"name": "Me", "reg_no": "2", "country": "LV"});
        assert_eq!(upload.check_consignor(vec![0, 1], &me), vec![1]);
        assert_eq!(upload.loaded.docs[0].problems[0].code, "not_your_waybill");
    }
}
