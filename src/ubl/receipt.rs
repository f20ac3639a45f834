//! The consignee's outcome as a UBL 2.1 `ReceiptAdvice`, and a received
//! ReceiptAdvice as the body of the consignee's act.
//!
//! Quantities follow UBL's reading of the official example: the despatched
//! quantity is `ReceivedQuantity + ShortQuantity`, and `RejectedQuantity` is
//! the part of what arrived that the consignee refused.

use roxmltree::Node;
use rust_decimal::Decimal;
use serde::Serialize;

use super::despatch::party;
use super::values::Importer;
use super::xml::{Out, children, expect_root, find};
use super::{CAC, CBC, CUSTOMIZATION_ID, Imported, RECEIPT_ADVICE, UblError};
use crate::domain::act::{ConsigneeAcceptBody, ReasonBody, ReceivedLine};
use crate::domain::lifecycle::Status;
use crate::domain::projection::WaybillState;

/// What a ReceiptAdvice asks the consignee to sign.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "act", content = "body")]
pub enum ConsigneeResponse {
    /// `consignee.accept`, with the lines received short or partly rejected.
    #[serde(rename = "consignee.accept")]
    Accept(ConsigneeAcceptBody),
    /// `consignee.reject`: every line was rejected in full.
    #[serde(rename = "consignee.reject")]
    Reject(ReasonBody),
}

/// Writes the consignee's outcome of `state` as a UBL 2.1 ReceiptAdvice.
/// A waybill that was neither accepted nor rejected by its consignee has
/// nothing to advise.
pub fn receipt_advice(state: &WaybillState) -> Result<String, UblError> {
    let d = &state.document;
    let rejected = match (state.status, &state.receipt) {
        (Status::Rejected, _) => true,
        (Status::Delivered | Status::PartiallyAccepted, Some(_)) => false,
        (status, _) => {
            return Err(UblError::NoReceipt {
                status: status.as_str(),
            });
        }
    };
    let mut o = Out::new()?;
    o.open(
        "ReceiptAdvice",
        &[
            ("xmlns", RECEIPT_ADVICE),
            ("xmlns:cac", CAC),
            ("xmlns:cbc", CBC),
        ],
    )?;
    o.text("cbc:UBLVersionID", "2.1")?;
    o.text("cbc:CustomizationID", CUSTOMIZATION_ID)?;
    o.text("cbc:ID", &format!("{}-R", d.number))?;
    o.text(
        "cbc:IssueDate",
        &state.updated_at.format("%Y-%m-%d").to_string(),
    )?;
    o.text(
        "cbc:IssueTime",
        &state.updated_at.format("%H:%M:%SZ").to_string(),
    )?;
    let note = if rejected {
        state.reason.as_deref()
    } else {
        state.receipt.as_ref().and_then(|r| r.note.as_deref())
    };
    o.text_opt("cbc:Note", note)?;
    o.nest("cac:DespatchDocumentReference", |o| {
        o.text("cbc:ID", &d.number)?;
        o.text("cbc:UUID", &state.id.to_string())?;
        o.text(
            "cbc:IssueDate",
            &d.issue_date.format("%Y-%m-%d").to_string(),
        )
    })?;
    o.nest("cac:DeliveryCustomerParty", |o| party(o, &d.consignee))?;
    o.nest("cac:DespatchSupplierParty", |o| party(o, &d.consignor))?;
    for line in &d.lines {
        let unit = [("unitCode", line.unit.as_str())];
        let outcome = state
            .receipt
            .as_ref()
            .and_then(|r| r.lines.iter().find(|l| l.line_no == line.line_no));
        o.nest("cac:ReceiptLine", |o| {
            o.text("cbc:ID", &line.line_no.to_string())?;
            o.text_opt("cbc:Note", outcome.and_then(|l| l.note.as_deref()))?;
            if rejected {
                o.leaf("cbc:ReceivedQuantity", &unit, &line.quantity.to_string())?;
                o.leaf("cbc:ShortQuantity", &unit, "0")?;
                o.leaf("cbc:RejectedQuantity", &unit, &line.quantity.to_string())?;
                o.text_opt("cbc:RejectReason", state.reason.as_deref())?;
            } else {
                let (received, short) = outcome.map_or((line.quantity, Decimal::ZERO), |l| {
                    (l.received_quantity, l.shortfall)
                });
                o.leaf("cbc:ReceivedQuantity", &unit, &received.to_string())?;
                o.leaf("cbc:ShortQuantity", &unit, &short.to_string())?;
            }
            o.nest("cac:Item", |o| o.text("cbc:Description", &line.description))
        })?;
    }
    o.close("ReceiptAdvice")?;
    o.finish()
}

