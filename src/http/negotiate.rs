//! Choosing a response format from the `Accept` header (RFC 9110 §12.5.1),
//! and a language from `Accept-Language` (§12.5.4, [`choose_language`]).
//!
//! Only the formats an endpoint offers can be chosen; a header that accepts
//! none of them is answered with 406 rather than silently ignored, so a
//! client asking for XML never parses JSON by mistake.

use crate::problem_code::ProblemCode;
use actix_web::HttpRequest;
use actix_web::http::header;

use super::problem::ApiError;

/// A representation an endpoint can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    /// UBL 2.1 XML.
    Xml,
}

/// Something an endpoint can answer with, named by media types.
pub trait Representation: Copy + PartialEq {
    /// The media type sent.
    fn media_type(self) -> &'static str;

    /// Other media types that ask for it.
    fn aliases(self) -> &'static [&'static str] {
        &[]
    }

    /// Whether the media range `type/subtype` (lowercase, no parameters)
    /// names this representation: `*/*`, its type with `/*`, its media
    /// type or an alias.
    fn matches(self, range: &str) -> bool {
        let names = |media: &str| {
            range == media
                || range
                    .strip_suffix("/*")
                    .is_some_and(|t| media.split('/').next() == Some(t))
        };
        range == "*/*" || names(self.media_type()) || self.aliases().iter().any(|a| names(a))
    }
}

impl Representation for Format {
    fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Format::Json => &[],
            Format::Xml => &["text/xml"],
        }
    }
}

/// The format to answer with: the offered format the client ranks highest,
/// each format taking the quality of the most specific range that names it
/// (ties go to the first offered, which is the endpoint's default). No
/// header means the default.
pub fn choose<F: Representation>(req: &HttpRequest, offered: &[F]) -> Result<F, ApiError> {
    let values: Vec<_> = req.headers().get_all(header::ACCEPT).collect();
    let Some(default) = offered.first().copied() else {
        return Err(not_acceptable(offered));
    };
    if values.is_empty() {
        return Ok(default);
    }
    let mut ranges = Vec::new();
    for value in values {
        let text = value.to_str().map_err(|_| not_acceptable(offered))?;
        for range in text.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            let (media, quality) = weighted(range);
            let quality = quality.ok_or_else(|| not_acceptable(offered))?;
            ranges.push((media, quality));
        }
    }
    let quality_of = |format: F| -> u16 {
        ranges
            .iter()
            .filter(|(media, _)| format.matches(media))
            .map(|(media, q)| (specificity(media), *q))
            .max()
            .map_or(0, |(_, q)| q)
    };
    let mut best: Option<(u16, F)> = None;
    for format in offered {
        let q = quality_of(*format);
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, *format));
        }
    }
    best.map(|(_, f)| f).ok_or_else(|| not_acceptable(offered))
}

/// The language to answer in (RFC 9110 §12.5.4): of the `offered` tags
/// (primary language subtags, lowercase, the default first), the one the
/// `Accept-Language` header ranks highest; a range names a tag when it is
/// the tag or starts with it and `-` (`lv-LV`), `*` names any. Ties, no
/// header and a header naming none of them give the default; a language
/// is never refused with 406 (a page in the default beats no page).
pub fn choose_language<'a>(req: &HttpRequest, offered: &[&'a str]) -> Option<&'a str> {
    let default = offered.first().copied()?;
    let mut best: Option<(u16, &'a str)> = None;
    for value in req.headers().get_all(header::ACCEPT_LANGUAGE) {
        let Ok(text) = value.to_str() else { continue };
        for range in text.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            let (tag, quality) = weighted(range);
            let quality = quality.unwrap_or(0);
            let named = offered.iter().copied().find(|o| {
                tag == *o
                    || tag
                        .strip_prefix(o)
                        .is_some_and(|rest| rest.starts_with('-'))
            });
            let named = named.or((tag == "*").then_some(default));
            if let Some(lang) = named
                && quality > 0
                && best.is_none_or(|(q, _)| quality > q)
            {
                best = Some((quality, lang));
            }
        }
    }
    Some(best.map_or(default, |(_, lang)| lang))
}

/// One element of an `Accept` or `Accept-Language` list: its range in
/// lowercase and its weight `q` in thousandths (1000 when absent, `None`
/// when it does not parse).
fn weighted(element: &str) -> (String, Option<u16>) {
    let mut parts = element.split(';').map(str::trim);
    let range = parts.next().unwrap_or("").to_ascii_lowercase();
    let quality = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
        .map_or(Some(1000), |(_, v)| parse_quality(v.trim()));
    (range, quality)
}

/// `*/*` < `type/*` < `type/subtype`.
fn specificity(media: &str) -> u8 {
    match media {
        "*/*" => 0,
        m if m.ends_with("/*") => 1,
        _ => 2,
    }
}

