//! The printable waybill: a waybill's state, its signed history, its
//! roadside QR code and its place in the log, as an A4 PDF/A-2b document
//! in English or Latvian. Pure: it is given everything it prints and
//! knows nothing of HTTP or storage (`GET /v1/waybills/{id}/pdf` in
//! [`crate::http::pdf`] gathers it).
//!
//! What is printed is composed here, section by section; the words are in
//! [`labels`], line breaking and page breaks in [`layout`], the PDF file in
//! [`write`].

pub mod labels;
mod layout;
mod write;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::document::{Address, PartyRef, Place, Transport, WaybillDocument};
use crate::domain::lifecycle::ActType;
use crate::domain::projection::WaybillState;
use crate::roadside::{self, QrModules};

use labels::Labels;
pub use labels::Lang;
use layout::{Layout, MARGIN, Metrics, line_height};

/// One signed act of the waybill's chain, as the history prints it.
#[derive(Debug, Clone)]
pub struct SignedAct {
    /// Its position in the log (Merkle leaf index).
    pub log_index: u64,
    pub act: ActType,
    /// The signing party's name, as the document names the act's role.
    pub signed_by: String,
    pub signed_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// The signing key's id (RFC 7638 thumbprint).
    pub key_id: String,
}

/// Everything the printable waybill shows.
#[derive(Debug, Clone)]
pub struct PrintedWaybill {
    pub state: WaybillState,
    /// Oldest first.
    pub history: Vec<SignedAct>,
    /// The exact text of the waybill's roadside QR code.
    pub qr_text: String,
    /// The log index of the waybill's latest act.
    pub log_index: u64,
    /// The latest signed checkpoint (a C2SP signed note), which covers it.
    pub checkpoint: String,
    pub checkpoint_size: u64,
    pub printed_at: DateTime<Utc>,
}

/// Why the PDF could not be made: always a bug or a broken build, never
/// the waybill's content.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(transparent)]
    Font(#[from] layout::FontError),
    #[error("the QR code cannot be drawn: {0}")]
    Qr(#[from] roadside::RoadsideError),
    #[error(transparent)]
    Write(#[from] write::WriteError),
}

/// The media type of the printable waybill.
pub const MEDIA_TYPE: &str = "application/pdf";

const BODY: f32 = 8.5;
const SMALL: f32 = 7.0;
const HEADING: f32 = 11.0;
const TITLE: f32 = 15.0;
const GAP: f32 = 12.0;
/// The printed QR code's side, quiet zone included: 60 mm.
const QR_SIDE: f32 = 170.0;
/// The quiet zone the QR specification asks for, in modules.
const QUIET_ZONE: usize = 4;

/// The waybill as an A4 PDF/A-2b document in `lang`.
pub fn render(waybill: &PrintedWaybill, lang: Lang) -> Result<Vec<u8>, PdfError> {
    let pages = compose(waybill, lang)?;
    let l = lang.labels();
    let title = format!("{} {}", l.title, waybill.state.document.number);
    Ok(write::pdf(
        &pages,
        &write::Info {
            title: &title,
            language: lang.tag(),
            created: waybill.printed_at,
        },
    )?)
}

/// The waybill laid out on pages.
fn compose(waybill: &PrintedWaybill, lang: Lang) -> Result<Vec<layout::Page>, PdfError> {
    let qr = roadside::qr_modules(&waybill.qr_text)?;
    let mut page = Sheet {
        out: Layout::new(Metrics::new()?),
        l: lang.labels(),
        lang,
    };
    page.header(waybill, &qr);
    page.parties(&waybill.state.document);
    page.places(&waybill.state.document);
    page.transport(&waybill.state);
    page.goods(&waybill.state.document);
    page.totals(&waybill.state.document);
    page.references(&waybill.state.document);
    page.state(&waybill.state);
    page.history(&waybill.history);
    page.log_receipt(waybill);

    let l = page.l;
    let footer = format!(
        "{} {} · {}: {}",
        l.number,
        waybill.state.document.number,
        l.printed_at,
        timestamp(waybill.printed_at)
    );
    Ok(page.out.finish(&footer, l.page))
}

/// A time as printed: to the minute would hide the order of quick acts.
fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn decimal(d: Decimal) -> String {
    d.normalize().to_string()
}

/// How a table column aligns its cells.
#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

struct Column<'a> {
    title: &'a str,
    /// A share of the content width.
    share: f32,
    align: Align,
}

fn col(title: &str, share: f32, align: Align) -> Column<'_> {
    Column {
        title,
        share,
        align,
    }
}

