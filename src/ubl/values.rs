//! Reading UBL values (decimals, dates, times, codes) into ours, collecting
//! every problem with both our field path and the UBL location.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use roxmltree::Node;
use rust_decimal::Decimal;

use super::ImportNote;
use super::xml::{Consumed, find, find_all, location, location_below};
use crate::domain::field_error::FieldError;

/// State of one import: what was read, what is wrong, what was not kept.
#[derive(Default)]
pub(super) struct Importer {
    pub consumed: Consumed,
    pub errors: Vec<FieldError>,
    pub notes: Vec<ImportNote>,
}

impl Importer {
    /// A required field that the UBL does not carry.
    pub fn missing(&mut self, path: &str, node: Node<'_, '_>, ubl: &str) {
        self.errors.push(FieldError::new(
            path,
            "missing_field",
            format!(
                "required; not found in the UBL at {}",
                location_below(node, ubl)
            ),
        ));
    }

    pub fn invalid(&mut self, path: &str, at: Node<'_, '_>, message: impl std::fmt::Display) {
        self.errors.push(FieldError::new(
            path,
            "invalid_value",
            format!("{message} (UBL {})", location(at)),
        ));
    }

    pub fn note(&mut self, kind: &'static str, location: String, message: impl Into<String>) {
        self.notes.push(ImportNote {
            kind,
            location,
            message: message.into(),
        });
    }

    /// The texts of every element at `path` below `node` (blank ones
    /// skipped), all marked as read.
    pub fn all_texts<'a>(&mut self, node: Node<'a, '_>, path: &str) -> Vec<&'a str> {
        find_all(node, path)
            .into_iter()
            .filter_map(|n| {
                self.consumed.mark(n);
                n.text().filter(|t| !t.trim().is_empty())
            })
            .collect()
    }

    /// [`all_texts`](Self::all_texts) joined by `separator`; `None` if none.
    pub fn joined(&mut self, node: Node<'_, '_>, path: &str, separator: &str) -> Option<String> {
        let texts = self.all_texts(node, path);
        (!texts.is_empty()).then(|| texts.join(separator))
    }

    /// Text of the first of `paths` (alternatives, in order of preference)
    /// present below `node`. Alternatives holding the same value count as
    /// read; a different value is left unread and so reported as ignored.
    pub fn first_text<'a>(&mut self, node: Node<'a, '_>, paths: &[&str]) -> Option<&'a str> {
        let mut chosen: Option<&'a str> = None;
        for path in paths {
            let Some(found) = find(node, path) else {
                continue;
            };
            let text = found.text().filter(|t| !t.trim().is_empty());
            match (chosen, text) {
                (None, Some(t)) => {
                    self.consumed.mark(found);
                    chosen = Some(t);
                }
                (Some(c), Some(t)) if c.trim() == t.trim() => self.consumed.mark(found),
                _ => {}
            }
        }
        chosen
    }

    /// A required text: present, or reported missing under `path`.
    pub fn required_text<'a>(
        &mut self,
        path: &str,
        node: Node<'a, '_>,
        paths: &[&str],
    ) -> Option<&'a str> {
        let text = self.first_text(node, paths);
        if text.is_none() {
            self.missing(path, node, paths[0]);
        }
        text
    }

    /// An `xsd:decimal` at `ubl` below `node` (absent: `None`, unparsable:
    /// reported under `path`).
    pub fn decimal(&mut self, path: &str, node: Node<'_, '_>, ubl: &str) -> Option<Decimal> {
        let found = find(node, ubl)?;
        self.consumed.mark(found);
        let text = found.text().unwrap_or("").trim();
        let value = parse_decimal(text);
        if value.is_none() {
            self.invalid(path, found, format!("`{text}` is not a decimal number"));
        }
        value
    }

    /// The date and optional time elements as one UTC instant.
    pub fn instant(
        &mut self,
        path: &str,
        node: Node<'_, '_>,
        date_path: &str,
        time_path: &str,
    ) -> Option<DateTime<Utc>> {
        let date_node = find(node, date_path)?;
        self.consumed.mark(date_node);
        let date_text = date_node.text().unwrap_or("").trim();
        let Some(date) = parse_date(date_text) else {
            self.invalid(
                path,
                date_node,
                format!("`{date_text}` is not a date (YYYY-MM-DD)"),
            );
            return None;
        };
        let Some(time_node) = find(node, time_path) else {
            self.note(
                "defaulted",
                location_below(node, time_path),
                "no time given: midnight UTC assumed",
            );
            return Some(date.and_time(chrono::NaiveTime::MIN).and_utc());
        };
        self.consumed.mark(time_node);
        let time_text = time_node.text().unwrap_or("").trim();
        let has_zone = time_text.ends_with('Z')
            || time_text
                .rfind(['+', '-'])
                .is_some_and(|i| i >= 8 && time_text[i..].contains(':'));
        let zoned = if has_zone {
            time_text.to_owned()
        } else {
            self.note(
                "defaulted",
                location(time_node),
                "time without a zone: UTC assumed",
            );
            format!("{time_text}Z")
        };
        match DateTime::parse_from_rfc3339(&format!("{date}T{zoned}")) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                self.invalid(
                    path,
                    time_node,
                    format!("`{time_text}` is not a time (hh:mm:ss)"),
                );
                None
            }
        }
    }
}