/// Reads a UBL 2.1 ReceiptAdvice into the consignee's act body: a
/// `consignee.accept` listing every line, or a `consignee.reject` when every
/// line was rejected in full. The waybill it answers is in
/// `cac:DespatchDocumentReference` (returned alongside).
pub fn import_receipt_advice(
    xml: &str,
) -> Result<Imported<(Option<String>, ConsigneeResponse)>, UblError> {
    let tree = roxmltree::Document::parse(xml)?;
    let root = tree.root_element();
    expect_root(root, RECEIPT_ADVICE, "ReceiptAdvice")?;
    let mut im = Importer::default();
    let waybill = im
        .first_text(root, &["cac:DespatchDocumentReference/cbc:ID"])
        .map(|s| s.trim().to_owned());
    let note = im.joined(root, "cbc:Note", "\n");

    let mut lines = Vec::new();
    let mut reasons = Vec::new();
    let mut all_rejected = true;
    for (i, node) in children(root, "cac:ReceiptLine").enumerate() {
        let Some(line) = receipt_line(&mut im, i, node, &mut reasons) else {
            all_rejected = false;
            continue;
        };
        all_rejected &= line.fully_rejected;
        lines.push(line.accepted);
    }
    if children(root, "cac:ReceiptLine").next().is_none() {
        im.missing("lines", root, "cac:ReceiptLine");
        all_rejected = false;
    }
    for version in ["cbc:UBLVersionID", "cbc:CustomizationID"] {
        if let Some(n) = find(root, version) {
            im.consumed.mark(n);
        }
    }
    for unread in im.consumed.unread(root) {
        im.note(
            "ignored",
            unread,
            "no field of the consignee's act for this element",
        );
    }
    let Importer { errors, notes, .. } = im;
    if !errors.is_empty() {
        return Err(UblError::Invalid {
            errors,
            draft: serde_json::json!({"lines": lines, "note": note}),
            notes,
        });
    }
    let response = if all_rejected {
        let mut reason = reasons.join("; ");
        if reason.is_empty() {
            reason = note.unwrap_or_else(|| "rejected in full".to_owned());
        }
        ConsigneeResponse::Reject(ReasonBody { reason })
    } else {
        ConsigneeResponse::Accept(ConsigneeAcceptBody { lines, note })
    };
    Ok(Imported {
        value: (waybill, response),
        notes,
    })
}

struct LineOutcome {
    accepted: ReceivedLine,
    fully_rejected: bool,
}

fn receipt_line(
    im: &mut Importer,
    i: usize,
    node: Node<'_, '_>,
    reasons: &mut Vec<String>,
) -> Option<LineOutcome> {
    let path = |field: &str| format!("lines[{i}].{field}");
    let id = im.required_text(&path("line_no"), node, &["cbc:ID"]);
    let line_no = match id.map(|s| s.trim().parse::<u32>()) {
        Some(Ok(n)) if n > 0 => Some(n),
        Some(_) => {
            im.invalid(
                &path("line_no"),
                node,
                "the line ID is not a positive whole number",
            );
            None
        }
        None => None,
    };
    let received = im.decimal(&path("received_quantity"), node, "cbc:ReceivedQuantity");
    if received.is_none() && find(node, "cbc:ReceivedQuantity").is_none() {
        im.missing(&path("received_quantity"), node, "cbc:ReceivedQuantity");
    }
    // The short quantity is implied by what was despatched; read it so it
    // is not reported as lost.
    im.decimal(&path("received_quantity"), node, "cbc:ShortQuantity");
    let rejected = im
        .decimal(&path("received_quantity"), node, "cbc:RejectedQuantity")
        .unwrap_or(Decimal::ZERO);
    let reason = im
        .first_text(node, &["cbc:RejectReason"])
        .map(str::to_owned);
    let line_note: Vec<String> = im
        .all_texts(node, "cbc:Note")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let received = received?;
    let line_no = line_no?;
    if rejected > received {
        im.invalid(
            &path("received_quantity"),
            find(node, "cbc:RejectedQuantity").unwrap_or(node),
            format!("rejected {rejected} exceeds received {received}"),
        );
        return None;
    }
    let mut note_parts = line_note;
    if !rejected.is_zero() {
        note_parts.push(match &reason {
            Some(r) => format!("rejected {rejected}: {r}"),
            None => format!("rejected {rejected}"),
        });
        if let Some(r) = reason {
            reasons.push(format!("line {line_no}: {r}"));
        }
    }
    Some(LineOutcome {
        fully_rejected: !rejected.is_zero() && rejected == received,
        accepted: ReceivedLine {
            line_no,
            received_quantity: if rejected.is_zero() {
                received
            } else {
                received - rejected
            },
            note: (!note_parts.is_empty()).then(|| note_parts.join("; ")),
        },
    })
}