struct Sheet {
    out: Layout,
    l: &'static Labels,
    lang: Lang,
}

impl Sheet {
    fn heading(&mut self, text: &str) {
        let leading = line_height(HEADING);
        // Keep a heading with the first lines of what follows it.
        self.out.reserve(leading + 8.0 * line_height(BODY) + GAP);
        self.out.advance(GAP * 0.6);
        let baseline = self.out.y + HEADING;
        self.out.text_at(MARGIN, baseline, HEADING, text);
        self.out.advance(leading);
        self.out.rule();
        self.out.advance(3.0);
    }

    /// Label-value rows in a column at `x`, `width` wide, from the cursor;
    /// returns the height used (the cursor is left where it was).
    fn fields(&mut self, x: f32, width: f32, rows: &[(&str, String)]) -> f32 {
        let label_width = (width * 0.42).min(130.0);
        let leading = line_height(BODY);
        let top = self.out.y;
        let mut y = top;
        for (label, value) in rows {
            let value = if value.trim().is_empty() {
                "—".to_owned()
            } else {
                value.clone()
            };
            let labels = self.out.metrics.wrap(label, SMALL, label_width - 4.0);
            let values = self
                .out
                .metrics
                .wrap(&value, BODY, width - label_width - 2.0);
            for (i, line) in labels.iter().enumerate() {
                self.out
                    .text_at(x, y + BODY + leading * i as f32, SMALL, line);
            }
            for (i, line) in values.iter().enumerate() {
                self.out
                    .text_at(x + label_width, y + BODY + leading * i as f32, BODY, line);
            }
            y += leading * labels.len().max(values.len()) as f32;
        }
        y - top
    }

    /// Side-by-side columns of label-value rows, each titled; moves the
    /// cursor below the tallest.
    fn columns(&mut self, blocks: &[(&str, Vec<(&str, String)>)]) {
        let count = blocks.len().max(1) as f32;
        let width = (Layout::content_width() - GAP * (count - 1.0)) / count;
        let rows = blocks.iter().map(|(_, r)| r.len()).max().unwrap_or(0) as f32;
        self.out.reserve(line_height(BODY) * (rows + 2.0));
        let top = self.out.y;
        let mut tallest: f32 = 0.0;
        for (i, (title, rows)) in blocks.iter().enumerate() {
            let x = MARGIN + (width + GAP) * i as f32;
            self.out.y = top;
            self.out.text_at(x, top + BODY + 0.5, BODY + 0.5, title);
            self.out.y = top + line_height(BODY + 0.5);
            let used = self.fields(x, width, rows);
            tallest = tallest.max(line_height(BODY + 0.5) + used);
        }
        self.out.y = top + tallest;
    }