/// `xsd:decimal`: optional sign, digits with an optional point (`.5` and
/// `5.` allowed), read exactly.
pub(super) fn parse_decimal(text: &str) -> Option<Decimal> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int = if int.is_empty() { "0" } else { int };
    let plain = match (negative, frac.is_empty()) {
        (false, true) => int.to_owned(),
        (false, false) => format!("{int}.{frac}"),
        (true, true) => format!("-{int}"),
        (true, false) => format!("-{int}.{frac}"),
    };
    Decimal::from_str_exact(&plain).ok()
}

/// `xsd:date` without a zone (a zone suffix is accepted and ignored).
pub(super) fn parse_date(text: &str) -> Option<NaiveDate> {
    let day = text.get(..10)?;
    let rest = &text[10..];
    if !(rest.is_empty() || rest == "Z" || rest.starts_with(['+', '-'])) {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// A UTC instant as UBL's separate `xsd:date` and `xsd:time` (with `Z`).
pub(super) fn date_and_time(at: DateTime<Utc>) -> (String, String) {
    let text = at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    match text.split_once('T') {
        Some((date, time)) => (date.to_owned(), time.to_owned()),
        None => (text, String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn xsd_decimals_are_exact() {
        assert_eq!(parse_decimal("12.50").unwrap().to_string(), "12.50");
        assert_eq!(parse_decimal("+3").unwrap(), dec!(3));
        assert_eq!(parse_decimal(".5").unwrap(), dec!(0.5));
        assert_eq!(parse_decimal("5.").unwrap(), dec!(5));
        assert_eq!(parse_decimal("-0.125").unwrap(), dec!(-0.125));
        for bad in ["", ".", "-", "1e3", "1,5", "abc", "1.2.3", " 1"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            parse_date("2005-06-20"),
            NaiveDate::from_ymd_opt(2005, 6, 20)
        );
        assert!(parse_date("2005-06-20Z").is_some());
        assert!(parse_date("20-06-2005").is_none());
        let at = DateTime::parse_from_rfc3339("2026-11-30T06:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            date_and_time(at),
            ("2026-11-30".to_owned(), "06:30:00Z".to_owned())
        );
    }

    #[test]
    fn instant_combines_zones_and_notes_assumptions() {
        let xml = r#"<r xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
            <cbc:D>2005-06-20</cbc:D><cbc:T>10:30:47.0Z</cbc:T><cbc:L>08:00:00</cbc:L>
            <cbc:O>12:00:00+02:00</cbc:O></r>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let root = doc.root_element();
        let mut im = Importer::default();
        let t = im.instant("p", root, "cbc:D", "cbc:T").unwrap();
        assert_eq!(t.to_rfc3339(), "2005-06-20T10:30:47+00:00");
        let o = im.instant("p", root, "cbc:D", "cbc:O").unwrap();
        assert_eq!(o.to_rfc3339(), "2005-06-20T10:00:00+00:00");
        assert!(im.notes.is_empty());
        let l = im.instant("p", root, "cbc:D", "cbc:L").unwrap();
        assert_eq!(l.to_rfc3339(), "2005-06-20T08:00:00+00:00");
        let m = im.instant("p", root, "cbc:D", "cbc:Missing").unwrap();
        assert_eq!(m.to_rfc3339(), "2005-06-20T00:00:00+00:00");
        assert_eq!(im.notes.len(), 2);
        assert!(im.errors.is_empty());
    }
}
