//! Vehicle registration plates as an inspector types them, and as a sender
//! may disguise them.
//!
//! # The key
//!
//! Plates are searched, and compared by the risk factor "one plate, two
//! unrelated carriers", by one key: [`normalize_plate`]. The plate itself
//! is kept exactly as signed; only the key is folded.
//!
//! 1. Fullwidth forms (U+FF01..U+FF5E, `ＫＸ－５３３８`) become their ASCII
//!    characters, as Unicode compatibility normalisation (NFKC) maps them.
//! 2. Letters are uppercased: case does not matter.
//! 3. Greek and Cyrillic capitals that look like a Latin capital or a digit
//!    become it ([`LOOKALIKES`]): `КХ-5338` (Cyrillic) is `KX-5338`. The
//!    table is exactly the UTS #39 confusables of the Greek and Cyrillic
//!    blocks onto `A`-`Z` and `0`-`9`, with `О`/`Ο` read as the letter O and
//!    `І`/`Ι`/`Ӏ` as the letter I (the tests check it against the Unicode
//!    data). Latin letters and digits are never folded into each other: `O`
//!    and `0`, `I` and `1` are different plates.
//! 4. Only letters and digits count: `KX 5338`, `kx-5338` and `KX5338` are
//!    one key, `KX5338`.
//!
//! Every step maps one character to one character, so a stored key can be
//! re-folded in SQL (see the `plate_lookalikes` migrations, which the tests
//! check against [`LOOKALIKES`]).
//!
//! # What a plate may hold
//!
//! [`check_plate`] refuses, for new acts, a plate holding anything but,
//! after the fold: the letters `A`-`Z`, the letters `Ä Ö Ü` (German plates)
//! and `Č Ć Đ Š Ž` (Croatian, Serbian, Slovenian, Bosnian plates), the digits
//! `0`-`9`, and the separators space (also no-break and ideographic),
//! `-`, `‐ ‑ ‒ – — −`, `.` and `·`.
//! A plate needs at least one letter or digit.

use super::field_error::FieldError;

/// The code of a plate [`check_plate`] refuses.
pub const INVALID_PLATE: &str = "invalid_plate";

/// Greek and Cyrillic capitals and the Latin capital or digit they look
/// like: the UTS #39 confusables of those blocks onto `A`-`Z`, `0`-`9`.
pub const LOOKALIKES: &[(char, char)] = &[
    // Greek
    ('Ϳ', 'J'), // U+037F GREEK CAPITAL LETTER YOT
    ('Α', 'A'), // U+0391
    ('Β', 'B'), // U+0392
    ('Ε', 'E'), // U+0395
    ('Ζ', 'Z'), // U+0396
    ('Η', 'H'), // U+0397
    ('Ι', 'I'), // U+0399
    ('Κ', 'K'), // U+039A
    ('Μ', 'M'), // U+039C
    ('Ν', 'N'), // U+039D
    ('Ο', 'O'), // U+039F
    ('Ρ', 'P'), // U+03A1
    ('Τ', 'T'), // U+03A4
    ('Υ', 'Y'), // U+03A5
    ('Χ', 'X'), // U+03A7
    ('ϒ', 'Y'), // U+03D2 GREEK UPSILON WITH HOOK SYMBOL
    ('Ϝ', 'F'), // U+03DC GREEK LETTER DIGAMMA
    ('Ϩ', '2'), // U+03E8 COPTIC CAPITAL LETTER HORI
    ('Ϭ', '6'), // U+03EC COPTIC CAPITAL LETTER SHIMA
    ('Ϲ', 'C'), // U+03F9 GREEK CAPITAL LUNATE SIGMA SYMBOL
    ('Ϻ', 'M'), // U+03FA GREEK CAPITAL LETTER SAN
    // Cyrillic
    ('Ѕ', 'S'), // U+0405 DZE
    ('І', 'I'), // U+0406 BYELORUSSIAN-UKRAINIAN I
    ('Ј', 'J'), // U+0408 JE
    ('А', 'A'), // U+0410
    ('В', 'B'), // U+0412
    ('Е', 'E'), // U+0415
    ('З', '3'), // U+0417 ZE
    ('К', 'K'), // U+041A
    ('М', 'M'), // U+041C
    ('Н', 'H'), // U+041D EN
    ('О', 'O'), // U+041E
    ('Р', 'P'), // U+0420 ER
    ('С', 'C'), // U+0421 ES
    ('Т', 'T'), // U+0422
    ('У', 'Y'), // U+0423 U
    ('Х', 'X'), // U+0425 HA
    ('Ѵ', 'V'), // U+0474 IZHITSA
    ('Ү', 'Y'), // U+04AE STRAIGHT U
    ('Ӏ', 'I'), // U+04C0 PALOCHKA
    ('Ӡ', '3'), // U+04E0 ABKHASIAN DZE
    ('Ԍ', 'G'), // U+050C KOMI SJE
    ('Ԛ', 'Q'), // U+051A QA
    ('Ԝ', 'W'), // U+051C WE
];

