//! The command-line client end to end: the real `ewaybill` binary against
//! the real service, on SQLite and on PostgreSQL.
//!
//! keygen -> the operator registers the company and its key -> a CSV of
//! 500 goods lines (100 waybills) with mistakes is refused with every
//! mistake named by row and column -> the corrected file is uploaded, the
//! process is killed after its first batch, answers it never recorded are
//! "lost" -> the same command resumes -> every document exists exactly once
//! and the result file says so. Then `status`, `act` and `issue`.

#[allow(dead_code)]
#[path = "api/common.rs"]
mod common;

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use ewaybill::storage::schema::waybills;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use common::{Actor, TestApp};

on_both_backends!(upload_is_checked_resumable_and_never_duplicates);

const DOCUMENTS: usize = 100;
const LINES_PER_DOCUMENT: usize = 5;
/// The document whose carrier is registered only after the first upload,
/// so the server rejects it once.
const LATE_CARRIER_DOC: usize = 3;
const LATE_CARRIER_REG_NO: &str = "40009990003";

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs the binary to completion off the async workers (the service runs
/// on them).
async fn ewaybill(args: Vec<String>) -> Out {
    tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_ewaybill"))
            .args(&args)
            .env_remove("EWAYBILL_KEY")
            .env_remove("EWAYBILL_SERVER")
            .output()
            .expect("run ewaybill");
        Out {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn path_arg(path: &Path) -> String {
    path.display().to_string()
}

/// The file row of line `line` of document `doc` (row 1 is the header).
fn row_of(doc: usize, line: usize) -> usize {
    2 + doc * LINES_PER_DOCUMENT + line
}

fn number(doc: usize) -> String {
    format!("UP-2026-{doc:05}")
}

/// 500 goods lines of 100 waybills, with `edits` applied as
/// `(document, line, column, value)`.
fn csv_file(
    path: &Path,
    consignor: &Value,
    carrier: &Actor,
    consignee: &Actor,
    edits: &[(usize, usize, &str, &str)],
) {
    let template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/upload/waybills-template.csv"
    ))
    .unwrap();
    let header: Vec<&str> = template.trim_end().split(',').collect();
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(&header).unwrap();
    for doc in 0..DOCUMENTS {
        let (carrier_reg_no, carrier_name) = if doc == LATE_CARRIER_DOC {
            (
                LATE_CARRIER_REG_NO.to_owned(),
                "Late Carrier SIA".to_owned(),
            )
        } else {
            (carrier.reg_no.clone(), carrier.name.clone())
        };
        for line in 0..LINES_PER_DOCUMENT {
            let mut cells: HashMap<&str, String> = HashMap::from([
                ("document_number", number(doc)),
                ("issue_date", "2026-11-29".into()),
                ("transaction_type", "sale".into()),
                ("currency", "EUR".into()),
                (
                    "consignor_reg_no",
                    consignor["reg_no"].as_str().unwrap().into(),
                ),
                ("consignor_country", "LV".into()),
                ("consignor_name", consignor["name"].as_str().unwrap().into()),
                ("consignee_reg_no", consignee.reg_no.clone()),
                ("consignee_country", "LV".into()),
                ("consignee_name", consignee.name.clone()),
                ("carrier_reg_no", carrier_reg_no.clone()),
                ("carrier_country", "LV".into()),
                ("carrier_name", carrier_name.clone()),
                ("loading_street", "Tērbatas iela 1".into()),
                ("loading_city", "Rīga".into()),
                ("loading_country", "LV".into()),
                ("loading_planned_at", "2026-11-29T08:00:00Z".into()),
                ("unloading_street", "Rīgas iela 5".into()),
                ("unloading_city", "Valmiera".into()),
                ("unloading_country", "LV".into()),
                ("unloading_planned_at", "2026-11-29T12:00:00+02:00".into()),
                ("vehicle_plate", format!("UP-{doc}")),
                ("vehicle_country", "LV".into()),
                ("invoice_number", format!("INV-{doc}")),
                ("invoice_date", "2026-11-28".into()),
                ("line_no", (line + 1).to_string()),
                ("description", format!("Goods of kind {line}")),
                ("cn_code", "22030001".into()),
                ("quantity", format!("{}.5", 10 * (line + 1) + doc)),
                ("unit", "LTR".into()),
                ("gross_weight_kg", "12.5".into()),
                ("unit_price", "1.115".into()),
                ("vat_rate", "21".into()),
                ("packages", "3".into()),
            ]);
            for (d, l, column, value) in edits {
                if (*d, *l) == (doc, line) {
                    cells.insert(column, (*value).to_owned());
                }
            }
            let record: Vec<String> = header
                .iter()
                .map(|h| cells.get(h).cloned().unwrap_or_default())
                .collect();
            writer.write_record(&record).unwrap();
        }
    }
    writer.flush().unwrap();
}

/// The result file as `document_number -> (waybill_id, status, errors)`.
fn results(path: &Path) -> HashMap<String, (String, String, String)> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "document_number",
            "waybill_id",
            "status",
            "source",
            "errors"
        ]
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_owned(),
                (r[1].to_owned(), r[2].to_owned(), r[4].to_owned()),
            )
        })
        .collect()
}

