//! Writing laid-out pages as a PDF/A-2b file with krilla: the font is
//! embedded (subset to the glyphs used) with a Unicode mapping, so the text
//! is selectable and searchable; the QR code is vector rectangles.

use chrono::{DateTime, Datelike, Timelike, Utc};
use krilla::configure::{Archival, ConfigurationBuilder, ConfigurationError};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime as PdfDateTime, Metadata};
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};

use super::layout::{FONT, Mark, PAGE_HEIGHT, PAGE_WIDTH, Page};

/// Why a PDF could not be written: every cause is a bug here (the page
/// breaks a PDF/A rule, the embedded font is broken), never the document.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the embedded font is not usable by krilla")]
    Font,
    #[error("the page size is invalid")]
    PageSize,
    #[error("the PDF/A configuration is refused: {0:?}")]
    Configuration(ConfigurationError),
    #[error("the PDF could not be written: {0}")]
    Krilla(String),
}

/// What the PDF says about itself (its XMP metadata, required by PDF/A).
pub struct Info<'a> {
    pub title: &'a str,
    pub language: &'a str,
    pub created: DateTime<Utc>,
}

/// The pages as one PDF/A-2b file.
pub fn pdf(pages: &[Page], info: &Info<'_>) -> Result<Vec<u8>, WriteError> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(WriteError::Configuration)?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let font = Font::new(FONT.into(), 0).ok_or(WriteError::Font)?;
    for marks in pages {
        let size = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or(WriteError::PageSize)?;
        let mut page = document.start_page_with(size);
        let mut surface = page.surface();
        // One path for all rectangles of the page: a QR code is thousands.
        let mut rects = PathBuilder::new();
        for mark in marks {
            match mark {
                Mark::Text { x, y, size, text } => surface.draw_text(
                    Point::from_xy(*x, *y),
                    font.clone(),
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                ),
                Mark::Rect { x, y, w, h } => {
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        rects.push_rect(rect);
                    }
                }
            }
        }
        if let Some(path) = rects.finish() {
            surface.draw_path(&path);
        }
        surface.finish();
        page.finish();
    }
    document.set_metadata(
        Metadata::new()
            .title(info.title.to_owned())
            .language(info.language.to_owned())
            .creator("ewaybill".to_owned())
            .creation_date(pdf_date(info.created)),
    );
    document
        .finish()
        .map_err(|e| WriteError::Krilla(format!("{e:?}")))
}

fn pdf_date(at: DateTime<Utc>) -> PdfDateTime {
    let narrow = |v: u32| u8::try_from(v).unwrap_or(0);
    PdfDateTime::new(u16::try_from(at.year()).unwrap_or(1970))
        .month(narrow(at.month()))
        .day(narrow(at.day()))
        .hour(narrow(at.hour()))
        .minute(narrow(at.minute()))
        .second(narrow(at.second()))
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}