/// Latin letters beyond `A`-`Z` that plates use.
const PLATE_LETTERS: &[char] = &['Ä', 'Ö', 'Ü', 'Č', 'Ć', 'Đ', 'Š', 'Ž'];

/// Separators a plate may be written with; they are not part of the key.
const SEPARATORS: &[char] = &[
    ' ', '\u{A0}', '\u{202F}', '\u{3000}', '-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}',
    '\u{2014}', '\u{2212}', '.', '·',
];

/// One character of a plate as the key reads it (steps 1-3 of the module
/// documentation); uppercasing may yield more than one character.
fn fold(c: char) -> impl Iterator<Item = char> {
    let c = match u32::from(c) {
        0xFF01..=0xFF5E => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_uppercase().map(|u| {
        LOOKALIKES
            .iter()
            .find(|(from, _)| *from == u)
            .map_or(u, |(_, to)| *to)
    })
}

/// The key plates are stored, searched and compared by: the folded letters
/// and digits, uppercase. Empty when the input holds neither. Total, so a
/// plate recorded before [`check_plate`] existed still gets a key.
pub fn normalize_plate(plate: &str) -> String {
    plate
        .chars()
        .flat_map(fold)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Whether `plate` can be a registration plate (see the module
/// documentation); the problem, at `path`, if not. Blank plates are the
/// caller's `required` check.
pub fn check_plate(path: &str, plate: &str) -> Option<FieldError> {
    if plate.trim().is_empty() {
        return None;
    }
    let mut refused: Vec<char> = plate
        .chars()
        .filter(|&c| {
            !fold(c).all(|f| {
                f.is_ascii_uppercase()
                    || f.is_ascii_digit()
                    || PLATE_LETTERS.contains(&f)
                    || SEPARATORS.contains(&f)
            })
        })
        .collect();
    refused.dedup();
    let message = if !refused.is_empty() {
        let shown: Vec<String> = refused
            .iter()
            .map(|c| format!("`{}` (U+{:04X})", c.escape_debug(), u32::from(*c)))
            .collect();
        format!(
            "{} cannot be on a registration plate: a plate holds Latin letters, digits, spaces and dashes",
            shown.join(", ")
        )
    } else if normalize_plate(plate).is_empty() {
        "a registration plate needs at least one letter or digit".to_owned()
    } else {
        return None;
    };
    Some(FieldError::new(path, INVALID_PLATE, message))
}

/// Cities compare the same way, but keep inner spaces ("Jelgava", "jelgava ").
pub fn normalize_city(city: &str) -> String {
    city.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_dashes_and_case_do_not_matter() {
        for typed in ["AB-1234", "ab 1234", "AB1234", " a-b 12-34 ", "Ab\t1234"] {
            assert_eq!(normalize_plate(typed), "AB1234", "{typed}");
        }
        assert_eq!(
            normalize_plate("KX–9876"),
            "KX9876",
            "an en dash is not a character of the plate"
        );
        assert_eq!(normalize_plate("---"), "");
        assert_ne!(normalize_plate("AB-1234"), normalize_plate("AB-1243"));
    }

    #[test]
    fn cyrillic_greek_and_fullwidth_lookalikes_fold_to_latin() {
        let latin = normalize_plate("KX-5338");
        assert_eq!(latin, "KX5338");
        // Cyrillic Ka and Ha.
        assert_eq!(normalize_plate("\u{41A}\u{425}-5338"), latin);
        assert_eq!(normalize_plate("КХ-5338"), latin);
        // Fullwidth letters, digits and hyphen.
        assert_eq!(normalize_plate("ＫＸ－５３３８"), latin);
        // Greek Kappa and Chi, lowercase too.
        assert_eq!(normalize_plate("ΚΧ 5338"), latin);
        assert_eq!(normalize_plate("κχ5338"), latin);
        // Mixed: Latin K, Cyrillic х, fullwidth ５, Greek nothing.
        assert_eq!(normalize_plate("Kх 5３38"), latin);
        assert_eq!(normalize_plate("ｋx-5338"), latin);
        // A Bulgarian plate in Cyrillic is the same truck as in Latin.
        assert_eq!(normalize_plate("СА 1234 ВК"), normalize_plate("CA1234BK"));
        // Latin letters and digits are never merged.
        assert_ne!(normalize_plate("AB-1001"), normalize_plate("AB-1OO1"));
        assert_ne!(normalize_plate("AB-1001"), normalize_plate("AB-I00I"));
        // Diacritics stay: MÜ is not MU.
        assert_eq!(normalize_plate("mü-ab 12"), "MÜAB12");
    }

    #[test]
    fn plates_with_characters_no_plate_has_are_refused() {
        for good in [
            "KX-5338",
            "КХ-5338",
            "ＫＸ-５３３８",
            "ΚΧ 5338",
            "kx5338",
            "MÜ-AB 123",
            "ZG 1234-ŠĆ",
            "AB.12·34",
            "KX–9876",
            "  AB 1234 ",
        ] {
            assert_eq!(check_plate("p", good), None, "{good}");
        }
        for (bad, shown) in [
            ("AB@1234", "`@`"),
            ("AB🚚1234", "`🚚`"),
            ("AB_1234", "`_`"),
            ("БГ-1234", "`Б` (U+0411), `Г` (U+0413)"),
            ("AB/1234", "`/`"),
            ("AB\n1234", "`\\n`"),
            ("AB\u{0}1", "`\\0`"),
            ("ΑΒ-Λ12", "`Λ`"),
        ] {
            let e = check_plate("transport.vehicle_plate", bad).expect(bad);
            assert_eq!(e.path, "transport.vehicle_plate");
            assert_eq!(e.code, INVALID_PLATE);
            assert!(e.message.contains(shown), "{bad}: {}", e.message);
        }
        let e = check_plate("vehicle_plate", "- . -").unwrap();
        assert_eq!(
            e.message,
            "a registration plate needs at least one letter or digit"
        );
        assert_eq!(
            check_plate("p", "   "),
            None,
            "blank is `required`, not this"
        );
    }

    #[test]
    fn lookalikes_are_exactly_the_uts39_confusables_of_greek_and_cyrillic() {
        use unicode_security::skeleton;
        let sk = |c: char| skeleton(&c.to_string()).collect::<String>();
        let targets: Vec<char> = ('A'..='Z').chain('0'..='9').collect();
        let mut expected = Vec::new();
        for u in 0x0370..0x0530 {
            let Some(c) = char::from_u32(u) else { continue };
            let upper: Vec<char> = c.to_uppercase().collect();
            if !c.is_alphanumeric() || upper != [c] {
                continue;
            }
            // O/0 and I/1/l share a skeleton: a letter looks like the letter.
            if let Some(t) = targets.iter().find(|t| sk(**t) == sk(c)) {
                expected.push((c, *t));
            }
        }
        assert_eq!(LOOKALIKES, expected.as_slice());
    }

    #[test]
    fn the_fullwidth_fold_is_nfkc() {
        use unicode_normalization::UnicodeNormalization;
        for u in 0xFF01..=0xFF5E {
            let c = char::from_u32(u).unwrap();
            let nfkc: String = c.to_string().nfkc().collect();
            let folded: String = fold(c).collect();
            assert_eq!(folded, nfkc.to_uppercase(), "U+{u:04X}");
        }
    }

    /// The migrations re-fold stored keys with the same table, in SQL.
    #[test]
    fn the_migrations_fold_with_the_same_table() {
        let mut table: Vec<(char, char)> = LOOKALIKES.to_vec();
        table.extend(
            ('A'..='Z')
                .chain('0'..='9')
                .map(|c| (char::from_u32(u32::from(c) + 0xFEE0).unwrap(), c)),
        );
        table.sort_unstable();

        let pg =
            include_str!("../../migrations/postgres/2026-12-01-111500_plate_lookalikes/up.sql");
        let quoted: Vec<&str> = pg.split('\'').skip(1).step_by(2).collect();
        let (from, to) = (quoted[0], quoted[1]);
        assert!(quoted.chunks(2).all(|pair| pair == [from, to]), "one table");
        let mut pg_table: Vec<(char, char)> = from.chars().zip(to.chars()).collect();
        assert_eq!(from.chars().count(), to.chars().count());
        pg_table.sort_unstable();
        assert_eq!(pg_table, table, "postgres");

        let sqlite =
            include_str!("../../migrations/sqlite/2026-12-01-111500_plate_lookalikes/up.sql");
        let mut sqlite_table: Vec<(char, char)> = sqlite
            .lines()
            .filter(|l| l.starts_with("UPDATE"))
            .map(|l| {
                let q: Vec<&str> = l.split('\'').skip(1).step_by(2).collect();
                let one = |s: &str| {
                    let mut c = s.chars();
                    let first = c.next().unwrap();
                    assert_eq!(c.next(), None, "{l}");
                    first
                };
                (one(q[0]), one(q[1]))
            })
            .collect();
        sqlite_table.sort_unstable();
        assert_eq!(sqlite_table, table, "sqlite");
    }

    #[test]
    fn cities_fold_case_and_spacing() {
        assert_eq!(normalize_city("  Rīga "), "rīga");
        assert_eq!(normalize_city("Nova  Gorica"), "nova gorica");
    }
}
