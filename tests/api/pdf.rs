//! The printable waybill (`GET /v1/waybills/{id}/pdf`): who may read it,
//! the authorities' reads in the access audit trail, the language, and
//! what a reader sees on the page: its text as poppler extracts it and its
//! QR code as zbar decodes it from the rendered page, the same text as
//! `GET /v1/waybills/{id}/qr` gives. The poppler and zbar checks are
//! skipped when `pdftotext`, `pdftoppm` or `zbarimg` (Debian's
//! poppler-utils and zbar-tools) are missing, unless `CI` is set.

use std::path::Path;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Actor, Shipment, TestApp, assert_problem};

crate::on_both_backends!(
    the_parties_get_the_pdf_others_do_not,
    authority_reads_are_audited,
    the_language_follows_accept_language,
    the_printed_page_shows_the_waybill_and_its_qr_code_decodes,
);

struct Pdf {
    status: StatusCode,
    content_type: String,
    language: String,
    body: Vec<u8>,
}

async fn pdf(app: &TestApp, who: &Actor, s: &Shipment, language: Option<&str>) -> Pdf {
    // A client of its own: the shared one may hold a connection the server
    // closed while poppler and zbar were busy (keep-alive is 5 s).
    let mut req = reqwest::Client::new()
        .get(app.url(&format!("/v1/waybills/{}/pdf", s.id)))
        .bearer_auth(&who.token);
    if let Some(language) = language {
        req = req.header("Accept-Language", language);
    }
    let res = req.send().await.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (content_type, language) = (header("content-type"), header("content-language"));
    Pdf {
        status: res.status(),
        content_type,
        language,
        body: res.bytes().await.unwrap().to_vec(),
    }
}

fn assert_is_pdf(pdf: &Pdf) {
    assert_eq!(
        pdf.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&pdf.body)
    );
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.body.starts_with(b"%PDF-"));
}

fn problem(pdf: &Pdf) -> (StatusCode, serde_json::Value) {
    (pdf.status, serde_json::from_slice(&pdf.body).unwrap())
}