/// `q` in thousandths: `0`, `0.5`, `1`, `1.000`.
fn parse_quality(text: &str) -> Option<u16> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

fn not_acceptable<F: Representation>(offered: &[F]) -> ApiError {
    let types: Vec<&str> = offered.iter().map(|f| f.media_type()).collect();
    ApiError::new(
        ProblemCode::NotAcceptable,
        format!(
            "this resource is available as {}; send an Accept header that allows one of them",
            types.join(" or ")
        ),
    )
    .with("available", types)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    const BOTH: &[Format] = &[Format::Json, Format::Xml];

    fn pick<F: Representation>(accept: Option<&str>, offered: &[F]) -> Result<F, u16> {
        let mut req = TestRequest::default();
        if let Some(a) = accept {
            req = req.insert_header((header::ACCEPT, a));
        }
        choose(&req.to_http_request(), offered).map_err(|e| e.status.as_u16())
    }

    #[test]
    fn default_wildcards_and_explicit_types() {
        assert_eq!(pick(None, BOTH), Ok(Format::Json));
        assert_eq!(pick(Some("*/*"), BOTH), Ok(Format::Json));
        assert_eq!(pick(Some("application/json"), BOTH), Ok(Format::Json));
        assert_eq!(pick(Some("application/xml"), BOTH), Ok(Format::Xml));
        assert_eq!(pick(Some("Text/XML; charset=utf-8"), BOTH), Ok(Format::Xml));
        assert_eq!(pick(Some("text/*"), BOTH), Ok(Format::Xml));
        assert_eq!(pick(None, &[Format::Xml]), Ok(Format::Xml));
    }

    #[test]
    fn quality_decides() {
        assert_eq!(
            pick(Some("application/json;q=0.4, application/xml"), BOTH),
            Ok(Format::Xml)
        );
        assert_eq!(
            pick(Some("application/xml;q=0.9, */*;q=0.1"), BOTH),
            Ok(Format::Xml)
        );
        assert_eq!(
            pick(Some("application/xml;q=0.5, application/json;q=0.5"), BOTH),
            Ok(Format::Json)
        );
        // The specific range wins over the wildcard.
        assert_eq!(
            pick(Some("application/json;q=0, */*"), BOTH),
            Ok(Format::Xml)
        );
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Shown {
        Page,
        Image,
    }

    impl Representation for Shown {
        fn media_type(self) -> &'static str {
            match self {
                Shown::Page => "text/html",
                Shown::Image => "image/png",
            }
        }
    }

    #[test]
    fn any_representation_can_be_offered() {
        let offered = [Shown::Page, Shown::Image];
        assert_eq!(pick(Some("image/*"), &offered), Ok(Shown::Image));
        assert_eq!(
            pick(Some("text/*;q=0.5, image/png;q=0.4"), &offered),
            Ok(Shown::Page)
        );
        assert_eq!(pick(Some("*/*"), &offered), Ok(Shown::Page));
        assert_eq!(pick(Some("image/gif"), &offered), Err(406));
        assert_eq!(pick(Some("application/*"), &offered), Err(406));
    }

    fn language(header: Option<&str>) -> Option<&'static str> {
        let mut req = TestRequest::default();
        if let Some(h) = header {
            req = req.insert_header((header::ACCEPT_LANGUAGE, h));
        }
        choose_language(&req.to_http_request(), &["en", "lv"])
    }

    #[test]
    fn languages_by_accept_language() {
        assert_eq!(language(None), Some("en"));
        assert_eq!(language(Some("lv")), Some("lv"));
        assert_eq!(language(Some("lv-LV,lv;q=0.9,en;q=0.8")), Some("lv"));
        assert_eq!(language(Some("en-GB, lv;q=0.5")), Some("en"));
        assert_eq!(language(Some("de, lv;q=0.3")), Some("lv"));
        assert_eq!(language(Some("de, fr")), Some("en"));
        assert_eq!(language(Some("lv;q=0, *")), Some("en"));
        assert_eq!(language(Some("lvx")), Some("en"));
        assert_eq!(language(Some("lv;q=nonsense")), Some("en"));
    }

    #[test]
    fn nothing_acceptable_is_406() {
        assert_eq!(pick(Some("text/html"), BOTH), Err(406));
        assert_eq!(pick(Some("application/json"), &[Format::Xml]), Err(406));
        assert_eq!(pick(Some("application/xml;q=0"), &[Format::Xml]), Err(406));
        assert_eq!(pick(Some("application/xml;q=2"), BOTH), Err(406));
        assert_eq!(parse_quality("0.25"), Some(250));
        assert_eq!(parse_quality("1.0001"), None);
    }
}