fn tally(results: &HashMap<String, (String, String, String)>, status: &str) -> usize {
    results.values().filter(|(_, s, _)| s == status).count()
}

/// Every (id, number) of the consignor's waybills in the database.
fn stored(app: &TestApp, consignor_id: &str) -> Vec<(String, String)> {
    let mut conn = app.db();
    waybills::table
        .filter(waybills::consignor_id.eq(consignor_id))
        .select((waybills::id, waybills::number))
        .load(&mut conn)
        .unwrap()
}

/// Registers a company as the operator does; returns its id.
async fn register_company(app: &TestApp, name: &str, reg_no: &str) -> Value {
    let (status, party) = app
        .call(
            &app.admin,
            Method::POST,
            "/v1/parties",
            Some(json!({"kind": "company", "name": name, "reg_no": reg_no, "country": "LV"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{party}");
    party
}

async fn upload_is_checked_resumable_and_never_duplicates(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let server = format!("http://{}", app.addr);
    let key_file = dir.path().join("company.pem");

    // keygen: a private key only its owner can read, and the public key to register.
    let out = ewaybill(args(&["keygen", "--out", &path_arg(&key_file)])).await;
    assert!(out.ok, "{}", out.stderr);
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let public_key = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("public_key:"))
        .expect("keygen prints the public key")
        .trim()
        .to_owned();

    // The operator registers the company and its key.
    let company = register_company(&app, "Upload Brewery SIA", "40009990001").await;
    let company_id = company["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .call(
            &app.admin,
            Method::POST,
            &format!("/v1/parties/{company_id}/keys"),
            Some(json!({"public_key": public_key, "label": "upload"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let carrier = app.company("Haulage SIA").await;
    let consignee = app.company("Grocery SIA").await;
    let login = ewaybill(args(&[
        "login",
        "--key",
        &path_arg(&key_file),
        "--server",
        &server,
    ]))
    .await;
    assert!(login.ok, "{}", login.stderr);

    // A file with mistakes: every one is named by row and column, nothing is sent.
    let broken = dir.path().join("broken.csv");
    let mistakes = [
        (7, 2, "cn_code", "2203", "invalid_cn_code"),
        (21, 0, "quantity", "1,5", "invalid_value"),
        (
            40,
            3,
            "consignee_country",
            "EE",
            "inconsistent_document_column",
        ),
        (63, 4, "unit_price", "", "required"),
        (88, 0, "loading_planned_at", "soon", "invalid_value"),
        (95, 1, "amount", "5.00", "amount_mismatch"),
    ];
    let edits: Vec<_> = mistakes
        .iter()
        .map(|(d, l, c, v, _)| (*d, *l, *c, *v))
        .collect();
    csv_file(&broken, &company, &carrier, &consignee, &edits);
    let upload = |file: &Path, extra: &[&str]| {
        let mut list = args(&[
            "upload",
            &path_arg(file),
            "--key",
            &path_arg(&key_file),
            "--server",
            &server,
        ]);
        list.extend(extra.iter().map(|s| (*s).to_owned()));
        list
    };
    let out = ewaybill(upload(&broken, &[])).await;
    assert!(!out.ok, "a file with mistakes is refused");
    for (doc, line, column, _, code) in mistakes {
        let place = format!("row {}, column {column}: ", row_of(doc, line));
        assert!(
            out.stderr
                .lines()
                .any(|l| l.starts_with(&place) && l.contains(&format!("({code})"))),
            "{place} ({code}) missing from:\n{}",
            out.stderr
        );
    }
    assert!(
        out.stderr.contains("100 documents, 94 valid, 6 problems"),
        "{}",
        out.stderr
    );
    assert!(stored(&app, &company_id).is_empty(), "nothing was sent");
    let broken_results = results(&broken.with_extension("result.csv"));
    assert_eq!(
        (
            tally(&broken_results, "invalid"),
            tally(&broken_results, "not_sent")
        ),
        (6, 94)
    );

    // The corrected file, killed for real after its first batch.
    let file = dir.path().join("waybills.csv");
    csv_file(&file, &company, &carrier, &consignee, &[]);
    let dry = ewaybill(upload(&file, &["--dry-run"])).await;
    assert!(dry.ok, "{}", dry.stderr);
    let state = file.with_extension("ewaybill-state.jsonl");
    let result_file = file.with_extension("result.csv");
    let run = upload(&file, &["--batch-size", "10", "--pause-ms", "1500"]);
    let result_for_kill = result_file.clone();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ewaybill"))
            .args(&run)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while answered(&result_for_kill) < 10 {
            assert!(
                child.try_wait().unwrap().is_none(),
                "the upload ended before it could be interrupted"
            );
            assert!(Instant::now() < deadline, "no batch was recorded in time");
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
    })
    .await
    .unwrap();

    let interrupted = results(&result_file);
    assert_eq!(interrupted.len(), DOCUMENTS);
    let created = tally(&interrupted, "created");
    assert!((9..DOCUMENTS - 1).contains(&created), "{created}");
    let (_, status, errors) = &interrupted[&number(LATE_CARRIER_DOC)];
    assert_eq!(status, "rejected");
    assert!(
        errors.starts_with(&format!(
            "row {}, column carrier_reg_no:",
            row_of(LATE_CARRIER_DOC, 0)
        )) && errors.contains("(unknown_party)"),
        "{errors}"
    );
    assert!(stored(&app, &company_id).len() >= created);

    // Lose the answers of the last five issued documents, as a crash after
    // the server committed but before the client wrote them down would.
    let lost = lose_last_outcomes(&state, 5);
    assert!(!lost.contains(&number(LATE_CARRIER_DOC)));
    register_company(&app, "Late Carrier SIA", LATE_CARRIER_REG_NO).await;

    // Resume: the same command.
    let out = ewaybill(upload(&file, &[])).await;
    assert!(out.ok, "{}\n{}", out.stdout, out.stderr);
    let done = results(&result_file);
    assert_eq!(done.len(), DOCUMENTS);
    assert_eq!(tally(&done, "existed"), lost.len(), "{done:#?}");
    assert_eq!(tally(&done, "created"), DOCUMENTS - lost.len());
    for number in &lost {
        assert_eq!(done[number].1, "existed");
        assert_eq!(done[number].0, interrupted[number].0, "the same id again");
    }
    assert_eq!(done[&number(LATE_CARRIER_DOC)].1, "created");
    assert!(
        out.stdout.contains(&format!(
            "{} created, {} existed, 0 rejected, 0 invalid, 0 not sent",
            DOCUMENTS - lost.len(),
            lost.len()
        )),
        "{}",
        out.stdout
    );

    // Exactly one waybill per document, under the ids the result file names.
    let rows = stored(&app, &company_id);
    assert_eq!(rows.len(), DOCUMENTS);
    let in_db: HashSet<(String, String)> = rows.into_iter().collect();
    let in_file: HashSet<(String, String)> = done
        .iter()
        .map(|(number, (id, ..))| (id.clone(), number.clone()))
        .collect();
    assert_eq!(in_db, in_file);

    // Running it once more sends nothing.
    let again = ewaybill(upload(&file, &[])).await;
    assert!(again.ok, "{}", again.stderr);
    assert_eq!(stored(&app, &company_id).len(), DOCUMENTS);

    // status, act and issue on one of them.
    let id = done[&number(0)].0.clone();
    let key_args = |key: &Path| args(&["--key", &path_arg(key), "--server", &server]);
    let mut status_args = args(&["status", &id]);
    status_args.extend(key_args(&key_file));
    let out = ewaybill(status_args.clone()).await;
    assert!(out.ok, "{}", out.stderr);
    assert!(
        out.stdout.contains("status     issued (version 1"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("1. consignor.issue"), "{}", out.stdout);

    let carrier_key = dir.path().join("carrier.seed");
    std::fs::write(&carrier_key, &*carrier.key.seed_base64url()).unwrap();
    let mut act_args = args(&["act", &id, "carrier.accept"]);
    act_args.extend(key_args(&carrier_key));
    let out = ewaybill(act_args).await;
    assert!(out.ok, "{}", out.stderr);
    assert!(out.stdout.contains("in_transit"), "{}", out.stdout);
    let out = ewaybill(status_args).await;
    assert!(out.stdout.contains("2. carrier.accept"), "{}", out.stdout);

    let single = dir.path().join("single.json");
    let mut document = common::document("SINGLE-1", &carrier, &carrier, &consignee);
    document["consignor"] =
        json!({"reg_no": company["reg_no"], "country": "LV", "name": company["name"]});
    std::fs::write(&single, document.to_string()).unwrap();
    let mut issue_args = args(&["issue", &path_arg(&single)]);
    issue_args.extend(key_args(&key_file));
    let out = ewaybill(issue_args).await;
    assert!(out.ok, "{}", out.stderr);
    assert!(
        out.stdout.contains("number:     SINGLE-1"),
        "{}",
        out.stdout
    );
    assert_eq!(stored(&app, &company_id).len(), DOCUMENTS + 1);

    // Amounts and totals left out are computed, and the sender is told.
    let mut document = common::document("SINGLE-2", &carrier, &carrier, &consignee);
    document["consignor"] =
        json!({"reg_no": company["reg_no"], "country": "LV", "name": company["name"]});
    let expected_totals = document["totals"].clone();
    for line in document["lines"].as_array_mut().unwrap() {
        line.as_object_mut().unwrap().remove("amount");
    }
    document.as_object_mut().unwrap().remove("totals");
    std::fs::write(&single, document.to_string()).unwrap();
    let mut issue_args = args(&["issue", "--json", &path_arg(&single)]);
    issue_args.extend(key_args(&key_file));
    let out = ewaybill(issue_args).await;
    assert!(out.ok, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("computed what the document leaves out:")
            && out.stderr.contains("lines[1].amount = 166.65")
            && out.stderr.contains("totals.gross_amount = 346.85"),
        "{}",
        out.stderr
    );
    let answer: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(answer["waybill"]["document"]["totals"], expected_totals);
    assert_eq!(
        answer["waybill"]["document"]["lines"][1]["amount"],
        "166.65"
    );
}

/// Documents the result file reports an answer for (0 before it exists).
fn answered(result_file: &Path) -> usize {
    let Ok(mut reader) = csv::Reader::from_path(result_file) else {
        return 0;
    };
    reader
        .records()
        .filter_map(Result::ok)
        .filter(|r| &r[2] != "not_sent")
        .count()
}

/// Drops the last `n` outcome records of the state file (all of them
/// `created`); returns their document numbers.
fn lose_last_outcomes(state: &Path, n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(state).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let mut lost = Vec::new();
    while lost.len() < n {
        let i = lines
            .iter()
            .rposition(|l| l.contains("\"record\":\"outcome\""))
            .unwrap();
        let record: Value = serde_json::from_str(lines.remove(i)).unwrap();
        assert_eq!(record["status"], "created", "{record}");
        lost.push(record["number"].as_str().unwrap().to_owned());
    }
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(state, text).unwrap();
    lost
}
