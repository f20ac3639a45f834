//! The printable waybill rendered from a fixture document: a PDF/A file
//! in both languages, many goods lines breaking onto further pages.
//! (What a reader sees on the page, text and QR code, is checked with
//! poppler and zbar in tests/api/pdf.rs.)

use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::lifecycle::Status;

fn fixture(lines: usize) -> PrintedWaybill {
    let text = include_str!("../../../fixtures/waybills/brewery-beer.json");
    let mut document: WaybillDocument = serde_json::from_str(text).expect("the fixture parses");
    let first = document.lines[0].clone();
    while document.lines.len() < lines {
        let mut line = first.clone();
        line.line_no = u32::try_from(document.lines.len() + 1).expect("small");
        document.lines.push(line);
    }
    let at = Utc.with_ymd_and_hms(2026, 11, 30, 6, 0, 0).unwrap();
    let mut state = WaybillState::issued(
        uuid::Uuid::nil(),
        Status::InTransit,
        "ab".repeat(32),
        document,
        at,
    );
    state.version = 2;
    let act = |log_index, act| SignedAct {
        log_index,
        act,
        signed_by: "Demo Brewery SIA".to_owned(),
        signed_at: at,
        received_at: at,
        key_id: "k".repeat(43),
    };
    PrintedWaybill {
        state,
        history: vec![
            act(3, ActType::ConsignorIssue),
            act(9, ActType::CarrierAccept),
        ],
        qr_text: "http://127.0.0.1:8080/v1/verify/abc#EWB1.payload.signature".to_owned(),
        log_index: 9,
        checkpoint: "ewaybill/test\n10\nAAAA\n\n— ewaybill/test sig\n".to_owned(),
        checkpoint_size: 10,
        printed_at: at,
    }
}

#[test]
fn renders_a_pdf_a_file_in_both_languages() {
    for lang in [Lang::En, Lang::Lv] {
        let pdf = render(&fixture(3), lang).expect("renders");
        assert!(pdf.starts_with(b"%PDF-1.7"), "{lang:?}");
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("pdfaid:part"),
            "{lang:?}: no PDF/A identification"
        );
        assert!(
            text.contains("FontFile2"),
            "{lang:?}: the font is not embedded"
        );
    }
}

#[test]
fn many_goods_lines_run_onto_more_pages() {
    let short = compose(&fixture(1), Lang::En).expect("composes");
    let long = compose(&fixture(120), Lang::En).expect("composes");
    assert!(
        long.len() >= short.len() + 2,
        "{} pages for 1 line, {} for 120",
        short.len(),
        long.len()
    );
    render(&fixture(120), Lang::Lv).expect("renders");
}

#[test]
fn every_label_is_translated() {
    let en = format!("{:?}", labels::EN);
    let lv = format!("{:?}", labels::LV);
    let fields = |s: &str| -> Vec<String> {
        s.split(", ")
            .filter_map(|f| f.split_once(": ").map(|(_, v)| v.to_owned()))
            .collect()
    };
    let (en, lv) = (fields(&en), fields(&lv));
    assert_eq!(en.len(), lv.len());
    // Words that are the same in both languages.
    let same = ["\"PVN\"", "\"VAT\""];
    let untranslated: Vec<_> = en
        .iter()
        .zip(&lv)
        .filter(|(e, l)| e == l && !same.contains(&e.as_str()))
        .collect();
    assert!(untranslated.is_empty(), "{untranslated:?}");
}