async fn the_parties_get_the_pdf_others_do_not(app: TestApp) {
    let s = app.shipment().await;
    for who in [&s.consignor, &s.carrier, &s.consignee] {
        assert_is_pdf(&pdf(&app, who, &s, None).await);
    }
    // A company not on the waybill: the 404 of a missing one.
    let outsider = app.company("Outsider").await;
    let answer = problem(&pdf(&app, &outsider, &s, None).await);
    assert_problem(&answer, StatusCode::NOT_FOUND, "waybill_not_found", &[]);
    let missing = Shipment {
        consignor: s.consignor.clone(),
        carrier: s.carrier.clone(),
        consignee: s.consignee.clone(),
        id: uuid::Uuid::now_v7(),
        head: s.head.clone(),
    };
    let answer = problem(&pdf(&app, &s.consignor, &missing, None).await);
    assert_problem(&answer, StatusCode::NOT_FOUND, "waybill_not_found", &[]);
    // The operator administers; it does not read waybills.
    let answer = problem(&pdf(&app, &app.admin, &s, None).await);
    assert_problem(&answer, StatusCode::FORBIDDEN, "forbidden", &[]);
    let (status, _) = app.get(&s.consignor, "/v1/waybills/not-a-uuid/pdf").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn authority_reads_are_audited(app: TestApp) {
    let s = app.shipment().await;
    let police = app.register_party("authority", "State Police").await;
    assert_is_pdf(&pdf(&app, &s.consignee, &s, None).await);
    let (_, trail) = app.get(&app.admin, "/v1/audit/access").await;
    assert!(
        trail.as_array().unwrap().is_empty(),
        "company reads are not audited: {trail}"
    );

    assert_is_pdf(&pdf(&app, &police, &s, Some("lv")).await);
    let (_, trail) = app.get(&app.admin, "/v1/audit/access").await;
    let trail = trail.as_array().unwrap();
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert_eq!(trail[0]["action"], "waybill.pdf");
    assert_eq!(trail[0]["party_id"], police.party_id.as_str());
    assert_eq!(trail[0]["key_id"], police.key_id().as_str());
    assert_eq!(trail[0]["waybill_id"], s.id.to_string());
    assert_eq!(trail[0]["result_count"], 1);
}

async fn the_language_follows_accept_language(app: TestApp) {
    let s = app.shipment().await;
    for (header, language) in [
        (None, "en"),
        (Some("lv"), "lv"),
        (Some("lv-LV,lv;q=0.9,en;q=0.8"), "lv"),
        (Some("en-GB,lv;q=0.5"), "en"),
        (Some("de"), "en"),
    ] {
        let answer = pdf(&app, &s.carrier, &s, header).await;
        assert_is_pdf(&answer);
        assert_eq!(answer.language, language, "Accept-Language: {header:?}");
    }
}

/// Whether poppler and zbar are here; without them the check is skipped,
/// except in CI, where it must run.
fn tools_ready() -> bool {
    let missing: Vec<&str> = [
        ("pdftotext", "-v"),
        ("pdftoppm", "-v"),
        ("zbarimg", "--version"),
    ]
    .into_iter()
    .filter(|(tool, flag)| Command::new(tool).arg(flag).output().is_err())
    .map(|(tool, _)| tool)
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {missing:?} are missing: install poppler-utils and zbar-tools"
    );
    eprintln!(
        "skipping the rendered-PDF check: {missing:?} missing (Debian: poppler-utils, zbar-tools)"
    );
    false
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The text of the PDF as a reader selects it.
fn text_of(pdf: &Path) -> String {
    run("pdftotext", &[pdf.to_str().unwrap(), "-"])
}

/// The QR code on the rendered first page, as zbar decodes it.
fn qr_on_first_page(pdf: &Path, dir: &Path) -> String {
    let prefix = dir.join("page");
    run(
        "pdftoppm",
        &["-r", "300", "-png", "-f", "1", "-l", "1", "-singlefile"]
            .into_iter()
            .chain([pdf.to_str().unwrap(), prefix.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    let png = dir.join("page.png");
    run(
        "zbarimg",
        &[
            "--raw",
            "-q",
            "-Sdisable",
            "-Sqrcode.enable",
            png.to_str().unwrap(),
        ],
    )
    .trim_end_matches('\n')
    .to_owned()
}

async fn qr_text(app: &TestApp, s: &Shipment) -> String {
    let (status, body) = app
        .get(&s.carrier, &format!("/v1/waybills/{}/qr?format=json", s.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["text"].as_str().unwrap().to_owned()
}

async fn the_printed_page_shows_the_waybill_and_its_qr_code_decodes(app: TestApp) {
    if !tools_ready() {
        return;
    }
    let mut s = app.shipment().await;
    let carrier = s.carrier.clone();
    app.act_ok(
        &mut s,
        &carrier,
        "carrier.accept",
        json!({"reservations": [{"line_no": 2, "note": "Viena kaste ieplīsusi"}]}),
    )
    .await;
    let (_, state) = app
        .get(&s.consignor, &format!("/v1/waybills/{}", s.id))
        .await;
    let number = state["document"]["number"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("waybill.pdf");

    // The code carries its signing time to the second: a PDF fetched
    // between two equal QR answers carries that same text.
    let mut checked = false;
    for _ in 0..10 {
        let before = qr_text(&app, &s).await;
        let answer = pdf(&app, &s.carrier, &s, Some("lv")).await;
        let after = qr_text(&app, &s).await;
        if before != after {
            continue;
        }
        assert_is_pdf(&answer);
        std::fs::write(&file, &answer.body).unwrap();
        assert_eq!(qr_on_first_page(&file, dir.path()), before);
        checked = true;
        break;
    }
    assert!(checked, "the QR text changed on every try");

    let text = text_of(&file);
    for expected in [
        number.as_str(),
        "Dokumenta numurs",
        "Pārvadātājs",
        "Parakstītā vēsture",
        "Lager beer 0.5 l",
        "Beer glasses",
        "Viena kaste ieplīsusi",
        "Ceļā",
        "Jānis Bērziņš",
        &carrier.key_id(),
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the text:\n{text}"
        );
    }

    let answer = pdf(&app, &s.consignee, &s, None).await;
    std::fs::write(&file, &answer.body).unwrap();
    let text = text_of(&file);
    for expected in [
        number.as_str(),
        "Document number",
        "Signed history",
        "In transit",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the text:\n{text}"
        );
    }
}
