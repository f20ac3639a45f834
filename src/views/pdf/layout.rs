//! Laying text out on A4 pages: a cursor that moves down the page, lines
//! wrapped to a width measured with the embedded font, a new page when
//! the next block does not fit. It only collects what to draw where
//! ([`Page`]s of [`Mark`]s); writing them as PDF is [`super::write`].

/// A4 in PDF points (1/72 inch).
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
/// The margin on every side.
pub const MARGIN: f32 = 36.0;
/// The space the footer keeps free at the bottom.
const FOOTER: f32 = 18.0;

/// The font every word is set in (DejaVu Sans: see `assets/fonts/SOURCE.md`).
pub static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Something drawn on a page; coordinates from the top left, in points,
/// `y` of text at its baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    /// A filled black rectangle (QR modules, rules).
    Rect { x: f32, y: f32, w: f32, h: f32 },
}

/// One page's marks.
pub type Page = Vec<Mark>;

/// Widths of text in the embedded font.
pub struct Metrics {
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
}

/// The embedded font did not parse: the build is broken.
#[derive(Debug, thiserror::Error)]
#[error("the embedded font does not parse: {0}")]
pub struct FontError(ttf_parser::FaceParsingError);

impl Metrics {
    pub fn new() -> Result<Self, FontError> {
        let face = ttf_parser::Face::parse(FONT, 0).map_err(FontError)?;
        let units_per_em = f32::from(face.units_per_em());
        Ok(Self { face, units_per_em })
    }

    /// Whether the font has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }

    /// The advance width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .filter_map(|c| self.face.glyph_index(c))
            .filter_map(|g| self.face.glyph_hor_advance(g))
            .map(u32::from)
            .sum();
        // Exact: a line's advance stays far below 2^24 units.
        #[allow(clippy::cast_precision_loss)]
        let units = units as f32;
        units * size / self.units_per_em
    }

    /// Text the font can draw on one line: controls become spaces and
    /// characters it has no glyph for `?` (PDF/A forbids the .notdef glyph,
    /// and a document may name a party in any script).
    pub fn printable(&self, text: &str) -> String {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    ' '
                } else if self.covers(c) {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }

    /// `text` broken into lines no wider than `width` at `size`: at spaces
    /// where it can, inside a word too long for a line where it must. Line
    /// breaks in `text` are kept.
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in self
                .printable(paragraph)
                .split(' ')
                .filter(|w| !w.is_empty())
            {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    line.push(c);
                    if self.width(&line, size) > width && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    }
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// The pages being filled and where the next line goes.
pub struct Layout {
    pub metrics: Metrics,
    pages: Vec<Page>,
    /// The baseline area's top: where the next block starts.
    pub y: f32,
}

impl Layout {
    pub fn new(metrics: Metrics) -> Self {
        Self {
            metrics,
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    /// The width between the margins.
    pub fn content_width() -> f32 {
        PAGE_WIDTH - 2.0 * MARGIN
    }

    /// Makes room for a block `height` high: a new page when it would run
    /// into the footer (a block taller than a page starts a page and runs on).
    pub fn reserve(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - MARGIN - FOOTER && self.y > MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    /// Moves the cursor down.
    pub fn advance(&mut self, by: f32) {
        self.y += by;
    }

    /// Draws one line of text with its baseline at `baseline` (absolute).
    pub fn text_at(&mut self, x: f32, baseline: f32, size: f32, text: &str) {
        let text = self.metrics.printable(text);
        if text.trim().is_empty() {
            return;
        }
        self.current().push(Mark::Text {
            x,
            y: baseline,
            size,
            text,
        });
    }

    /// Draws `text` right-aligned so it ends at `right`.
    pub fn text_right(&mut self, right: f32, baseline: f32, size: f32, text: &str) {
        let width = self.metrics.width(&self.metrics.printable(text), size);
        self.text_at(right - width, baseline, size, text);
    }

    /// A black rectangle on the current page.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.current().push(Mark::Rect { x, y, w, h });
    }

    /// A thin rule across the content width at the cursor.
    pub fn rule(&mut self) {
        let y = self.y;
        self.rect(MARGIN, y, Self::content_width(), 0.5);
    }

    /// A paragraph wrapped to `width` at `x`, starting at the cursor;
    /// breaks pages between its lines.
    pub fn paragraph(&mut self, x: f32, width: f32, size: f32, text: &str) {
        let leading = line_height(size);
        for line in self.metrics.wrap(text, size, width) {
            self.reserve(leading);
            let baseline = self.y + size;
            self.text_at(x, baseline, size, &line);
            self.y += leading;
        }
    }

    fn current(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// The pages, each with its footer (`left` and "page i / n").
    pub fn finish(mut self, footer_left: &str, page_word: &str) -> Vec<Page> {
        let count = self.pages.len();
        let size = 7.0;
        let baseline = PAGE_HEIGHT - MARGIN;
        for (i, page) in self.pages.iter_mut().enumerate() {
            page.push(Mark::Text {
                x: MARGIN,
                y: baseline,
                size,
                text: self.metrics.printable(footer_left),
            });
            let number = format!("{page_word} {} / {count}", i + 1);
            let width = self.metrics.width(&number, size);
            page.push(Mark::Text {
                x: PAGE_WIDTH - MARGIN - width,
                y: baseline,
                size,
                text: number,
            });
        }
        self.pages
    }
}

/// The distance between baselines of text set at `size`.
pub fn line_height(size: f32) -> f32 {
    size * 1.3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Metrics {
        Metrics::new().expect("the embedded font parses")
    }

    #[test]
    fn the_font_covers_every_latvian_letter() {
        let m = metrics();
        for c in "āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ".chars() {
            assert!(m.covers(c), "{c} has no glyph");
        }
    }

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let m = metrics();
        let text = "Alus gaišais pasterizēts 0,5 l stikla pudelēs ar ļoti garu vārdu Pneumonoultramicroscopicsilicovolcanoconiosis";
        let lines = m.wrap(text, 9.0, 80.0);
        assert!(lines.len() > 3);
        for line in &lines {
            assert!(m.width(line, 9.0) <= 80.0, "{line} is too wide");
        }
        assert_eq!(lines.join("").replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn text_the_font_cannot_draw_becomes_question_marks() {
        assert_eq!(metrics().printable("a\tb\u{10FFFD}"), "a b?");
    }
}
