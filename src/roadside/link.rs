//! The text of a roadside QR code and the code itself.
//!
//! ```text
//! HTTPS://EWB.EXAMPLE.LV/V/{token}#EWB2:{Base45, with ' ' as %20 and '%' as %25}
//! ```
//!
//! The link is uppercased where case does not matter (scheme and host) and
//! the token is base32, so everything but the `#` is in the QR
//! alphanumeric set (`0-9 A-Z space $ % * + - . / :`, 5.5 bits a
//! character instead of 8). The fragment is the payload percent-encoded
//! only where a URL needs it: a space would stop phone cameras from seeing a
//! link at all, and a bare `%` is not valid in a URL. The code is built from
//! explicit segments (alphanumeric runs, the rest in byte mode) at error
//! correction level M, in the smallest version that holds it.

use qrcode::bits::Bits;
use qrcode::{EcLevel, QrCode, Version};

use super::{RoadsideError, canonical_token};

/// The path under the public base that resolves a token (uppercase: it
/// survives QR alphanumeric mode; the server routes it as is).
pub const LINK_PATH: &str = "/V/";

/// The error correction level of every roadside code.
pub const EC_LEVEL: EcLevel = EcLevel::M;

/// The link's token and the payload (`EWB2:...`) of a QR code's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrParts {
    /// The token, canonical (uppercase).
    pub token: String,
    /// The payload, percent-decoded.
    pub payload: String,
}

/// The public base as the QR shows it: scheme and host (with port)
/// uppercased, any path kept as configured.
pub fn link_base(public_base: &str) -> String {
    let base = public_base.trim_end_matches('/');
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!(
        "{}{}",
        base[..path_start].to_ascii_uppercase(),
        &base[path_start..]
    )
}

/// The verification link of a token: `{BASE}/V/{token}`.
pub fn verify_link(public_base: &str, token: &str) -> String {
    format!("{}{LINK_PATH}{token}", link_base(public_base))
}

/// The text of the QR code: the link, `#`, and the payload percent-encoded
/// for a URL fragment.
pub fn qr_text(public_base: &str, token: &str, payload: &str) -> String {
    let mut text = verify_link(public_base, token);
    text.push('#');
    for c in payload.chars() {
        match c {
            ' ' => text.push_str("%20"),
            '%' => text.push_str("%25"),
            c => text.push(c),
        }
    }
    text
}

/// Splits QR text into the link's token and the payload. Accepts
/// surrounding whitespace, a link in any case, and a fragment whose spaces
/// are already decoded.
pub fn split_qr_text(text: &str) -> Result<QrParts, RoadsideError> {
    let (link, fragment) = text.trim().split_once('#').ok_or(RoadsideError::Malformed(
        "expected the whole QR text: the link, '#' and the EWB2: payload",
    ))?;
    let split = link.len().checked_sub(LINK_PATH.len() + super::TOKEN_CHARS);
    let (path, token) = split
        .filter(|&i| link.is_char_boundary(i))
        .map(|i| link[i..].split_at(LINK_PATH.len()))
        .filter(|(path, _)| path.eq_ignore_ascii_case(LINK_PATH))
        .ok_or(RoadsideError::Malformed(
            "the link does not end in /V/{token}",
        ))?;
    debug_assert!(path.len() == LINK_PATH.len());
    let token = canonical_token(token).ok_or(RoadsideError::Malformed(
        "the link's token is not 26 base32 characters",
    ))?;
    Ok(QrParts {
        token,
        payload: percent_decode(fragment)?,
    })
}

/// Undoes [`qr_text`]'s escapes: `%20` and `%25` only.
fn percent_decode(fragment: &str) -> Result<String, RoadsideError> {
    let mut out = String::with_capacity(fragment.len());
    let mut rest = fragment;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let escape = rest.get(i..i + 3);
        match escape {
            Some("%20") => out.push(' '),
            Some("%25") => out.push('%'),
            _ => {
                return Err(RoadsideError::Malformed(
                    "the fragment has a '%' that is not %20 or %25",
                ));
            }
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Whether `c` is in the QR alphanumeric set.
fn is_alphanumeric(c: u8) -> bool {
    matches!(c, b'0'..=b'9' | b'A'..=b'Z' | b' ' | b'$' | b'%' | b'*' | b'+' | b'-' | b'.' | b'/' | b':')
}

/// `text` as QR segments: each run of alphanumeric-set characters in
/// alphanumeric mode, every other run in byte mode (UTF-8).
fn segments(text: &str) -> Vec<(bool, &[u8])> {
    let bytes = text.as_bytes();
    let mut out: Vec<(bool, &[u8])> = Vec::new();
    let mut start = 0;
    for i in 1..=bytes.len() {
        let boundary =
            i == bytes.len() || is_alphanumeric(bytes[i]) != is_alphanumeric(bytes[start]);
        // A byte run never ends inside a UTF-8 character: continuation
        // bytes are not alphanumeric, so they stay in the run.
        if boundary {
            out.push((is_alphanumeric(bytes[start]), &bytes[start..i]));
            start = i;
        }
    }
    out
}

fn bits_for(text: &str, version: i16) -> Option<Bits> {
    let mut bits = Bits::new(Version::Normal(version));
    for (alphanumeric, data) in segments(text) {
        let pushed = if alphanumeric {
            bits.push_alphanumeric_data(data)
        } else {
            bits.push_byte_data(data)
        };
        pushed.ok()?;
    }
    bits.push_terminator(EC_LEVEL).ok()?;
    Some(bits)
}

fn qr_code(text: &str) -> Result<QrCode, RoadsideError> {
    let bits = (1..=40).find_map(|v| bits_for(text, v)).ok_or_else(|| {
        RoadsideError::Qr(format!(
            "{} characters do not fit any QR version",
            text.len()
        ))
    })?;
    QrCode::with_bits(bits, EC_LEVEL).map_err(|e| RoadsideError::Qr(e.to_string()))
}

/// The QR version (1-40) of the code for `text`.
pub fn qr_version(text: &str) -> Result<i16, RoadsideError> {
    match qr_code(text)?.version() {
        Version::Normal(v) => Ok(v),
        Version::Micro(v) => Ok(v),
    }
}

/// A QR code's modules, for a renderer of its own (the printable PDF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrModules {
    /// Modules per side, without the quiet zone.
    pub width: usize,
    /// Row by row, `true` where the module is dark.
    pub dark: Vec<bool>,
}

/// The modules of the QR code of `text`: the same code [`qr_png`] and
/// [`qr_svg`] draw.
pub fn qr_modules(text: &str) -> Result<QrModules, RoadsideError> {
    let code = qr_code(text)?;
    Ok(QrModules {
        width: code.width(),
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
    })
}

/// The QR code (level M) as an SVG document.
pub fn qr_svg(text: &str) -> Result<String, RoadsideError> {
    Ok(qr_code(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build())
}

/// The QR code (level M) as a PNG image.
pub fn qr_png(text: &str) -> Result<Vec<u8>, RoadsideError> {
    let image = qr_code(text)?
        .render::<image::Luma<u8>>()
        .module_dimensions(4, 4)
        .quiet_zone(true)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| RoadsideError::Qr(e.to_string()))?;
    Ok(out.into_inner())
}