    /// A table whose rows break across pages, with the header repeated.
    fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<String>], size: f32) {
        let total: f32 = columns.iter().map(|c| c.share).sum();
        let widths: Vec<f32> = columns
            .iter()
            .map(|c| Layout::content_width() * c.share / total)
            .collect();
        let leading = line_height(size);
        let header = |s: &mut Self| {
            let heights: Vec<usize> = columns
                .iter()
                .zip(&widths)
                .map(|(c, w)| s.out.metrics.wrap(c.title, SMALL, w - 4.0).len())
                .collect();
            let lines = heights.into_iter().max().unwrap_or(1) as f32;
            s.out.reserve(line_height(SMALL) * lines + 2.0 * leading);
            let mut x = MARGIN;
            for (c, w) in columns.iter().zip(&widths) {
                for (i, line) in s
                    .out
                    .metrics
                    .wrap(c.title, SMALL, w - 4.0)
                    .iter()
                    .enumerate()
                {
                    let baseline = s.out.y + SMALL + line_height(SMALL) * i as f32;
                    match c.align {
                        Align::Left => s.out.text_at(x, baseline, SMALL, line),
                        Align::Right => s.out.text_right(x + w - 4.0, baseline, SMALL, line),
                    }
                }
                x += w;
            }
            s.out.advance(line_height(SMALL) * lines + 1.0);
            s.out.rule();
            s.out.advance(2.0);
        };
        header(self);
        for row in rows {
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(text, w)| self.out.metrics.wrap(text, size, w - 4.0))
                .collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1) as f32;
            let before = self.out.y;
            self.out.reserve(leading * lines);
            if self.out.y < before {
                header(self);
            }
            let mut x = MARGIN;
            for ((cell, c), w) in cells.iter().zip(columns).zip(&widths) {
                for (i, line) in cell.iter().enumerate() {
                    let baseline = self.out.y + size + leading * i as f32;
                    match c.align {
                        Align::Left => self.out.text_at(x, baseline, size, line),
                        Align::Right => self.out.text_right(x + w - 4.0, baseline, size, line),
                    }
                }
                x += w;
            }
            self.out.advance(leading * lines + 1.5);
        }
    }

    fn header(&mut self, w: &PrintedWaybill, qr: &QrModules) {
        let (l, lang, state) = (self.l, self.lang, &w.state);
        let doc = &state.document;
        let top = self.out.y;
        let text_width = Layout::content_width() - QR_SIDE - GAP;
        self.out.text_at(MARGIN, top + TITLE, TITLE, l.title);
        self.out.y = top + line_height(TITLE) + 4.0;
        let number_size = 13.0;
        self.out
            .text_at(MARGIN, self.out.y + number_size, number_size, &doc.number);
        self.out.advance(line_height(number_size) + 4.0);
        let rows = [
            (l.status, labels::status(lang, state.status).to_owned()),
            (l.issue_date, doc.issue_date.to_string()),
            (
                l.transaction_type,
                labels::transaction_type(lang, doc.transaction_type).to_owned(),
            ),
            (l.waybill_id, state.id.to_string()),
            (l.version, state.version.to_string()),
            (l.issued_at, timestamp(state.issued_at)),
            (l.updated_at, timestamp(state.updated_at)),
            (l.currency, doc.currency.clone()),
        ];
        let used = self.fields(MARGIN, text_width, &rows);
        let fields_bottom = self.out.y + used;

        let qr_x = MARGIN + Layout::content_width() - QR_SIDE;
        self.qr(qr, qr_x, top);
        let caption = l.qr_caption;
        let caption_width = self.out.metrics.width(caption, SMALL);
        self.out.text_at(
            qr_x + (QR_SIDE - caption_width) / 2.0,
            top + QR_SIDE + SMALL,
            SMALL,
            caption,
        );
        self.out.y = fields_bottom.max(top + QR_SIDE + line_height(SMALL) + 2.0);
    }

    /// The QR code's dark modules as squares, `QR_SIDE` wide with its
    /// quiet zone, top left at (`x`, `y`).
    fn qr(&mut self, qr: &QrModules, x: f32, y: f32) {
        let modules = qr.width + 2 * QUIET_ZONE;
        let module = QR_SIDE / modules as f32;
        let origin = |i: usize| (i + QUIET_ZONE) as f32 * module;
        for (row, line) in qr.dark.chunks(qr.width.max(1)).enumerate() {
            // Runs of dark modules in a row as one rectangle each.
            let mut col = 0;
            while col < line.len() {
                if !line[col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < line.len() && line[col] {
                    col += 1;
                }
                self.out.rect(
                    x + origin(start),
                    y + origin(row),
                    module * (col - start) as f32,
                    module,
                );
            }
        }
    }

    fn parties(&mut self, doc: &WaybillDocument) {
        let (l, lang) = (self.l, self.lang);
        self.heading(l.parties);
        let party = |p: &PartyRef| {
            vec![
                (l.name, p.name.clone()),
                (l.reg_no, p.reg_no.clone()),
                (l.country, p.country.clone()),
                (l.address, p.address.clone().unwrap_or_default()),
            ]
        };
        use crate::domain::party::Role;
        self.columns(&[
            (labels::role(lang, Role::Consignor), party(&doc.consignor)),
            (labels::role(lang, Role::Consignee), party(&doc.consignee)),
            (labels::role(lang, Role::Carrier), party(&doc.carrier)),
        ]);
    }

    fn places(&mut self, doc: &WaybillDocument) {
        let l = self.l;
        let place = |p: &Place| {
            let Address {
                line,
                city,
                postal_code,
                country,
            } = &p.address;
            vec![
                (l.address, line.clone()),
                (l.postal_code, postal_code.clone().unwrap_or_default()),
                ("", city.clone()),
                (l.country, country.clone()),
                (l.planned_at, timestamp(p.planned_at)),
            ]
        };
        self.out.advance(GAP * 0.6);
        self.columns(&[
            (l.loading, place(&doc.loading)),
            (l.unloading, place(&doc.unloading)),
        ]);
    }

    fn transport(&mut self, state: &WaybillState) {
        let l = self.l;
        self.heading(l.transport);
        let rows = |t: &Transport| {
            vec![
                (l.vehicle_plate, t.vehicle_plate.clone()),
                (l.trailer_plate, t.trailer_plate.clone().unwrap_or_default()),
                (l.vehicle_country, t.vehicle_country.clone()),
                (l.driver, t.driver_name.clone().unwrap_or_default()),
            ]
        };
        if state.transport == state.document.transport {
            self.columns(&[("", rows(&state.transport))]);
        } else {
            self.columns(&[
                (l.transport_as_issued, rows(&state.document.transport)),
                (l.transport_now, rows(&state.transport)),
            ]);
        }
    }

    fn goods(&mut self, doc: &WaybillDocument) {
        let (l, lang) = (self.l, self.lang);
        self.heading(l.goods);
        let columns = [
            col(l.line_no, 0.5, Align::Left),
            col(l.description, 3.6, Align::Left),
            col(l.quantity, 1.3, Align::Right),
            col(l.packages, 0.9, Align::Right),
            col(l.gross_weight_kg, 1.0, Align::Right),
            col(l.net_weight_kg, 1.0, Align::Right),
            col(l.unit_price, 1.1, Align::Right),
            col(l.vat_rate, 0.7, Align::Right),
            col(l.amount, 1.2, Align::Right),
        ];
        let rows: Vec<Vec<String>> = doc
            .lines
            .iter()
            .map(|line| {
                let mut description = line.description.clone();
                if let Some(cn) = &line.cn_code {
                    description.push_str(&format!("\n{}: {cn}", l.cn_code));
                }
                if let Some(category) = line.excise_category {
                    description.push_str(&format!(
                        "\n{}: {}",
                        l.excise,
                        labels::excise(lang, category)
                    ));
                }
                if let Some(un) = &line.dangerous_goods_un {
                    description.push_str(&format!("\n{}: {un}", l.dangerous_goods_un));
                }
                vec![
                    line.line_no.to_string(),
                    description,
                    format!("{} {}", decimal(line.quantity), line.unit),
                    line.packages.map(|p| p.to_string()).unwrap_or_default(),
                    decimal(line.gross_weight_kg),
                    line.net_weight_kg.map(decimal).unwrap_or_default(),
                    decimal(line.unit_price),
                    decimal(line.vat_rate),
                    decimal(line.amount),
                ]
            })
            .collect();
        self.table(&columns, &rows, BODY);
    }

    fn totals(&mut self, doc: &WaybillDocument) {
        let l = self.l;
        self.heading(l.totals);
        let t = &doc.totals;
        let money = |d: Decimal| format!("{} {}", decimal(d), doc.currency);
        self.columns(&[
            (
                "",
                vec![
                    (l.net_amount, money(t.net_amount)),
                    (l.vat_amount, money(t.vat_amount)),
                    (l.gross_amount, money(t.gross_amount)),
                ],
            ),
            ("", vec![(l.total_gross_weight, decimal(t.gross_weight_kg))]),
        ]);
    }

    fn references(&mut self, doc: &WaybillDocument) {
        let (l, lang) = (self.l, self.lang);
        if !doc.references.is_empty() {
            self.heading(l.references);
            let rows: Vec<(&str, String)> = doc
                .references
                .iter()
                .map(|r| {
                    let date = r.date.map(|d| format!(" ({d})")).unwrap_or_default();
                    (
                        labels::reference(lang, r.kind),
                        format!("{}{date}", r.number),
                    )
                })
                .collect();
            self.columns(&[("", rows)]);
        }
        if let Some(notes) = &doc.notes {
            self.heading(l.notes);
            self.out
                .paragraph(MARGIN, Layout::content_width(), BODY, notes);
        }
    }

    fn state(&mut self, state: &WaybillState) {
        let l = self.l;
        self.heading(l.state);
        let mut rows = vec![
            (l.status, labels::status(self.lang, state.status).to_owned()),
            (l.corrections, state.corrections.to_string()),
            (l.vehicle_changes, state.vehicle_changes.to_string()),
        ];
        if let Some(reason) = &state.reason {
            rows.push((l.reason, reason.clone()));
        }
        let reservations = if state.reservations.is_empty() {
            l.none.to_owned()
        } else {
            state
                .reservations
                .iter()
                .map(|r| match r.line_no {
                    Some(n) => format!("{} {n}: {}", l.line_no, r.note),
                    None => format!("{}: {}", l.whole_consignment, r.note),
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        rows.push((l.reservations, reservations));
        if let Some(receipt) = &state.receipt {
            let mut text: Vec<String> = receipt
                .lines
                .iter()
                .map(|o| {
                    let note = o
                        .note
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default();
                    format!(
                        "{} {}: {} {}, {} {}, {} {}{note}",
                        l.line_no,
                        o.line_no,
                        l.shipped,
                        decimal(o.shipped_quantity),
                        l.received,
                        decimal(o.received_quantity),
                        l.shortfall,
                        decimal(o.shortfall),
                    )
                })
                .collect();
            if let Some(note) = &receipt.note {
                text.push(note.clone());
            }
            rows.push((l.receipt, text.join("\n")));
        }
        self.columns(&[("", rows)]);
    }

    fn history(&mut self, history: &[SignedAct]) {
        let (l, lang) = (self.l, self.lang);
        self.heading(l.history);
        let columns = [
            col(l.log_index, 0.6, Align::Right),
            col(l.act, 1.4, Align::Left),
            col(l.signed_by, 1.8, Align::Left),
            col(l.signed_at, 1.2, Align::Left),
            col(l.received_at, 1.2, Align::Left),
            // A key id (43 characters) on one line, to be read and compared.
            col(l.key_id, 3.8, Align::Left),
        ];
        let rows: Vec<Vec<String>> = history
            .iter()
            .map(|a| {
                vec![
                    a.log_index.to_string(),
                    labels::act(lang, a.act).to_owned(),
                    format!("{}: {}", labels::role(lang, a.act.role()), a.signed_by),
                    timestamp(a.signed_at),
                    timestamp(a.received_at),
                    a.key_id.clone(),
                ]
            })
            .collect();
        self.table(&columns, &rows, SMALL);
    }

    fn log_receipt(&mut self, w: &PrintedWaybill) {
        let l = self.l;
        self.heading(l.log_receipt);
        let explained = l
            .receipt_explained
            .replace("{index}", &w.log_index.to_string());
        self.out
            .paragraph(MARGIN, Layout::content_width(), BODY, &explained);
        self.out.advance(3.0);
        self.columns(&[(
            "",
            vec![
                (l.latest_event, w.log_index.to_string()),
                (l.tree_size, w.checkpoint_size.to_string()),
            ],
        )]);
        self.out.advance(3.0);
        self.out.reserve(line_height(SMALL) * 6.0);
        let label_baseline = self.out.y + SMALL;
        self.out
            .text_at(MARGIN, label_baseline, SMALL, l.checkpoint);
        self.out.advance(line_height(SMALL));
        self.out.paragraph(
            MARGIN,
            Layout::content_width(),
            SMALL,
            w.checkpoint.trim_end(),
        );
    }
}

#[cfg(test)]
mod tests;
